"""`llmchat keys set|list|remove|path`: put keys in the key store instead of shell rc files.

A key is read without echo on a terminal (getpass) or from stdin when piped
(`pass show x | llmchat keys set openai`); it is only ever shown masked (`sk-…cdef`).
"""

from __future__ import annotations

from llmchat.config import load_registry
from llmchat.environment import Environment
from llmchat.errors import ConfigError, UsageError, mask_key
from llmchat.keys.store import KeyStore, open_key_store
from llmchat.render.table import aligned


def _store(env: Environment) -> KeyStore:
    return open_key_store(env.config_dir)


def _read_key(env: Environment, label: str) -> str:
    if env.stdin_isatty:
        import getpass

        try:
            return getpass.getpass(f"API key for {label} (not shown): ")
        except EOFError:
            return ""
    data = env.stdin.readline()
    return data.strip()


def set_key(env: Environment, provider_name: str) -> None:
    registry, _ = load_registry(env)
    provider = registry.get(provider_name)
    key = _read_key(env, provider.label).strip()
    if not key:
        raise UsageError(f"no key given for {provider.name}; nothing was stored")
    store = _store(env)
    store.set(provider.name, key)
    env.stdout.write(f"stored the key for {provider.name} ({mask_key(key)}) in {store.path}\n")


def list_keys(env: Environment) -> None:
    """Each provider that has a key: where it comes from and the key, masked."""
    registry, _ = load_registry(env)
    store = _store(env)
    rows = [["PROVIDER", "SOURCE", "KEY"]]
    for provider in registry.providers:
        if not provider.needs_key:
            continue
        origin = registry.key_origin(provider)
        if origin is None:
            continue
        # A key command is not run just to list it: it may ask for a password.
        shown = "(not run)" if origin.kind == "command" else mask_key(registry.key_for(provider))
        label = f"{origin.label} ({origin.variable})" if origin.kind == "shell" else origin.label
        rows.append([provider.name, label, shown])
    for name in store.list():
        if registry.find(name) is None:
            rows.append([name, f"key store ({store.backend})", mask_key(store.get(name))])
    if len(rows) == 1:
        env.stdout.write("no keys found; store one with: llmchat keys set PROVIDER\n")
    else:
        env.stdout.write("\n".join(aligned(rows)) + "\n")
    env.stdout.write(f"key store: {store.path}\n")


def remove_key(env: Environment, provider_name: str) -> None:
    store = _store(env)
    name = provider_name.strip().lower()
    if not store.remove(name):
        raise ConfigError(f"no key stored for {name} in {store.path}", "see `llmchat keys list`")
    env.stdout.write(f"removed the key for {name} from {store.path}\n")


def print_path(env: Environment) -> None:
    env.stdout.write(_store(env).path + "\n")
