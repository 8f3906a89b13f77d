"""Finds a local OpenAI-compatible server (Ollama, llama.cpp, vLLM, LM Studio) by itself.

Runs only when no key is usable, so it must cost nothing noticeable: every default port
is tried at once with non-blocking connects (a refused loopback connect fails in
microseconds), and only a port that accepted is asked for `/v1/models`. Standard
library only; never imported on the way to `--version` or `--help`.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import selectors
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http.client import HTTPConnection, HTTPException

#: `name=host:port,...`; replaces the default probes (tests point it at a fake server;
#: an empty value turns detection off).
PROBES_VAR = "LLMCHAT_LOCAL_PROBES"
CONNECT_TIMEOUT = 0.05
HTTP_TIMEOUT = 0.5


@dataclass(frozen=True)
class Probe:
    """One place a local server may listen. `name` is its provider's name in llmchat."""

    name: str
    label: str
    host: str
    port: int

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"


@dataclass(frozen=True)
class LocalServer:
    """A local server that answered, and the models it says it serves."""

    probe: Probe
    models: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.probe.name

    @property
    def base_url(self) -> str:
        return self.probe.base_url

    def banner(self, model: str | None = None) -> str:
        """`Ollama at localhost:11434 · llama3.2`, for the REPL's first line."""
        shown = model or (self.models[0] if self.models else None)
        where = f"{self.probe.label} at {self.probe.host}:{self.probe.port}"
        return f"{where} · {shown}" if shown else where


_LABELS = {"ollama": "Ollama", "llamacpp": "llama.cpp", "vllm": "vLLM", "lmstudio": "LM Studio"}

DEFAULT_PROBES: tuple[Probe, ...] = (
    Probe("ollama", "Ollama", "localhost", 11434),
    Probe("llamacpp", "llama.cpp", "localhost", 8080),
    Probe("vllm", "vLLM", "localhost", 8000),
    Probe("lmstudio", "LM Studio", "localhost", 1234),
)


def probes_from(vars: Mapping[str, str]) -> tuple[Probe, ...]:
    """The probes in force: the defaults, or exactly those `LLMCHAT_LOCAL_PROBES` names."""
    raw = vars.get(PROBES_VAR)
    if raw is None:
        return DEFAULT_PROBES
    probes: list[Probe] = []
    for item in raw.split(","):
        name, sep, address = item.strip().partition("=")
        host, colon, port = address.strip().rpartition(":")
        if not (sep and colon and host and port.isdigit()):
            continue  # a malformed entry only turns that probe off; detection is a nicety
        name = name.strip().lower()
        probes.append(Probe(name, _LABELS.get(name, name), host.strip("[]"), int(port)))
    return tuple(probes)


def _address(host: str) -> tuple[int, str]:
    """Family and numeric address, without a DNS lookup for the usual loopback names."""
    if host == "localhost":
        return socket.AF_INET, "127.0.0.1"
    if ":" in host:
        return socket.AF_INET6, host
    return socket.AF_INET, host


def open_probes(probes: Sequence[Probe], timeout: float = CONNECT_TIMEOUT) -> list[Probe]:
    """The probes whose port accepts a TCP connection, in the order given.

    All connects start at once; the whole call lasts at most `timeout` seconds.
    """
    selector = selectors.DefaultSelector()
    pending: dict[socket.socket, Probe] = {}
    pending_by_fd: dict[int, socket.socket] = {}
    accepted: set[Probe] = set()
    try:
        for probe in probes:
            family, address = _address(probe.host)
            try:
                sock = socket.socket(family, socket.SOCK_STREAM)
            except OSError:
                continue
            sock.setblocking(False)
            code = sock.connect_ex((address, probe.port))
            if code == 0:
                accepted.add(probe)
                sock.close()
            elif code in (errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY):
                pending[sock] = probe
                pending_by_fd[sock.fileno()] = sock
                selector.register(sock, selectors.EVENT_WRITE)
            else:
                sock.close()
        deadline = time.monotonic() + timeout
        while pending:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            for key, _ in selector.select(left):
                sock = pending_by_fd[key.fd]
                if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                    accepted.add(pending[sock])
                selector.unregister(sock)
                sock.close()
                del pending[sock], pending_by_fd[key.fd]
    finally:
        for sock in pending:
            sock.close()
        selector.close()
    return [probe for probe in probes if probe in accepted]


def list_models(probe: Probe, timeout: float = HTTP_TIMEOUT) -> tuple[str, ...] | None:
    """The ids from `GET /v1/models`, or None when this is not an OpenAI-compatible server
    (ports 8000 and 8080 are often some other development server)."""
    _, address = _address(probe.host)
    conn = HTTPConnection(address, probe.port, timeout=timeout)
    try:
        conn.request("GET", "/v1/models", headers={"Accept": "application/json"})
        response = conn.getresponse()
        if response.status != 200:
            return None
        data = json.loads(response.read(1_000_000))
    except (OSError, HTTPException, ValueError):
        return None
    finally:
        conn.close()
    entries = data.get("data") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return None
    ids = (entry.get("id") for entry in entries if isinstance(entry, dict))
    return tuple(i for i in ids if isinstance(i, str) and i)


def detect_local(vars: Mapping[str, str] | None = None) -> LocalServer | None:
    """The first probe (in priority order) that is a live OpenAI-compatible server."""
    vars = os.environ if vars is None else vars
    for probe in open_probes(probes_from(vars)):
        models = list_models(probe)
        if models is not None:
            return LocalServer(probe, models)
    return None


if __name__ == "__main__":
    started = time.perf_counter()
    found = detect_local()
    with contextlib.suppress(BrokenPipeError):
        print(found.banner() if found else "no local server found", end=" ")
        print(f"({(time.perf_counter() - started) * 1000:.1f} ms)")
