"""A real OpenAI-compatible chat-completions server on 127.0.0.1, for tests and benchmarks.

Why a real server and not a mocked SDK: llmchat's failure handling depends on what the
`openai` SDK does with the bytes on the wire — a cut chunked stream,
a stream without `[DONE]`, an HTML page with status 200, a 429 with Retry-After. Only a
socket that actually misbehaves proves those paths. Standard library only, so it runs
anywhere the tests run (Python 3.10+), and as a script for manual runs and benchmarks:

    python tests/fakeserver.py [--port N] [--reply-file FILE] [--chunk-size N]
                               [--reasoning TEXT] [--chunk-delay S] [--paced]

Typical test use:

    with FakeOpenAI() as srv:
        srv.reply(text="Hello!", reasoning="thinking…", usage={...})
        ...  # point the client at srv.base_url
        assert srv.last.body["model"] == "gpt-x"
"""

from __future__ import annotations

import argparse
import contextlib
import json
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

#: Models listed by GET /v1/models unless a test sets `srv.models`.
DEFAULT_MODELS: tuple[str, ...] = ("fake-model", "fake-reasoner")
#: Model echoed in replies when the request names none.
FALLBACK_MODEL = "fake-model"
#: Batch streamed SSE events into socket writes of about this many bytes (a 20,000-chunk
#: benchmark reply would otherwise cost 20,000 syscalls and TCP segments).
_WRITE_BATCH = 16 * 1024

_ERROR_TYPES: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("permission_denied", "unsupported_country_region_territory"),
    404: ("invalid_request_error", "model_not_found"),
    408: ("timeout", None),
    413: ("invalid_request_error", "context_length_exceeded"),
    422: ("invalid_request_error", None),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", None),
    502: ("server_error", None),
    503: ("server_error", "overloaded"),
    504: ("server_error", None),
}


