"""The SDK imported with its types packages' `__init__` deferred (wire/sdk_types.py).

Each case runs in a fresh interpreter: whether `openai` was imported, and how, is
process-wide. What must hold: `import openai` leaves most of `openai.types` unbuilt, and
everything the SDK offers is still there, the same objects, whatever asks first.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

DEFERRED = "from llmchat.wire.sdk_types import defer_sdk_types\ndefer_sdk_types()\n"


def run(code: str, **env: str) -> dict[str, object]:
    """Run `code` in a fresh Python; it prints one JSON object, returned here."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "LLMCHAT_EAGER_SDK": "", **env},
    )
    assert result.returncode == 0, result.stderr
    answer: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


COUNT_TYPES = """
import json, sys
def types_loaded():
    return sum(1 for name in sys.modules if name.startswith("openai.types"))
"""


def test_import_openai_leaves_most_types_unbuilt() -> None:
    deferred = run(
        DEFERRED
        + COUNT_TYPES
        + """
import openai
print(json.dumps({"types": types_loaded(), "model_bound": "Model" in vars(openai.types)}))
"""
    )
    eager = run(
        COUNT_TYPES
        + """
import openai
print(json.dumps({"types": types_loaded()}))
"""
    )
    assert isinstance(deferred["types"], int) and isinstance(eager["types"], int)
    assert deferred["types"] * 3 < eager["types"], (deferred, eager)
    assert deferred["model_bound"] is False


def test_a_lookup_runs_the_package_init_and_finds_the_same_objects() -> None:
    answer = run(
        DEFERRED
        + """
import json
import openai
from openai.types.chat import ChatCompletionChunk
from openai.types.chat.chat_completion_chunk import ChatCompletionChunk as Leaf
model = openai.types.Model
from openai.types.model import Model as ModelLeaf
import openai.types.chat as chat
print(json.dumps({
    "same_chunk": ChatCompletionChunk is Leaf,
    "same_model": model is ModelLeaf,
    "hook_gone": "__getattr__" not in vars(chat),
    "in_dir": "Model" in dir(openai.types),
    "missing": not hasattr(openai.types, "NoSuchThing"),
    "source": "import" in (openai.types.__loader__.get_source("openai.types") or ""),
}))
"""
    )
    assert answer == {
        "same_chunk": True,
        "same_model": True,
        "hook_gone": True,
        "in_dir": True,
        "missing": True,
        "source": True,
    }


PUBLIC_NAMES = """
import importlib, json, pkgutil
import openai
names = {}
for package in ("openai.types", "openai.types.chat", "openai.types.shared",
                "openai.types.responses"):
    module = importlib.import_module(package)
    names[package] = sorted(name for name in dir(module) if not name.startswith("_"))
print(json.dumps(names))
"""


def test_each_package_ends_up_with_what_an_eager_import_gives() -> None:
    assert run(DEFERRED + PUBLIC_NAMES) == run(PUBLIC_NAMES)


@pytest.mark.parametrize("order", ["forward", "backward"])
def test_every_sdk_module_imports_in_any_order(order: str) -> None:
    """Leaves before their packages, packages before their leaves: no import cycle bites."""
    answer = run(
        DEFERRED
        + f"""
import importlib, json, pkgutil, sys
import openai
names = [m.name for m in pkgutil.walk_packages(openai.types.__path__, "openai.types.")]
if {order!r} == "backward":
    names.reverse()
failed = []
for name in names:
    try:
        importlib.import_module(name)
    except ImportError as exc:
        failed.append(f"{{name}}: {{exc}}")
print(json.dumps({{"imported": len(names), "failed": failed}}))
"""
    )
    assert answer["failed"] == []
    assert isinstance(answer["imported"], int) and answer["imported"] > 400


def test_threads_asking_for_one_package_at_once_all_get_it() -> None:
    answer = run(
        DEFERRED
        + """
import json, threading
import openai
barrier = threading.Barrier(8)
got, errors = [], []
def ask(i):
    barrier.wait()
    try:
        module = __import__("openai.types.responses", fromlist=["Response"])
        got.append(module.Response.__name__)
        got.append(openai.types.ChatModel is not None)
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=ask, args=(i,)) for i in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps({"got": got, "errors": errors}))
"""
    )
    assert answer["errors"] == []
    assert answer["got"] == ["Response", True] * 8 or sorted(map(str, answer["got"])) == sorted(
        ["Response", "True"] * 8
    )


def test_llmchat_eager_sdk_imports_the_sdk_as_it_ships() -> None:
    answer = run(
        DEFERRED
        + COUNT_TYPES
        + """
import openai
print(json.dumps({"types": types_loaded(), "model_bound": "Model" in vars(openai.types)}))
""",
        LLMCHAT_EAGER_SDK="1",
    )
    assert answer["model_bound"] is True
    assert isinstance(answer["types"], int) and answer["types"] > 400


def test_the_client_module_defers_the_types() -> None:
    """What llmchat itself does: importing the only module that imports openai."""
    answer = run(
        COUNT_TYPES
        + """
import llmchat.wire.client
print(json.dumps({"types": types_loaded()}))
"""
    )
    assert isinstance(answer["types"], int) and answer["types"] < 150
