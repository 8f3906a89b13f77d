"""Per-provider network settings, and the SDK client arguments built from them (the
one-line messages for a network that fails are network_errors.py's).

Settings (config.toml, `[providers.NAME]`): `proxy` (http/https/socks5 URL), `no_proxy`
(ignore the environment's proxy for this provider), `ca_bundle` (a PEM file added to the
system's CAs), `verify = false` (a warning every time), `timeout`, `connect_timeout`,
`headers` (never `Authorization`). They reach only that provider's client.

The SDK's HTTP stack is a renamed httpx (`httpx2`, see SDK-NOTES.md); it is imported
lazily here, only when a client is built or an error classified. wire/client.py uses:

    kwargs = http_client_kwargs(net, provider, warn=print_warning)
    openai.OpenAI(..., http_client=openai.DefaultHttpxClient(**kwargs),
                  default_headers={**net.headers_dict(), ...})

`DefaultHttpxClient` keeps the SDK's own limits and redirects; these kwargs add only ours.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import re
import ssl
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from llmchat.errors import ConfigError

PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")
#: The SDK's defaults (openai._constants.DEFAULT_TIMEOUT), kept when a setting is absent.
SDK_READ_TIMEOUT = 600.0
SDK_CONNECT_TIMEOUT = 5.0
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
#: Headers that carry a credential or route the request: never from config.toml.
_FORBIDDEN_HEADERS = frozenset({"authorization", "host", "proxy-authorization"})


@dataclass(frozen=True)
class NetworkSettings:
    """How one provider's requests travel. Defaults = what the SDK does on its own."""

    proxy: str | None = None
    no_proxy: bool = False
    ca_bundle: Path | None = None
    verify: bool = True
    timeout: float | None = None
    connect_timeout: float | None = None
    headers: tuple[tuple[str, str], ...] = ()

    def headers_dict(self) -> dict[str, str]:
        return dict(self.headers)

    def with_proxy(self, proxy: str | None) -> NetworkSettings:
        """`--proxy URL` for one run: wins over config.toml and the environment."""
        if proxy is None:
            return self
        return replace(self, proxy=check_proxy_url(proxy, "--proxy"), no_proxy=False)


def proxy_display(url: str) -> str:
    """`scheme://host:port` of a proxy URL: never its user name or password."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    host = parts.hostname or "?"
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{host}{port}"


def check_proxy_url(url: str, where: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in PROXY_SCHEMES or not parts.hostname:
        raise ConfigError(
            f"{where}: not a proxy URL: {proxy_display(url)}",
            "use http://HOST:PORT, https://HOST:PORT or socks5://HOST:PORT",
        )
    return url


def parse_network_table(table: Mapping[str, Any], provider: str) -> NetworkSettings:
    """The network keys of a `[providers.NAME]` table, checked; other keys are ignored here."""
    where = f"[providers.{provider}] in config.toml"

    def bad(key: str, expected: str) -> ConfigError:
        return ConfigError(f"{key} in {where} must be {expected}", f"fix {key} for {provider}")

    def seconds(key: str) -> float | None:
        value = table.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise bad(key, "a positive number of seconds")
        return float(value)

    proxy = table.get("proxy")
    if proxy is not None and (not isinstance(proxy, str) or not proxy):
        raise bad("proxy", "a URL string")
    if isinstance(proxy, str):
        check_proxy_url(proxy, f"proxy in {where}")
    no_proxy, verify = table.get("no_proxy", False), table.get("verify", True)
    if not isinstance(no_proxy, bool):
        raise bad("no_proxy", "true or false")
    if not isinstance(verify, bool):
        raise bad("verify", "true or false")
    if proxy and no_proxy:
        raise ConfigError(f"{where} sets both proxy and no_proxy", "keep one of them")
    ca_raw = table.get("ca_bundle")
    if ca_raw is not None and (not isinstance(ca_raw, str) or not ca_raw):
        raise bad("ca_bundle", "the path of a PEM file")
    headers_raw = table.get("headers", {})
    if not isinstance(headers_raw, Mapping):
        raise bad("headers", 'a table, e.g. headers = { "X-Gateway" = "team-a" }')
    headers: list[tuple[str, str]] = []
    for name, value in headers_raw.items():
        if not isinstance(value, str) or not _HEADER_NAME.match(str(name)) or "\n" in value:
            raise bad(f"headers.{name}", "a header name with a one-line string value")
        if str(name).lower() in _FORBIDDEN_HEADERS:
            raise ConfigError(
                f"headers in {where} may not set {name}",
                "the key is sent by llmchat itself (api_key_env, keys set, api_key_cmd)",
            )
        headers.append((str(name), value))
    return NetworkSettings(
        proxy=proxy,
        no_proxy=no_proxy,
        ca_bundle=Path(ca_raw).expanduser() if ca_raw else None,
        verify=verify,
        timeout=seconds("timeout"),
        connect_timeout=seconds("connect_timeout"),
        headers=tuple(headers),
    )


def _ssl_context(net: NetworkSettings, provider: str) -> ssl.SSLContext | None:
    """The system CAs plus `ca_bundle`; None = the SDK's default verification."""
    if net.ca_bundle is None:
        return None
    ctx = ssl.create_default_context()
    try:
        ctx.load_verify_locations(cafile=str(net.ca_bundle))
    except FileNotFoundError:
        raise ConfigError(
            f"ca_bundle for {provider} does not exist: {net.ca_bundle}",
            f"fix ca_bundle under [providers.{provider}] in config.toml",
        ) from None
    except (ssl.SSLError, OSError):
        raise ConfigError(
            f"ca_bundle for {provider} is not a PEM certificate file: {net.ca_bundle}",
            "export the CA certificate as PEM (-----BEGIN CERTIFICATE-----)",
        ) from None
    return ctx


