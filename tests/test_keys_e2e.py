"""Issues 15 and 18 end to end, with the installed `llmchat`: `.env` trust, the key store,
key commands, where `llmchat providers` says things came from, and per-provider proxies
and CAs — asserted from the fake servers' and the forward proxy's own logs."""

from __future__ import annotations

import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
from conftest import TEST_KEY, TEST_KEY_2, FakeOpenAI, RunLLMChat, Sandbox
from proxyserver import CertUnavailable, ForwardProxy, TLSFakeOpenAI, make_self_signed_cert

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes and ptys")

#: Only the key store may ever hold these.
STORE_KEY = "sk-store-" + "S7oreKeyS7oreKeyS7oreKeyS7oreKey1234"
_PROXY_VARS = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY")
NO_PROXIES: dict[str, str | None] = {n: None for name in _PROXY_VARS for n in (name, name.lower())}


def _toml(sandbox: Sandbox, text: str) -> None:
    (sandbox.config_dir / "config.toml").write_text(text)


def _dotenv(directory: Path, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / ".env"
    path.write_text(text)
    return path


def _chats(server: FakeOpenAI) -> list[object]:
    return [r for r in server.requests if r.is_chat]


def _assert_secret_only_in_store(sandbox: Sandbox, secret: str, *outputs: str) -> None:
    """The secret is in no output and no file under the sandbox, except the keys file."""
    for text in outputs:
        assert secret not in text
    root = sandbox.home.parent
    for path in root.rglob("*"):
        if path.is_file() and path.name != "keys.json":
            assert secret.encode() not in path.read_bytes(), path


@pytest.fixture
def project(sandbox: Sandbox) -> Path:
    """cwd/proj/a/b: the directory llmchat runs in; the `.env` goes two levels up."""
    deep = sandbox.cwd / "proj" / "a" / "b"
    deep.mkdir(parents=True)
    return deep


# --- issue 18: a .env must not send your key elsewhere ---------------------------------


def test_untrusted_dotenv_url_never_gets_the_shell_key(
    run_llmchat: RunLLMChat,
    sandbox: Sandbox,
    fake_server: FakeOpenAI,
    second_server: FakeOpenAI,
    project: Path,
) -> None:
    _toml(sandbox, f'[providers.openai]\nbase_url = "{fake_server.base_url}"\n')
    env_path = _dotenv(project.parent.parent, f"OPENAI_BASE_URL={second_server.base_url}\n")
    key = {"OPENAI_API_KEY": TEST_KEY}

    refused = run_llmchat("hi", env=key, cwd=project)
    assert refused.returncode == 2, refused.stderr
    assert str(env_path) in refused.stderr and "OPENAI_BASE_URL" in refused.stderr
    assert "llmchat trust" in refused.stderr and refused.stderr.count("\n") == 1
    assert _chats(fake_server) == [] and _chats(second_server) == []

    trusted = run_llmchat("trust", str(env_path), cwd=project)
    assert trusted.returncode == 0 and str(env_path) in trusted.stdout
    ok = run_llmchat("hi", env=key, cwd=project)
    assert ok.returncode == 0, ok.stderr
    assert [r.api_key for r in _chats(second_server)] == [TEST_KEY]  # type: ignore[attr-defined]
    assert _chats(fake_server) == []

    env_path.write_text(env_path.read_text() + "# edited\n")
    again = run_llmchat("hi", env=key, cwd=project)
    assert again.returncode == 2 and str(env_path) in again.stderr
    assert len(_chats(second_server)) == 1
    listed = run_llmchat("trust", "--list")
    assert str(env_path) in listed.stdout and "changed since" in listed.stdout
    removed = run_llmchat("trust", "--remove", str(env_path))
    assert removed.returncode == 0
    assert "no trusted" in run_llmchat("trust", "--list").stdout
    _assert_secret_only_in_store(sandbox, TEST_KEY, refused.stderr, ok.stdout, again.stderr)


def test_env_file_flag_counts_as_trusted(
    run_llmchat: RunLLMChat, sandbox: Sandbox, second_server: FakeOpenAI, tmp_path: Path
) -> None:
    env_path = _dotenv(tmp_path / "elsewhere", f"OPENAI_BASE_URL={second_server.base_url}\n")
    done = run_llmchat("--env-file", str(env_path), "hi", env={"OPENAI_API_KEY": TEST_KEY})
    assert done.returncode == 0, done.stderr
    assert len(_chats(second_server)) == 1


def test_dotenv_with_its_own_key_and_url_works_untouched(
    run_llmchat: RunLLMChat, sandbox: Sandbox, fake_server: FakeOpenAI, project: Path
) -> None:
    _dotenv(
        project.parent.parent,
        f"OPENAI_API_KEY={TEST_KEY}\nOPENAI_BASE_URL={fake_server.base_url}\nMODEL_NAME=m-1\n",
    )
    done = run_llmchat("hi", cwd=project)
    assert done.returncode == 0, done.stderr
    assert [r.api_key for r in _chats(fake_server)] == [TEST_KEY]  # type: ignore[attr-defined]


def test_repl_refuses_and_keeps_running(
    start_chat: object, sandbox: Sandbox, second_server: FakeOpenAI
) -> None:
    env_path = _dotenv(sandbox.cwd, f"OPENAI_BASE_URL={second_server.base_url}\n")
    chat = start_chat(env={"OPENAI_API_KEY": TEST_KEY})  # type: ignore[operator]
    chat.send("hello")
    chat.expect(str(env_path))
    chat.wait_prompt()
    chat.ask("/providers", "OPENAI_API_KEY")
    assert chat.child.isalive()
    assert _chats(second_server) == []


def _keys_set(run_llmchat: RunLLMChat, provider: str, key: str) -> None:
    done = run_llmchat("keys", "set", provider, input=key + "\n")
    assert done.returncode == 0, done.stderr
    assert key not in done.stdout + done.stderr


def test_store_key_never_follows_an_untrusted_deepseek_url(
    run_llmchat: RunLLMChat, sandbox: Sandbox, second_server: FakeOpenAI, project: Path
) -> None:
    _keys_set(run_llmchat, "deepseek", STORE_KEY)
    env_path = _dotenv(project, f"DEEPSEEK_BASE_URL={second_server.base_url}\n")
    refused = run_llmchat("-p", "deepseek", "hi", cwd=project)
    assert refused.returncode == 2 and str(env_path) in refused.stderr
    assert "DEEPSEEK_BASE_URL" in refused.stderr and "key store" in refused.stderr
    assert _chats(second_server) == []
    _assert_secret_only_in_store(sandbox, STORE_KEY, refused.stdout, refused.stderr)


def test_proxy_and_ssl_variables_in_a_dotenv_have_no_effect(
    run_llmchat: RunLLMChat, sandbox: Sandbox, fake_server: FakeOpenAI, project: Path
) -> None:
    with ForwardProxy() as proxy:
        _dotenv(
            project,
            f"OPENAI_API_KEY={TEST_KEY}\nOPENAI_BASE_URL={fake_server.base_url}\n"
            f"HTTPS_PROXY={proxy.url}\nHTTP_PROXY={proxy.url}\nALL_PROXY={proxy.url}\n"
            "SSL_CERT_FILE=/nonexistent/ca.pem\nREQUESTS_CA_BUNDLE=/nonexistent/ca.pem\n",
        )
        done = run_llmchat("hi", env=NO_PROXIES, cwd=project)
        assert done.returncode == 0, done.stderr
        assert proxy.targets == []
    assert len(_chats(fake_server)) == 1


# --- issue 15: the key store ---------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_keys_set_through_a_pty_does_not_echo(
    llmchat_bin: Path, sandbox: Sandbox, run_llmchat: RunLLMChat
) -> None:
    child = pexpect.spawn(
        str(llmchat_bin), ["keys", "set", "openai"], env=sandbox.env, cwd=str(sandbox.cwd),
        encoding="utf-8", timeout=15,
    )  # fmt: skip
    child.expect_exact("not shown")
    child.send(STORE_KEY + "\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    screen = child.before or ""
    assert STORE_KEY not in screen and "sk-…1234" in screen
    keys_file = sandbox.config_dir / "keys.json"
    assert _mode(keys_file) == 0o600 and _mode(sandbox.config_dir) == 0o700
    listed = run_llmchat("keys", "list")
    assert "openai" in listed.stdout and "key store (file)" in listed.stdout
    assert "sk-…1234" in listed.stdout
    assert run_llmchat("keys", "path").stdout.strip() == str(keys_file)
    _assert_secret_only_in_store(sandbox, STORE_KEY, screen, listed.stdout)


def test_keys_set_from_stdin_is_used_and_removed(
    run_llmchat: RunLLMChat, sandbox: Sandbox, fake_server: FakeOpenAI
) -> None:
    _keys_set(run_llmchat, "openai", STORE_KEY)
    assert _mode(sandbox.config_dir / "keys.json") == 0o600
    _toml(sandbox, f'[providers.openai]\nbase_url = "{fake_server.base_url}"\n')
    done = run_llmchat("hi")
    assert done.returncode == 0, done.stderr
    assert [r.api_key for r in _chats(fake_server)] == [STORE_KEY]  # type: ignore[attr-defined]
    assert run_llmchat("keys", "remove", "openai").returncode == 0
    gone = run_llmchat("keys", "remove", "openai")
    assert gone.returncode == 2 and gone.stderr.startswith("llmchat: error:")
    _assert_secret_only_in_store(sandbox, STORE_KEY, done.stdout, done.stderr)


def test_world_readable_keys_file_is_refused(run_llmchat: RunLLMChat, sandbox: Sandbox) -> None:
    _keys_set(run_llmchat, "openai", STORE_KEY)
    keys_file = sandbox.config_dir / "keys.json"
    keys_file.chmod(0o644)
    refused = run_llmchat("hi")
    assert refused.returncode == 2
    assert f"chmod 600 {keys_file}" in refused.stderr and STORE_KEY not in refused.stderr


# --- key commands ----------------------------------------------------------------------


def _key_command(sandbox: Sandbox, code: str, fake_server: FakeOpenAI, extra: str = "") -> None:
    argv = ", ".join(f'"{a}"' for a in (sys.executable, "-c", code))
    _toml(
        sandbox,
        f'provider = "deepseek"\n[providers.deepseek]\nbase_url = "{fake_server.base_url}"\n'
        f"api_key_cmd = [{argv}]\n{extra}\n",
    )


def test_key_command_success(
    run_llmchat: RunLLMChat, sandbox: Sandbox, fake_server: FakeOpenAI, tmp_path: Path
) -> None:
    vault = tmp_path / "vault.txt"  # outside the sandbox: the password manager's own store
    vault.write_text(TEST_KEY_2 + "\nsecond line\n")
    _key_command(sandbox, f"print(open({str(vault)!r}).read())", fake_server)
    done = run_llmchat("hi")
    assert done.returncode == 0, done.stderr
    assert [r.api_key for r in _chats(fake_server)] == [TEST_KEY_2]  # type: ignore[attr-defined]
    listed = run_llmchat("providers")
    line = next(x for x in listed.stdout.splitlines() if x.startswith("deepseek"))
    assert "config.toml key command" in line
    _assert_secret_only_in_store(sandbox, TEST_KEY_2, done.stdout, listed.stdout)


def test_key_command_failure_is_one_line(
    run_llmchat: RunLLMChat, sandbox: Sandbox, fake_server: FakeOpenAI
) -> None:
    _key_command(
        sandbox, "import sys; print('secret-ish', file=sys.stderr); sys.exit(3)", fake_server
    )
    done = run_llmchat("hi")
    assert done.returncode == 2
    assert "exit status 3" in done.stderr and "deepseek" in done.stderr
    assert "secret-ish" not in done.stderr and done.stderr.count("\n") == 1
    assert fake_server.requests == []


def test_key_command_that_hangs_is_stopped(
    run_llmchat: RunLLMChat, sandbox: Sandbox, fake_server: FakeOpenAI
) -> None:
    _key_command(sandbox, "import time; time.sleep(60)", fake_server, "api_key_cmd_timeout = 1")
    done = run_llmchat("hi", timeout=40)
    assert done.returncode == 2
    assert "gave no key within 1 s" in done.stderr and "was stopped" in done.stderr
    assert fake_server.requests == []


def test_key_command_timeout_must_be_seconds(
    run_llmchat: RunLLMChat, sandbox: Sandbox, fake_server: FakeOpenAI
) -> None:
    _key_command(sandbox, "print('x')", fake_server, 'api_key_cmd_timeout = "soon"')
    done = run_llmchat("hi")
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "api_key_cmd_timeout for deepseek" in done.stderr
    assert fake_server.requests == []


# --- the key store alone ---------------------------------------------------------------


def test_store_key_alone_serves_a_custom_provider(
    run_llmchat: RunLLMChat, sandbox: Sandbox, fake_server: FakeOpenAI
) -> None:
    _toml(
        sandbox,
        f'[providers.corp]\nbase_url = "{fake_server.base_url}"\ndefault_model = "corp-1"\n',
    )
    _keys_set(run_llmchat, "corp", STORE_KEY)
    done = run_llmchat("-p", "corp", "hi")
    assert done.returncode == 0, done.stderr
    assert [r.api_key for r in _chats(fake_server)] == [STORE_KEY]  # type: ignore[attr-defined]
    listed = run_llmchat("providers")
    row = next(x for x in listed.stdout.splitlines() if x.startswith("corp"))
    assert "sk-…1234" in row and "key store (file)" in row
    _assert_secret_only_in_store(sandbox, STORE_KEY, done.stdout, done.stderr, listed.stdout)


# --- llmchat providers: where each thing came from -----------------------------------


def test_providers_shows_each_source(
    run_llmchat: RunLLMChat, sandbox: Sandbox, fake_server: FakeOpenAI, project: Path
) -> None:
    _keys_set(run_llmchat, "deepseek", STORE_KEY)
    _toml(sandbox, f'[providers.qwen]\nbase_url = "{fake_server.base_url}"\n')
    env_path = _dotenv(
        project, f"OPENAI_BASE_URL={fake_server.base_url}\nYI_API_KEY={TEST_KEY_2}\n"
    )
    shown = run_llmchat("providers", env={"OPENAI_API_KEY": TEST_KEY}, cwd=project)
    assert shown.returncode == 0, shown.stderr
    header, *lines = shown.stdout.splitlines()
    assert "KEY FROM" in header and "URL FROM" in header
    rows = {line.split()[0]: line for line in lines}
    assert rows["openai"].split()[1:3] == [f"OPENAI_API_KEY=sk-…{TEST_KEY[-4:]}", "shell"]
    assert f".env at {env_path} (untrusted)" in rows["openai"]  # the base URL
    assert "key store (file)" in rows["deepseek"] and "sk-…1234" in rows["deepseek"]
    assert "config.toml" in rows["qwen"] and "preset" in rows["deepseek"]
    assert f".env at {env_path} (untrusted)" in rows["yi"]  # the key
    _assert_secret_only_in_store(sandbox, STORE_KEY, shown.stdout)
    assert TEST_KEY not in shown.stdout and TEST_KEY_2 not in shown.stdout


# --- per-provider network settings ------------------------------------------------------


@pytest.fixture
def proxy() -> Iterator[ForwardProxy]:
    with ForwardProxy() as p:
        yield p


def test_proxy_for_openai_only(
    run_llmchat: RunLLMChat,
    sandbox: Sandbox,
    fake_server: FakeOpenAI,
    second_server: FakeOpenAI,
    proxy: ForwardProxy,
) -> None:
    _toml(
        sandbox,
        f'[providers.openai]\nbase_url = "{fake_server.base_url}"\nproxy = "{proxy.url}"\n'
        f'[providers.deepseek]\nbase_url = "{second_server.base_url}"\n',
    )
    keys = {"OPENAI_API_KEY": TEST_KEY, "DEEPSEEK_API_KEY": TEST_KEY_2}
    assert run_llmchat("-p", "openai", "hi", env=keys).returncode == 0
    assert run_llmchat("-p", "deepseek", "hi", env=keys).returncode == 0
    assert proxy.targets and all(str(fake_server.port) in t for t in proxy.targets)
    assert not any(str(second_server.port) in t for t in proxy.targets)
    assert len(_chats(fake_server)) == 1 and len(_chats(second_server)) == 1


def test_proxy_flag_for_one_run(
    run_llmchat: RunLLMChat, fake_server: FakeOpenAI, proxy: ForwardProxy
) -> None:
    env = {"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": fake_server.base_url}
    assert run_llmchat("hi", env=env).returncode == 0
    assert proxy.targets == []
    done = run_llmchat("--proxy", proxy.url, "hi", env=env)
    assert done.returncode == 0, done.stderr
    assert len(proxy.targets) == 1 and str(fake_server.port) in proxy.targets[0]


def test_proxy_that_wants_a_login(
    run_llmchat: RunLLMChat, sandbox: Sandbox, fake_server: FakeOpenAI
) -> None:
    with ForwardProxy(auth=("user", "pa55word")) as locked:
        url = locked.url.replace("http://", "http://user:wrong-pa55@")
        _toml(
            sandbox, f'[providers.openai]\nbase_url = "{fake_server.base_url}"\nproxy = "{url}"\n'
        )
        port = locked.port
        done = run_llmchat("hi", env={"OPENAI_API_KEY": TEST_KEY})
    assert done.returncode == 1
    assert "407" in done.stderr and f"127.0.0.1:{port}" in done.stderr
    assert "wrong-pa55" not in done.stderr and done.stderr.count("\n") == 1
    assert _chats(fake_server) == []


def test_ca_bundle_with_a_local_tls_server(
    run_llmchat: RunLLMChat, sandbox: Sandbox, tmp_path: Path
) -> None:
    try:
        cert, key = make_self_signed_cert(tmp_path)
    except CertUnavailable as exc:
        pytest.skip(str(exc))
    with TLSFakeOpenAI(cert, key) as tls:
        keys = {"OPENAI_API_KEY": TEST_KEY}
        _toml(sandbox, f'[providers.openai]\nbase_url = "{tls.base_url}"\n')
        refused = run_llmchat("hi", env=keys)
        assert refused.returncode == 1 and "ca_bundle" in refused.stderr
        assert "not signed by a CA" in refused.stderr
        _toml(
            sandbox,
            f'[providers.openai]\nbase_url = "{tls.base_url}"\nca_bundle = "{cert}"\n',
        )
        done = run_llmchat("hi", env=keys)
        assert done.returncode == 0, done.stderr
        assert len(_chats(tls)) == 1


def test_verify_false_warns_on_every_run(
    run_llmchat: RunLLMChat, sandbox: Sandbox, tmp_path: Path
) -> None:
    try:
        cert, key = make_self_signed_cert(tmp_path)
    except CertUnavailable as exc:
        pytest.skip(str(exc))
    with TLSFakeOpenAI(cert, key) as tls:
        _toml(sandbox, f'[providers.openai]\nbase_url = "{tls.base_url}"\nverify = false\n')
        runs = [run_llmchat("hi", env={"OPENAI_API_KEY": TEST_KEY}) for _ in range(2)]
        assert len(_chats(tls)) == 2
    for done in runs:
        assert done.returncode == 0, done.stderr
        warnings = [line for line in done.stderr.splitlines() if "verify = false" in line]
        assert len(warnings) == 1 and warnings[0].startswith("llmchat: warning:")
        assert "openai" in warnings[0] and TEST_KEY not in done.stderr


def test_dns_failure_is_one_line(run_llmchat: RunLLMChat, sandbox: Sandbox) -> None:
    _toml(sandbox, '[providers.openai]\nbase_url = "http://no-such-host.invalid/v1"\n')
    done = run_llmchat("hi", env={"OPENAI_API_KEY": TEST_KEY, **NO_PROXIES}, timeout=60)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("llmchat: error: openai: cannot find host no-such-host.invalid")
    assert "(DNS)" in done.stderr and "base_url" in done.stderr
    assert done.stderr.count("\n") == 1


def test_connect_timeout_is_one_line(run_llmchat: RunLLMChat, sandbox: Sandbox) -> None:
    import socket

    # A listening socket whose backlog is full never completes the handshake.
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(0)
        fillers = []
        try:
            for _ in range(8):
                filler = socket.socket()
                filler.setblocking(False)
                filler.connect_ex(srv.getsockname())
                fillers.append(filler)
            url = f"http://127.0.0.1:{srv.getsockname()[1]}/v1"
            _toml(sandbox, f'[providers.openai]\nbase_url = "{url}"\nconnect_timeout = 0.3\n')
            done = run_llmchat("hi", env={"OPENAI_API_KEY": TEST_KEY, **NO_PROXIES}, timeout=60)
        finally:
            for filler in fillers:
                filler.close()
    if done.returncode == 0 or "cannot reach" in done.stderr:
        pytest.skip(f"this kernel completed the handshake anyway: {done.stderr.strip()}")
    assert done.returncode == 1, done.stderr
    assert "no connection to 127.0.0.1 within 0.3 s" in done.stderr
    assert "raise connect_timeout" in done.stderr and done.stderr.count("\n") == 1


def test_socks_proxy_without_the_extra_says_what_to_install(
    run_llmchat: RunLLMChat, sandbox: Sandbox, fake_server: FakeOpenAI
) -> None:
    import importlib.util

    if importlib.util.find_spec("socksio") is not None:
        pytest.skip("socksio is installed here: SOCKS proxies work")
    _toml(
        sandbox,
        f'[providers.openai]\nbase_url = "{fake_server.base_url}"\n'
        'proxy = "socks5://user:s3cret@127.0.0.1:1080"\n',
    )
    done = run_llmchat("hi", env={"OPENAI_API_KEY": TEST_KEY})
    assert done.returncode == 2, done.stderr
    assert "SOCKS proxy" in done.stderr and "pip install 'llmchat[socks]'" in done.stderr
    assert "s3cret" not in done.stderr and done.stderr.count("\n") == 1
    assert fake_server.requests == []


def test_repl_debug_says_where_key_and_url_came_from(
    start_chat: object, sandbox: Sandbox, fake_server: FakeOpenAI
) -> None:
    _toml(sandbox, f'[providers.openai]\nbase_url = "{fake_server.base_url}"\n')
    chat = start_chat("--debug", env={"OPENAI_API_KEY": TEST_KEY}, cols=200)  # type: ignore[operator]
    before_prompt = chat.child.before or ""  # start_chat has waited for the first prompt
    assert "debug: openai key from shell (OPENAI_API_KEY);" in before_prompt
    assert f"base URL {fake_server.base_url} from config.toml" in before_prompt
    assert TEST_KEY not in before_prompt
    chat.ask("hello", "echo: hello")


def test_one_shot_debug_says_where_key_and_url_came_from(
    run_llmchat: RunLLMChat, sandbox: Sandbox, fake_server: FakeOpenAI
) -> None:
    _keys_set(run_llmchat, "openai", STORE_KEY)
    _toml(sandbox, f'[providers.openai]\nbase_url = "{fake_server.base_url}"\n')
    done = run_llmchat("--debug", "hi")
    assert done.returncode == 0, done.stderr
    assert "debug: openai key from key store (file);" in done.stderr
    assert f"base URL {fake_server.base_url} from config.toml" in done.stderr
    _assert_secret_only_in_store(sandbox, STORE_KEY, done.stdout, done.stderr)
