"""Token counting: tiktoken when its encoding is already on disk, else a fast local estimate.

tiktoken downloads an encoding on first use and its download has no timeout, so behind a
firewall that drops packets it would block the prompt forever. This module never lets that
download start: it only hands tiktoken an encoding whose cached file is already present,
and even then refuses any fetch tiktoken tries. Everything else gets `estimate_tokens`.
`tiktoken` is imported lazily, and only when a cached file makes it worth the ~40 ms.
"""

from __future__ import annotations

import functools
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Protocol

from llmchat.events import Usage

DEFAULT_ENCODING = "o200k_base"
ESTIMATE = "estimate"

# OpenAI's accounting for chat messages (see the "How to count tokens" cookbook): every
# message costs a few tokens of framing, and the reply is primed with a few more.
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3

_BLOB = "https://openaipublic.blob.core.windows.net/"
# The files tiktoken (0.7 to 0.14 at least) fetches for each encoding. Only used to see,
# without importing tiktoken, whether loading one could succeed offline; if tiktoken ever
# moves a file, the guard in `load_cached_encoding` still stops the fetch and we estimate.
_ENCODING_FILES: dict[str, tuple[str, ...]] = {
    "o200k_base": (_BLOB + "encodings/o200k_base.tiktoken",),
    "o200k_harmony": (_BLOB + "encodings/o200k_base.tiktoken",),
    "cl100k_base": (_BLOB + "encodings/cl100k_base.tiktoken",),
    "p50k_base": (_BLOB + "encodings/p50k_base.tiktoken",),
    "p50k_edit": (_BLOB + "encodings/p50k_base.tiktoken",),
    "r50k_base": (_BLOB + "encodings/r50k_base.tiktoken",),
    "gpt2": (
        _BLOB + "gpt-2/encodings/main/vocab.bpe",
        _BLOB + "gpt-2/encodings/main/encoder.json",
    ),
}


class EncodingLike(Protocol):
    """The part of `tiktoken.Encoding` we use; lets tests hand in a small real one."""

    @property
    def name(self) -> str: ...

    def encode_ordinary(self, text: str) -> list[int]: ...


# --- the estimate -----------------------------------------------------------------------

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_KANA = "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"
_HANGUL = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"
_CJK_PUNCT = "\u3000-\u303f\uff00-\uffef"
_PUNCT = r"[!-/:-@\[-`{-~]"  # ASCII punctuation and symbols, underscore included
_LETTER = r"[^\W\d_]"

# Each pattern counts pieces that o200k_base tends to turn into about one token, and the
# weight says how many tokens a piece costs on average. The weights were fitted against
# o200k_base on ~1.8 MB of English, Markdown, Python, C, JS, JSON, CSV, emoji, Chinese
# (simplified and traditional), Japanese, Korean, Russian, German and French, then
# rounded, erring high where in doubt: better to trim one turn too many than to overflow.
# On 1,200 chunks of 1,500 characters, 96% land within ±15% of o200k and all but one
# within ±25% (the worst, +29%, is a box-drawing table); see docs/benchmarks.md, "Token counting".
# Every pattern is linear: runs of punctuation are anchored at their start so a long
# `=====` line cannot make the lookaheads quadratic.
_WEIGHTS: tuple[tuple[float, bool, str], ...] = (
    # Words: o200k keeps most English words up to ~7 letters whole.
    (1.05, True, r"[A-Za-z]{1,7}"),
    # Numbers are split into groups of up to three digits.
    (0.8, True, r"\d{1,3}"),
    # ... and a space before a number is a token of its own.
    (1.3, True, r"\s\d"),
    # Punctuation not glued to a following word: `)`, `.` at a line's end, ` = `.
    (1.5, True, rf"(?<!{_PUNCT}){_PUNCT}+(?=[\s\d]|\Z)"),
    # A run of 2+ before a word: the last mark joins the word, the rest is a piece.
    (1.4, True, rf"(?<!{_PUNCT}){_PUNCT}{{2,}}(?={_LETTER})"),
    # Long runs (`--------`, `~~~~~~~~`) are split every eight or so.
    (0.5, True, rf"{_PUNCT}{{8}}"),
    # Indentation after a newline.
    (0.6, True, r"(?<=\n)[ \t]+"),
    # CJK: o200k spends ~0.75 tokens per Han character in modern Chinese prose and
    # ~0.9 in traditional; kana and hangul a little less.
    (0.85, False, rf"[{_HAN}]"),
    (0.75, False, rf"[{_KANA}]"),
    (0.8, False, rf"[{_HANGUL}]"),
    # Other letters (accented Latin, Cyrillic, Greek, ...): about one per three.
    (0.85, False, rf"[^\W\d_A-Za-z{_HAN}{_KANA}{_HANGUL}]{{1,3}}"),
    # CJK and full-width punctuation: about one each.
    (1.0, False, rf"(?=[^\w\s])[{_CJK_PUNCT}]"),
    # Other non-ASCII symbols (arrows, dashes, box drawing); repeats merge.
    (1.4, False, rf"([^\w\s\x00-\x7f{_CJK_PUNCT}\U00010000-\U0010ffff])\1{{0,7}}"),
    # Emoji and other symbols beyond the BMP: one to three tokens each, never merged.
    (1.5, False, r"(?=[^\w\s])[\U00010000-\U0010ffff]"),
)


