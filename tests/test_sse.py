"""The SSE reader (llmchat/wire/sse.py): recorded streams cut at every byte, every fault.

Unit tests feed byte blocks straight to `ChatStreamReader`; the end-to-end tests run the
installed `llmchat` against the fake server on both paths — our reader (the default) and
the SDK's own stream (`LLMCHAT_SDK_STREAM=1`) — and require the same output, the same
one-line error and the same exit code from both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import TEST_KEY, RunLLMChat
from fakeserver import FakeOpenAI, Reply

from llmchat.errors import ApiError, BadResponseError, LLMChatError
from llmchat.events import ChatEvent, Finish, ReasoningDelta, TextDelta, Usage
from llmchat.wire.sse import ChatStreamReader, SSEDecoder, StreamSource

SOURCE = StreamSource("Fake", "http://127.0.0.1:1/v1", (TEST_KEY,))


def data(obj: Any, end: bytes = b"\n") -> bytes:
    return b"data: " + json.dumps(obj, ensure_ascii=False).encode() + end + end


def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return {"id": "c1", "object": "chat.completion.chunk", "model": "m1", "choices": [choice]}


def read(blocks: list[bytes]) -> list[ChatEvent]:
    return list(ChatStreamReader(SOURCE).events(blocks))


def error_of(blocks: list[bytes]) -> LLMChatError:
    with pytest.raises(LLMChatError) as caught:
        read(blocks)
    return caught.value


# --- recorded streams ----------------------------------------------------------------------

#: OpenAI: role chunk, content with multi-byte text (2-, 3- and 4-byte UTF-8), a finish
#: chunk, then the usage chunk asked for with stream_options, then [DONE].
OPENAI = (
    data(chunk({"role": "assistant", "content": "", "refusal": None}))
    + data(chunk({"content": "Hé"}))
    + data(chunk({"content": "llo, 世界 🙂"}))
    + data(chunk({}, "stop"))
    + data(
        {
            "id": "c1",
            "choices": [],
            "model": "m1",
            "usage": {
                "prompt_tokens": 12,
                "completion_tokens": 5,
                "total_tokens": 17,
                "prompt_tokens_details": {"cached_tokens": 8},
                "completion_tokens_details": {"reasoning_tokens": 0},
            },
        }
    )
    + b"data: [DONE]\n\n"
)
OPENAI_EVENTS: list[ChatEvent] = [
    TextDelta("Hé"),
    TextDelta("llo, 世界 🙂"),
    Usage(prompt_tokens=12, completion_tokens=5, cached_tokens=8),
    Finish("stop", "m1"),
]

#: DeepSeek: `reasoning_content` first, usage in the finish chunk with its own cache
#: field; CRLF line ends.
DEEPSEEK = (
    data(chunk({"role": "assistant", "content": None, "reasoning_content": "想一想"}), b"\r\n")
    + data(chunk({"content": None, "reasoning_content": "…done"}), b"\r\n")
    + data(chunk({"content": "答案", "reasoning_content": None}), b"\r\n")
    + data(
        chunk({"content": ""}, "length")
        | {"usage": {"prompt_tokens": 30, "completion_tokens": 9, "prompt_cache_hit_tokens": 16}},
        b"\r\n",
    )
    + b"data: [DONE]\r\n\r\n"
)
DEEPSEEK_EVENTS: list[ChatEvent] = [
    ReasoningDelta("想一想"),
    ReasoningDelta("…done"),
    TextDelta("答案"),
    Usage(prompt_tokens=30, completion_tokens=9, cached_tokens=16),
    Finish("length", "m1"),
]

#: OpenRouter / vLLM: a leading comment event, `reasoning`, and everything else SSE allows
#: — retry, event and id lines, a comment inside an event, data over two lines — with CR
#: line ends; n=2 sends choice 1 too, which is not this reply.
OTHER = (
    b": OPENROUTER PROCESSING\r\r"
    b"retry: 3000\revent: message\rid: 1\r: keep-alive\r"
    b'data: {"choices":[{"index":0,\rdata: "delta":{"reasoning":"hmm"}}]}\r\r'
    b'id: 2\rdata: {"choices":[{"index":1,"delta":{"content":"other"}}]}\r\r'
    b'data:{"choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":"stop"}],'
    b'"model":"m2"}\r\r'
    b"data: [DONE]\r\r"
)
OTHER_EVENTS: list[ChatEvent] = [ReasoningDelta("hmm"), TextDelta("ok"), Finish("stop", "m2")]

RECORDINGS = {
    "openai": (OPENAI, OPENAI_EVENTS),
    "deepseek-crlf": (DEEPSEEK, DEEPSEEK_EVENTS),
    "openrouter-cr-extras": (OTHER, OTHER_EVENTS),
}


@pytest.mark.parametrize("name", RECORDINGS)
def test_a_recording_read_whole(name: str) -> None:
    raw, expected = RECORDINGS[name]
    assert read([raw]) == expected


@pytest.mark.parametrize("name", RECORDINGS)
def test_the_same_events_however_the_bytes_are_split(name: str) -> None:
    raw, expected = RECORDINGS[name]
    for cut in range(1, len(raw)):
        assert read([raw[:cut], raw[cut:]]) == expected, f"cut at byte {cut}"
    assert read([raw[i : i + 1] for i in range(len(raw))]) == expected
    assert read([b"", raw, b""]) == expected


def test_three_way_cuts_through_a_crlf_and_a_utf8_character() -> None:
    raw, expected = RECORDINGS["deepseek-crlf"]
    start = raw.index("想".encode())
    for a in range(start - 12, start + 4):
        for b in range(a + 1, a + 14):
            assert read([raw[:a], raw[a:b], raw[b:]]) == expected, (a, b)


def test_line_ends_lf_crlf_and_cr_give_the_same_events() -> None:
    lf = OPENAI
    assert read([lf.replace(b"\n", b"\r\n")]) == read([lf.replace(b"\n", b"\r")]) == read([lf])


def test_decoder_joins_multi_line_data_with_newlines_and_keeps_the_event_name() -> None:
    decoder = SSEDecoder()
    raw = b'event: error\ndata: {"a":\ndata:  1}\nid: 7\n\n: comment only\n\ndata\n\n'
    assert decoder.feed(raw) == [(b"error", b'{"a":\n 1}'), (None, b"")]


def test_an_event_without_data_or_a_blank_line_is_not_dispatched() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"event: ping\nid: 3\nretry: 10\n\n") == []
    assert decoder.feed(b'data: {"late": 1}\n') == []  # the body ends here


# --- ends ------------------------------------------------------------------------------------


def _then_fail(*blocks: bytes) -> Iterator[bytes]:
    yield from blocks
    raise AssertionError("read past the point where the reader should have stopped")


def test_done_stops_reading() -> None:
    events = list(ChatStreamReader(SOURCE).events(_then_fail(OPENAI)))
    assert events == OPENAI_EVENTS


def test_end_without_done_or_finish_reason_is_an_open_finish() -> None:
    body = data(chunk({"content": "partial"}))
    assert read([body]) == [TextDelta("partial"), Finish(None)]
    assert read([body + b"data: [DONE]\n\n"]) == [TextDelta("partial"), Finish(None)]
    # A last event the body ends before its blank line is dropped, as the SDK does.
    assert read([body + data(chunk({}, "stop"))[:-1]]) == [TextDelta("partial"), Finish(None)]


@pytest.mark.parametrize(
    "body",
    [b"", b"\n\n", b"data: [DONE]\n\n", b": just a comment\n\n", b"event: ping\n\n"],
)
def test_no_chunk_at_all_is_no_chat_completion(body: bytes) -> None:
    err = error_of([body])
    assert isinstance(err, BadResponseError)
    assert err.one_line() == (
        "Fake answered, but with no chat completion at http://127.0.0.1:1/v1"
        " — check the base URL (it usually ends in /v1)"
    )


@pytest.mark.parametrize(
    "first",
    [
        b"<!DOCTYPE html>\n<html><body>It works!</body></html>\n",
        b"<",
        b'{"id":"x","object":"chat.completion","choices":[]}',
        b"\xef\xbb\xbf<html>",
        b"HTTP proxy error\n",
    ],
)
def test_a_body_that_is_not_sse_is_refused_at_its_first_bytes(first: bytes) -> None:
    with pytest.raises(BadResponseError, match="no chat completion"):
        list(ChatStreamReader(SOURCE).events(_then_fail(first)))


def test_a_bom_and_leading_blank_lines_are_still_sse() -> None:
    assert read([b"\xef\xbb\xbf\r\n\n" + OPENAI]) == OPENAI_EVENTS


# --- faults inside the stream -----------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [b"data: {not json\n\n", b'data: {"content": "\xff\xfe"}\n\n', b"data: 42\n\n"],
    ids=["not-json", "not-utf8", "not-an-object"],
)
def test_a_malformed_chunk_is_one_line_error_after_the_text_so_far(bad: bytes) -> None:
    reader = ChatStreamReader(SOURCE)
    got: list[ChatEvent] = []
    with pytest.raises(BadResponseError) as caught:
        for event in reader.events([data(chunk({"content": "so far"})) + bad]):
            got.append(event)
    assert got == [TextDelta("so far")]
    assert caught.value.one_line() == (
        "Fake sent a malformed chunk (not JSON)"
        " — the reply above is incomplete; try again, or check the server"
    )


def test_an_error_object_in_the_stream_is_an_api_error_with_the_key_redacted() -> None:
    message = f"Upstream failed:\n  bad key {TEST_KEY}\tretry later"
    body = data(chunk({"content": "so far"})) + data({"error": {"message": message, "code": 502}})
    err = error_of([body])
    assert type(err) is ApiError and err.exit_code == 1
    line = err.one_line()
    assert line.startswith("Fake: Upstream failed: bad key sk-…")
    assert line.endswith(" retry later")
    assert TEST_KEY not in line and "\n" not in line and "\t" not in line


@pytest.mark.parametrize(
    "body",
    [
        data({"error": "overloaded"}),
        data({"error": {"code": 500}}),
        b'event: error\ndata: {"code": 500}\n\n',
    ],
)
def test_an_error_without_a_message_says_what_the_sdk_says(body: bytes) -> None:
    assert error_of([body]).one_line() == "Fake: An error occurred during streaming"


def test_a_long_error_message_is_cut_to_one_short_line() -> None:
    err = error_of([data({"error": {"message": "x" * 1000}})])
    assert len(err.message) < 260 and err.message.endswith("…")


def test_a_transport_error_passes_through_and_chunks_tell_whether_the_reply_began() -> None:
    def cut() -> Iterator[bytes]:
        yield OPENAI[: OPENAI.index(b"\n\n", 200) + 2]
        raise ConnectionResetError("reset")

    reader = ChatStreamReader(SOURCE)
    with pytest.raises(ConnectionResetError):
        list(reader.events(cut()))
    assert reader.chunks == 2


# --- end to end, both paths ---------------------------------------------------------------------

_PATHS = {"reader": {"LLMCHAT_SDK_STREAM": None}, "sdk": {"LLMCHAT_SDK_STREAM": "1"}}

#: (replies to queue, extra args, exit code, text stdout starts with, what stderr says)
_CASES: dict[str, tuple[list[Reply], list[str], int, str, str]] = {
    "extras-crlf-tiny-writes": (
        [
            Reply(
                text="héllo 世界 🙂",
                chunk_size=2,
                reasoning="hm",
                reasoning_field="reasoning",
                sse_extras=True,
                line_end="\r\n",
                write_size=1,
            )
        ],
        [],
        0,
        "héllo 世界 🙂\n",
        "",
    ),
    "cr-line-ends": (
        [Reply(text="abc 世界", line_end="\r", write_size=5)],
        [],
        0,
        "abc 世界\n",
        "",
    ),
    "stream-options-refused": ([], [], 0, "echo: hi\n", ""),
    "html-page": ([Reply(html=True)], [], 1, "", "no chat completion"),
    "malformed-chunk": (
        [Reply(text="abcdefgh", chunk_size=2, malformed_after=2)],
        [],
        1,
        "abcd",
        "malformed",
    ),
    "error-in-stream": (
        [
            Reply(
                text="abcdefgh", chunk_size=2, stream_error_after=2, error_message=f"no {TEST_KEY}"
            )
        ],
        [],
        1,
        "abcd",
        ": no sk-…",  # the host of the custom base URL, then the server's words, redacted
    ),
    "cut-connection": (
        [Reply(text="abcdefgh", chunk_size=2, cut_after=2)],
        [],
        1,
        "abcd",
        "broke mid-reply",
    ),
    "end-without-done": (
        [Reply(text="partial", end_without_done=True)],
        [],
        1,
        "partial\n",
        "incomplete",
    ),
    "done-without-finish": (
        [Reply(text="partial", finish_reason=None)],
        [],
        1,
        "partial\n",
        "incomplete",
    ),
    "stall-mid-reply": (
        [Reply(text="abcdefgh", chunk_size=2, chunk_delay=5)],
        ["--timeout", "0.5"],
        1,
        "",
        "stopped sending mid-reply (no data for 0.5 s)",
    ),
    "stall-before-reply": ([Reply(delay=3, repeat=3)], ["--timeout", "0.3"], 1, "", "no answer"),
    "401-echoing-the-key": ([Reply(status=401)], [], 1, "", "rejected the API key (401)"),
}


@pytest.mark.parametrize("case", _CASES)
def test_both_paths_give_the_same_output_error_and_exit_code(
    case: str, fake_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    replies, args, code, stdout_start, says = _CASES[case]
    fake_server.reject_stream_options = case == "stream-options-refused"
    env = {"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": fake_server.base_url}
    results = {}
    for path, path_env in _PATHS.items():
        fake_server.clear()
        fake_server.push(*replies)
        result = run_llmchat("--no-save", *args, "hi", env={**env, **path_env})
        results[path] = (result.returncode, result.stdout, result.stderr)
        assert result.returncode == code, (path, result.stderr)
        assert result.stdout.startswith(stdout_start), (path, result.stdout)
        assert says in result.stderr, (path, result.stderr)
        assert "Traceback" not in result.stderr and TEST_KEY not in result.stderr
        if code and says:
            assert result.stderr.count("\n") == 1 and result.stderr.startswith("llmchat: ")

    # The time a failure took differs from run to run; every other byte must not.
    def same(result: tuple[int, str, str]) -> tuple[int, str, str]:
        code, out, err = result
        return code, out, re.sub(r"[\d.]+ s in all", "N s in all", err)

    assert same(results["reader"]) == same(results["sdk"])


@pytest.mark.parametrize(
    "args",
    [
        ("hi",),
        ("-s", "Be brief", "--temperature", "0.3", "--max-tokens", "50", "--seed", "7", "hi"),
        ("--stop", "END", "--top-p", "0.9", "--effort", "high", "hi"),
        ("--schema", "name str, tags [str]", "hi"),
    ],
)
def test_both_reading_paths_send_the_same_request(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat, args: tuple[str, ...]
) -> None:
    """Our reader's request goes out through the client's own `post`, the SDK path's
    through `create`: the server must not be able to tell them apart."""
    env = {"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": fake_server.base_url}
    for sdk_stream in ("0", "1"):
        fake_server.reply(text='{"name": "x", "tags": []}')  # an answer --schema accepts
        result = run_llmchat("--no-save", *args, env={**env, "LLMCHAT_SDK_STREAM": sdk_stream})
        assert result.returncode == 0, result.stderr
    ours, sdk = fake_server.requests
    assert ours.body == sdk.body and ours.path == sdk.path
    assert ours.headers.get("authorization") == sdk.headers.get("authorization") is not None


def test_the_default_is_our_reader_through_the_sdks_raw_response(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    env = {"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": fake_server.base_url}
    for sdk_stream, header in ((None, "stream"), ("1", None), ("0", "stream")):
        result = run_llmchat("--no-save", "hi", env={**env, "LLMCHAT_SDK_STREAM": sdk_stream})
        assert (result.returncode, result.stdout) == (0, "echo: hi\n"), result.stderr
        # The SDK marks a request whose body it hands over unread.
        assert fake_server.last.headers.get("x-stainless-raw-response") == header
