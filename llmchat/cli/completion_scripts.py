"""`llmchat completion bash|zsh|fish`: a completion script made from the Typer app itself.

Subcommands and flags are read from the Click command tree when the script is printed,
so the script cannot drift from the real options; values that change (providers,
models, chat IDs) are asked of `llmchat __complete` at Tab time (cli/completion.py).
Loaded only by `llmchat completion`: nothing here is on the start-up path.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any

from llmchat.errors import UsageError

#: What an option's or argument's value completes to, by its parameter name.
VALUE_KINDS = {
    "provider": "providers",
    "model": "models",
    "models": "models",
    "resume": "chats",
    "chat_id": "chats",
    "shell": "shells",
}
FORMATS = "md json"


@dataclass
class CommandSpec:
    """One command as the scripts need it."""

    path: str  # "" for the default chat command, "models", "chats export"
    flags: list[str] = field(default_factory=list)
    value_flags: dict[str, str] = field(default_factory=dict)  # flag -> kind ("" = free text)
    argument: str = ""  # the kind of its positional argument, "" for free text
    subcommands: list[str] = field(default_factory=list)


def _spec(path: str, command: Any) -> CommandSpec:
    spec = CommandSpec(path)
    for param in command.params:
        if param.param_type_name == "argument":
            spec.argument = VALUE_KINDS.get(param.name or "", "")
            continue
        if getattr(param, "hidden", False):
            continue
        names = [*param.opts, *param.secondary_opts]
        spec.flags += names
        if not param.is_flag:
            kind = VALUE_KINDS.get(param.name or "", "")
            if param.name == "fmt":
                kind = "formats"
            for name in names:
                spec.value_flags[name] = kind
    return spec


def command_specs() -> list[CommandSpec]:
    """The root (its flags plus the chat command's: `llmchat -m x` is a chat), then each
    subcommand and each `chats` subcommand."""
    import typer

    from llmchat.cli.app import app

    root = typer.main.get_command(app)
    commands: dict[str, Any] = getattr(root, "commands", {})
    chat = _spec("", commands["chat"])
    top = _spec("", root)
    chat.flags = list(dict.fromkeys([*top.flags, *chat.flags]))
    chat.subcommands = sorted(commands)
    specs = [chat]
    for name in sorted(commands):
        sub = commands[name]
        spec = _spec(name, sub)
        inner: dict[str, Any] = getattr(sub, "commands", {})
        spec.subcommands = sorted(inner)
        specs.append(spec)
        specs += [_spec(f"{name} {child}", inner[child]) for child in sorted(inner)]
    return specs


def script(shell: str) -> str:
    makers = {"bash": bash_script, "zsh": zsh_script, "fish": fish_script}
    if shell not in makers:
        raise UsageError(f"no completion for {shell!r}", "choose bash, zsh or fish")
    return makers[shell](command_specs())


# --- bash and zsh share one shape: a case on the command path ----------------------------


def _values(kind: str, provider_var: str) -> str:
    """Shell code printing the candidates of `kind`, one a line."""
    if kind == "formats":
        return f"printf '%s\\n' {FORMATS}"
    if kind == "models":
        return f'command llmchat __complete models "{provider_var}" 2>/dev/null'
    if kind:
        return f"command llmchat __complete {kind} 2>/dev/null"
    return ":"


def _value_cases(specs: list[CommandSpec], provider_var: str) -> str:
    """Case arms on "PATH|PREV": a flag whose values differ between commands (`-f` is a
    file for a chat, a format for `chats export`) gets an arm per command, before the
    shared arms, so the first match is the right one."""
    kinds_of: dict[str, set[str]] = {}
    for spec in specs:
        for flag, kind in spec.value_flags.items():
            kinds_of.setdefault(flag, set()).add(kind)
    specific: list[str] = []
    by_kind: dict[str, set[str]] = {}
    for spec in specs:
        for flag, kind in spec.value_flags.items():
            if len(kinds_of[flag]) > 1:
                pattern = shlex.quote(f"{spec.path}|{flag}")
                specific.append(
                    f"        {pattern}) _llmchat_list=$({_values(kind, provider_var)}) ;;"
                )
            else:
                by_kind.setdefault(kind, set()).add(flag)
    lines = sorted(set(specific))
    for kind, flags in sorted(by_kind.items()):
        arms = "|".join("*" + shlex.quote("|" + flag) for flag in sorted(flags))
        lines.append(f"        {arms}) _llmchat_list=$({_values(kind, provider_var)}) ;;")
    return "\n".join(lines)


def _command_cases(specs: list[CommandSpec], provider_var: str) -> str:
    lines = []
    for spec in specs:
        words = " ".join(spec.flags)
        arg = "" if spec.path == "" else _values(spec.argument, provider_var)
        sub = " ".join(spec.subcommands)
        pattern = shlex.quote(spec.path) if spec.path else "''"
        lines.append(
            f"        {pattern}) "
            f"_llmchat_flags={shlex.quote(words)}; _llmchat_subs={shlex.quote(sub)}; "
            f"_llmchat_arg={shlex.quote(arg)} ;;"
        )
    return "\n".join(lines)


_SHARED = r"""
# Walk the words before the cursor: the command path (a subcommand only as the first
# word, `chats` may have its own), the provider given with -p, whether the word before
# the cursor is an option that takes a value.
_llmchat_scan() {
    _llmchat_path='' _llmchat_provider=''
    local i=1 w
    while (( i < _llmchat_cword )); do
        w=${_llmchat_words[i]}
        case $w in
            -p|--provider) _llmchat_provider=${_llmchat_words[i+1]} ;;
            --provider=*) _llmchat_provider=${w#--provider=} ;;
        esac
        if (( i == 1 )) && [[ " __TOP__ " == *" $w "* ]]; then
            _llmchat_path=$w
        elif (( i == 2 )) && [[ $_llmchat_path == chats && " __CHATS__ " == *" $w "* ]]; then
            _llmchat_path="chats $w"
        fi
        (( i++ ))
    done
    case $_llmchat_path in
__COMMANDS__
    esac
}

