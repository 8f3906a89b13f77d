"""Slash-commands: the registry (`registry.py`) and one module per theme.

`chat.py` the conversation itself, `model.py` models and providers, `chats.py` saved
chats, `display.py` help and what is shown, `compare.py` /compare and /pick, `roles.py`
/role /file /check, `output.py` /json /schema. Adding a command is one function with the
`@command` decorator in the module of its theme; its docstring is its help. Importing
this package registers them all.
"""

from llmchat.repl.commands import chat, chats, compare, display, model, output, roles
from llmchat.repl.commands.registry import (
    REGISTRY,
    Command,
    ReplState,
    Reply,
    command,
    completes_paths,
    completions_for,
    dispatch,
    listed,
    lookup,
    parse,
    unescape,
    warner,
)

__all__ = [
    "REGISTRY",
    "Command",
    "ReplState",
    "Reply",
    "chat",
    "chats",
    "command",
    "compare",
    "completes_paths",
    "completions_for",
    "dispatch",
    "display",
    "listed",
    "lookup",
    "model",
    "output",
    "parse",
    "roles",
    "unescape",
    "warner",
]
