"""The fake API must be right before any llmchat test can be trusted.

Raw `http.client` checks that the wire format is OpenAI's; a few checks with the real
`openai` SDK prove each misbehaviour produces the effect SDK-NOTES.md describes, so
llmchat's error tests exercise the paths they claim to.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import TEST_KEY, Sandbox, build_sandbox
from fakeserver import FakeOpenAI, Reply

USER_MSG = [{"role": "user", "content": "hi there"}]


def _post(
    srv: FakeOpenAI,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
    path: str = "/v1/chat/completions",
) -> tuple[int, http.client.HTTPResponse, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    hdrs = {"Content-Type": "application/json", **(headers or {})}
    conn.request("POST", path, body=json.dumps(body).encode(), headers=hdrs)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, resp, data


def _events(data: bytes) -> list[str]:
    """The `data:` payloads of an SSE body, in order."""
    text = data.decode("utf-8")
    assert text.endswith("\n\n")
    out = []
    for block in text.split("\n\n"):
        if block:
            assert block.startswith("data: "), block
            out.append(block[len("data: ") :])
    return out


def _stream(srv: FakeOpenAI, **extra: Any) -> list[str]:
    body = {"model": "m-1", "messages": USER_MSG, "stream": True, **extra}
    status, resp, data = _post(srv, body)
    assert status == 200
    assert resp.getheader("Content-Type", "").startswith("text/event-stream")
    assert resp.getheader("Transfer-Encoding") == "chunked"
    return _events(data)


def test_stream_format_matches_openai(fake_server: FakeOpenAI) -> None:
    fake_server.reply(text="héllo 世界! 🎉", reasoning="hmm, ok", chunk_size=3)
    events = _stream(fake_server)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    for c in chunks:
        assert c["object"] == "chat.completion.chunk"
        assert c["model"] == "m-1"
        assert c["id"] == chunks[0]["id"]
        assert isinstance(c["created"], int)
        assert len(c["choices"]) == 1
        assert c["choices"][0]["index"] == 0
    deltas = [c["choices"][0]["delta"] for c in chunks]
    assert deltas[0]["role"] == "assistant"
    reasoning = "".join(d.get("reasoning_content") or "" for d in deltas)
    content = "".join(d.get("content") or "" for d in deltas)
    assert reasoning == "hmm, ok"
    assert content == "héllo 世界! 🎉"
    # Reasoning strictly before content, content in several chunks split on characters.
    last_reasoning = max(i for i, d in enumerate(deltas) if d.get("reasoning_content"))
    first_content = min(i for i, d in enumerate(deltas) if d.get("content"))
    assert last_reasoning < first_content
    assert [d["content"] for d in deltas if d.get("content")][:2] == ["hél", "lo "]
    finishes = [c["choices"][0]["finish_reason"] for c in chunks]
    assert finishes[-1] == "stop"
    assert all(f is None for f in finishes[:-1])
    assert not any("usage" in c and c["usage"] for c in chunks)


def test_reasoning_field_and_no_finish_reason(fake_server: FakeOpenAI) -> None:
    fake_server.reply(text="a", reasoning="r", reasoning_field="reasoning", finish_reason=None)
    chunks = [json.loads(e) for e in _stream(fake_server)[:-1]]
    deltas = [c["choices"][0]["delta"] for c in chunks]
    assert "".join(d.get("reasoning") or "" for d in deltas) == "r"
    assert not any("reasoning_content" in d for d in deltas)
    assert all(c["choices"][0]["finish_reason"] is None for c in chunks)


def test_usage_chunk_only_when_asked(fake_server: FakeOpenAI) -> None:
    usage = {
        "prompt_tokens": 11,
        "completion_tokens": 7,
        "total_tokens": 18,
        "prompt_tokens_details": {"cached_tokens": 5},
        "completion_tokens_details": {"reasoning_tokens": 3},
    }
    fake_server.reply(text="one", usage=usage, repeat=2)
    fake_server.reply(text="two", send_usage=False)

    plain = [json.loads(e) for e in _stream(fake_server)[:-1]]
    assert all(c["choices"] for c in plain)
    assert not any(c.get("usage") for c in plain)

    asked = [
        json.loads(e) for e in _stream(fake_server, stream_options={"include_usage": True})[:-1]
    ]
    assert asked[-1]["choices"] == []
    assert asked[-1]["usage"] == usage
    assert asked[-2]["choices"][0]["finish_reason"] == "stop"
    assert all(c["usage"] is None for c in asked[:-1])  # OpenAI sends explicit nulls

    refused = [
        json.loads(e) for e in _stream(fake_server, stream_options={"include_usage": True})[:-1]
    ]
    assert all(c["choices"] for c in refused)
    assert fake_server.pending() == 0


def test_default_echo_and_non_stream_body(fake_server: FakeOpenAI) -> None:
    status, resp, data = _post(fake_server, {"model": "m-2", "messages": USER_MSG})
    assert status == 200
    assert resp.getheader("Content-Type") == "application/json"
    body = json.loads(data)
    assert body["object"] == "chat.completion"
    assert body["model"] == "m-2"
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "echo: hi there"}
    assert body["choices"][0]["finish_reason"] == "stop"
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0

    fake_server.reply(text="x", reasoning="why", model="other", finish_reason="length")
    body = json.loads(_post(fake_server, {"model": "m-2", "messages": USER_MSG})[2])
    assert body["model"] == "other"
    assert body["choices"][0]["message"]["reasoning_content"] == "why"
    assert body["choices"][0]["finish_reason"] == "length"


def test_request_log(fake_server: FakeOpenAI) -> None:
    body = {"model": "m-3", "messages": USER_MSG, "temperature": 0.5}
    _post(fake_server, body, headers={"Authorization": f"Bearer {TEST_KEY}", "X-Custom": "1"})
    conn = http.client.HTTPConnection("127.0.0.1", fake_server.port, timeout=5)
    conn.request("GET", "/v1/models")
    models = json.loads(conn.getresponse().read())
    conn.close()
    assert [m["id"] for m in models["data"]] == fake_server.models
    assert models["object"] == "list"

    assert len(fake_server.requests) == 2
    assert len(fake_server.chat_requests()) == 1
    last = fake_server.last
    assert last.method == "POST"
    assert last.path == "/v1/chat/completions"
    assert last.headers["authorization"] == f"Bearer {TEST_KEY}"
    assert last.headers["x-custom"] == "1"
    assert last.api_key == TEST_KEY
    assert last.body == body
    assert json.loads(last.raw_body) == body
    assert last.model == "m-3"
    assert last.messages == USER_MSG
    assert not last.stream
    assert fake_server.requests[1].path == "/v1/models"
    assert fake_server.requests[1].body is None


def test_last_without_chat_request_fails_clearly(fake_server: FakeOpenAI) -> None:
    with pytest.raises(AssertionError, match="no chat-completions request"):
        _ = fake_server.last


def test_status_errors(fake_server: FakeOpenAI) -> None:
    fake_server.reply(status=429, headers={"Retry-After": "1"}, repeat=2)
    fake_server.push(Reply(status=404), Reply(status=500, error_message="boom"))
    req = {"model": "nope", "messages": USER_MSG, "stream": True}
    for _ in range(2):
        status, resp, data = _post(fake_server, req)
        assert status == 429
        assert resp.getheader("Retry-After") == "1"
        assert json.loads(data)["error"]["code"] == "rate_limit_exceeded"
    status, _, data = _post(fake_server, req)
    assert status == 404
    assert "`nope` does not exist" in json.loads(data)["error"]["message"]
    status, _, data = _post(fake_server, req)
    assert status == 500
    err = json.loads(data)["error"]
    assert err["message"] == "boom"
    assert set(err) >= {"message", "type", "code"}
    status, _, _ = _post(fake_server, req)  # queue empty again: default echo
    assert status == 200

    fake_server.models_status = 401
    conn = http.client.HTTPConnection("127.0.0.1", fake_server.port, timeout=5)
    conn.request("GET", "/v1/models")
    assert conn.getresponse().status == 401
    conn.close()


def test_require_key_echoes_key_in_401(fake_server: FakeOpenAI) -> None:
    fake_server.require_key = TEST_KEY
    status, _, data = _post(
        fake_server, {"model": "m", "messages": USER_MSG}, {"Authorization": "Bearer sk-wrong"}
    )
    assert status == 401
    assert "sk-wrong" in json.loads(data)["error"]["message"]
    status, _, _ = _post(
        fake_server, {"model": "m", "messages": USER_MSG}, {"Authorization": f"Bearer {TEST_KEY}"}
    )
    assert status == 200


def test_reject_stream_options(fake_server: FakeOpenAI) -> None:
    fake_server.reject_stream_options = True
    fake_server.reply(text="kept for the retry")
    req: dict[str, Any] = {"model": "m", "messages": USER_MSG, "stream": True}
    status, _, data = _post(fake_server, {**req, "stream_options": {"include_usage": True}})
    assert status == 400
    assert json.loads(data)["error"]["message"] == "stream_options is not supported"
    events = _stream(fake_server)  # the rejected request did not use up the reply
    content = "".join(
        json.loads(e)["choices"][0]["delta"].get("content") or "" for e in events[:-1]
    )
    assert content == "kept for the retry"


def test_html_and_malformed_raw(fake_server: FakeOpenAI) -> None:
    fake_server.reply(html=True)
    status, resp, data = _post(fake_server, {"model": "m", "messages": USER_MSG, "stream": True})
    assert status == 200
    assert resp.getheader("Content-Type", "").startswith("text/html")
    assert b"<html>" in data
    fake_server.reply(text="abcdefghi", malformed_after=1)
    events = _stream(fake_server)
    assert events[2] == "{not json"


def test_stop_interrupts_slow_reply() -> None:
    srv = FakeOpenAI().start()
    srv.reply(text="x" * 50, chunk_delay=10)
    errors: list[BaseException] = []

    def client() -> None:
        try:
            _post(srv, {"model": "m", "messages": USER_MSG, "stream": True})
        except BaseException as exc:
            errors.append(exc)

    t = threading.Thread(target=client)
    t.start()
    deadline = time.monotonic() + 5
    while not srv.chat_requests() and time.monotonic() < deadline:
        time.sleep(0.01)
    srv.stop()
    t.join(5)  # a guard against a hang, not a measurement
    assert not t.is_alive()
    assert errors  # the client saw an incomplete stream, not a hang


def test_script_mode(tmp_path: Path) -> None:
    reply_file = tmp_path / "reply.md"
    reply_file.write_text("# Title\n\nfrom a file ✓\n", encoding="utf-8")
    script = Path(__file__).with_name("fakeserver.py")
    proc = subprocess.Popen(
        [sys.executable, str(script), "--reply-file", str(reply_file), "--chunk-size", "5"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip()
        url = urlsplit(base_url)
        assert url.hostname == "127.0.0.1"
        assert url.path == "/v1"
        conn = http.client.HTTPConnection("127.0.0.1", url.port or 80, timeout=5)
        body = {"model": "m", "messages": USER_MSG, "stream": True}
        conn.request("POST", "/v1/chat/completions", body=json.dumps(body))
        events = _events(conn.getresponse().read())
        conn.close()
        content = "".join(
            json.loads(e)["choices"][0]["delta"].get("content") or "" for e in events[:-1]
        )
        assert content == "# Title\n\nfrom a file ✓\n"
    finally:
        proc.terminate()
        proc.wait(5)


# -- the real SDK against the misbehaving server ------------------------------------------

openai = pytest.importorskip("openai")


def _client(srv: FakeOpenAI) -> Any:
    return openai.OpenAI(api_key=TEST_KEY, base_url=srv.base_url, max_retries=0, timeout=5)


def _sdk_stream(srv: FakeOpenAI) -> tuple[list[Any], str]:
    chunks: list[Any] = []
    stream = _client(srv).chat.completions.create(
        model="m", messages=USER_MSG, stream=True, stream_options={"include_usage": True}
    )
    for chunk in stream:
        chunks.append(chunk)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    return chunks, text


def test_sdk_reads_normal_stream_with_usage(fake_server: FakeOpenAI) -> None:
    fake_server.reply(text="Hello, 世界", reasoning="think", reasoning_field="reasoning")
    chunks, text = _sdk_stream(fake_server)
    assert text == "Hello, 世界"
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens > 0
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    extra = "".join(
        (c.choices[0].delta.model_extra or {}).get("reasoning") or "" for c in chunks if c.choices
    )
    assert extra == "think"


def test_sdk_cut_raises_connection_error(fake_server: FakeOpenAI) -> None:
    fake_server.reply(text="abcdefghijkl", chunk_size=2, cut_after=2)
    got: list[str] = []
    stream = _client(fake_server).chat.completions.create(model="m", messages=USER_MSG, stream=True)
    with pytest.raises(openai.APIConnectionError):
        for chunk in stream:
            got.append(chunk.choices[0].delta.content or "")
    assert "".join(got) == "abcd"


def test_sdk_end_without_done_is_silent(fake_server: FakeOpenAI) -> None:
    fake_server.reply(text="partial", end_without_done=True)
    chunks, text = _sdk_stream(fake_server)
    assert text == "partial"
    assert all(c.choices[0].finish_reason is None for c in chunks)
    assert all(c.usage is None for c in chunks)


def test_sdk_html_gives_zero_chunks(fake_server: FakeOpenAI) -> None:
    fake_server.reply(html=True)
    chunks, text = _sdk_stream(fake_server)
    assert chunks == []
    assert text == ""


def test_sdk_malformed_chunk_is_bare_json_error(fake_server: FakeOpenAI) -> None:
    fake_server.reply(text="abcdefghi", malformed_after=1)
    with pytest.raises(json.JSONDecodeError):
        _sdk_stream(fake_server)


def test_sandbox_env_is_sealed(
    sandbox: Sandbox, clean_env: dict[str, str], tmp_path: Path, monkeypatch: Any
) -> None:
    assert clean_env is sandbox.env
    hostile = {
        "OPENAI_API_KEY": "sk-real",
        "DEEPSEEK_API_KEY": "sk-real",
        "HF_TOKEN": "hf_real",
        "OPENAI_BASE_URL": "https://evil.example",
        "OPENAI_ORG_ID": "org-real",
        "LLMCHAT_PROVIDER": "openai",
        "OLLAMA_BASE_URL": "http://10.0.0.1:11434/v1",
    }
    for name, value in hostile.items():
        monkeypatch.setenv(name, value)
    env = build_sandbox(tmp_path / "hostile").env
    assert not set(hostile) & set(env)
    assert {k for k in env if k.startswith("LLMCHAT_")} == {
        "LLMCHAT_CONFIG_DIR",
        "LLMCHAT_DATA_DIR",
        "LLMCHAT_LOCAL_PROBES",  # "": no local-server detection on the machine's ports
        "LLMCHAT_BUILTIN",  # "off": no quiet fallback to the [local] model
    }
    assert env["LLMCHAT_LOCAL_PROBES"] == "" and env["LLMCHAT_BUILTIN"] == "off"
    assert not any(k.endswith(("_API_KEY", "_TOKEN")) or k.startswith("OPENAI_") for k in env)
    assert Path(clean_env["HOME"]) == sandbox.home
    assert Path(clean_env["LLMCHAT_CONFIG_DIR"]) == sandbox.config_dir
    assert Path(clean_env["LLMCHAT_DATA_DIR"]) == sandbox.data_dir
    for d in (sandbox.home, sandbox.config_dir, sandbox.data_dir, sandbox.cwd):
        assert d.is_dir() and not any(d.iterdir())
    assert Path(clean_env["TIKTOKEN_CACHE_DIR"]).is_dir()


def test_sandbox_proxy_catches_internet_but_not_loopback(
    tmp_path: Path, fake_server: FakeOpenAI, second_server: FakeOpenAI, monkeypatch: Any
) -> None:
    """The SDK's HTTP stack really honours the sandbox's proxy and NO_PROXY settings.

    `second_server` stands in for the dead proxy, so we can see what would have left.
    """
    env = build_sandbox(tmp_path).env
    proxy = f"http://127.0.0.1:{second_server.port}"
    for name in os.environ:
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        if name.lower().endswith("_proxy"):
            monkeypatch.setenv(name, proxy if value.startswith("http") else value)

    text = "".join(_sdk_stream(fake_server)[1])
    assert text == "echo: hi there"  # loopback went direct
    assert second_server.requests == []

    far = openai.OpenAI(api_key=TEST_KEY, base_url="http://api.example.com/v1", max_retries=0)
    with pytest.raises(openai.APIError):
        far.chat.completions.create(model="m", messages=USER_MSG)
    assert second_server.requests, "a request to the internet bypassed the proxy"
    assert "api.example.com" in second_server.requests[0].path
