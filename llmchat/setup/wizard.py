"""The first-run setup: pick a provider, paste and check its key, pick a model, save.

Runs only on a terminal (stdin and stdout TTYs); anything else gets today's one-line
error, never a prompt. Nothing is written until the last answer is in, so Ctrl+C or
Ctrl+D at any prompt leaves the disk exactly as it was. The key is read without echo,
sent only to its own provider, and never printed.

    python -m llmchat.setup.wizard      # what `llmchat setup` runs
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from llmchat.config import ProviderRegistry, build_registry, load_file_config
from llmchat.environment import Environment
from llmchat.errors import EXIT_INTERRUPTED, EXIT_OK, ConfigError, mask_key
from llmchat.providers.presets import Provider
from llmchat.setup import embedded
from llmchat.setup.detect import LocalServer, detect_local
from llmchat.setup.keycheck import KeyCheck, check_key
from llmchat.setup.saving import read_keys, save_config, save_key


@dataclass(frozen=True)
class Option:
    """One line of the provider menu."""

    name: str
    label: str
    base_url: str
    key_env: str | None
    default_model: str
    models: tuple[str, ...] = ()
    status: str = ""
    usable: bool = False
    installed: bool = True
    #: a local server that answered: `models` is its own list
    running: bool = False
    #: written to [providers.NAME] base_url: a local server found off its preset's URL
    saved_url: str | None = None


@dataclass(frozen=True)
class SetupResult:
    provider: str
    model: str
    config_path: Path
    key_path: str | None = None  # the key store's file, or the system keyring


@dataclass
class Terminal:
    """The two ways the wizard asks; tests of the flow drive the real ones in a pty."""

    ask: Callable[[str], str] = input
    secret: Callable[[str], str] = getpass.getpass
    say: Callable[[str], None] = print


def _hosted(registry: ProviderRegistry, p: Provider, saved_keys: dict[str, str]) -> Option:
    key = registry.key_for(p)
    # Saved keys reach the registry as the provider's variable, below the real ones.
    saved = key is not None and saved_keys.get(p.name) == key
    status = "key saved" if saved else (f"key in {p.key_env}" if key else "")
    return Option(
        name=p.name,
        label=p.label,
        base_url=p.base_url,
        key_env=p.key_env,
        default_model=p.default_model,
        models=tuple(p.model_names()),
        status=status,
        usable=bool(status),
    )


def _local(p: Provider, server: LocalServer | None) -> Option:
    if server is None or server.name != p.name:
        return Option(
            name=p.name,
            label=p.label,
            base_url=p.base_url,
            key_env=None,
            default_model=p.default_model,
            models=tuple(p.model_names()),
            status="not running",
        )
    return _running(p.name, p.label, p.default_model, server, p.base_url)


def _running(
    name: str, label: str, default_model: str, server: LocalServer, preset_url: str | None
) -> Option:
    models = server.models
    return Option(
        name=name,
        label=label,
        base_url=server.base_url,
        key_env=None,
        default_model=default_model if default_model in models or not models else models[0],
        models=models,
        status=f"running at {server.probe.host}:{server.probe.port}",
        usable=True,
        running=True,
        saved_url=server.base_url if server.base_url != preset_url else None,
    )


def _embedded() -> Option:
    installed = embedded.available()
    return Option(
        name=embedded.LOCAL_PROVIDER.name,
        label=embedded.LOCAL_PROVIDER.label,
        base_url="",
        key_env=None,
        default_model=embedded.MODEL_NAME,
        models=(embedded.MODEL_NAME,),
        status="installed" if installed else f"not installed: {embedded.INSTALL_HINT}",
        usable=installed,
        installed=installed,
    )


def build_options(
    registry: ProviderRegistry, saved_keys: dict[str, str], server: LocalServer | None
) -> list[Option]:
    """Hosted providers first, then local servers, then the built-in model."""
    hosted = [_hosted(registry, p, saved_keys) for p in registry.providers if not p.local]
    local = [
        _local(p, server)
        for p in registry.providers
        if p.local and p.name != embedded.LOCAL_PROVIDER.name
    ]
    if server is not None and registry.find(server.name) is None:
        label = f"{server.probe.label} (local)"
        local.append(_running(server.name, label, "", server, None))
    return [*hosted, *local, _embedded()]


def _menu(term: Terminal, options: list[Option]) -> None:
    term.say("Where should your chats go?")
    width = max(len(o.label) for o in options)
    for number, option in enumerate(options, 1):
        mark = "✓" if option.usable else " "
        line = f"{option.label:<{width}}  ({option.status})" if option.status else option.label
        term.say(f" {mark} {number:>2}. {line}")


def choose_option(term: Terminal, options: list[Option]) -> Option:
    _menu(term, options)
    default = next((o for o in options if o.usable), options[0])
    while True:
        answer = term.ask(f"Provider [number or name, Enter for {default.name}]: ").strip()
        if not answer:
            picked: Option | None = default
        elif answer.isdigit() and 1 <= int(answer) <= len(options):
            picked = options[int(answer) - 1]
        else:
            picked = next((o for o in options if o.name == answer.lower()), None)
        if picked is None:
            term.say(f"no provider {answer!r}: type a number from 1 to {len(options)}")
        elif not picked.installed:
            term.say(f"{picked.label} is {picked.status}")
        else:
            return picked


def ask_key(term: Terminal, option: Option) -> tuple[str, KeyCheck]:
    """A key the provider accepted (or one the user chose to keep although unchecked)."""
    while True:
        key = term.secret(f"Paste your {option.label} API key (hidden): ").strip()
        if not key:
            term.say("no key entered (Ctrl+C to leave setup)")
            continue
        term.say(f"checking {mask_key(key)} with {option.label}…")
        result = check_key(option.base_url, key, option.default_model)
        if result.outcome == "ok":
            term.say("key accepted")
            return key, result
        if result.outcome == "refused":
            term.say(f"key refused by {option.label} ({result.detail}) — paste it again")
            continue
        what = "cannot reach" if result.outcome == "unreachable" else "could not check the key at"
        term.say(f"{what} {option.label} at {option.base_url}: {result.detail}")
        while True:
            answer = term.ask("[r]etry with another key, or [s]ave it unchecked? ").strip().lower()
            if answer in ("r", "retry", "s", "save"):
                break
        if answer.startswith("s"):
            return key, result


def choose_model(term: Terminal, option: Option, listed: tuple[str, ...]) -> str:
    known = listed or option.models
    default = option.default_model or (known[0] if known else "")
    if known:
        shown = ", ".join(known[:12]) + (f", … ({len(known)} in all)" if len(known) > 12 else "")
        term.say(f"Models: {shown}")
    while True:
        prompt = f"Model [Enter for {default}]: " if default else "Model: "
        model = term.ask(prompt).strip() or default
        if model:
            if listed and model not in listed:
                term.say(f"note: {option.label} does not list {model!r}; saved as typed")
            return model


def run_wizard(term: Terminal, env: Environment) -> SetupResult:
    """The whole dialogue; writes only at the very end. Ctrl+C/Ctrl+D propagate unsaved."""
    from llmchat.config import effective_vars

    vars = effective_vars(env)
    registry = build_registry(vars, load_file_config(env.config_dir))
    server = detect_local(vars)
    option = choose_option(term, build_options(registry, read_keys(env.config_dir), server))
    key: str | None = None
    listed: tuple[str, ...] = ()
    replace_saved = option.status == "key saved" and term.ask(
        "Keep the saved key? [Y/n] "
    ).strip().lower().startswith("n")
    if option.key_env is not None and (not option.usable or replace_saved):
        key, check = ask_key(term, option)
        listed = check.models
    elif option.running:
        listed = option.models
    model = choose_model(term, option, listed)
    key_path = save_key(env.config_dir, option.name, key) if key is not None else None
    urls = {option.name: option.saved_url} if option.saved_url else None
    config_path = save_config(env.config_dir, option.name, model, urls)
    return SetupResult(option.name, model, config_path, key_path)


def run_setup(env: Environment, term: Terminal | None = None) -> tuple[int, SetupResult | None]:
    """Exit code and result; refuses (exit 2) without a terminal rather than prompt a pipe."""
    if not (env.stdin_isatty and env.stdout_isatty):
        raise ConfigError(
            "setup needs a terminal",
            "run `llmchat setup` in one, or set a key such as OPENAI_API_KEY",
        )
    term = term or Terminal()
    term.say("llmchat setup — Ctrl+C leaves without saving anything.")
    try:
        result = run_wizard(term, env)
    except (KeyboardInterrupt, EOFError):
        term.say("\nsetup cancelled; nothing was saved")
        return EXIT_INTERRUPTED, None
    saved = f"saved {result.provider} · {result.model} to {result.config_path}"
    if result.key_path is not None:
        saved += f"; key to {result.key_path} (readable by you alone)"
    term.say(saved)
    return EXIT_OK, result


def main() -> None:
    from llmchat.launcher import print_error

    try:
        code, _ = run_setup(Environment.from_process())
    except ConfigError as err:
        print_error(err)
        code = err.exit_code
    sys.exit(code)


if __name__ == "__main__":
    main()