@functools.cache
def _patterns() -> tuple[tuple[float, bool, re.Pattern[str]], ...]:
    # Compiled on first use: ~7 ms that `import llmchat.engine.tokens` should not cost.
    return tuple((w, a, re.compile(p)) for w, a, p in _WEIGHTS)


def estimate_tokens(text: str) -> int:
    """Estimate how many o200k_base tokens `text` is, without any tokenizer files.

    Counts character classes with a dozen C-speed regex scans (linear time, ~6 MB/s;
    non-ASCII classes are skipped for ASCII text) and weighs them by what o200k_base
    does with each.
    Meant for budgeting, not billing: it is shown with `~` wherever it appears.
    """
    if not text:
        return 0
    ascii_only = text.isascii()
    total = 0.0
    for weight, ascii_relevant, pattern in _patterns():
        if ascii_relevant or not ascii_only:
            total += weight * len(pattern.findall(text))
    return max(1, int(total + 0.5))


# --- the counter ------------------------------------------------------------------------


class TokenCounter:
    """Counts tokens of texts and chat messages, remembering every text it has seen.

    A conversation is re-counted before each request; with the per-text cache only the
    new messages cost anything, so a 200-turn chat stays well under a millisecond.
    The cache holds references to strings the conversation keeps anyway (bounded, LRU).
    """

    def __init__(self, encoding: EncodingLike | None = None, *, cache_size: int = 8192) -> None:
        self._encoding = encoding
        self._cache: OrderedDict[str, int] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    @property
    def exact(self) -> bool:
        """True when a real tiktoken encoding counts; False for the character estimate."""
        return self._encoding is not None

    @property
    def name(self) -> str:
        """The encoding's name, or "estimate"."""
        return self._encoding.name if self._encoding is not None else ESTIMATE

    def count(self, text: str, *, remember: bool = True) -> int:
        """Tokens in `text` (special-token strings such as <|endoftext|> count as text).
        `remember=False` for a text that will not come again (a streaming reply's piece):
        it would only push a message the next request re-counts out of the cache."""
        if not text:
            return 0
        if not remember:
            return self._count_uncached(text)
        with self._lock:
            cached = self._cache.get(text)
            if cached is not None:
                self._cache.move_to_end(text)
                return cached
        n = self._count_uncached(text)
        with self._lock:
            self._cache[text] = n
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return n

    def _count_uncached(self, text: str) -> int:
        if self._encoding is not None:
            try:
                return len(self._encoding.encode_ordinary(text))
            except Exception:
                # A tokenizer bug must not cost the user their message.
                return estimate_tokens(text)
        return estimate_tokens(text)

    def count_message(self, message: Mapping[str, object]) -> int:
        """Tokens one chat message adds to a request: its framing, role and content."""
        n = TOKENS_PER_MESSAGE
        for key, value in message.items():
            # Past reasoning rides along for the dialect to keep or drop; most drop it.
            if isinstance(value, str) and key != "reasoning_content":
                n += self.count(value)
                if key == "name":
                    n += TOKENS_PER_NAME
        return n

    def count_messages(self, messages: Sequence[Mapping[str, object]]) -> int:
        """Prompt tokens for a whole request, the reply's priming included."""
        return sum(self.count_message(m) for m in messages) + REPLY_PRIMING

    def cache_info(self) -> tuple[int, int]:
        """(entries, capacity) of the per-text cache; for benchmarks and `/tokens`."""
        return len(self._cache), self._cache_size


def estimate_usage(
    counter: TokenCounter,
    messages: Sequence[Mapping[str, object]],
    reply: str,
    reasoning: str = "",
) -> Usage:
    """Usage for a turn the server did not report: counted locally and marked estimated."""
    reasoning_tokens = counter.count(reasoning)
    return Usage(
        prompt_tokens=counter.count_messages(messages),
        completion_tokens=counter.count(reply) + reasoning_tokens,
        reasoning_tokens=reasoning_tokens,
        estimated=True,
    )


# --- choosing and loading encodings -----------------------------------------------------


