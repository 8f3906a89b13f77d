"""/compact: the conversation replaced by the model's own summary of it.

Kept out of session.py (which owns the turn cycle) because it is one self-contained
request with its own rules: a summary that is no shorter changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmchat.engine.conversation import Conversation, Exchange
from llmchat.errors import UsageError
from llmchat.events import TextDelta, Usage

if TYPE_CHECKING:
    from llmchat.engine.session import ChatSession

COMPACT_REQUEST = (
    "Summarise our conversation so far so that we can continue it from the summary alone: "
    "keep every fact, decision, name, number and piece of code that matters, drop the rest. "
    "Write it in the language we have been using."
)


def compact_session(session: ChatSession) -> tuple[int, int]:
    """Replace the conversation with the model's summary of it; tokens before and after.

    The summary becomes one exchange (a request for it, and the summary), so the
    messages still alternate user/assistant as every provider expects.
    """
    from llmchat.engine.tokens import counter_for

    if not session.conversation.exchanges:
        raise UsageError("nothing to compact yet")
    before, _ = session.context_size()
    messages = session.conversation.messages(pending_user=COMPACT_REQUEST)
    # A summary needs no thinking; the dialect says "off" in the provider's words.
    request = session.request(
        session.provider, session.model, messages, stream=False, thinking="off"
    )
    summary = ""
    usage: Usage | None = None
    for event in session.client_for(session.provider).events(request):
        if isinstance(event, TextDelta):
            summary += event.text
        elif isinstance(event, Usage):
            usage = event
    if not summary.strip():
        raise UsageError("the model returned an empty summary; nothing changed")
    record = session.account(session.provider, session.model, messages, summary, "", usage)
    counter = counter_for(session.model)
    exchange = Exchange(user=COMPACT_REQUEST, assistant=summary.strip(), model=session.model)
    after = counter.count_messages(Conversation(session.conversation.system, [exchange]).messages())
    if after >= before:
        raise UsageError(
            f"the summary (~{after:,} tokens) is no shorter than the conversation "
            f"(~{before:,}); nothing changed"
        )
    session.clear()
    if session.recorder is not None:
        session.recorder.record_user(session, exchange.user)
    session.conversation.add(exchange)
    if session.recorder is not None:
        session.recorder.record_reply(session, exchange, record)
    return before, after
