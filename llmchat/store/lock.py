"""One writer per chat: the chat file itself, flock'ed for as long as a REPL has it open.

Two REPLs appending to one chat would interleave their conversations, and a later
resume would keep only one side. The holder is the writer's own append descriptor, so
the kernel lets go when the process ends however it ends (SIGKILL, os._exit): a crash
never leaves a chat locked, and no lock file is left lying around. Without fcntl
(Windows) nothing is locked and nothing changes.
"""

from __future__ import annotations

from llmchat.store.record_types import StoreError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class ChatBusyError(StoreError):
    """Another llmchat has this chat open for writing."""


def lock_for_writing(fd: int, chat_id: str) -> bool:
    """Take the chat's lock on `fd` at once, or raise ChatBusyError; never waits.
    False where locks do not exist (the caller then locks each append instead)."""
    if fcntl is None:  # pragma: no cover
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise ChatBusyError(
            f"chat {chat_id} is open in another llmchat",
            "close it there first, or keep going in the new chat branched from it",
        ) from None
    except OSError:
        return False  # a file system without flock: per-append locking still applies
    return True


def held_by_a_writer(fd: int) -> bool:
    """Whether a live llmchat holds the chat open on another descriptor (`fd`: any of
    ours on its file, read-only will do). Asked only of a chat whose last lines are a
    reply's pieces: streaming still, or killed. A shared lock taken and given back at
    once; False where locks do not exist."""
    if fcntl is None:  # pragma: no cover
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    fcntl.flock(fd, fcntl.LOCK_UN)
    return False
