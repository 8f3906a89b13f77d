"""The `chat` command's options, declared once, so cli/app.py stays a list of commands.

Each alias is an `Annotated` type Typer reads for one option: its flags, metavar and
help. `compare` reuses the ones it shares (question, system prompt, sampling), so the
two commands cannot drift apart in how they spell or explain them. Importing this
module costs what importing Typer costs, already paid by app.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from llmchat.errors import ErrorDisplay


def _show_tracebacks(ctx: typer.Context, value: bool) -> bool:
    """`--debug` parsed: tell the launcher's ErrorDisplay (run_app passes it as ctx.obj).
    Returns the value: Click hands a callback's result to the command (the chat command
    prints where the key and base URL came from)."""
    if value and isinstance(ctx.obj, ErrorDisplay):
        ctx.obj.tracebacks = True
    return value


#: `--debug`, declared once for the commands that take it; the launcher reads it through
#: ErrorDisplay (tracebacks), the chat command for its "key from …" line. Eager, so an
#: error Click finds in the other options already shows its traceback.
DebugOption = Annotated[
    bool,
    typer.Option(
        "--debug",
        metavar="",
        help="Show tracebacks on errors.",
        callback=_show_tracebacks,
        is_eager=True,
    ),
]


QuestionArgument = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="QUESTION",
        help="The question. Piped stdin is appended after it.",
        show_default=False,
    ),
]

ModelOption = Annotated[
    str | None, typer.Option("-m", "--model", metavar="MODEL", help="Model, or PROVIDER/MODEL.")
]

ProviderOption = Annotated[
    str | None,
    typer.Option("-p", "--provider", metavar="NAME", help="Provider (see `llmchat providers`)."),
]

SystemOption = Annotated[
    str | None, typer.Option("-s", "--system", metavar="TEXT", help="System prompt.")
]

RoleOption = Annotated[
    str | None,
    typer.Option("-r", "--role", metavar="NAME", help="Use a role (see `llmchat roles`)."),
]

VarOption = Annotated[
    list[str] | None,
    typer.Option("--var", metavar="NAME=VALUE", help="Fill a role's {{NAME}}; repeatable."),
]

FilesOption = Annotated[
    list[str] | None,
    typer.Option(
        "-f", "--file", metavar="PATH", help="Attach a text file (- is stdin); repeatable."
    ),
]

JsonOutputOption = Annotated[
    bool,
    typer.Option("--json", metavar="", help="Answer with a JSON object (printed clean)."),
]

SchemaOption = Annotated[
    str | None,
    typer.Option(
        "--schema",
        metavar="FILE|SPEC",
        help="Answer matching a JSON schema: a .json file, JSON, or 'score int, tags \\[str]'.",
    ),
]

RetryInvalidOption = Annotated[
    int,
    typer.Option(
        "--retry-invalid", metavar="N", min=0, help="Ask again up to N times on invalid JSON."
    ),
]

StopOption = Annotated[
    list[str] | None,
    typer.Option("--stop", metavar="SEQ", help="Stop the reply at SEQ; repeatable (up to 4)."),
]

SeedOption = Annotated[
    int | None,
    typer.Option("--seed", metavar="N", help="Ask for repeatable sampling (where supported)."),
]

ChoicesOption = Annotated[
    int,
    typer.Option("-n", metavar="N", min=1, help="N answers in one request, numbered."),
]

TemperatureOption = Annotated[
    float | None, typer.Option(metavar="FLOAT", help="Sampling temperature, 0–2.")
]

TopPOption = Annotated[
    float | None, typer.Option("--top-p", metavar="FLOAT", help="Nucleus sampling, 0–1.")
]

MaxTokensOption = Annotated[
    int | None, typer.Option("--max-tokens", metavar="N", help="Longest reply, in tokens.")
]

NoStreamOption = Annotated[
    bool,
    typer.Option("--no-stream", metavar="", help="Wait for the whole reply instead of streaming."),
]

NoReasoningOption = Annotated[
    bool, typer.Option("--no-reasoning", metavar="", help="Hide a reasoning model's thinking.")
]

ThinkOption = Annotated[
    bool | None,
    typer.Option(
        "--think/--no-think",
        metavar="",
        help="Ask the model to think first, or not (default: the server decides).",
        show_default=False,
    ),
]

EffortOption = Annotated[
    str | None,
    typer.Option(
        "--effort",
        metavar="LEVEL",
        help="Thinking effort: low, medium, high or max (the nearest the model takes).",
    ),
]

ThinkBudgetOption = Annotated[
    int | None,
    typer.Option(
        "--think-budget",
        metavar="TOKENS",
        help="Think, with at most TOKENS of thinking (Qwen, OpenRouter; others just think).",
        show_default=False,
    ),
]

RawOption = Annotated[
    bool,
    typer.Option("--raw", metavar="", help="Show the reply's raw Markdown, even on a terminal."),
]

UsageOption = Annotated[
    bool,
    typer.Option("--usage", metavar="", help="Print tokens and cost to stderr afterwards."),
]

CheckOption = Annotated[
    bool,
    typer.Option(
        "--check", metavar="", help="Have the answer checked for errors (shown on stderr)."
    ),
]

CheckModelOption = Annotated[
    str | None,
    typer.Option(
        "--check-model", metavar="MODEL", help="Model for --check (default: the same one)."
    ),
]

BaseUrlOption = Annotated[
    str | None,
    typer.Option("--base-url", metavar="URL", help="Override the provider's base URL."),
]

TimeoutOption = Annotated[
    float | None,
    typer.Option(metavar="SECONDS", help="Seconds to wait for the server (default 120)."),
]

ApiKeyEnvOption = Annotated[
    str | None,
    typer.Option(
        "--api-key-env",
        metavar="NAME",
        help="Take the chosen provider's key from variable NAME (beats all other sources).",
    ),
]

ProxyOption = Annotated[
    str | None,
    typer.Option("--proxy", metavar="URL", help="Send this run's requests through URL."),
]

EnvFileOption = Annotated[
    Path | None,
    typer.Option(
        "--env-file", metavar="PATH", help="Read this .env (trusted) instead of searching."
    ),
]

ContinueOption = Annotated[
    bool,
    typer.Option("-c", "--continue", metavar="", help="Continue the most recent saved chat."),
]

ResumeOption = Annotated[
    str | None,
    typer.Option("--resume", metavar="ID", help="Continue saved chat ID (a prefix will do)."),
]

NoSaveOption = Annotated[bool, typer.Option("--no-save", metavar="", help="Don't save this chat.")]

ForceTextOption = Annotated[
    bool,
    typer.Option(
        "--force-text",
        metavar="",
        help="Send piped stdin even if it is not UTF-8 text (bad bytes become \ufffd).",
    ),
]


def thinking_flag(think: bool | None, effort: str | None, budget: int | None = None) -> str | None:
    """--effort and --think-budget imply --think; --no-think with either, or both at
    once, is a contradiction."""
    from llmchat.errors import UsageError
    from llmchat.providers.dialects import EFFORTS, budget_thinking, parse_budget, parse_thinking

    if budget is not None:
        if think is False or effort is not None:
            other = "--no-think" if think is False else "--effort"
            raise UsageError(f"{other} and --think-budget contradict each other", "drop one")
        return budget_thinking(parse_budget(str(budget)))
    if effort is not None:
        level = parse_thinking(effort)
        if level not in EFFORTS:
            raise UsageError(f"--effort {effort!r} is not a level", f"use {'|'.join(EFFORTS)}")
        if think is False:
            raise UsageError("--no-think and --effort contradict each other", "drop one")
        return level
    return None if think is None else ("on" if think else "off")


def parse_schema(argument: str | None) -> dict[str, Any] | None:
    """`--schema FILE|JSON|SHORT` as a JSON schema (None when not given)."""
    if argument is None:
        return None
    from llmchat.structured.shortschema import load_schema

    return load_schema(argument)
