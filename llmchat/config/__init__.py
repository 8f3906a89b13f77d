"""Settings: typed records, the config file and `.env`, precedence, the provider registry.

`records.py` holds the frozen records (`Params`, `CliFlags`, `FileConfig`, `Settings`);
`files.py` reads config.toml and `.env`; `resolve.py` applies the precedence (flags >
environment > .env > config.toml > presets) and builds the `ProviderRegistry`
(`registry.py`); `origins.py` says where each key and base URL came from and `trust.py`
which `.env` may steer a key; `load.py` does all of that once from the real process.
Import from `llmchat.config`, not from the modules: the split inside is this package's
business. Standard library only (python-dotenv is imported when a `.env` is read, httpx
when a client is built), so it is safe on the start-up path.
"""

from llmchat.config.files import (
    load_dotenv_vars,
    load_file_config,
    merge_env,
    parse_file_config,
)
from llmchat.config.load import (
    build_full_registry,
    effective_vars,
    load_registry,
    load_settings,
)
from llmchat.config.records import (
    CONFIG_FILE,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    PARAM_NAMES,
    CliFlags,
    FileConfig,
    ModelChoice,
    Params,
    Settings,
    Timeouts,
    parse_param,
)
from llmchat.config.resolve import (
    ProviderRegistry,
    build_registry,
    env_prefix_for,
    resolve_settings,
)

__all__ = [
    "CONFIG_FILE",
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_READ_TIMEOUT",
    "PARAM_NAMES",
    "CliFlags",
    "FileConfig",
    "ModelChoice",
    "Params",
    "ProviderRegistry",
    "Settings",
    "Timeouts",
    "build_full_registry",
    "build_registry",
    "effective_vars",
    "env_prefix_for",
    "load_dotenv_vars",
    "load_file_config",
    "load_registry",
    "load_settings",
    "merge_env",
    "parse_file_config",
    "parse_param",
    "resolve_settings",
]
