"""Saved chats on disk: records, writing, reading, export, and the session recorder.

`records.py` is the file format (one JSON object a line, `"v": 1`); `writer.py` appends
records (one locked `O_APPEND` write + fsync each); `directory.py` (`ChatStore`) lists,
finds, loads and deletes; `reader.py` replays a file; `export.py` turns a chat into
Markdown or JSON; `recorder.py` connects a `ChatSession` to a writer. Opening a session
(new or resumed) is `llmchat.start`; listing chats as a table is `llmchat.render.listings`.
Import from `llmchat.store`. Standard library only: safe on the start-up path.
"""

from llmchat.events import Cost
from llmchat.store.directory import ChatStore
from llmchat.store.export import export_json, export_markdown
from llmchat.store.reader import ChatSummary, LoadedChat, short_title
from llmchat.store.record_types import (
    AmbiguousChatError,
    ChatNotFoundError,
    JsonObject,
    JsonValue,
    MessageRecord,
    StoreError,
)
from llmchat.store.recorder import StoreRecorder, store_for
from llmchat.store.writer import ChatWriter

__all__ = [
    "AmbiguousChatError",
    "ChatNotFoundError",
    "ChatStore",
    "ChatSummary",
    "ChatWriter",
    "Cost",
    "JsonObject",
    "JsonValue",
    "LoadedChat",
    "MessageRecord",
    "StoreError",
    "StoreRecorder",
    "export_json",
    "export_markdown",
    "short_title",
    "store_for",
]
