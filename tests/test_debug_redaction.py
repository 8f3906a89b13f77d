"""`--debug` shows tracebacks, never keys: not ours, not the SDK's chained exception's.

A server that rejects a key often repeats it in the 401 body; the SDK's exception
message carries that body and our error is raised `from` it (issue 12, item 5).
"""

from __future__ import annotations

import pytest
from conftest import TEST_KEY, FakeOpenAI, RunLLMChat

from llmchat.debugging import known_secrets, redacted_traceback
from llmchat.errors import redact

#: A key with no recognisable shape (a UUID, as Volcengine Ark issues): only knowing it
#: as the configured key can hide it.
SHAPELESS_KEY = "3f2a9c1e-7b4d-4e8a-9c2f-1d5e6a7b8c9d"


def _leaks(text: str, key: str) -> bool:
    return key in text or key[:-4] in text or key[4:] in text


@pytest.mark.parametrize("key", [TEST_KEY, SHAPELESS_KEY])
@pytest.mark.parametrize("sdk_stream", ["0", "1"])
def test_debug_traceback_of_a_401_echoing_the_key_never_shows_it(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat, key: str, sdk_stream: str
) -> None:
    fake_server.reply(status=401, error_message=f"Incorrect API key provided: {key}.", repeat=5)
    env = {
        "OPENAI_API_KEY": key,
        "OPENAI_BASE_URL": fake_server.base_url,
        "LLMCHAT_SDK_STREAM": sdk_stream,
    }
    result = run_llmchat("--debug", "hi", env=env)
    assert result.returncode == 1
    out = result.stdout + result.stderr
    assert "Traceback" in out
    assert "AuthenticationError" in out  # the SDK's chained exception is shown…
    assert not _leaks(out, key), out  # …without the key
    assert key[-4:] in out  # masked: the last four tell keys apart


def test_redacted_traceback_covers_every_chained_exception() -> None:
    try:
        try:
            raise ValueError(f"inner {SHAPELESS_KEY}")
        except ValueError as inner:
            raise RuntimeError(f"outer {SHAPELESS_KEY}") from inner
    except RuntimeError as exc:
        text = redacted_traceback(exc, [SHAPELESS_KEY])
    assert "ValueError" in text and "RuntimeError" in text
    assert SHAPELESS_KEY not in text


def test_known_secrets_are_the_key_like_variables() -> None:
    found = known_secrets(
        {"OPENAI_API_KEY": SHAPELESS_KEY, "HF_TOKEN": "x" * 20, "PATH": "/usr/bin"}
    )
    assert SHAPELESS_KEY in found and "x" * 20 in found
    assert "/usr/bin" not in found


@pytest.mark.parametrize(
    "token",
    [
        "gsk_" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
        "xai-" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
        "AIza" + "SyAbCdEfGhIjKlMnOpQrStUvWxYz0123456",
        # no known prefix: long, and mixing upper case, lower case and digits
        "Zq8RtY2pLm4NvX7wKc1B9f2cAbCdEfGhIjKl",
    ],
)
def test_redact_catches_tokens_shaped_like_keys(token: str) -> None:
    out = redact(f"error: {token} rejected")
    assert token not in out and token[4:-4] not in out


@pytest.mark.parametrize(
    "text",
    [
        'File "/work/venvs/x/lib/python3.11/site-packages/openai/_base_client.py", line 1248',
        "openai.AuthenticationError: Error code: 401",
        "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    ],
)
def test_redact_leaves_tracebacks_paths_and_digests_alone(text: str) -> None:
    assert redact(text) == text
