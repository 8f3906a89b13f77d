"""Which model answers: /model /provider /providers."""

from __future__ import annotations

from llmchat.engine.session import ChatSession
from llmchat.render.listings import provider_table
from llmchat.repl.commands.registry import ReplState, Reply, command


def _model_names(session: ChatSession) -> list[str]:
    names = session.known_models()
    for provider in session.registry.providers:
        if provider.name != session.provider.name and session.registry.usable(provider):
            names += [f"{provider.name}/{m}" for m in provider.model_names()]
    return names


def _provider_names(session: ChatSession) -> list[str]:
    return session.registry.names()


@command("model", usage="/model [PROVIDER/]NAME", complete=_model_names)
def model(state: ReplState, arg: str) -> Reply:
    """Switch model, or list the current provider's models.

    A model that only another provider serves switches the provider too:
    /model deepseek-reasoner while on openai moves to deepseek, with its key.
    """
    session = state.session
    if not arg:
        served = session.server_models()
        names = served or session.provider.model_names()
        if session.model not in names:
            names = [session.model, *names]
        source = "from its /models" if served else "built-in list"
        lines = [f"{'*' if n == session.model else ' '} {n}" for n in names]
        header = f"{session.provider.label} models ({source}; * = current):"
        return Reply(header + "\n" + "\n".join(lines))
    before = session.provider
    choice = session.use_model(arg)
    if choice.provider.name != before.name:
        return Reply(f"model: {choice.model} — switched provider to {choice.provider.label}")
    text = f"model: {choice.model}"
    if choice.model not in session.provider.model_names():
        elsewhere = [
            p for p in session.registry.providers if choice.model in p.model_names() and p.needs_key
        ]
        if elsewhere:
            owner = elsewhere[0]
            text += (
                f" (on {session.provider.label}; it is a {owner.label} model: set "
                f"{owner.key_env} to use it there)"
            )
    return Reply(text)


@command("provider", usage="/provider NAME", complete=_provider_names)
def provider(state: ReplState, arg: str) -> Reply:
    """Switch provider (to its default model); /providers lists them."""
    if not arg:
        session = state.session
        return Reply(f"provider: {session.provider.name} ({session.provider.base_url})")
    chosen = state.session.use_provider(arg)
    return Reply(f"provider: {chosen.label} · model: {state.session.model}")


@command("providers", usage="/providers")
def providers(state: ReplState, arg: str) -> Reply:
    """List providers with their key status (masked)."""
    session = state.session
    return Reply(provider_table(session.registry, current=session.provider.name))
