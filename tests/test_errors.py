"""The error tree's exit codes, and keeping secrets out of everything we print."""

from __future__ import annotations

import pytest

from llmchat.errors import (
    EXIT_API,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    ApiError,
    ApiTimeoutError,
    AuthError,
    BadResponseError,
    ConfigError,
    LLMChatError,
    ModelNotFoundError,
    NetworkError,
    RateLimitError,
    ServerError,
    StreamCutError,
    UsageError,
    mask_key,
    redact,
)

OPENAI_KEY = "sk-proj-" + "Zq8RtY2pLm4NvX7wKc1B" + "9f2c"
HF_KEY = "hf_" + "AbCdEfGhIjKlMnOpQrStUv" + "7Xy1"
ZHIPU_KEY = "4b1c9e2a7f3d4e5a8b6c0d1e2f3a4b5c.Qw3rTy8UiOp1As2D"
ARK_KEY = "3f2a9c1e-7b4d-4e8a-9c2f-1d5e6a7b8c9d"


# --- the error tree -----------------------------------------------------------------


def test_exit_codes() -> None:
    assert (EXIT_OK, EXIT_API, EXIT_USAGE, EXIT_INTERRUPTED) == (0, 1, 2, 130)
    assert ConfigError("x").exit_code == 2
    assert UsageError("x").exit_code == 2
    for cls in (
        ApiError,
        AuthError,
        ModelNotFoundError,
        RateLimitError,
        ServerError,
        NetworkError,
        ApiTimeoutError,
        BadResponseError,
        StreamCutError,
    ):
        err = cls("x")
        assert isinstance(err, ApiError) and isinstance(err, LLMChatError)
        assert err.exit_code == 1, cls.__name__


def test_message_hint_and_one_line() -> None:
    err = ConfigError("no API key for DeepSeek", "set DEEPSEEK_API_KEY")
    assert err.message == str(err) == "no API key for DeepSeek"
    assert err.one_line() == "no API key for DeepSeek — set DEEPSEEK_API_KEY"
    assert "\n" not in err.one_line()
    assert UsageError("bad").one_line() == "bad"


# --- mask_key -------------------------------------------------------------------------


def test_mask_key_unset() -> None:
    assert mask_key(None) == "(not set)"
    assert mask_key("") == "(not set)"


@pytest.mark.parametrize("key", [OPENAI_KEY, HF_KEY, "sk-" + "a1" * 20 + "wxyz"])
def test_mask_key_shows_only_the_public_prefix_and_the_last_four(key: str) -> None:
    masked = mask_key(key)
    assert masked == f"{key[:3]}…{key[-4:]}"
    assert key[3:-4] not in masked


@pytest.mark.parametrize("key", ["abcd", "abcdefgh", "sk-abc12"])
def test_mask_key_short_keys_show_at_most_two_characters(key: str) -> None:
    masked = mask_key(key)
    assert masked == "…" + key[-2:]
    assert key[:-2] not in masked


def test_mask_key_tells_keys_apart() -> None:
    assert mask_key(OPENAI_KEY) != mask_key("sk-proj-" + "Zq8RtY2pLm4NvX7wKc1B" + "0000")


@pytest.mark.parametrize("key", [ZHIPU_KEY, ARK_KEY, "abcdefghi", "Tok3nW1thNoPrefix12345"])
def test_mask_key_never_reveals_more_than_the_last_four(key: str) -> None:
    masked = mask_key(key)
    shown = masked.replace("…", "")
    assert shown == key[-len(shown) :]  # only a tail of the key
    assert len(shown) <= 4
    assert len(shown) <= len(key) // 3  # and never most of a short key


# --- redact ---------------------------------------------------------------------------


def test_redact_removes_a_known_key_echoed_by_the_server() -> None:
    body = f'{{"error": {{"message": "Incorrect API key provided: {ZHIPU_KEY}."}}}}'
    out = redact(body, [ZHIPU_KEY])
    assert ZHIPU_KEY not in out
    assert ZHIPU_KEY[:-4] not in out
    assert "Incorrect API key provided:" in out


def test_redact_several_secrets_and_ignores_none_and_tiny_ones() -> None:
    text = f"a={ARK_KEY} b={ZHIPU_KEY} c=ok"
    out = redact(text, [None, "", "ok", ARK_KEY, ZHIPU_KEY])
    assert ARK_KEY not in out and ZHIPU_KEY not in out
    assert out.endswith("c=ok")


@pytest.mark.parametrize(
    "secret",
    [
        OPENAI_KEY,
        "sk-" + "0123456789abcdef0123456789abcdef",
        "sk-ant-api03-" + "x" * 30,
        HF_KEY,
    ],
)
def test_redact_removes_key_shaped_text_without_being_told(secret: str) -> None:
    out = redact(f"401 Unauthorized: key {secret} is invalid")
    assert secret not in out
    assert secret[3:-4] not in out
    assert out.startswith("401 Unauthorized: key ") and out.endswith(" is invalid")


@pytest.mark.parametrize(
    "header",
    [
        "Authorization: Bearer " + OPENAI_KEY,
        "authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.signature-xyz",
        "Bearer\t" + ZHIPU_KEY,
    ],
)
def test_redact_removes_bearer_tokens(header: str) -> None:
    token = header.split()[-1]
    out = redact(header)
    assert token not in out
    assert token[:-4][-8:] not in out


@pytest.mark.parametrize(
    "text",
    [
        "the risk-assessment task-list is on my desk-lamp",
        "sk-short",
        "hf_abc",
        "a Bearer of bad news",
        "模型返回：你好，世界",
        "",
    ],
)
def test_redact_leaves_ordinary_text_alone(text: str) -> None:
    assert redact(text) == text


def test_redact_is_idempotent() -> None:
    text = f"key {OPENAI_KEY}; Bearer {ZHIPU_KEY}; other {ARK_KEY}"
    once = redact(text, [ARK_KEY])
    assert redact(once, [ARK_KEY]) == once
    for secret in (OPENAI_KEY, ZHIPU_KEY, ARK_KEY):
        assert secret not in once
