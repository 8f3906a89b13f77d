"""Roles: the file format, its one-line errors, built-ins and their overrides, variables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmchat.errors import EXIT_USAGE, ConfigError, UsageError
from llmchat.roles.builtins import BUILTIN_ROLES
from llmchat.roles.files import (
    create_role_file,
    delete_role_file,
    find_role,
    list_roles,
    role_names,
    role_path,
    role_text,
)
from llmchat.roles.frontmatter import parse_role
from llmchat.roles.variables import (
    Variable,
    fill_variables,
    find_variables,
    missing_variables,
    parse_var_flags,
    unused_values,
)


def write_role(config: Path, name: str, text: str) -> Path:
    path = config / "roles" / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


FULL = """\
---
# a comment line
description: Reviews SQL
model: gpt-4o-mini
provider: openai
temperature: 0.2
top_p: 0.9
max_tokens: 800
presence_penalty: -0.5
thinking: high
output: json
stop: ["END", "\\n\\n"]
seed: 42
---

You review SQL for {{dialect|PostgreSQL}}.
"""


def test_every_key_is_read_into_typed_defaults(tmp_path: Path) -> None:
    path = write_role(tmp_path, "sql", FULL)
    role = find_role(tmp_path, "sql")
    d = role.defaults
    assert (role.name, role.description, role.source) == ("sql", "Reviews SQL", path)
    assert role.prompt == "You review SQL for {{dialect|PostgreSQL}}."
    assert (d.model, d.provider, d.temperature, d.top_p, d.max_tokens) == (
        "gpt-4o-mini",
        "openai",
        0.2,
        0.9,
        800,
    )
    assert (d.presence_penalty, d.thinking, d.effort, d.output, d.seed) == (
        -0.5,
        True,
        "high",
        "json",
        42,
    )
    assert d.stop == ("END", "\n\n")


def test_a_file_without_front_matter_is_all_prompt(tmp_path: Path) -> None:
    write_role(tmp_path, "plain", "Answer like a pirate.\n---\nnot settings\n")
    role = find_role(tmp_path, "plain")
    assert role.prompt == "Answer like a pirate.\n---\nnot settings"
    assert role.defaults.is_empty()


def test_thinking_off_and_a_single_stop_and_a_schema_in_short_form(tmp_path: Path) -> None:
    write_role(
        tmp_path, "r", "---\nthinking: off\nstop: ###\nschema: score int, tags [str]\n---\nP"
    )
    d = find_role(tmp_path, "r").defaults
    assert d.thinking is False and d.effort is None and d.stop == ("###",)
    assert d.schema is not None and d.schema["properties"]["tags"]["items"] == {"type": "string"}


def test_a_schema_file_is_read_relative_to_the_role_file(tmp_path: Path) -> None:
    (tmp_path / "roles").mkdir()
    schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}}
    (tmp_path / "roles" / "shape.json").write_text(json.dumps(schema))
    write_role(tmp_path, "r", "---\nschema: shape.json\n---\nP")
    assert find_role(tmp_path, "r").defaults.schema == schema


@pytest.mark.parametrize(
    ("head", "line", "expected", "hint"),
    [
        ("model: x\ntemprature: 0.5", 3, "unknown key 'temprature'", "did you mean 'temperature'?"),
        ("colour: red", 2, "unknown key 'colour'", "known keys: description"),
        ("temperature: hot", 2, "temperature must be a number, not 'hot'", ""),
        ("temperature: 3", 2, "temperature must be between 0 and 2, not 3", ""),
        ("max_tokens: 1.5", 2, "max_tokens must be a whole number", ""),
        ("thinking: maybe", 2, "thinking must be on, off or an effort", "use on, off"),
        ("output: yaml", 2, "output must be text or json", ""),
        ("model: a\nmodel: b", 3, "'model' is set twice (first on line 2)", ""),
        ("just words", 2, "expected 'key: value'", ""),
        ("stop: [END]", 2, "unreadable list [END]", "double quotes"),
        ("schema: score int,", 2, "schema 'score int,'", "short form"),
        ("schema: missing.json", 2, "does not exist", ""),
        ("model:", 2, "'model' has no value", ""),
    ],
)
def test_a_bad_line_is_one_error_naming_file_and_line(
    tmp_path: Path, head: str, line: int, expected: str, hint: str
) -> None:
    path = write_role(tmp_path, "bad", f"---\n{head}\n---\nThe prompt.")
    with pytest.raises(ConfigError) as caught:
        find_role(tmp_path, "bad")
    error = caught.value
    assert error.exit_code == EXIT_USAGE
    assert error.message.startswith(f"{path}:{line}: ")
    assert expected in error.message
    assert hint in error.hint
    assert "\n" not in error.one_line()


def test_an_unclosed_front_matter_and_an_empty_prompt_are_errors(tmp_path: Path) -> None:
    path = write_role(tmp_path, "open", "---\nmodel: x\nThe prompt.")
    with pytest.raises(ConfigError, match=f"{path}:1: the front matter .* never closed"):
        find_role(tmp_path, "open")
    write_role(tmp_path, "empty", "---\nmodel: x\n---\n\n")
    with pytest.raises(ConfigError, match="has no prompt"):
        find_role(tmp_path, "empty")


def test_every_builtin_parses_and_says_what_it_promises(tmp_path: Path) -> None:
    roles = {role.name: role for role in list_roles(tmp_path)}
    assert (
        set(roles) == set(BUILTIN_ROLES) == {"reviewer", "translator", "shell", "commit", "explain"}
    )
    assert all(role.is_builtin and role.description for role in roles.values())
    reviewer = roles["reviewer"].prompt
    for word in ("Bugs", "Performance", "Security", "Readability", "Score: N/10"):
        assert word in reviewer
    assert reviewer.index("Score") < reviewer.index("Bugs")
    assert "Chinese" in roles["translator"].prompt and "formatting" in roles["translator"].prompt
    assert "one fenced code block" in roles["shell"].prompt
    assert "diff" in roles["commit"].prompt
    # Built-ins with variables always have defaults: no built-in demands a --var.
    assert all(not missing_variables(role.prompt, {}) for role in roles.values())


def test_a_file_overrides_the_builtin_and_deleting_it_brings_it_back(tmp_path: Path) -> None:
    path = write_role(tmp_path, "reviewer", "---\nmodel: mine\n---\nMy review rules.")
    role = find_role(tmp_path, "reviewer")
    assert role.prompt == "My review rules." and role.overrides_builtin
    assert "overrides the built-in" in role.origin
    assert [r.name for r in list_roles(tmp_path)].count("reviewer") == 1
    assert delete_role_file(tmp_path, "reviewer") == path
    assert not path.exists()
    assert find_role(tmp_path, "reviewer").is_builtin


def test_create_writes_a_template_or_the_builtin_text_and_never_overwrites(tmp_path: Path) -> None:
    path = create_role_file(tmp_path, "mine")
    assert path == role_path(tmp_path, "mine")
    assert find_role(tmp_path, "mine").prompt.startswith("You are ...")
    assert find_role(tmp_path, "mine").description == "What this role is for"
    with pytest.raises(UsageError, match="already exists"):
        create_role_file(tmp_path, "mine")
    copied = create_role_file(tmp_path, "shell")
    assert copied.read_text() == BUILTIN_ROLES["shell"]
    assert role_text(tmp_path, "shell") == BUILTIN_ROLES["shell"]
    assert "mine" in role_names(tmp_path)


def test_unknown_names_suggest_and_builtins_cannot_be_deleted(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        find_role(tmp_path, "reviwer")
    assert caught.value.hint == "did you mean 'reviewer'?"
    with pytest.raises(UsageError, match="built-in role and has no file"):
        delete_role_file(tmp_path, "commit")
    with pytest.raises(UsageError, match="no role named 'nothing'"):
        delete_role_file(tmp_path, "nothing")
    for bad in ("../etc/passwd", "a/b", "", ".hidden"):
        with pytest.raises(UsageError, match="not a valid role name"):
            role_path(tmp_path, bad)


def test_a_broken_role_file_fails_the_listing_with_its_line(tmp_path: Path) -> None:
    path = write_role(tmp_path, "broken", "---\ntemp: 1\n---\nP")
    with pytest.raises(ConfigError, match=f"{path}:2: unknown key 'temp'"):
        list_roles(tmp_path)


def test_builtin_text_goes_through_the_same_parser() -> None:
    role = parse_role(BUILTIN_ROLES["translator"], "translator", None)
    assert role.defaults.temperature == 0.3


# --- variables -------------------------------------------------------------------------


def test_variables_are_found_once_in_order_with_defaults() -> None:
    prompt = "Use {{ lang | English }} for {{audience}}; again {{lang}} and {{tone|dry}}."
    assert find_variables(prompt) == [
        Variable("lang", "English"),
        Variable("audience"),
        Variable("tone", "dry"),
    ]
    assert missing_variables(prompt, {}) == ["audience"]
    assert missing_variables(prompt, {"audience": "kids"}) == []


def test_fill_uses_values_then_defaults_in_one_pass() -> None:
    prompt = "Write {{lang|English}} for {{who}}; {{lang}} only. Keep {{not a var}} and {x}."
    filled = fill_variables(prompt, {"who": "{{lang}} lovers"})
    assert filled == "Write English for {{lang}} lovers; English only. Keep {{not a var}} and {x}."
    assert fill_variables("{{a|1}}{{a}}", {"a": "2"}) == "22"


def test_a_missing_variable_is_a_usage_error_naming_it() -> None:
    with pytest.raises(UsageError) as caught:
        fill_variables("Talk about {{topic}} to {{who}}.", {}, role="role 'talk'")
    assert caught.value.exit_code == EXIT_USAGE
    assert caught.value.message == "role 'talk' needs a value for variables topic, who"
    assert caught.value.hint == "add --var topic=VALUE --var who=VALUE"


def test_var_flags_parse_and_reject_what_is_not_name_value() -> None:
    assert parse_var_flags(["a=1", "b=x=y", "a=2", "c="]) == {"a": "2", "b": "x=y", "c": ""}
    for bad in ("novalue", "=x", "a b=1"):
        with pytest.raises(UsageError, match="is not name=value"):
            parse_var_flags([bad])
    assert unused_values("{{a}}", {"a": "1", "b": "2"}) == ["b"]
