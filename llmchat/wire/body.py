"""A streamed reply's raw body, read at the pace the screen asks for (events.ReadPacer).

Once the reader has caught up with the network, the pacer may ask for a pause: the bytes
that arrive meanwhile wait in the socket and are then taken in one go. Caught up means
the last piece had to be waited for *and* the socket holds nothing now. Both, because
pieces that come at once were already read (the HTTP parser hands on one chunk of the
body at a time, however many one read brought), and a wait alone may have been for the
GIL (a frame being drawn) while a fast server's backlog grew. No pacing when the socket
cannot be asked. No SDK here: wire/client.py maps the transport's errors.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from llmchat.events import ReadPacer

# A piece of the body that took this long to come had to be waited for.
CAUGHT_UP_SECONDS = 0.002


def paced_body(response: Any, pacer: ReadPacer | None) -> Iterator[bytes]:
    """The pieces of an httpx response's body, with the pacer's pauses between them."""
    socket_empty = socket_empty_probe(response) if pacer is not None else None
    if pacer is None or socket_empty is None:
        yield from response.iter_bytes()
        return
    asked = time.monotonic()
    for block in response.iter_bytes():
        waited = time.monotonic() - asked
        yield block
        if waited >= CAUGHT_UP_SECONDS and socket_empty():
            pause = pacer()
            if pause > 0:
                time.sleep(pause)
        asked = time.monotonic()


def socket_empty_probe(response: Any) -> Callable[[], bool] | None:
    """Whether the response's socket has nothing to read right now; None when the HTTP
    stack does not say (httpcore's `network_stream` extension answers `is_readable`)."""
    stream = response.extensions.get("network_stream")
    ask = getattr(stream, "get_extra_info", None)
    if ask is None:
        return None
    return lambda: not ask("is_readable")
