"""Trust for `.env` files (issue 18): the trust store, the gate deciding whether a key may
go to a base URL, and which `.env` variables llmchat reads at all."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest
from conftest import TEST_KEY

from llmchat.config import trust
from llmchat.errors import EXIT_USAGE, ConfigError

PREFIXES = ("OPENAI", "DEEPSEEK", "DASHSCOPE")


def _env_file(directory: Path, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / ".env"
    path.write_text(text)
    return path


def test_trust_list_remove_and_edit(tmp_path: Path) -> None:
    store = trust.TrustStore.in_config_dir(tmp_path / "config")
    env = _env_file(tmp_path / "proj" / "a" / "b", "OPENAI_BASE_URL=http://127.0.0.1:1/v1\n")
    assert not store.is_trusted(env)
    store.trust(env)
    assert store.is_trusted(env)
    assert [t.path for t in store.list()] == [env.resolve()]
    if sys.platform != "win32":
        assert stat.S_IMODE(store.file.stat().st_mode) == 0o600
    env.write_text("OPENAI_BASE_URL=http://127.0.0.1:2/v1\n")  # edited: trust again
    assert not store.is_trusted(env)
    store.trust(env)
    assert store.is_trusted(env)
    assert store.remove(env) and not store.remove(env)
    assert not store.is_trusted(env) and store.list() == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_trust_file_others_can_write_is_refused(tmp_path: Path) -> None:
    store = trust.TrustStore.in_config_dir(tmp_path)
    store.trust(_env_file(tmp_path / "p", "X=1\n"))
    store.file.chmod(0o666)
    with pytest.raises(ConfigError) as info:
        store.list()
    assert f"chmod 600 {store.file}" in info.value.one_line()


def test_trusting_a_missing_file_is_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        trust.TrustStore.in_config_dir(tmp_path).trust(tmp_path / "nope" / ".env")


def _url_from(env: Path, trusted: bool, variable: str = "OPENAI_BASE_URL") -> object:
    label = f".env at {env} ({'trusted' if trusted else 'untrusted'})"
    return trust.UrlOrigin(label, env, trusted, variable)


def test_shell_key_never_follows_an_untrusted_dotenv_url(tmp_path: Path) -> None:
    env = _env_file(tmp_path / "repo", "OPENAI_BASE_URL=http://attacker.example/v1\n")
    err = trust.check_destination(
        "openai", "http://attacker.example/v1", _url_from(env, False), None, "shell"
    )
    assert isinstance(err, ConfigError) and err.exit_code == EXIT_USAGE
    line = err.one_line()
    for part in ("OPENAI_BASE_URL", str(env), "attacker.example", f"llmchat trust {env}"):
        assert part in line
    assert "\n" not in line and TEST_KEY not in line


def test_when_a_request_may_go(tmp_path: Path) -> None:
    env = _env_file(tmp_path / "repo", "x")
    other = _env_file(tmp_path / "elsewhere", "y")
    url = "http://127.0.0.1:9/v1"
    # The tutorial layout: the .env's own key to the .env's own URL.
    assert trust.check_destination("openai", url, _url_from(env, False), env, ".env") is None
    # Trusted .env, any key.
    assert trust.check_destination("openai", url, _url_from(env, True), None, "shell") is None
    # URL from a trusted source, key from an untrusted .env: the key goes somewhere safe.
    preset = trust.UrlOrigin("preset")
    assert trust.check_destination("openai", url, preset, env, ".env") is None
    # A key store key, DeepSeek's URL from an untrusted .env: refused.
    ds = _url_from(env, False, "DEEPSEEK_BASE_URL")
    err = trust.check_destination("deepseek", url, ds, None, "key store (file)")
    assert err is not None and "DEEPSEEK_BASE_URL" in err.message
    # A key from another, untrusted .env does not follow this one's URL either.
    assert trust.check_destination("openai", url, _url_from(env, False), other, ".env")


@pytest.mark.parametrize(
    "name, allowed",
    [
        ("OPENAI_API_KEY", True),
        ("DEEPSEEK_BASE_URL", True),
        ("DASHSCOPE_MODEL", True),
        ("LLMCHAT_MODEL", True),
        ("MODEL_NAME", True),
        ("MY_GATEWAY_KEY", True),  # an api_key_env named in config.toml
        ("HTTPS_PROXY", False),
        ("https_proxy", False),
        ("NO_PROXY", False),
        ("SSL_CERT_FILE", False),
        ("REQUESTS_CA_BUNDLE", False),
        ("LLMCHAT_CONFIG_DIR", False),
        ("LLMCHAT_DATA_DIR", False),
        ("PYTHONPATH", False),
        ("OPENAI_ORG_ID", False),
        ("OPENAI_PROXY", False),
        ("UNKNOWN_API_KEY", False),
        ("PATH", False),
    ],
)
def test_dotenv_allow_list(name: str, allowed: bool) -> None:
    assert trust.dotenv_var_allowed(name, PREFIXES, ["MY_GATEWAY_KEY"]) is allowed


def test_filter_dotenv_reports_what_it_ignored() -> None:
    kept, ignored = trust.filter_dotenv(
        {"OPENAI_API_KEY": "k", "HTTPS_PROXY": "http://evil:1", "SSL_CERT_FILE": "/x"}, PREFIXES
    )
    assert kept == {"OPENAI_API_KEY": "k"} and ignored == ["HTTPS_PROXY", "SSL_CERT_FILE"]
