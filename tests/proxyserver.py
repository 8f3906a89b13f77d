"""A real forward proxy on 127.0.0.1, and a TLS variant of the fake API, for network tests.

Why real: what llmchat must prove is where bytes go (through the proxy for one
provider, around it for another), what a 407 or an unknown CA looks like through the
SDK's own HTTP stack, and that the proxy password never shows. Only sockets prove that.
Standard library only (the certificate is made by `cryptography` or the `openssl`
command, whichever exists; tests skip with a reason when neither does).

    with ForwardProxy() as proxy:                 # or ForwardProxy(auth=("u", "p")) for 407
        ... proxy.url ...                         # http://127.0.0.1:PORT
        assert proxy.targets == ["127.0.0.1:PORT"] # each request's target, in order
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import select
import shutil
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from fakeserver import FakeOpenAI


@dataclass(frozen=True)
class ProxyLogEntry:
    method: str  # "CONNECT" for a tunnel, else the forwarded method
    target: str  # "host:port" the client asked for
    authorized: bool  # False: answered 407


class _ProxyHandler(BaseHTTPRequestHandler):
    server: _ProxyServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _authorized(self) -> bool:
        auth = self.server.proxy.auth
        if auth is None:
            return True
        expected = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        return self.headers.get("Proxy-Authorization") == expected

    def _log(self, target: str, ok: bool) -> None:
        with self.server.proxy.lock:
            self.server.proxy.log.append(ProxyLogEntry(self.command, target, ok))

    def _deny(self) -> None:
        body = b"proxy authentication required\n"
        self.send_response(407)
        self.send_header("Proxy-Authenticate", 'Basic realm="test-proxy"')
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def do_CONNECT(self) -> None:
        host, _, port = self.path.rpartition(":")
        ok = self._authorized()
        self._log(self.path, ok)
        if not ok:
            return self._deny()
        try:
            upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
        except OSError:
            self.send_error(502)
            return
        self.send_response(200, "Connection Established")
        self.end_headers()
        self.wfile.flush()
        _pipe(self.connection, upstream)
        self.close_connection = True

    def _forward(self) -> None:
        parts = urlsplit(self.path)
        if parts.scheme != "http" or not parts.hostname:
            self.send_error(400, "absolute http:// URI expected")
            return
        port = parts.port or 80
        ok = self._authorized()
        self._log(f"{parts.hostname}:{port}", ok)
        if not ok:
            return self._deny()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        lines = [f"{self.command} {path or '/'} HTTP/1.1"]
        for name, value in self.headers.items():
            if name.lower() not in ("proxy-authorization", "proxy-connection", "connection"):
                lines.append(f"{name}: {value}")
        lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        try:
            upstream = socket.create_connection((parts.hostname, port), timeout=10)
        except OSError:
            self.send_error(502)
            return
        with upstream:
            upstream.sendall(head + body)
            while chunk := upstream.recv(65536):  # relay until the server closes
                self.wfile.write(chunk)
                self.wfile.flush()
        self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = _forward


def _pipe(a: socket.socket, b: socket.socket) -> None:
    """Copy bytes both ways until either side closes (a CONNECT tunnel)."""
    with b:
        socks = [a, b]
        while True:
            readable, _, _ = select.select(socks, [], [], 30)
            if not readable:
                return
            for s in readable:
                try:
                    data = s.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                (b if s is a else a).sendall(data)


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    proxy: ForwardProxy

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up mid-tunnel is routine


class ForwardProxy:
    """An HTTP forward proxy on 127.0.0.1: CONNECT tunnels and absolute-URI forwarding.

    `auth=(user, password)` answers 407 to requests without that Proxy-Authorization.
    """

    def __init__(self, auth: tuple[str, str] | None = None) -> None:
        self.auth = auth
        self.log: list[ProxyLogEntry] = []
        self.lock = threading.Lock()
        self._httpd: _ProxyServer | None = None

    def start(self) -> ForwardProxy:
        httpd = _ProxyServer(("127.0.0.1", 0), _ProxyHandler)
        httpd.proxy = self
        self._httpd = httpd
        threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    @property
    def port(self) -> int:
        assert self._httpd is not None, "ForwardProxy is not started"
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def targets(self) -> list[str]:
        with self.lock:
            return [e.target for e in self.log]

    def __enter__(self) -> ForwardProxy:
        return self.start()

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


# --- TLS ---------------------------------------------------------------------------


class CertUnavailable(Exception):
    """Neither `cryptography` nor the `openssl` command can make a certificate here."""


def make_self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """(cert.pem, key.pem) for localhost and 127.0.0.1, valid for two days."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    try:
        _cert_with_cryptography(cert, key)
        return cert, key
    except ImportError:
        pass
    openssl = shutil.which("openssl")
    if openssl is None:
        raise CertUnavailable("neither the cryptography package nor the openssl command is here")
    cmd = [
        openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise CertUnavailable(f"openssl req failed: {done.stderr.strip()[:200]}")
    return cert, key


def _cert_with_cryptography(cert_path: Path, key_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


class TLSFakeOpenAI(FakeOpenAI):
    """The fake API over HTTPS with a self-signed certificate (`https://127.0.0.1:PORT/v1`)."""

    def __init__(self, cert: Path, key: Path) -> None:
        super().__init__()
        self._ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._ctx.load_cert_chain(cert, key)

    def start(self) -> TLSFakeOpenAI:
        super().start()
        httpd = self._httpd
        assert httpd is not None
        # Same file descriptor, so the serving thread's selector keeps working; the
        # handshake happens in accept(), and a client that rejects the certificate
        # only makes that accept fail (an OSError the server ignores).
        httpd.socket = self._ctx.wrap_socket(httpd.socket, server_side=True)
        return self

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}/v1"
