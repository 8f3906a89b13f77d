"""One-line errors that tell the truth about the network: a proxy's refusal or 407, an
unknown CA, a plain-HTTP local server led to TLS, DNS, a connect timeout. Named from the
exception chain's types and texts; no exception text is copied into a message (it can
hold URLs with passwords). The settings behind them are network.py's.
"""

from __future__ import annotations

import errno
import socket
import ssl
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from urllib.parse import urlsplit

from llmchat.errors import ApiError, ApiTimeoutError, NetworkError
from llmchat.wire.network import NetworkSettings, effective_proxy, proxy_display, trusts_no_ca


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _any(exc: BaseException, test: Callable[[BaseException], bool]) -> bool:
    return any(test(e) for e in _chain(exc))


def _names(exc: BaseException) -> set[str]:
    return {type(e).__name__ for e in _chain(exc)}


def _text(exc: BaseException) -> str:
    return " | ".join(str(e) for e in _chain(exc))


_DNS_WORDS = (
    "name or service not known",
    "nodename nor servname",
    "temporary failure in name resolution",
    "getaddrinfo failed",
    "no address associated with hostname",
)


def network_error_for(
    net: NetworkSettings, provider: str, base_url: str, vars: Mapping[str, str]
) -> Callable[[BaseException], ApiError | None]:
    """`classify_network_error` bound to one provider. The proxy is only there to be named
    in an error: httpx itself picks it (ours, or the environment's)."""
    proxy = effective_proxy(net, base_url, vars)
    return partial(
        classify_network_error, provider=provider, base_url=base_url, proxy=proxy, net=net
    )


def classify_network_error(
    exc: BaseException,
    *,
    provider: str,
    base_url: str,
    proxy: str | None,
    net: NetworkSettings | None = None,
) -> ApiError | None:
    """A distinct one-line error for a proxy refusal, 407, unknown CA, DNS failure or
    connect timeout; None when `exc` is none of those (the caller's generic message then).

    `proxy` is the proxy the request used (see `effective_proxy`); it is shown only as
    scheme://host:port. No exception text is copied into the message: it can hold URLs
    with passwords.
    """
    host = urlsplit(base_url).hostname or base_url
    shown = proxy_display(proxy) if proxy else None
    via = f" (through proxy {shown})" if shown else ""
    table = f"[providers.{provider}] in config.toml"
    text = _text(exc).lower()
    names = _names(exc)
    status = getattr(exc, "status_code", None)

    if proxy and (status == 407 or ("ProxyError" in names and "407" in text)):
        has_login = bool(urlsplit(proxy).username)
        return NetworkError(
            f"{provider}: the proxy {shown} "
            + ("rejected its user name and password" if has_login else "requires a login")
            + f" (407) for {host}",
            f'put them in the proxy URL: proxy = "{urlsplit(proxy).scheme}://USER:PASSWORD@'
            f'{shown.split("://", 1)[1] if shown else "HOST"}" in {table}',
        )
    if _any(exc, lambda e: isinstance(e, ssl.SSLCertVerificationError)) or (
        "certificate_verify_failed" in text
    ):
        if trusts_no_ca(net or NetworkSettings(), base_url):
            return NetworkError(
                f"{provider}: {base_url} is plain HTTP on this machine, but the request "
                f"was led to TLS{via or ' (a redirect to https://?)'}, which llmchat "
                "does not prepare for there",
                f"set base_url to the server's https:// address in {table} (or with --base-url)",
            )
        return NetworkError(
            f"{provider}: the TLS certificate of {host}{via} is not signed by a CA this "
            "machine trusts",
            f'if your network inspects TLS, set ca_bundle = "/path/to/ca.pem" in {table}',
        )
    if "ConnectTimeout" in names:
        return ApiTimeoutError(
            f"{provider}: no connection to "
            + (f"proxy {shown} for {host}" if shown else host)
            + (f" within {net.connect_timeout:g} s" if net and net.connect_timeout else ""),
            f"raise connect_timeout in {table}, or check the network"
            + (" and the proxy" if shown else " (does it need a proxy?)"),
        )
    if _any(exc, lambda e: isinstance(e, socket.gaierror)) or any(w in text for w in _DNS_WORDS):
        if shown:
            return NetworkError(
                f"{provider}: cannot find the host of proxy {shown} or of {host} (DNS)",
                f"check proxy and base_url in {table}",
            )
        return NetworkError(
            f"{provider}: cannot find host {host} (DNS)",
            f"check base_url in {table}, or the network's DNS",
        )
    refused = (
        _any(
            exc,
            lambda e: (
                isinstance(e, ConnectionRefusedError)
                or getattr(e, "errno", None) == errno.ECONNREFUSED
            ),
        )
        or "connection refused" in text
    )
    if shown and refused:
        return NetworkError(
            f"{provider}: the proxy {shown} refused the connection (to reach {host})",
            f"is the proxy running? check proxy in {table}"
            + (" or HTTPS_PROXY" if not (net and net.proxy) else "")
            + f", or set no_proxy = true for {provider}",
        )
    return None