def http_client_kwargs(
    net: NetworkSettings, provider: str, *, warn: Callable[[str], None], base_url: str = ""
) -> dict[str, Any]:
    """Keyword arguments for `openai.DefaultHttpxClient(...)` (an httpx2.Client)."""
    import httpx2

    kwargs: dict[str, Any] = {
        "timeout": httpx2.Timeout(
            net.timeout or SDK_READ_TIMEOUT, connect=net.connect_timeout or SDK_CONNECT_TIMEOUT
        )
    }
    if not net.verify:
        warn(
            f"TLS certificate checks are off for {provider} (verify = false in config.toml): "
            "anyone on the network path can read your key and the chat"
        )
        kwargs["verify"] = False
    elif trusts_no_ca(net, base_url):
        # A local server (Ollama, llama.cpp, vLLM) over plain HTTP: no handshake will ever
        # happen, and loading the system's CAs costs ~2.5 MiB for the whole run. The
        # context still verifies: should a redirect or an environment proxy ever lead to
        # TLS, it fails closed (it trusts no CA) rather than open.
        kwargs["verify"] = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    else:
        # One context for the client and every proxy transport it mounts (HTTP_PROXY,
        # HTTPS_PROXY, ALL_PROXY each get one): left to httpx, each loads the system CAs
        # again, ~0.8 MiB apiece. The same context httpx would build (SSL_CERT_FILE too).
        kwargs["verify"] = _ssl_context(net, provider) or httpx2.create_ssl_context()
    if net.proxy:
        if urlsplit(net.proxy).scheme.startswith("socks"):
            _require_socks(provider)
        kwargs["proxy"] = net.proxy
    elif net.no_proxy:
        # Same patterns as the environment's proxies, mapped to "no proxy": this keeps
        # trust_env (SSL_CERT_FILE, the SDK's defaults) while ignoring HTTPS_PROXY & co.
        kwargs["mounts"] = {"http://": None, "https://": None, "all://": None}
    return kwargs


def plain_http_on_this_machine(base_url: str) -> bool:
    """An `http://` URL whose host is this machine (localhost, a loopback address)."""
    parts = urlsplit(base_url)
    if parts.scheme != "http":
        return False
    host = (parts.hostname or "").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def trusts_no_ca(net: NetworkSettings, base_url: str) -> bool:
    """Whether the client gets a TLS context without CAs (see `http_client_kwargs`)."""
    return (
        net.verify
        and net.ca_bundle is None
        and not net.proxy
        and plain_http_on_this_machine(base_url)
    )


def _require_socks(provider: str) -> None:
    if importlib.util.find_spec("socksio") is None:
        raise ConfigError(
            f"the proxy for {provider} is a SOCKS proxy, which needs an optional package",
            "pip install 'llmchat[socks]' (or use an http:// proxy)",
        )


# --- which proxy a request takes ----------------------------------------------------


def effective_proxy(net: NetworkSettings, base_url: str, env: Mapping[str, str]) -> str | None:
    """The proxy a request to `base_url` goes through: ours, the environment's, or none."""
    if net.proxy:
        return net.proxy
    if net.no_proxy:
        return None
    lowered = {k.lower(): v for k, v in env.items() if v}
    proxies = {k[:-6]: v for k, v in lowered.items() if k.endswith("_proxy")}
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    no = proxies.get("no", "")
    if no and _bypassed(host, no):
        return None
    return proxies.get(parts.scheme) or proxies.get("all")


def _bypassed(host: str, no_proxy: str) -> bool:
    """curl's NO_PROXY rules: `*`, an exact host, or a domain suffix (`.example.com`)."""
    host = host.lower().strip("[]")
    for entry in (e.strip().lower() for e in no_proxy.split(",")):
        if entry == "*":
            return True
        entry = entry.split(":")[0].strip("[]") if entry.count(":") == 1 else entry.strip("[]")
        if entry and (host == entry.lstrip(".") or host.endswith("." + entry.lstrip("."))):
            return True
    return False


def warn_on_stderr(text: str) -> None:
    """A warning line that must be seen every time (e.g. `verify = false`)."""
    sys.stderr.write(f"llmchat: warning: {text}\n")
    sys.stderr.flush()
