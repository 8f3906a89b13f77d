"""Token counting: the offline estimate, the per-text cache, and never waiting on tiktoken."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import tiktoken
import tiktoken.load

from llmchat.engine import tokens
from llmchat.engine.tokens import (
    REPLY_PRIMING,
    TOKENS_PER_MESSAGE,
    TokenCounter,
    cached_encoding_available,
    encoding_name_for,
    estimate_tokens,
    estimate_usage,
)

REPO = Path(__file__).resolve().parent.parent

# Reference texts with their o200k_base token counts, measured with tiktoken 0.14 and the
# real o200k_base file. CI has no copy of that file, so the numbers are pinned here.
O200K_REFERENCE = {
    "english": (
        80,
        "The quick brown fox jumps over the lazy dog. Terminal chat clients are handy when "
        "you live in a shell: you can pipe a diff into a model, ask a follow-up question, "
        "and keep the whole conversation next to your editor. Counting tokens matters "
        "because every model has a context window, and every token costs money.\n\n"
        "When the server reports usage, we record it exactly; otherwise we estimate it.",
    ),
    "python": (
        122,
        "def fit(messages: list[dict[str, str]], window: int) -> list[dict[str, str]]:\n"
        '    """Drop the oldest turns until the conversation fits."""\n'
        '    total = sum(len(m["content"]) // 4 for m in messages)\n'
        "    while total > window and len(messages) > 2:\n"
        "        removed = messages.pop(1)\n"
        '        total -= len(removed["content"]) // 4\n'
        "    return messages\n\n\n"
        'if __name__ == "__main__":\n'
        '    print(fit([{"role": "user", "content": "hi" * 100}], window=32))\n',
    ),
    "chinese": (
        70,
        "大语言模型按词元计费，每个模型都有上下文窗口的限制。当对话太长时，"
        "客户端需要丢弃最早的几轮对话，但必须保留系统提示和最新的一条消息。"
        "如果服务器没有返回用量，我们就在本地估算词元数量，并用波浪号标出。",
    ),
    "japanese": (
        46,
        "このツールはターミナルで動くチャットクライアントです。"
        "サーバーが使用量を返さない場合は、ローカルでトークン数を見積もります。",
    ),
    "mixed": (
        45,
        "请解释这个错误：`TypeError: unsupported operand type(s) for +: 'int' and 'str'`，"
        "它出现在 main.py 的第 42 行。我用的是 Python 3.11。",
    ),
}


@pytest.mark.parametrize("kind", sorted(O200K_REFERENCE))
def test_estimate_is_within_a_quarter_of_o200k(kind: str) -> None:
    expected, text = O200K_REFERENCE[kind]
    assert abs(estimate_tokens(text) - expected) <= 0.25 * expected


def test_estimate_of_small_and_empty_texts() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("hi") == 1
    assert estimate_tokens("   ") == 1
    assert 6 <= estimate_tokens("What is the capital of France?") <= 9


def test_estimate_is_linear_on_pathological_input() -> None:
    # Long punctuation runs are where a careless lookahead goes quadratic.
    nasty = ["=" * 200_000, "(" * 200_000 + "x", "-(" * 100_000, "中" * 200_000, "a" * 200_000]
    # How long this takes is a figure in bench/tokens_bench.py, not an assertion here.
    for text in nasty:
        assert estimate_tokens(text) > 0


def test_counter_without_encoding_estimates() -> None:
    counter = TokenCounter()
    assert not counter.exact
    assert counter.name == "estimate"
    assert counter.count("hello world") == estimate_tokens("hello world")


def _byte_encoding() -> tiktoken.Encoding:
    """A real, tiny tiktoken encoding (one token per UTF-8 byte) that needs no download."""
    return tiktoken.Encoding(
        name="bytes",
        pat_str=r"\S+|\s+",
        mergeable_ranks={bytes([i]): i for i in range(256)},
        special_tokens={"<|endoftext|>": 256},
    )


def test_counter_with_a_real_encoding_is_exact() -> None:
    counter = TokenCounter(_byte_encoding())
    assert counter.exact
    assert counter.name == "bytes"
    assert counter.count("héllo") == 6
    # Special-token text in a user's message is just text, not an error.
    assert counter.count("<|endoftext|>") == len("<|endoftext|>")


def test_count_messages_adds_openai_framing() -> None:
    counter = TokenCounter(_byte_encoding())
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "hi", "name": "ann"},
    ]
    expected = (
        (TOKENS_PER_MESSAGE + len("system") + len("Be brief."))
        + (TOKENS_PER_MESSAGE + len("user") + len("hi") + len("ann") + 1)
        + REPLY_PRIMING
    )
    assert counter.count_messages(messages) == expected
    assert counter.count_messages([]) == REPLY_PRIMING


class _CountingEncoding:
    """A tiny real encoding (one token a word) that counts how often it is asked."""

    name = "words"

    def __init__(self) -> None:
        self.calls = 0

    def encode_ordinary(self, text: str) -> list[int]:
        self.calls += 1
        return [0] * len(text.split())


def test_recounting_a_long_conversation_hits_the_cache() -> None:
    encoding = _CountingEncoding()
    counter = TokenCounter(encoding)
    conversation = [
        {"role": "user" if i % 2 == 0 else "assistant", "content": f"message {i} " * 300}
        for i in range(400)
    ]
    first = counter.count_messages(conversation)
    entries, _ = counter.cache_info()
    assert entries == 400 + 2  # every content, plus "user" and "assistant"
    encoded = encoding.calls
    assert counter.count_messages(conversation) == first
    assert encoding.calls == encoded  # every text came from the cache


def test_cache_is_bounded() -> None:
    counter = TokenCounter(cache_size=10)
    for i in range(100):
        counter.count(f"text number {i}")
    assert counter.cache_info() == (10, 10)


def test_estimate_usage_is_marked() -> None:
    counter = TokenCounter()
    usage = estimate_usage(counter, [{"role": "user", "content": "hi"}], "Hello!", "thinking")
    assert usage.estimated
    assert usage.reasoning_tokens == counter.count("thinking")
    assert usage.completion_tokens == counter.count("Hello!") + counter.count("thinking")
    assert usage.prompt_tokens == counter.count_messages([{"role": "user", "content": "hi"}])


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4o-mini", "o200k_base"),
        ("gpt-4.1", "o200k_base"),
        ("o3", "o200k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("openai/gpt-4", "cl100k_base"),
        ("deepseek-chat", "o200k_base"),
        ("Qwen/Qwen2.5-72B-Instruct", "o200k_base"),
    ],
)
def test_encoding_for_model(model: str, encoding: str) -> None:
    assert encoding_name_for(model) == encoding


def test_cache_lookup_follows_tiktoken_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    assert not cached_encoding_available("o200k_base")
    url = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
    (tmp_path / hashlib.sha1(url.encode()).hexdigest()).write_bytes(b"x")
    assert cached_encoding_available("o200k_base")
    assert not cached_encoding_available("cl100k_base")
    assert not cached_encoding_available("no-such-encoding")
    # An empty TIKTOKEN_CACHE_DIR turns tiktoken's cache off: nothing is ever cached.
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")
    assert not cached_encoding_available("o200k_base")
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR")
    monkeypatch.setenv("DATA_GYM_CACHE_DIR", str(tmp_path))
    assert cached_encoding_available("o200k_base")


def test_file_table_matches_what_tiktoken_fetches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If tiktoken moves an encoding file, our offline check must learn of it here."""
    from tiktoken_ext import openai_public  # type: ignore[import-untyped]

    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    fetched: list[str] = []

    def record(blobpath: str) -> bytes:
        fetched.append(blobpath)
        raise ConnectionRefusedError(blobpath)  # the network is never reached

    monkeypatch.setattr(tiktoken.load, "read_file", record)
    for name, urls in tokens._ENCODING_FILES.items():
        fetched.clear()
        with pytest.raises(ConnectionRefusedError):
            openai_public.ENCODING_CONSTRUCTORS[name]()
        assert fetched[0] in urls, name


