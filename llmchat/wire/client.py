"""The only module that imports `openai`: one client per provider, SDK errors mapped to ours.

Importing this module costs about half a second, so nothing on the way to `--help`,
`--version` or the REPL's first prompt imports it; session.py loads it on demand.
The SDK's own retries (2, with backoff, honouring Retry-After) are kept; we add none.
Streamed replies are read by wire/sse.py from the raw HTTP response of the client's
`post` (the SDK's pydantic chunks cost ~85 µs each); `LLMCHAT_SDK_STREAM=1` reads them
through the SDK's own stream instead, to tell our reader's faults from the server's.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlparse

from llmchat.config import Timeouts
from llmchat.engine.request import ChatRequest
from llmchat.errors import (
    ApiError,
    ApiTimeoutError,
    AuthError,
    BadResponseError,
    LLMChatError,
    ModelNotFoundError,
    NetworkError,
    ServerError,
    StreamCutError,
)
from llmchat.events import ChatEvent, Finish, ReadPacer, ReasoningDelta, TextDelta, Usage
from llmchat.providers.dialects import dialect, mentions_reasoning_content
from llmchat.providers.records import Provider
from llmchat.wire.attempts import attempts_of, error_name, no_answer_message, rate_limited_error
from llmchat.wire.body import paced_body
from llmchat.wire.network import NetworkSettings, http_client_kwargs, warn_on_stderr
from llmchat.wire.network_errors import network_error_for
from llmchat.wire.quirks import STREAM_OPTIONS, ServerQuirks
from llmchat.wire.request_body import json_body, sdk_arguments
from llmchat.wire.sdk_types import defer_sdk_types
from llmchat.wire.sse import (
    ChatStreamReader,
    StreamSource,
    malformed_chunk_error,
    no_completion_error,
    server_says,
)

defer_sdk_types()  # before the SDK's first import: see sdk_types.py

import httpx2  # noqa: E402
import openai  # noqa: E402

_REASONING_FIELDS = ("reasoning_content", "reasoning")
_TRUE = ("1", "true", "yes", "on")
_RAW_STREAM = {"X-Stainless-Raw-Response": "stream"}

__all__ = ["ChatClient", "ChatRequest", "parse_usage"]


def parse_usage(raw: Mapping[str, Any] | None) -> Usage | None:
    from llmchat.engine.pricing import parse_usage as parse

    return parse(raw)


def _message_events(message: Any) -> Iterator[ChatEvent]:
    """Reasoning, then text, from a streamed delta or a whole message alike.

    DeepSeek sends `reasoning_content`, OpenRouter and vLLM `reasoning`; the SDK keeps
    both as untyped extras (`model_extra`).
    """
    extra = message.model_extra or {}
    for name in _REASONING_FIELDS:
        thought = extra.get(name)
        if isinstance(thought, str) and thought:
            yield ReasoningDelta(thought)
    if message.content:
        yield TextDelta(message.content)


class ChatClient:
    """Talks to one provider with that provider's key, and nobody else's."""

    def __init__(
        self,
        provider: Provider,
        api_key: str | None,
        timeouts: Timeouts,
        vars: Mapping[str, str] | None = None,
        quirks: ServerQuirks | None = None,
        *,
        net: NetworkSettings | None = None,
        warn: Callable[[str], None] = warn_on_stderr,
    ) -> None:
        self.provider = provider
        self._key = api_key
        # What this server refused in earlier runs (wire/quirks.py): not asked again.
        self._quirks = quirks or ServerQuirks(None)
        self._stream_options_ok = self._quirks.get(provider.base_url, STREAM_OPTIONS) is not False
        # None until a request settles it: then whether this provider wants past
        # reasoning echoed (a 400 about reasoning_content flips the dialect's guess once).
        self._echo_reasoning: bool | None = None
        vars = vars or {}
        official = provider.is_openai and urlparse(provider.base_url).hostname == "api.openai.com"
        net = net or NetworkSettings()
        self._network_error = network_error_for(net, provider.name, provider.base_url, vars)
        timeouts = Timeouts(
            connect=net.connect_timeout or timeouts.connect, read=net.timeout or timeouts.read
        )
        http_client = openai.DefaultHttpxClient(
            **http_client_kwargs(net, provider.name, warn=warn, base_url=provider.base_url)
        )
        headers: dict[str, Any] = net.headers_dict()
        if not official:
            # The SDK would send OPENAI_ORG_ID / OPENAI_PROJECT_ID from the environment
            # to any server; they belong to OpenAI alone.
            headers |= {"OpenAI-Organization": openai.Omit(), "OpenAI-Project": openai.Omit()}
        self._sdk = openai.OpenAI(
            # Local servers need no key, but the SDK insists on one.
            api_key=api_key or "no-key",
            base_url=provider.base_url,
            organization=vars.get("OPENAI_ORG_ID") if official else None,
            project=vars.get("OPENAI_PROJECT_ID") if official else None,
            timeout=openai.Timeout(timeouts.read, connect=timeouts.connect),
            default_headers=headers,
            http_client=http_client,
        )
        self._timeouts = timeouts
        self._who = error_name(provider)
        self._source = StreamSource(self._who, provider.base_url, (api_key,))
        self._sdk_stream = vars.get("LLMCHAT_SDK_STREAM", "").strip().lower() in _TRUE

    # --- chat ---------------------------------------------------------------

    def events(self, request: ChatRequest, pacer: ReadPacer | None = None) -> Iterator[ChatEvent]:
        """The reply as ChatEvents; raises LLMChatError subclasses only.

        `pacer` is asked, each time the events of one network read are all handed on,
        how long to leave the next bytes unread (our own stream reader only).
        """
        if request.stream:
            yield from self._stream(request, pacer)
        else:
            yield from self._complete(request)

    def _stream(self, request: ChatRequest, pacer: ReadPacer | None) -> Iterator[ChatEvent]:
        if self._sdk_stream:
            yield from self._sdk_stream_events(request)
            return
        reader = ChatStreamReader(self._source)
        response: Any = None
        started = time.monotonic()
        try:
            response = self._open_stream(request, raw=True)
            yield from reader.events(self._blocks(response, pacer))
        except LLMChatError:
            raise
        except openai.APIError as exc:
            raise self._translate(exc, started, mid_stream=reader.chunks > 0) from exc
        finally:
            if response is not None:
                response.close()

    @staticmethod
    def _blocks(response: Any, pacer: ReadPacer | None) -> Iterator[bytes]:
        """The raw body, its transport errors mapped as the SDK's own stream maps them.

        Paced as wire/body.py says.
        """
        from openai._httpx2 import request_exceptions, timeout_exceptions

        try:
            yield from paced_body(response, pacer)
        except timeout_exceptions() as exc:
            raise openai.APITimeoutError(request=response.request) from exc
        except request_exceptions() as exc:
            raise openai.APIConnectionError(request=response.request) from exc

    def _sdk_stream_events(self, request: ChatRequest) -> Iterator[ChatEvent]:
        received_any = False
        finish: Finish | None = None
        started = time.monotonic()
        try:
            stream = self._open_stream(request)
            for chunk in stream:
                if isinstance(chunk, str):
                    raise self._not_an_api(chunk)
                received_any = True
                if chunk.usage is not None:
                    usage = parse_usage(chunk.usage.model_dump())
                    if usage is not None:
                        yield usage
                if not chunk.choices:
                    continue
                choice = chunk.choices[0]
                delta = choice.delta
                if delta is not None:
                    yield from _message_events(delta)
                if choice.finish_reason:
                    finish = Finish(choice.finish_reason, chunk.model)
        except LLMChatError:
            raise
        except json.JSONDecodeError as exc:
            raise malformed_chunk_error(self._source) from exc
        except openai.APIError as exc:
            raise self._translate(exc, started, mid_stream=received_any) from exc
        if not received_any:
            raise no_completion_error(self._source)
        yield finish or Finish(None)

    def _echo_guess(self, request: ChatRequest) -> bool:
        if self._echo_reasoning is not None:
            return self._echo_reasoning
        return dialect(request.model_info.thinking).echo_reasoning

    def _create(self, request: ChatRequest, raw: bool, **more: Any) -> Any:
        """One request; a 400 about `reasoning_content` in the history (some servers
        refuse it, others in thinking mode require it) is retried once the other way,
        and the way that worked is kept for this provider."""
        echo = self._echo_guess(request)
        try:
            return self._send(raw, **sdk_arguments(self.provider, request, echo=echo), **more)
        except openai.BadRequestError as exc:
            carries = any(
                m.get("role") == "assistant" and "reasoning_content" in m for m in request.messages
            )
            if not carries or not mentions_reasoning_content(self._server_says(exc)):
                raise
        response = self._send(raw, **sdk_arguments(self.provider, request, echo=not echo), **more)
        self._echo_reasoning = not echo
        return response

    def _send(self, raw: bool, **kwargs: Any) -> Any:
        """The SDK's stream, or with `raw` the HTTP response unread (the caller closes it).

        The raw request is the same POST through the client's own `post` (its retries,
        timeouts, auth and status errors): `create` would first import the SDK's chat
        resources and build their generic parsed-reply models, 1.6 MiB of peak RSS."""
        if raw:
            return self._sdk.post(
                "/chat/completions",
                cast_to=httpx2.Response,
                body=json_body(kwargs),
                # What `with_streaming_response.create` sends: bearer auth, and the SDK's
                # mark for a body handed over unread.
                options={"security": {"bearer_auth": True}, "headers": _RAW_STREAM},
                stream=True,
            )
        return self._sdk.chat.completions.create(**kwargs)

    def _open_stream(self, request: ChatRequest, raw: bool = False) -> Any:
        if self._stream_options_ok:
            try:
                return self._create(
                    request, raw, stream=True, stream_options={"include_usage": True}
                )
            except openai.BadRequestError as exc:
                if mentions_reasoning_content(self._server_says(exc)):
                    raise
                # Some servers refuse stream_options; ask once more without it and
                # remember, so neither this run nor later ones pay for a second request.
                self._stream_options_ok = False
                try:
                    stream = self._create(request, raw, stream=True)
                except openai.BadRequestError:
                    self._stream_options_ok = True  # the 400 was about something else
                    raise
                self._quirks.remember(self.provider.base_url, STREAM_OPTIONS, False)
                return stream
        return self._create(request, raw, stream=True)

    def _complete(self, request: ChatRequest) -> Iterator[ChatEvent]:
        started = time.monotonic()
        try:
            response: Any = self._create(request, False)
        except json.JSONDecodeError as exc:
            raise BadResponseError(f"{self._who} sent a reply that is not JSON") from exc
        except openai.APIError as exc:
            raise self._translate(exc, started, mid_stream=False) from exc
        if isinstance(response, str) or not getattr(response, "choices", None):
            raise self._not_an_api(response if isinstance(response, str) else "")
        choice = response.choices[0]
        if len(response.choices) > 1:
            from llmchat.structured.choices import numbered

            yield TextDelta(numbered([c.message.content or "" for c in response.choices]))
        else:
            yield from _message_events(choice.message)
        if response.usage is not None:
            usage = parse_usage(response.usage.model_dump())
            if usage is not None:
                yield usage
        yield Finish(choice.finish_reason, response.model)

    # --- models ---------------------------------------------------------------

    def list_models(self) -> list[str]:
        started = time.monotonic()
        try:
            page = self._sdk.models.list()
            return sorted(model.id for model in page)
        except openai.APIError as exc:
            raise self._translate(exc, started, mid_stream=False) from exc
        except (json.JSONDecodeError, AttributeError, TypeError) as exc:
            raise BadResponseError(f"{self._who} sent an unreadable model list") from exc

    # --- errors ---------------------------------------------------------------

    def _where(self) -> str:
        """ "OpenAI at https://…", or only the URL when errors name the host anyway."""
        if self.provider.custom_url:
            return self.provider.base_url
        return f"{self._who} at {self.provider.base_url}"

    def _not_an_api(self, body: str) -> BadResponseError:
        looks_html = "<html" in body[:500].lower() or "<!doctype" in body[:500].lower()
        what = "a web page" if looks_html else "something that is not an API response"
        return BadResponseError(
            f"{self._who} answered with {what} at {self.provider.base_url}",
            "check the base URL (it usually ends in /v1)",
        )

    def _server_says(self, exc: openai.APIError) -> str:
        message = getattr(exc, "message", "") or str(exc)
        body = getattr(exc, "body", None)
        if isinstance(body, dict):
            inner = body.get("error", body)
            if isinstance(inner, dict) and isinstance(inner.get("message"), str):
                message = inner["message"]
        return server_says(message, [self._key])

    def _translate(self, exc: openai.APIError, started: float, *, mid_stream: bool) -> ApiError:
        """One readable line (and a fix) for every way the API can fail.

        Retried failures say how many attempts over how long (the SDK retries twice),
        and a 429 says what the server's Retry-After asked for.
        """
        who = self._who
        key_var = self.provider.key_env or "the key"
        said = self._server_says(exc)
        tried = attempts_of(exc, started)
        network = None if mid_stream else self._network_error(exc)
        if network is not None:
            return network
        if isinstance(exc, openai.APITimeoutError):
            if mid_stream:
                return StreamCutError(
                    f"{who} stopped sending mid-reply (no data for {self._timeouts.read:g} s)",
                    "the reply above is incomplete; /retry or run again",
                )
            return ApiTimeoutError(
                no_answer_message(self._who, tried, self._timeouts.read),
                "try again, or raise --timeout (LLMCHAT_TIMEOUT)",
            )
        if isinstance(exc, openai.APIConnectionError):
            if mid_stream:
                return StreamCutError(
                    f"the connection to {who} broke mid-reply",
                    "the reply above is incomplete; /retry or run again",
                )
            return NetworkError(
                f"cannot reach {self._where()} ({tried.summary()})",
                "check the network and the base URL"
                + (" — is the local server running?" if self.provider.local else ""),
            )
        if isinstance(exc, openai.APIStatusError):
            status = exc.status_code
            if status == 401:
                return AuthError(
                    f"{who} rejected the API key (401): {said}",
                    f"check {key_var}",
                )
            if status == 403:
                return AuthError(
                    f"{who} refused access (403): {said}",
                    f"check that {key_var} may use this model",
                )
            if status == 404:
                url_hint = "check the base URL"
                if not urlparse(self.provider.base_url).path.rstrip("/"):
                    url_hint = f"does the base URL need /v1? ({self.provider.base_url})"
                return ModelNotFoundError(
                    f"{who} does not know that model or endpoint (404): {said}",
                    f"see `llmchat models -p {self.provider.name}`, or {url_hint}",
                )
            if status == 429:
                return rate_limited_error(who, tried, said)
            if status >= 500:
                return ServerError(
                    f"{who} had a server error ({status}, {tried.summary()}): {said}",
                    "try again later",
                )
            return ApiError(f"{who} refused the request ({status}): {said}")
        if isinstance(exc, openai.APIResponseValidationError):
            return BadResponseError(f"{who} sent a reply llmchat cannot read: {said}")
        return ApiError(f"{who}: {said}")