def _dumps(obj: Any) -> str:
    """Compact JSON with raw UTF-8, as OpenAI sends it (clients must decode multi-byte text)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


_HTML_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>Welcome</title></head>\n"
    "<body><h1>It works!</h1><p>This is not an API.</p></body></html>\n"
)


@dataclass
class Reply:
    """One scripted answer (or misbehaviour) for the next chat-completions request(s).

    Every field is optional; `Reply()` answers "echo: <last user message>" like the
    default. Fields are grouped by what they emulate:

    content: `text`, `reasoning`, `reasoning_field`, `chunk_size`, `model`
    accounting: `usage`, `send_usage`, `finish_reason`
    HTTP errors: `status`, `error_message`, `headers`, `html`
    broken streams: `cut_after`, `end_without_done`, `malformed_after`, `stream_error_after`
    SSE framing: `sse_extras`, `line_end`, `write_size`
    timing: `delay`, `chunk_delay`
    retries: `repeat` (the SDK retries 429/5xx itself, so one error usually needs 3)
    """

    #: The answer's content. None means "echo: <content of the last user message>".
    text: str | None = None
    #: Thinking text, streamed before the content in `reasoning_field` deltas.
    reasoning: str | None = None
    #: Delta field carrying reasoning: "reasoning_content" (DeepSeek, Qwen) or
    #: "reasoning" (OpenRouter, vLLM), which the SDK exposes only via `model_extra`.
    reasoning_field: str = "reasoning_content"
    #: Characters (not bytes: multi-byte text is never split mid-character) per chunk.
    chunk_size: int = 3
    #: Usage object; None computes a plausible one from the text lengths. Streamed only
    #: when the request asked `stream_options: {"include_usage": true}`, like OpenAI.
    usage: dict[str, Any] | None = None
    #: False sends no usage at all, even when asked (many compatible servers).
    send_usage: bool = True
    #: Reason in the last choice chunk / non-stream body; None sends no finish_reason.
    finish_reason: str | None = "stop"
    #: Non-200 status answered with an OpenAI-style JSON error body.
    status: int | None = None
    #: Message for that error body (default: a realistic one per status).
    error_message: str | None = None
    #: Extra response headers, e.g. {"Retry-After": "1"}.
    headers: dict[str, str] = field(default_factory=dict)
    #: Send that many content chunks, then end the connection in the middle of the
    #: chunked body (no terminating chunk): the SDK raises APIConnectionError.
    cut_after: int | None = None
    #: Stream ends cleanly (terminating chunk) but with no [DONE] and no finish_reason.
    end_without_done: bool = False
    #: Status 200 with an HTML page (a proxy or captive portal instead of an API).
    html: bool = False
    #: After this many content chunks, send one `data: {not json` event, then go on.
    malformed_after: int | None = None
    #: After this many content chunks, send `data: {"error": {...}}` (message:
    #: `error_message`) and end the stream, as OpenRouter does when a provider fails.
    stream_error_after: int | None = None
    #: Use all of SSE that OpenAI never sends but other servers do: a leading comment
    #: event, `retry:`, `event:` and `id:` lines, a comment inside each event, and each
    #: chunk's JSON spread over two `data:` lines.
    sse_extras: bool = False
    #: The SSE line end: "\n" (OpenAI), "\r\n" or "\r".
    line_end: str = "\n"
    #: Write the streamed body in HTTP chunks of this many bytes, each flushed (splits
    #: lines and UTF-8 characters across writes). None batches writes as usual.
    write_size: int | None = None
    #: Seconds to wait before the first byte of the response (headers included).
    delay: float = 0.0
    #: Seconds between streamed chunks (Ctrl+C and stall tests). 0 streams at full speed.
    chunk_delay: float = 0.0
    #: Hold `chunk_delay` to the clock: chunk n leaves n × chunk_delay after the first,
    #: however long the writes took, so a benchmark gets a steady tokens/s (no drift).
    paced: bool = False
    #: Model name in the response; None echoes the requested model.
    model: str | None = None
    #: How many requests this reply answers before the next one in the queue is used.
    repeat: int = 1
    #: Several answers (`n` > 1): one choice per text in a non-streamed body.
    choices: list[str] | None = None


@dataclass
class RecordedRequest:
    """One request as the server saw it: what tests assert about what llmchat sent."""

    method: str
    path: str
    #: Header names lower-cased; a repeated header keeps its last value.
    headers: dict[str, str]
    #: The body parsed as JSON, or None when absent or not JSON.
    body: Any
    raw_body: bytes = b""
    #: time.monotonic() when the request arrived and when its answer was fully sent (or
    #: the client hung up): concurrency tests check that requests overlapped in time.
    received: float = field(default_factory=time.monotonic)
    answered: float | None = None

    @property
    def is_chat(self) -> bool:
        return self.method == "POST" and self.path.split("?")[0] == "/v1/chat/completions"

    @property
    def api_key(self) -> str | None:
        """The bearer token sent, or None (local providers must send none or a dummy)."""
        auth = self.headers.get("authorization")
        if auth is None:
            return None
        return auth[7:] if auth.lower().startswith("bearer ") else auth

    @property
    def messages(self) -> list[dict[str, Any]]:
        body = self.body if isinstance(self.body, dict) else {}
        msgs = body.get("messages")
        return msgs if isinstance(msgs, list) else []

    @property
    def model(self) -> str | None:
        return self.body.get("model") if isinstance(self.body, dict) else None

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream")) if isinstance(self.body, dict) else False


class _Aborted(Exception):
    """The server is stopping or the client went away: stop answering this request."""


def _split(text: str, size: int) -> list[str]:
    """Chunks of `size` characters; str slicing never splits a multi-byte character."""
    size = max(1, size)
    return [text[i : i + size] for i in range(0, len(text), size)]


def _estimate_tokens(text: str) -> int:
    return max(1, (len(text) + 3) // 4) if text else 0


def _last_user_text(body: Any) -> str:
    """Content of the last user message, flattening list-of-parts content."""
    messages = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(messages, list):
        return ""
    for msg in reversed(messages):
        if isinstance(msg, dict) and msg.get("role") == "user":
            content = msg.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
            return ""
    return ""


def _prompt_text(body: Any) -> str:
    messages = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(messages, list):
        return ""
    return "".join(str(m.get("content") or "") for m in messages if isinstance(m, dict))


class _Handler(BaseHTTPRequestHandler):
    """Answers one connection; all state lives on the server's FakeOpenAI."""

    # HTTP/1.1: chunked transfer encoding (so cuts are real) and keep-alive like real APIs.
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: test output should show llmchat's messages, not an access log."""

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.fake._track(self.connection, add=True)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        self.server.fake._track(self.connection, add=False)

    # -- request handling -------------------------------------------------------------

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        path = self.path.split("?")[0]
        rec = RecordedRequest(
            method=self.command,
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            raw_body=raw,
        )
        fake._record(rec)
        if rec.is_chat and fake.on_chat is not None:
            fake.on_chat(rec)
        try:
            if path == "/v1/chat/completions" and self.command == "POST":
                self._chat(rec)
            elif path == "/v1/models" and self.command == "GET":
                self._models(rec)
            else:
                self._error(404, f"Unknown request URL: {self.command} {path}.", {})
        except _Aborted:
            self.close_connection = True
        except (ConnectionError, OSError):
            # The client hung up (Ctrl+C tests, timeouts): nothing left to answer.
            self.close_connection = True
        finally:
            rec.answered = time.monotonic()

    def _models(self, rec: RecordedRequest) -> None:
        fake = self.server.fake
        if fake.require_key is not None and rec.api_key != fake.require_key:
            self._error(401, f"Incorrect API key provided: {rec.api_key or ''}.", {})
            return
        if fake.models_status is not None and fake.models_status != 200:
            self._error(fake.models_status, None, {})
            return
        data = [
            {"id": m, "object": "model", "created": 1700000000, "owned_by": "fake"}
            for m in fake.models
        ]
        self._json(200, {"object": "list", "data": data}, {})

    def _chat(self, rec: RecordedRequest) -> None:
        fake = self.server.fake
        body = rec.body if isinstance(rec.body, dict) else {}
        if rec.body is None:
            self._error(400, "We could not parse the JSON body of your request.", {})
            return
        if fake.reject_stream_options and "stream_options" in body:
            self._error(400, "stream_options is not supported", {}, param="stream_options")
            return
        refusal = fake.dialect.check(body) if fake.dialect is not None else None
        if refusal is not None:
            self._error(refusal.status, refusal.message, {})
            return
        if fake.require_key is not None and rec.api_key != fake.require_key:
            # Echo the whole key like some providers do, so redaction is really tested.
            self._error(401, f"Incorrect API key provided: {rec.api_key or ''}.", {})
            return
        reply = fake._next_reply()
        if reply.delay:
            fake._sleep(reply.delay)
        if reply.status is not None and reply.status != 200:
            message = reply.error_message
            if message is None and reply.status == 401:
                message = f"Incorrect API key provided: {rec.api_key or ''}."
            if message is None and reply.status == 404:
                model = body.get("model", "")
                message = f"The model `{model}` does not exist or you do not have access to it."
            self._error(reply.status, message, reply.headers)
            return
        if reply.html:
            self._send(200, "text/html; charset=utf-8", _HTML_PAGE.encode(), reply.headers)
            return
        text = reply.text if reply.text is not None else "echo: " + _last_user_text(body)
        model = reply.model or body.get("model") or FALLBACK_MODEL
        usage = reply.usage if reply.usage is not None else self._default_usage(body, reply, text)
        if body.get("stream"):
            opts = body.get("stream_options")
            want_usage = isinstance(opts, dict) and bool(opts.get("include_usage"))
            self._stream(
                reply, text, str(model), usage if want_usage and reply.send_usage else None
            )
        else:
            self._complete(reply, text, str(model), usage if reply.send_usage else None)

    @staticmethod
    def _default_usage(body: dict[str, Any], reply: Reply, text: str) -> dict[str, Any]:
        prompt = _estimate_tokens(_prompt_text(body)) + 8
        reasoning = _estimate_tokens(reply.reasoning or "")
        completion = _estimate_tokens(text) + reasoning
        usage: dict[str, Any] = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": 0},
        }
        if reasoning:
            usage["completion_tokens_details"] = {"reasoning_tokens": reasoning}
        return usage

    # -- responses --------------------------------------------------------------------

    def _send(self, status: int, ctype: str, data: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _json(self, status: int, obj: Any, headers: dict[str, str]) -> None:
        self._send(status, "application/json", _dumps(obj).encode(), headers)

    def _error(
        self,
        status: int,
        message: str | None,
        headers: dict[str, str],
        param: str | None = None,
    ) -> None:
        etype, code = _ERROR_TYPES.get(status, ("api_error", None))
        if message is None:
            message = {
                403: "Your request was blocked.",
                429: "Rate limit reached for requests. Please try again in 1s.",
                500: "The server had an error while processing your request. Sorry about that!",
                503: "The engine is currently overloaded, please try again later.",
            }.get(status, f"Fake server error {status}.")
        err = {"error": {"message": message, "type": etype, "param": param, "code": code}}
        self._json(status, err, headers)

    def _complete(self, reply: Reply, text: str, model: str, usage: dict[str, Any] | None) -> None:
        """A non-streamed `chat.completion` body."""
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if reply.reasoning is not None:
            message[reply.reasoning_field] = reply.reasoning
        obj: dict[str, Any] = {
            "id": self.server.fake._new_id(),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": reply.finish_reason}],
        }
        for index, extra in enumerate(reply.choices or [], start=1):
            obj["choices"].append(
                {
                    "index": index,
                    "message": {"role": "assistant", "content": extra},
                    "finish_reason": reply.finish_reason,
                }
            )
        if usage is not None:
            obj["usage"] = usage
        data = _dumps(obj).encode()
        if reply.cut_after is not None:
            # Promise the whole body, send half, hang up: an incomplete read for the client.
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self._hang_up()
            return
        self._send(200, "application/json", data, reply.headers)

    def _stream(self, reply: Reply, text: str, model: str, usage: dict[str, Any] | None) -> None:
        """Server-sent events exactly as OpenAI sends them, over chunked encoding."""
        fake = self.server.fake
        cid = fake._new_id()
        created = int(time.time())
        # When usage is asked for, OpenAI puts `"usage": null` in every other chunk.
        usage_null = ',"usage":null' if usage is not None else ""
        head = (
            f'data: {{"id":{_dumps(cid)},"object":"chat.completion.chunk",'
            f'"created":{created},"model":{_dumps(model)},'
            f'"system_fingerprint":"fp_fake","choices":[{{"index":0,"delta":'
        )
        tail_open = '},"finish_reason":null}]' + usage_null + "}\n\n"
        rfield = _dumps(reply.reasoning_field)

        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        for k, v in reply.headers.items():
            self.send_header(k, v)
        self.end_headers()

        out = _ChunkedWriter(
            self, reply.chunk_delay, _framing(reply), reply.write_size, paced=reply.paced
        )
        if reply.reasoning:
            first = f'{{"role":"assistant","content":null,{rfield}:""'
        else:
            first = '{"role":"assistant","content":""'
        out.event(head + first + ',"refusal":null' + tail_open)
        for piece in _split(reply.reasoning or "", reply.chunk_size):
            out.event(f'{head}{{"content":null,{rfield}:{_dumps(piece)}{tail_open}')
        extra = f",{rfield}:null" if reply.reasoning else ""
        for n, piece in enumerate(_split(text, reply.chunk_size)):
            if reply.cut_after is not None and n >= reply.cut_after:
                out.flush()
                self._hang_up()
                return
            if reply.malformed_after is not None and n == reply.malformed_after:
                out.event("data: {not json\n\n")
            if reply.stream_error_after is not None and n == reply.stream_error_after:
                message = reply.error_message or "Upstream provider error: overloaded"
                error = {"error": {"message": message, "type": "server_error", "code": 502}}
                out.event("data: " + _dumps(error) + "\n\n")
                out.close()
                return
            out.event(f'{head}{{"content":{_dumps(piece)}{extra}{tail_open}')
        if reply.cut_after is not None:
            # Fewer chunks than cut_after: cut at the end of the content anyway.
            out.flush()
            self._hang_up()
            return
        if reply.end_without_done:
            out.close()
            return
        if reply.finish_reason is not None:
            out.event(
                f'{head}{{}},"finish_reason":{_dumps(reply.finish_reason)}}}]{usage_null}}}\n\n'
            )
        if usage is not None:
            obj = {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": "fp_fake",
                "choices": [],
                "usage": usage,
            }
            out.event("data: " + _dumps(obj) + "\n\n")
        out.event("data: [DONE]\n\n")
        out.close()

    def _hang_up(self) -> None:
        """End the connection mid-body: FIN without the terminating chunk.

        A FIN (not a RST) so the client surely reads every byte sent before it: an RST
        can discard unread data in the client's socket buffer and make tests flaky.
        """
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
        raise _Aborted


def _framing(reply: Reply) -> Callable[[str], str] | None:
    """How each `data: …\n\n` event is written, for the SSE framing options of `reply`."""
    if not reply.sse_extras and reply.line_end == "\n":
        return None
    ids = iter(range(1, 1 << 30))

    def frame(event: str) -> str:
        if reply.sse_extras and event.startswith("data: {"):
            n = next(ids)
            lead = ": OPENROUTER PROCESSING\n\nretry: 3000\n" if n == 1 else ""
            body = event[len("data: {") :]
            # Comments and ids inside an event, never alone: the SDK turns an event
            # without data into "" and fails on it (its bug, not the server's).
            event = f"{lead}event: message\nid: {n}\n: keep-alive\ndata: {{\ndata: {body}"
        return event.replace("\n", reply.line_end)

    return frame


class _ChunkedWriter:
    """Writes SSE events as HTTP/1.1 chunks, batched unless a per-chunk delay is asked."""

    def __init__(
        self,
        handler: _Handler,
        delay: float,
        frame: Callable[[str], str] | None = None,
        write_size: int | None = None,
        *,
        paced: bool = False,
    ) -> None:
        self._handler = handler
        self._delay = delay
        self._paced = paced
        self._due = 0.0
        self._frame = frame
        self._write_size = write_size
        self._buf: list[str] = []
        self._size = 0
        self._first = True

    def event(self, ev: str) -> None:
        if self._delay and not self._first:
            self.flush()
            wait = self._delay
            if self._paced:
                self._due += self._delay
                wait = self._due - time.monotonic()
            if wait > 0:
                self._handler.server.fake._sleep(wait)
        elif self._first:
            self._due = time.monotonic()
        self._first = False
        if self._frame is not None:
            ev = self._frame(ev)
        self._buf.append(ev)
        self._size += len(ev)
        if self._delay or self._size >= _WRITE_BATCH:
            self.flush()

    def flush(self) -> None:
        if not self._buf:
            return
        data = "".join(self._buf).encode()
        self._buf.clear()
        self._size = 0
        step = self._write_size or len(data)
        for start in range(0, len(data), step):
            piece = data[start : start + step]
            self._handler.wfile.write(b"%x\r\n%b\r\n" % (len(piece), piece))
            if self._write_size:
                self._handler.wfile.flush()

    def close(self) -> None:
        self.flush()
        self._handler.wfile.write(b"0\r\n\r\n")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    fake: FakeOpenAI

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up is routine here (cuts, Ctrl+C): no tracebacks on stderr."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, OSError)):
            return
        super().handle_error(request, client_address)


class FakeOpenAI:
    """An OpenAI-compatible API on 127.0.0.1, scripted per test.

    Use as `with FakeOpenAI() as srv:` or `srv.start()` / `srv.stop()`. Attributes a
    test may set at any time: `models`, `models_status`, `reject_stream_options`,
    `require_key`, `default_reply`, `on_chat`, `dialect`.
    """

    def __init__(self, port: int = 0, default_reply: Reply | None = None) -> None:
        self._port = port
        self._lock = threading.Lock()
        self._queue: deque[list[Any]] = deque()  # [Reply, remaining uses]
        self._stopping = threading.Event()
        self._conns: set[socket.socket] = set()
        self._ids = 0
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self.requests: list[RecordedRequest] = []
        #: Model ids for GET /v1/models.
        self.models: list[str] = list(DEFAULT_MODELS)
        #: Non-None (and not 200): GET /v1/models answers this error status.
        self.models_status: int | None = None
        #: Answer 400 to any request carrying `stream_options` (servers that refuse it).
        self.reject_stream_options = False
        #: When set, requests (chat and models) without `Authorization: Bearer <this>` get 401.
        self.require_key: str | None = None
        #: Reply used when the queue is empty; None echoes the last user message.
        self.default_reply = default_reply
        #: Called with each chat request as it arrives, before it is answered: a test's
        #: look at the client's state at that moment (what it has saved, say). Runs in
        #: the handler thread; should record what it sees rather than raise.
        self.on_chat: Callable[[RecordedRequest], None] | None = None
        #: A provider's rules (tests/fakedialects.py): requests it refuses get its error.
        self.dialect: Any = None

    # -- lifecycle --------------------------------------------------------------------

    def start(self) -> FakeOpenAI:
        """Bind and serve in a daemon thread; returns self for chaining."""
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _Server(("127.0.0.1", self._port), _Handler)
        httpd.fake = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake sleeping handlers and drop kept-alive connections."""
        httpd = self._httpd
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (script mode)."""
        self.start()
        try:
            while True:
                time.sleep(3600)
        finally:
            self.stop()

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("FakeOpenAI is not started")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """What a client's base_url should be: `http://127.0.0.1:PORT/v1`."""
        return f"http://127.0.0.1:{self.port}/v1"

    # -- scripting --------------------------------------------------------------------

    def push(self, *replies: Reply) -> None:
        """Queue replies; each answers `reply.repeat` chat requests, in order."""
        with self._lock:
            for r in replies:
                self._queue.append([r, max(1, r.repeat)])

    def reply(self, **kwargs: Any) -> Reply:
        """Shortcut: `srv.reply(text="hi", usage=...)` queues `Reply(text="hi", ...)`."""
        r = Reply(**kwargs)
        self.push(r)
        return r

    def pending(self) -> int:
        """How many chat requests the queued replies can still answer."""
        with self._lock:
            return sum(int(n) for _, n in self._queue)

    def clear(self) -> None:
        """Forget recorded requests and queued replies."""
        with self._lock:
            self.requests.clear()
            self._queue.clear()

    # -- the request log --------------------------------------------------------------

    def chat_requests(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.is_chat]

    @property
    def last(self) -> RecordedRequest:
        """The last chat-completions request (AssertionError if there was none)."""
        chats = self.chat_requests()
        if not chats:
            raise AssertionError(f"no chat-completions request reached {self!r}")
        return chats[-1]

    def __repr__(self) -> str:
        where = self.base_url if self._httpd is not None else "stopped"
        return f"<FakeOpenAI {where}, {len(self.requests)} requests>"

    # -- used by the handler ----------------------------------------------------------

    def _record(self, rec: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(rec)

    def _next_reply(self) -> Reply:
        with self._lock:
            if self._queue:
                entry = self._queue[0]
                entry[1] -= 1
                if entry[1] <= 0:
                    self._queue.popleft()
                reply: Reply = entry[0]
                return reply
        return self.default_reply or Reply()

    def _new_id(self) -> str:
        with self._lock:
            self._ids += 1
            return f"chatcmpl-fake{self._ids:06d}"

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._lock:
            if add:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)

    def _sleep(self, seconds: float) -> None:
        """Sleep that `stop()` interrupts, so stopping never waits for a slow reply."""
        if self._stopping.wait(seconds):
            raise _Aborted


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Fake OpenAI-compatible chat-completions server.")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free)")
    p.add_argument("--reply-file", type=Path, help="stream this file's text as every reply")
    p.add_argument("--chunk-size", type=int, default=Reply.chunk_size, help="chars per chunk")
    p.add_argument("--reasoning", help="reasoning text streamed before every reply")
    p.add_argument("--chunk-delay", type=float, default=0.0, help="seconds between chunks")
    p.add_argument("--paced", action="store_true", help="hold --chunk-delay to the clock")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Script mode: print the base URL on the first stdout line, then serve until killed."""
    args = _parse_args(argv)
    text = args.reply_file.read_text(encoding="utf-8") if args.reply_file else None
    default = Reply(
        text=text,
        reasoning=args.reasoning,
        chunk_size=args.chunk_size,
        chunk_delay=args.chunk_delay,
        paced=args.paced,
    )
    srv = FakeOpenAI(port=args.port, default_reply=default).start()
    print(srv.base_url, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        srv.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
