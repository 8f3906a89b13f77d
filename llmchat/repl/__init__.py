"""The interactive loop, its key bindings and completion, and the slash-commands."""
