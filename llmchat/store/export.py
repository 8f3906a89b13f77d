"""A saved chat as a document: Markdown to read or share, JSON to replay against an API.

Both export the chat as it stands (after /clear and /undo), the same messages a
resume would send. Pure string building: no I/O, no `rich`.
"""

from __future__ import annotations

import json

from llmchat.store.reader import LoadedChat
from llmchat.store.record_types import JsonValue, MessageRecord


def export_json(loaded: LoadedChat) -> str:
    """A /chat/completions request body: model, saved generation params, OpenAI messages.

    Only allow-listed parameters were ever saved, so the body carries nothing secret;
    POST it with your own key to replay the chat.
    """
    body: dict[str, JsonValue] = {"model": loaded.model}
    body.update(loaded.params)
    body["messages"] = [dict(m) for m in loaded.messages]
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


def _compared_lines(loaded: LoadedChat, at: int, *, picked: bool) -> list[str]:
    """The models' answers (`/compare`, `llmchat compare`) to the question at `at`: after
    the picked reply, or with their question when none was picked; then their scoreboard."""
    lines: list[str] = []
    for compared in loaded.compared:
        if compared.at != at or compared.picked != picked:
            continue
        if not picked:
            lines += [
                "## You",
                "",
                compared.question.strip(),
                "",
                "*(compared; no reply picked)*",
                "",
            ]
        for answer in compared.answers:
            lines += [f"### Alternative ({_who(answer)})", ""]
            if answer.content.strip():
                lines += [answer.content.strip(), ""]
            if answer.error:
                lines += [f"*(failed: {answer.error})*", ""]
            elif answer.interrupted:
                lines += ["*(interrupted)*", ""]
        lines += _scoreboard_lines(compared.answers)
    return lines


def _who(answer: MessageRecord) -> str:
    return "/".join(part for part in (answer.provider, answer.model) if part) or "unknown"


_SYMBOLS = {"USD": "$", "CNY": "¥", "EUR": "€", "GBP": "£"}


def _scoreboard_lines(answers: list[MessageRecord]) -> list[str]:
    """The comparison's figures as a Markdown table (answers saved before figures were
    kept have none, and get no table)."""
    if not any(a.figures is not None for a in answers):
        return []
    lines = [
        "| model | first token | total | tokens | tok/s | cost | finish |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for answer in answers:
        figures, usage, cost = answer.figures, answer.usage, answer.cost
        approx = "~" if usage is not None and usage.estimated else ""
        first = total = speed = "-"
        finish = "failed" if answer.error else "interrupted" if answer.interrupted else "-"
        if figures is not None:
            total = f"{figures.total:.1f} s"
            if figures.first_token is not None:
                first = f"{figures.first_token:.2f} s"
                generating = figures.total - figures.first_token
                if usage is not None and usage.completion_tokens and generating > 0.05:
                    speed = f"{approx}{usage.completion_tokens / generating:,.1f}"
            if finish == "-":
                finish = figures.finish_reason or "incomplete"
        tokens = f"{approx}{usage.completion_tokens:,}" if usage is not None else "-"
        money = "-" if cost is not None or usage is None else "price unknown"
        if cost is not None and cost.free_local:
            money = "free (local)"  # as the scoreboard said it
        elif cost is not None:
            symbol = _SYMBOLS.get(cost.currency)
            amount = f"{cost.amount:.6f}".rstrip("0").rstrip(".")
            money = approx + (f"{symbol}{amount}" if symbol else f"{amount} {cost.currency}")
        row = [_who(answer), first, total, tokens, speed, money, finish]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    return [*lines, ""]


def export_markdown(loaded: LoadedChat, *, reasoning: bool = True) -> str:
    """Title, date and model, then one `##` section per message.

    Reasoning, when kept, sits in a collapsed <details> block: it is there for whoever
    wants it and out of the way of whoever reads the answer.
    """
    summary = loaded.summary()
    title = summary.title if loaded.title or summary.turns else f"Chat {loaded.id}"
    model = "/".join(part for part in (loaded.provider, loaded.model) if part) or "unknown"
    lines = [
        f"# {title}",
        "",
        f"- Chat: `{loaded.id}`",
        f"- Date: {loaded.created.astimezone():%Y-%m-%d %H:%M %Z}",
        f"- Model: {model}",
    ]
    approx = "~" if summary.estimated else ""  # counted locally: the server sent none
    if summary.unknown_tokens:  # a reply killed mid-stream before its pieces had counts
        known = f"{approx}{summary.tokens:,} + " if summary.tokens else ""
        lines.append(f"- Tokens: {known}? (a reply cut off mid-stream was not counted)")
    elif summary.tokens:
        lines.append(f"- Tokens: {approx}{summary.tokens:,}")
    lines.append("")
    if loaded.system:
        lines += ["## System", "", loaded.system.strip(), ""]
    for index, rec in enumerate(loaded.replay):
        lines += _compared_lines(loaded, index, picked=False)
        if rec.role == "user":
            lines += ["## You", "", rec.content.strip(), ""]
            continue
        lines += [f"## Assistant ({rec.model or loaded.model or 'unknown'})", ""]
        if reasoning and rec.reasoning:
            lines += [
                "<details><summary>Reasoning</summary>",
                "",
                rec.reasoning.strip(),
                "",
                "</details>",
                "",
            ]
        lines += [rec.content.strip(), ""]
        if rec.interrupted:
            lines += ["*(interrupted)*", ""]
        lines += _compared_lines(loaded, index - 1, picked=True)
    lines += _compared_lines(loaded, len(loaded.replay), picked=False)
    if loaded.unanswered is not None:
        lines += ["## You", "", loaded.unanswered.strip(), "", "*(no reply)*", ""]
    return "\n".join(lines).rstrip() + "\n"