@pytest.fixture
def blackhole() -> Iterator[str]:
    """A loopback proxy that accepts connections and never answers, like a firewall
    that drops packets: anything that tries to download through it waits forever."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        server.close()


_PROBE = """
import json, sys, time
start = time.perf_counter()
from llmchat.engine.tokens import counter_for
counter = counter_for(sys.argv[1])
n = counter.count("Hello, world! 你好，世界。")
print(json.dumps({"seconds": time.perf_counter() - start, "exact": counter.exact,
                  "n": n, "tiktoken_imported": "tiktoken" in sys.modules}))
"""


def _run_offline(code: str, cache_dir: Path, proxy: str, *args: str, timeout: float) -> str:
    env = {
        **os.environ,
        "TIKTOKEN_CACHE_DIR": str(cache_dir),
        "HTTPS_PROXY": proxy,
        "HTTP_PROXY": proxy,
        "https_proxy": proxy,
        "http_proxy": proxy,
        "NO_PROXY": "",
        "no_proxy": "",
        "PYTHONPATH": str(REPO),
    }
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    return result.stdout


def test_no_cached_encoding_estimates_at_once(tmp_path: Path, blackhole: str) -> None:
    out = json.loads(_run_offline(_PROBE, tmp_path, blackhole, "gpt-4o", timeout=10))
    assert out["exact"] is False
    assert out["n"] > 0
    # Nothing on disk: tiktoken is not even imported.
    assert out["tiktoken_imported"] is False


def test_corrupt_cached_encoding_is_not_fetched_again(tmp_path: Path, blackhole: str) -> None:
    # tiktoken deletes a cached file whose hash is wrong and downloads it again, with no
    # timeout. The guard must refuse that download and fall back to the estimate: a
    # download through the blackhole would hang past the 10 s timeout and fail the run.
    url = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
    (tmp_path / hashlib.sha1(url.encode()).hexdigest()).write_bytes(b"not an encoding\n")
    out = json.loads(_run_offline(_PROBE, tmp_path, blackhole, "gpt-4o", timeout=10))
    assert out["exact"] is False
    assert out["tiktoken_imported"] is True


def test_the_blackhole_really_blocks_tiktoken(tmp_path: Path, blackhole: str) -> None:
    """Control: unguarded tiktoken does hang here, so the two tests above prove something."""
    pytest.importorskip("requests")
    code = "import tiktoken; tiktoken.get_encoding('o200k_base')"
    with pytest.raises(subprocess.TimeoutExpired):
        _run_offline(code, tmp_path, blackhole, timeout=0.8)


@pytest.mark.skipif(
    not cached_encoding_available("o200k_base"), reason="no cached o200k_base on this machine"
)
def test_cached_encoding_is_used_exactly() -> None:
    counter = tokens.counter_for("gpt-4o")
    assert counter.exact
    assert counter.name == "o200k_base"
    for expected, text in O200K_REFERENCE.values():
        assert counter.count(text) == expected
    assert tokens.counter_for("gpt-4o-mini") is counter


def test_importing_the_core_loads_no_heavy_library() -> None:
    code = (
        "import sys, llmchat.engine.tokens, llmchat.engine.pricing, llmchat.engine.context; "
        "print([m for m in ('openai', 'rich', 'tiktoken') if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=True,
        timeout=10,
    )
    assert out.stdout.strip() == "[]"


def test_counters_are_shared_and_warm_up_finishes() -> None:
    tokens.warm_up("gpt-4o").join(timeout=5)
    counter = tokens.counter_for("gpt-4o")
    assert tokens.counter_for("gpt-4o") is counter
    # Models on the same encoding (or both estimating) share one counter and its cache.
    assert tokens.counter_for("gpt-4o-mini") is counter


def test_the_counter_at_hand_never_loads_an_encoding() -> None:
    """A streaming reply counts its pieces with the counter already loaded for its model,
    else the estimating one: never waiting for tiktoken mid-reply (engine/turn.py)."""
    code = (
        "import sys, json\n"
        "from llmchat.engine.tokens import counter_at_hand, counter_for\n"
        "first = counter_at_hand('gpt-4o')\n"
        "loaded = 'tiktoken' in sys.modules\n"
        "chosen = counter_for('gpt-4o')\n"
        "print(json.dumps([first.name, loaded, counter_at_hand('gpt-4o') is chosen]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    name, loaded, same = json.loads(result.stdout)
    assert name == "estimate" and loaded is False and same is True
