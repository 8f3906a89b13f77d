"""Will the question with its attached files fit the model's window? Asked before sending.

Shared by `-f` in one-shot mode and `/file` in the REPL; a refusal names the figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmchat.engine.session import ChatSession
    from llmchat.inputs.attachments import Attachment


def check_attachments_fit(
    session: ChatSession, question: str, attachments: Sequence[Attachment]
) -> None:
    """Refuse, before anything is sent, files that leave the model no room to answer."""
    window = session.context_window
    if window is None:
        return
    from llmchat.engine.context import default_reply_budget
    from llmchat.engine.tokens import counter_for
    from llmchat.inputs.attachments import check_fits

    counter = counter_for(session.model)
    files = [(a.label, counter.count(a.fenced())) for a in attachments]
    rest = counter.count_messages(session.conversation.messages(pending_user=question))
    parts = [("the rest of the question", max(rest - sum(n for _, n in files), 0)), *files]
    reply_room = session.params.max_tokens or default_reply_budget(window)
    check_fits(parts, window=window, reply_room=reply_room, model=session.model)