# Candidates for the word under the cursor, one a line.
_llmchat_candidates() {
    local cur=$1 prev=$2
    _llmchat_list=''
    case "$_llmchat_path|$prev" in
__VALUES__
        *)
            if [[ $cur == -* ]]; then
                _llmchat_list=${_llmchat_flags// /$'\n'}
            elif [[ -n $_llmchat_subs && ( $_llmchat_path == '' && $_llmchat_cword == 1 ||
                    $_llmchat_path == chats && $_llmchat_cword == 2 ) ]]; then
                _llmchat_list=${_llmchat_subs// /$'\n'}
            elif [[ -n $_llmchat_path ]]; then
                _llmchat_list=$(eval "$_llmchat_arg")
            fi ;;
    esac
    printf '%s\n' "$_llmchat_list"
}
"""


def _shared(specs: list[CommandSpec], provider_var: str) -> str:
    top = next(s for s in specs if s.path == "")
    chats = next((s for s in specs if s.path == "chats"), None)
    return (
        _SHARED.replace("__TOP__", " ".join(top.subcommands))
        .replace("__CHATS__", " ".join(chats.subcommands if chats else []))
        .replace("__COMMANDS__", _command_cases(specs, provider_var))
        .replace("__VALUES__", _value_cases(specs, provider_var))
    )


def bash_script(specs: list[CommandSpec]) -> str:
    return (
        "# bash completion for llmchat, made by `llmchat completion bash`.\n"
        '# Load it from ~/.bashrc:  eval "$(llmchat completion bash)"\n'
        + _shared(specs, "$_llmchat_provider")
        + r"""
_llmchat() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=''
    (( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD-1]}
    local _llmchat_words=("${COMP_WORDS[@]}") _llmchat_cword=$COMP_CWORD
    local _llmchat_path _llmchat_provider _llmchat_flags _llmchat_subs _llmchat_arg _llmchat_list
    _llmchat_scan
    local IFS=$'\n'
    COMPREPLY=($(compgen -W "$(_llmchat_candidates "$cur" "$prev")" -- "$cur"))
    # Model names with a colon (qwen2.5:7b): bash splits words at ':'.
    if declare -F __ltrim_colon_completions >/dev/null; then
        __ltrim_colon_completions "$cur"
    fi
}
complete -F _llmchat llmchat
"""
    )


def zsh_script(specs: list[CommandSpec]) -> str:
    return (
        "#compdef llmchat\n"
        "# zsh completion for llmchat, made by `llmchat completion zsh`.\n"
        '# Load it from ~/.zshrc (after compinit):  eval "$(llmchat completion zsh)"\n'
        + _shared(specs, "$_llmchat_provider")
        + r"""
