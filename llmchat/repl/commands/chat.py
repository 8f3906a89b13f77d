"""The conversation itself: /clear /system /retry /undo /copy /edit /set /compact /exit."""

from __future__ import annotations

from dataclasses import replace

from llmchat.engine.session import ChatSession
from llmchat.errors import UsageError
from llmchat.repl.commands.registry import ReplState, Reply, command


def _param_names(session: ChatSession) -> list[str]:
    from llmchat.config import PARAM_NAMES

    return [*PARAM_NAMES, "stop", "seed"]


@command("exit", usage="/exit", aliases=("quit", "q"))
def exit_(state: ReplState, arg: str) -> Reply:
    """Leave llmchat (Ctrl+D does the same)."""
    return Reply(exit=True)


@command("clear", usage="/clear")
def clear(state: ReplState, arg: str) -> Reply:
    """Forget the conversation (the system prompt stays)."""
    state.session.clear()
    return Reply("conversation cleared")


@command("system", usage="/system [TEXT]")
def system(state: ReplState, arg: str) -> Reply:
    """Show the system prompt, or set it (/system off removes it)."""
    conversation = state.session.conversation
    if not arg:
        return Reply(
            f"system: {conversation.system}" if conversation.system else "no system prompt"
        )
    conversation.system = None if arg.lower() in ("off", "none", "clear") else arg
    return Reply("system prompt set" if conversation.system else "system prompt removed")


@command("retry", usage="/retry")
def retry(state: ReplState, arg: str) -> Reply:
    """Ask the last question again (after a failure, or for a different answer)."""
    return Reply(ask=state.session.retry_question())


@command("undo", usage="/undo")
def undo(state: ReplState, arg: str) -> Reply:
    """Drop the last exchange from the conversation."""
    dropped = state.session.undo()
    if dropped is None:
        return Reply("nothing to undo")
    preview = " ".join(dropped.user.split())
    if len(preview) > 50:
        preview = preview[:49] + "…"
    return Reply(f"dropped: {preview}")


@command("copy", usage="/copy")
def copy(state: ReplState, arg: str) -> Reply:
    """Copy the last reply to the clipboard (OSC 52: works over SSH too)."""
    last = state.session.conversation.last
    if last is None or not last.assistant:
        return Reply("no reply to copy yet", error=True)
    return Reply(f"copied {len(last.assistant)} characters", copy=last.assistant)


@command("edit", usage="/edit")
def edit(state: ReplState, arg: str) -> Reply:
    """Compose the next message in $EDITOR; it comes back to the prompt to send."""
    from llmchat.repl.editor import edit_text

    text = edit_text(arg, state.env)
    if not text.strip():
        return Reply("nothing written; nothing sent")
    return Reply(prefill=text.rstrip("\n"))


@command("set", usage="/set [NAME VALUE]", complete=_param_names)
def set_(state: ReplState, arg: str) -> Reply:
    """Show generation parameters, or set one: /set temperature 0.3 (none unsets).

    Parameters: temperature, top_p, max_tokens, presence_penalty, frequency_penalty,
    stop (up to 4 sequences: /set stop END "\\n\\n"), seed.
    """
    import json

    from llmchat.structured.options import parse_seed, parse_stop_words

    session = state.session
    if not arg:
        lines = [
            f"{name:<18} {'(server default)' if value is None else value}"
            for name, value in session.params.as_dict().items()
        ]
        stop = " ".join(json.dumps(s) for s in session.output.stop) or "(none)"
        seed = session.output.seed
        lines += [f"{'stop':<18} {stop}", f"{'seed':<18} {'(none)' if seed is None else seed}"]
        return Reply("\n".join(lines))
    name, _, value = arg.replace("\t", " ").partition(" ")
    name = name.strip()
    if name == "stop":
        session.output = replace(session.output, stop=parse_stop_words(value))
        shown = " ".join(json.dumps(s) for s in session.output.stop)
        return Reply(f"stop = {shown or '(none)'}")
    if not value.strip():
        raise UsageError(f"/set {name} needs a value", "usage: /set NAME VALUE")
    if name == "seed":
        session.output = replace(session.output, seed=parse_seed(value.strip()))
        return Reply(f"seed = {'(none)' if session.output.seed is None else session.output.seed}")
    session.params = session.params.with_value(name, value.strip())
    shown_value = getattr(session.params, name)
    return Reply(f"{name} = {'(server default)' if shown_value is None else shown_value}")


@command("compact", usage="/compact")
def compact(state: ReplState, arg: str) -> Reply:
    """Replace the conversation with the model's own summary of it, to save tokens."""
    before, after = state.session.compact()
    return Reply(f"compacted: ~{before:,} → ~{after:,} tokens")
