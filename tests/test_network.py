"""Per-provider network settings through the SDK's real HTTP stack: a real forward proxy
and a real TLS server on loopback (tests/proxyserver.py), the proxy's log as the witness."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx2
import pytest
from conftest import TEST_KEY, FakeOpenAI
from proxyserver import CertUnavailable, ForwardProxy, TLSFakeOpenAI, make_self_signed_cert

from llmchat.config import Params, Timeouts
from llmchat.engine.request import ChatRequest
from llmchat.errors import ApiTimeoutError, ConfigError, NetworkError
from llmchat.events import TextDelta
from llmchat.providers.records import Provider
from llmchat.wire.client import ChatClient
from llmchat.wire.network import (
    NetworkSettings,
    effective_proxy,
    http_client_kwargs,
    parse_network_table,
    plain_http_on_this_machine,
    proxy_display,
)
from llmchat.wire.network_errors import classify_network_error

openai = pytest.importorskip("openai")
_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "SSL_CERT_FILE")


@pytest.fixture(autouse=True)
def _no_env_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def _ask(base_url: str, net: NetworkSettings, provider: str = "openai") -> str:
    warnings: list[str] = []
    kwargs = http_client_kwargs(net, provider, warn=warnings.append)
    client = openai.OpenAI(
        api_key=TEST_KEY,
        base_url=base_url,
        max_retries=0,
        http_client=openai.DefaultHttpxClient(**kwargs),
        default_headers=net.headers_dict(),
    )
    reply = client.chat.completions.create(
        model="fake-model", messages=[{"role": "user", "content": "hi"}]
    )
    return str(reply.choices[0].message.content)


def _fail(base_url: str, net: NetworkSettings, provider: str = "openai") -> Exception:
    with pytest.raises(Exception) as info:
        _ask(base_url, net, provider)
    assert isinstance(info.value, Exception)
    return info.value


@pytest.fixture
def proxy() -> Iterator[ForwardProxy]:
    with ForwardProxy() as p:
        yield p


def test_proxy_only_for_the_provider_that_sets_it(
    proxy: ForwardProxy, fake_server: FakeOpenAI, second_server: FakeOpenAI
) -> None:
    assert _ask(fake_server.base_url, NetworkSettings(proxy=proxy.url)) == "echo: hi"
    assert _ask(second_server.base_url, NetworkSettings(), "deepseek") == "echo: hi"
    assert proxy.targets == [f"127.0.0.1:{fake_server.port}"]
    assert len(fake_server.requests) == 1 and len(second_server.requests) == 1
    assert fake_server.requests[0].api_key == TEST_KEY  # the key went through, unchanged


def test_no_proxy_ignores_the_environment_proxy(
    proxy: ForwardProxy,
    fake_server: FakeOpenAI,
    second_server: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    assert _ask(fake_server.base_url, NetworkSettings()) == "echo: hi"  # the SDK's default
    assert _ask(second_server.base_url, NetworkSettings(no_proxy=True), "deepseek") == "echo: hi"
    assert proxy.targets == [f"127.0.0.1:{fake_server.port}"]


def test_one_run_proxy_override_wins(proxy: ForwardProxy, fake_server: FakeOpenAI) -> None:
    net = NetworkSettings(no_proxy=True).with_proxy(proxy.url)
    assert _ask(fake_server.base_url, net) == "echo: hi"
    assert proxy.targets == [f"127.0.0.1:{fake_server.port}"]


def test_proxy_407_is_named_without_the_password(fake_server: FakeOpenAI) -> None:
    with ForwardProxy(auth=("alice", "s3cret-pass")) as strict:
        url = strict.url.replace("://", "://alice:wrong-pass@")
        exc = _fail(fake_server.base_url, NetworkSettings(proxy=url))
        err = classify_network_error(
            exc, provider="openai", base_url=fake_server.base_url, proxy=url
        )
        assert isinstance(err, NetworkError)
        line = err.one_line()
        assert "407" in line and f"127.0.0.1:{strict.port}" in line and "openai" in line
        assert "wrong-pass" not in line and "alice" not in line
        assert not fake_server.requests
        good = strict.url.replace("://", "://alice:s3cret-pass@")
        assert _ask(fake_server.base_url, NetworkSettings(proxy=good)) == "echo: hi"
        assert [e.authorized for e in strict.log] == [False, True]


def test_proxy_refused(fake_server: FakeOpenAI) -> None:
    dead = "http://user:pw@127.0.0.1:9"
    exc = _fail(fake_server.base_url, NetworkSettings(proxy=dead))
    err = classify_network_error(exc, provider="openai", base_url=fake_server.base_url, proxy=dead)
    assert isinstance(err, NetworkError)
    assert "refused" in err.message and "http://127.0.0.1:9" in err.message
    assert "pw" not in err.one_line()


def test_dns_failure_is_named() -> None:
    url = "http://no-such-host.invalid/v1"
    exc = _fail(url, NetworkSettings(connect_timeout=5))
    err = classify_network_error(exc, provider="deepseek", base_url=url, proxy=None)
    assert isinstance(err, NetworkError)
    assert "DNS" in err.message and "no-such-host.invalid" in err.message


def test_connect_timeout_is_named() -> None:
    # A listening socket whose backlog is full never completes the handshake.
    import socket

    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(0)
        fillers = []
        try:
            for _ in range(8):
                s = socket.socket()
                s.setblocking(False)
                s.connect_ex(srv.getsockname())
                fillers.append(s)
            url = f"http://127.0.0.1:{srv.getsockname()[1]}/v1"
            net = NetworkSettings(connect_timeout=0.3)
            exc = _fail(url, net)
        finally:
            for s in fillers:
                s.close()
    err = classify_network_error(exc, provider="openai", base_url=url, proxy=None, net=net)
    if err is None:
        pytest.skip(f"this kernel completed the handshake anyway ({type(exc).__name__})")
    assert isinstance(err, ApiTimeoutError)
    assert "connect_timeout" in err.hint and "0.3 s" in err.message


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[TLSFakeOpenAI, Path]]:
    try:
        cert, key = make_self_signed_cert(tmp_path)
    except CertUnavailable as exc:
        pytest.skip(str(exc))
    with TLSFakeOpenAI(cert, key) as srv:
        yield srv, cert


def test_ca_bundle_lets_a_self_signed_server_in(tls_server: tuple[TLSFakeOpenAI, Path]) -> None:
    srv, cert = tls_server
    exc = _fail(srv.base_url, NetworkSettings())
    err = classify_network_error(exc, provider="openai", base_url=srv.base_url, proxy=None)
    assert isinstance(err, NetworkError) and "ca_bundle" in err.hint
    assert "not signed by a CA" in err.message
    assert not srv.requests
    assert _ask(srv.base_url, NetworkSettings(ca_bundle=cert)) == "echo: hi"
    assert len(srv.requests) == 1


def test_tls_through_the_proxy_is_a_connect_tunnel(
    tls_server: tuple[TLSFakeOpenAI, Path], proxy: ForwardProxy
) -> None:
    srv, cert = tls_server
    assert _ask(srv.base_url, NetworkSettings(proxy=proxy.url, ca_bundle=cert)) == "echo: hi"
    assert [(e.method, e.target) for e in proxy.log] == [("CONNECT", f"127.0.0.1:{srv.port}")]


def test_verify_false_warns_every_time(tls_server: tuple[TLSFakeOpenAI, Path]) -> None:
    srv, _ = tls_server
    warnings: list[str] = []
    for _ in range(2):
        kwargs: dict[str, Any] = http_client_kwargs(
            NetworkSettings(verify=False), "corp", warn=warnings.append
        )
        assert kwargs["verify"] is False
    assert len(warnings) == 2 and "corp" in warnings[0]
    assert _ask(srv.base_url, NetworkSettings(verify=False), "corp") == "echo: hi"


def test_extra_headers_reach_only_their_provider(
    fake_server: FakeOpenAI, second_server: FakeOpenAI
) -> None:
    net = parse_network_table({"headers": {"X-Gateway": "team-a"}}, "openai")
    _ask(fake_server.base_url, net)
    _ask(second_server.base_url, NetworkSettings(), "deepseek")
    assert fake_server.requests[0].headers.get("x-gateway") == "team-a"
    assert "x-gateway" not in second_server.requests[0].headers


@pytest.mark.parametrize(
    "table, words",
    [
        ({"headers": {"authorization": "Bearer x"}}, "may not set authorization"),
        ({"proxy": "ftp://host:21"}, "not a proxy URL"),
        ({"proxy": "http://h:1", "no_proxy": True}, "both proxy and no_proxy"),
        ({"timeout": 0}, "positive number"),
        ({"verify": "no"}, "true or false"),
    ],
)
def test_bad_network_settings_are_one_line_config_errors(table: dict[str, Any], words: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_network_table(table, "openai")
    assert words in info.value.one_line() and "\n" not in info.value.one_line()


def test_missing_ca_bundle_and_socks_without_extra(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        http_client_kwargs(NetworkSettings(ca_bundle=tmp_path / "nope.pem"), "x", warn=print)
    try:
        import socksio  # noqa: F401
    except ImportError:
        with pytest.raises(ConfigError) as info:
            http_client_kwargs(NetworkSettings(proxy="socks5://127.0.0.1:1080"), "x", warn=print)
        assert "llmchat[socks]" in info.value.one_line()


def test_effective_proxy_and_display() -> None:
    env = {"HTTPS_PROXY": "http://u:p@corp:3128", "NO_PROXY": ".internal,localhost"}
    assert (
        effective_proxy(NetworkSettings(), "https://api.openai.com/v1", env) == env["HTTPS_PROXY"]
    )
    assert effective_proxy(NetworkSettings(), "https://llm.internal/v1", env) is None
    assert effective_proxy(NetworkSettings(no_proxy=True), "https://api.openai.com", env) is None
    assert proxy_display("http://u:p@corp:3128") == "http://corp:3128"


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8000/v1", True),
        ("http://localhost:11434/v1", True),
        ("http://[::1]:8080/v1", True),
        ("http://127.1.2.3/v1", True),
        ("https://127.0.0.1:8443/v1", False),
        ("http://192.168.1.20:8000/v1", False),
        ("http://localhost.example.com/v1", False),
        ("http://127.attacker.example/v1", False),
        ("http://[::ffff:127.0.0.1]:8000/v1", True),
        ("http://localhost.:8000/v1", True),
        ("https://api.deepseek.com", False),
        ("", False),
    ],
)
def test_plain_http_on_this_machine(url: str, local: bool) -> None:
    assert plain_http_on_this_machine(url) is local


def test_a_local_plain_http_server_gets_a_context_without_the_systems_cas(
    fake_server: FakeOpenAI,
) -> None:
    """No handshake ever happens there: the CAs (~2.5 MiB) are not loaded. The context
    still verifies, so anything that led to TLS would fail closed."""
    local = http_client_kwargs(
        NetworkSettings(), "local", warn=print, base_url=fake_server.base_url
    )["verify"]
    assert isinstance(local, ssl.SSLContext)
    assert local.cert_store_stats()["x509_ca"] == 0
    assert local.verify_mode == ssl.CERT_REQUIRED and local.check_hostname
    remote = http_client_kwargs(
        NetworkSettings(), "deepseek", warn=print, base_url="https://api.deepseek.com"
    )["verify"]
    expected = httpx2.create_ssl_context().cert_store_stats()
    assert remote.cert_store_stats() == expected
    client = ChatClient(
        Provider("local", "Local", fake_server.base_url, "K", "LOCAL", "m"),
        TEST_KEY,
        Timeouts(connect=5, read=10),
    )
    request = ChatRequest("m", [{"role": "user", "content": "hi"}], Params(), stream=True)
    text = "".join(e.text for e in client.events(request) if isinstance(e, TextDelta))
    assert text == "echo: hi"


def test_a_proxy_keeps_the_full_context() -> None:
    url = "http://127.0.0.1:8000/v1"
    proxied = http_client_kwargs(
        NetworkSettings(proxy="http://127.0.0.1:3128"), "local", warn=print, base_url=url
    )["verify"]
    assert proxied.cert_store_stats() == httpx2.create_ssl_context().cert_store_stats()


class _RedirectToTLS(BaseHTTPRequestHandler):
    """Answers every request with a 307 to the same path on `target` (an https:// URL)."""

    protocol_version = "HTTP/1.1"
    target = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _redirect(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(307)
        self.send_header("Location", self.target + self.path.removeprefix("/v1"))
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = _redirect


def test_a_local_http_server_that_redirects_to_tls_gets_an_error_naming_it(
    tls_server: tuple[TLSFakeOpenAI, Path],
) -> None:
    """The context for plain HTTP on this machine trusts no CA: a redirect to https://
    fails closed, and the message says why and what to set (not "add a ca_bundle")."""
    srv, _ = tls_server
    handler = type("Redirect", (_RedirectToTLS,), {"target": srv.base_url})
    redirector = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=redirector.serve_forever, daemon=True).start()
    try:
        base_url = f"http://localhost:{redirector.server_address[1]}/v1"
        client = ChatClient(
            Provider("local", "Local", base_url, "K", "LOCAL", "m"),
            TEST_KEY,
            Timeouts(connect=5, read=10),
        )
        request = ChatRequest("m", [{"role": "user", "content": "hi"}], Params(), stream=False)
        with pytest.raises(NetworkError) as info:
            list(client.events(request))
        assert "plain HTTP on this machine" in info.value.message
        assert "https://" in info.value.hint and "base_url" in info.value.hint
        assert not srv.requests  # the TLS handshake failed: nothing reached the server
    finally:
        redirector.shutdown()
        redirector.server_close()