_llmchat() {
    emulate -L zsh -o ksh_arrays
    local _llmchat_words=("${words[@]}") _llmchat_cword=$(( CURRENT - 1 ))
    local cur=${words[CURRENT-1]} prev=${words[CURRENT-2]}
    local _llmchat_path _llmchat_provider _llmchat_flags _llmchat_subs _llmchat_arg _llmchat_list
    _llmchat_scan
    local -a found
    found=("${(@f)$(_llmchat_candidates "$cur" "$prev")}")
    found=(${found:#})
    compadd -a found
}
compdef _llmchat llmchat
"""
    )


# --- fish: one `complete` line per flag ----------------------------------------------------


def fish_script(specs: list[CommandSpec]) -> str:
    top = next(s for s in specs if s.path == "")
    subs = " ".join(top.subcommands)
    lines = [
        "# fish completion for llmchat, made by `llmchat completion fish`.",
        "# Save it:  llmchat completion fish > ~/.config/fish/completions/llmchat.fish",
        FISH_PROVIDER_FUNCTION.strip(),
        "complete -c llmchat -f",
        f'complete -c llmchat -n "__fish_use_subcommand" -a "{subs}"',
    ]
    for spec in specs:
        if spec.path == "":
            condition = f"not __fish_seen_subcommand_from {subs}"
        elif " " in spec.path:
            parent, child = spec.path.split(" ", 1)
            condition = (
                f"__fish_seen_subcommand_from {parent}; and __fish_seen_subcommand_from {child}"
            )
        else:
            condition = f"__fish_seen_subcommand_from {spec.path}"
            if spec.subcommands:
                lines.append(
                    f'complete -c llmchat -n "{condition}; and not __fish_seen_subcommand_from '
                    f'{" ".join(spec.subcommands)}" -a "{" ".join(spec.subcommands)}"'
                )
        if spec.argument and spec.path:
            lines.append(
                f'complete -c llmchat -n "{condition}" -a "({_fish_values(spec.argument)})"'
            )
        for flag in spec.flags:
            option = f"-l {flag[2:]}" if flag.startswith("--") else f"-s {flag[1:]}"
            kind = spec.value_flags.get(flag)
            values = ""
            if kind is not None:
                values = " -x" + (f' -a "({_fish_values(kind)})"' if kind else "")
            lines.append(f'complete -c llmchat -n "{condition}" {option}{values}')
    return "\n".join(lines) + "\n"


def _fish_values(kind: str) -> str:
    if kind == "formats":
        return f"string split ' ' '{FORMATS}'"
    if kind == "models":
        return "llmchat __complete models (__fish_llmchat_provider) 2>/dev/null"
    return f"llmchat __complete {kind} 2>/dev/null"


FISH_PROVIDER_FUNCTION = r"""
function __fish_llmchat_provider
    set -l words (commandline -opc)
    for i in (seq (count $words))
        if contains -- $words[$i] -p --provider; and test $i -lt (count $words)
            echo $words[(math $i + 1)]
            return
        end
    end
    echo ''
end
"""
