"""A second opinion: ask the same or another model to check the last answer.

The check is a turn of its own: a fresh request holding only the question and the
answer (the checker needs nothing else, and another model may have a smaller window),
shown and saved like any reply. In the conversation it reads as a short request and
the check, so a follow-up ("fix those") has both in view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmchat.errors import UsageError

if TYPE_CHECKING:
    from llmchat.engine.session import ChatSession
    from llmchat.engine.turn import Turn

CHECK_SYSTEM = (
    "You check another assistant's answer for factual and logical errors. "
    "Go through its claims, reasoning, calculations and code. For each real error, quote "
    "the wrong part, say why it is wrong, and give the correction. Do not comment on style "
    "or repeat what is right. If you find no error, say so in one sentence. "
    "Answer in the language of the question."
)
#: What the conversation (and the saved chat) shows as the question of a check turn.
CHECK_QUESTION = "Check the last answer for factual and logical errors."


def check_messages(question: str, answer: str) -> list[dict[str, str]]:
    body = (
        f"The question was:\n<question>\n{question}\n</question>\n\n"
        f"The answer to check:\n<answer>\n{answer}\n</answer>"
    )
    return [{"role": "system", "content": CHECK_SYSTEM}, {"role": "user", "content": body}]


def start_check(session: ChatSession, model_spec: str = "") -> Turn:
    """A Turn asking `model_spec` (default: the session's model) to check the last answer.

    The session's own model and provider stay as they are: `/check other-model` is one
    request to that model, not a switch.
    """
    from llmchat.engine.turn import Turn

    last = session.conversation.last
    if last is None or not last.assistant.strip():
        raise UsageError("there is no answer to check yet", "ask something first")
    provider, model = session.provider, session.model
    if model_spec.strip():
        choice = session.registry.resolve_model(model_spec, session.provider)
        session.registry.require_key(choice.provider)
        provider, model = choice.provider, choice.model
    messages = check_messages(last.user, last.assistant)
    if session.recorder is not None:
        session.recorder.record_user(session, CHECK_QUESTION)
    return Turn(session, CHECK_QUESTION, provider, model, messages, session.thinking, plain=True)