def tiktoken_cache_dir() -> str:
    """Where tiktoken keeps downloaded encodings, resolved exactly as tiktoken does.

    An empty value (`TIKTOKEN_CACHE_DIR=`) disables tiktoken's cache: then nothing is
    ever on disk and we always estimate.
    """
    from llmchat.environment import process_vars

    # tiktoken reads the process environment itself, so this must read the same one.
    vars = process_vars()
    if "TIKTOKEN_CACHE_DIR" in vars:
        return vars["TIKTOKEN_CACHE_DIR"]
    if "DATA_GYM_CACHE_DIR" in vars:
        return vars["DATA_GYM_CACHE_DIR"]
    import tempfile

    return os.path.join(tempfile.gettempdir(), "data-gym-cache")


def cached_encoding_available(encoding_name: str) -> bool:
    """Whether tiktoken could load `encoding_name` from its cache without the network."""
    import hashlib

    urls = _ENCODING_FILES.get(encoding_name)
    cache_dir = tiktoken_cache_dir()
    if not urls or not cache_dir:
        return False
    return all(
        os.path.isfile(os.path.join(cache_dir, hashlib.sha1(url.encode()).hexdigest()))
        for url in urls
    )


def encoding_name_for(model: str) -> str:
    """The tiktoken encoding for `model`; o200k_base for models tiktoken does not know.

    Provider prefixes ("openai/gpt-4o", "deepseek-ai/DeepSeek-V3") are ignored. For
    non-OpenAI models o200k_base is only a stand-in for their own tokenizer.
    """
    try:
        from tiktoken.model import encoding_name_for_model
    except Exception:
        return DEFAULT_ENCODING
    for candidate in (model, model.rsplit("/", 1)[-1]):
        try:
            return encoding_name_for_model(candidate)
        except Exception:
            continue
    return DEFAULT_ENCODING


class _DownloadRefusedError(RuntimeError):
    """Raised in place of tiktoken's network fetch, which has no timeout."""


_load_lock = threading.Lock()


def load_cached_encoding(encoding_name: str) -> EncodingLike | None:
    """The tiktoken encoding if it loads from the local cache alone, else None.

    While tiktoken loads, its one network entry point (`tiktoken.load.read_file` for
    http(s) URLs) is swapped for one that refuses. A cached file that fails tiktoken's
    hash check would otherwise be deleted and fetched again, without a timeout.
    """
    if not cached_encoding_available(encoding_name):
        return None
    try:
        import tiktoken
        import tiktoken.load as tiktoken_load
    except Exception:
        return None
    with _load_lock:
        original = tiktoken_load.read_file

        def refuse_network(blobpath: str) -> bytes:
            if "://" in blobpath:
                raise _DownloadRefusedError(blobpath)
            return original(blobpath)

        tiktoken_load.read_file = refuse_network
        try:
            return tiktoken.get_encoding(encoding_name)
        except Exception:
            return None
        finally:
            tiktoken_load.read_file = original


_by_model: dict[str, TokenCounter] = {}
_by_encoding: dict[str, TokenCounter] = {}
_counters_lock = threading.Lock()


def counter_for(model: str) -> TokenCounter:
    """The shared counter for `model`'s encoding: exact if cached on disk, else estimating.

    One counter per encoding, so its cache survives `/model` switches between models that
    share it; decided once per model and run, so later calls are a dict lookup. Never
    touches the network. With no cached encoding at all it returns at once without
    importing tiktoken; loading a cached o200k_base takes ~0.25 s the first time, which
    `warm_up` can move off the prompt.
    """
    counter = _by_model.get(model)
    if counter is None:
        with _counters_lock:
            counter = _by_model.get(model)
            if counter is None:
                counter = _by_model[model] = _choose_counter(model)
    return counter


def _choose_counter(model: str) -> TokenCounter:
    if any(cached_encoding_available(name) for name in _ENCODING_FILES):
        encoding_name = encoding_name_for(model)
    else:
        encoding_name = ESTIMATE
    counter = _by_encoding.get(encoding_name)
    if counter is None:
        encoding = None if encoding_name == ESTIMATE else load_cached_encoding(encoding_name)
        if encoding is not None:
            counter = TokenCounter(encoding)
        else:
            counter = _by_encoding.get(ESTIMATE) or TokenCounter()
            _by_encoding[ESTIMATE] = counter
        # Remembered under the encoding's name even when estimating: one try per run.
        _by_encoding[encoding_name] = counter
    return counter


def counter_at_hand(model: str) -> TokenCounter:
    """`model`'s counter if it is already loaded, else the estimating one: for counting on
    the way of a streaming reply, which must not wait ~0.25 s for tiktoken to load (nor
    hold its tables in memory for a one-shot that never needed them)."""
    counter = _by_model.get(model)
    if counter is not None:
        return counter
    with _counters_lock:
        estimate = _by_encoding.get(ESTIMATE)
        if estimate is None:
            estimate = _by_encoding[ESTIMATE] = TokenCounter()
    return estimate


def warm_up(model: str) -> threading.Thread:
    """Load `model`'s counter in a daemon thread, so the first request does not wait."""
    thread = threading.Thread(target=counter_for, args=(model,), daemon=True)
    thread.start()
    return thread
