"""Slash-commands for the answer's shape: /json and /schema (stop and seed live in /set)."""

from __future__ import annotations

from dataclasses import replace

from llmchat.repl.commands.registry import ReplState, Reply, command, toggle


@command("json", usage="/json [on|off]")
def json_(state: ReplState, arg: str) -> Reply:
    """Ask for a JSON object as the answer (the provider's JSON mode where it has one)."""
    session = state.session
    on = toggle(arg, session.output.json or session.output.schema is not None)
    session.output = replace(session.output, json=on, schema=session.output.schema if on else None)
    return Reply("JSON answers on" if on else "JSON answers off (plain text)")


@command("schema", usage="/schema [FILE|SPEC|off]")
def schema(state: ReplState, arg: str) -> Reply:
    """Ask for answers matching a JSON schema: a .json file, JSON, or 'score int, tags [str]'.

    Sent as the provider's schema mode where it has one, else in the prompt; every
    answer is checked, and a mismatch is named under it.
    """
    import json

    from llmchat.structured.shortschema import load_schema

    session = state.session
    if not arg.strip():
        current = session.output.schema
        if current is None:
            return Reply("no schema (/schema FILE or /schema 'name str, score int' sets one)")
        return Reply(json.dumps(current, ensure_ascii=False, indent=2))
    if arg.strip().lower() in ("off", "none", "clear"):
        session.output = replace(session.output, schema=None)
        return Reply("schema off")
    session.output = replace(session.output, schema=load_schema(arg.strip()))
    return Reply("schema set: answers are checked against it")
