"""Which model answers, and how it thinks: /model /provider /providers /think."""

from __future__ import annotations

from llmchat.engine import served_models
from llmchat.engine.session import ChatSession
from llmchat.providers.records import Provider
from llmchat.render.listings import provider_table
from llmchat.repl.commands.registry import ReplState, Reply, command


def _model_names(session: ChatSession) -> list[str]:
    """The current provider's models bare, every usable provider's as PROVIDER/MODEL.

    A server that has listed its models (/model, `llmchat models`, now or in an
    earlier run) is completed from that list; others from the built-in one. Old
    names too: users keep typing deepseek-reasoner for years.
    """
    from llmchat.providers.catalog import aliases_of

    cache = served_models.bound()
    current = session.provider

    def names_of(provider: Provider) -> list[str]:
        listed = cache.get(provider.name, provider.base_url)
        return [*(listed or provider.model_names()), *aliases_of(provider)]

    own = [*(cache.get(current.name, current.base_url) or session.known_models())]
    own += aliases_of(current)
    names = [*own, *(f"{current.name}/{m}" for m in own)]
    for provider in session.registry.providers:
        if provider.name != current.name and session.registry.usable(provider):
            names += [f"{provider.name}/{m}" for m in names_of(provider)]
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
        if served:
            served_models.bound().remember(session.provider.name, session.provider.base_url, served)
        names = served or session.provider.model_names()
        if session.model not in names:
            names = [session.model, *names]
        source = "from its /models" if served else "built-in list"
        lines = [f"{'*' if n == session.model else ' '} {n}" for n in names]
        header = f"{session.provider.label} models ({source}; * = current):"
        return Reply(header + "\n" + "\n".join(lines))
    before = session.provider
    choice = session.use_model(arg)
    renamed = session.once(choice.alias.says()) if choice.alias is not None else []
    if choice.provider.name != before.name:
        text = f"model: {choice.model} — switched provider to {choice.provider.label}"
        return Reply("\n".join([*renamed, text]))
    text = "\n".join([*renamed, f"model: {choice.model}"])
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
    """List providers: each key (masked) and base URL, and where each came from."""
    session = state.session
    return Reply(provider_table(session.registry, current=session.provider.name))


def _think_words(session: ChatSession) -> list[str]:
    from llmchat.providers.dialects import BUDGET, THINK_CHOICES

    return [*THINK_CHOICES, BUDGET, "default"]


@command(
    "think", usage="/think [on|off|low|medium|high|max|budget N|default]", complete=_think_words
)
def think(state: ReplState, arg: str) -> Reply:
    """Ask the model to think first (on, an effort level, or at most N tokens of it with
    budget N), not to (off), or leave it to the server (default). Said in the provider's
    own words; the toolbar shows it."""
    from llmchat.providers.dialects import dialect, parse_thinking

    session = state.session
    if not arg.strip():
        return Reply(f"thinking: {session.thinking or 'default (the server decides)'}")
    session.thinking = parse_thinking(arg)
    info = session.model_info(session.provider, session.model)
    shaped = dialect(info.thinking).shape(info, session.thinking, stream=session.stream)
    return Reply("\n".join([f"thinking: {session.thinking or 'default'}", *shaped.notes]))
