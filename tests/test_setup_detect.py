"""Local server detection against real sockets on loopback: a fake server on a port of the
test's choosing is found with its models; closed ports and non-API servers are passed over."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fakeserver import FakeOpenAI

from llmchat.setup.detect import (
    DEFAULT_PROBES,
    PROBES_VAR,
    Probe,
    detect_local,
    open_probes,
    probes_from,
)


def _closed_port() -> int:
    """A port nothing listens on: bound, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _NotAnApi(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<html>a development server</html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def web_page_server() -> Iterator[int]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _NotAnApi)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield int(httpd.server_address[1])
    httpd.shutdown()
    httpd.server_close()


def test_probes_default_to_the_four_servers_and_are_overridable() -> None:
    assert [(p.name, p.port) for p in probes_from({})] == [
        ("ollama", 11434),
        ("llamacpp", 8080),
        ("vllm", 8000),
        ("lmstudio", 1234),
    ]
    assert probes_from({}) == DEFAULT_PROBES
    assert probes_from({PROBES_VAR: "ollama=127.0.0.1:5555, lmstudio=[::1]:77, junk"}) == (
        Probe("ollama", "Ollama", "127.0.0.1", 5555),
        Probe("lmstudio", "LM Studio", "::1", 77),
    )
    assert probes_from({PROBES_VAR: ""}) == ()


def test_a_fake_server_on_its_port_is_found_with_its_models(fake_server: FakeOpenAI) -> None:
    fake_server.models = ["llama3.2", "qwen2.5"]
    probes = f"ollama=127.0.0.1:{_closed_port()},vllm=127.0.0.1:{fake_server.port}"
    found = detect_local({PROBES_VAR: probes})
    assert found is not None
    assert found.name == "vllm"
    assert found.base_url == f"http://127.0.0.1:{fake_server.port}/v1"
    assert found.models == ("llama3.2", "qwen2.5")
    assert found.banner() == f"vLLM at 127.0.0.1:{fake_server.port} · llama3.2"
    assert [r.path for r in fake_server.requests] == ["/v1/models"]


def test_priority_order_wins_over_answer_order(
    fake_server: FakeOpenAI, second_server: FakeOpenAI
) -> None:
    second_server.models = ["from-second"]
    probes = f"ollama=127.0.0.1:{second_server.port},llamacpp=127.0.0.1:{fake_server.port}"
    found = detect_local({PROBES_VAR: probes})
    assert found is not None and found.name == "ollama" and found.models == ("from-second",)
    assert fake_server.requests == []  # the first live API is enough


def test_a_port_that_is_not_an_api_is_passed_over(
    web_page_server: int, fake_server: FakeOpenAI
) -> None:
    probes = f"llamacpp=127.0.0.1:{web_page_server},lmstudio=127.0.0.1:{fake_server.port}"
    found = detect_local({PROBES_VAR: probes})
    assert found is not None and found.name == "lmstudio"
    assert found.banner().startswith("LM Studio at 127.0.0.1:")


def test_nothing_listening_finds_nothing() -> None:
    probes = ",".join(f"{name}=127.0.0.1:{_closed_port()}" for name in ("ollama", "vllm"))
    assert open_probes(probes_from({PROBES_VAR: probes})) == []
    assert detect_local({PROBES_VAR: probes}) is None
    assert detect_local({PROBES_VAR: ""}) is None
