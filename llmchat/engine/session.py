"""ChatSession: the one engine both the REPL and one-shot mode drive.

It owns the provider/model choice, the conversation, the usage ledger and the
clients; it yields ChatEvents and knows nothing of the screen. A turn either
completes (question and answer join the conversation), is interrupted or cut off
(what arrived is kept, marked), or fails before any reply (the question can be retried).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol

from llmchat.config import ModelChoice, Params, Settings
from llmchat.engine.conversation import Conversation, Exchange
from llmchat.engine.turn import Turn
from llmchat.errors import LLMChatError, UsageError
from llmchat.events import Usage
from llmchat.providers.presets import ModelInfo, Price, Provider
from llmchat.setup.embedded import LOCAL_PROVIDER, EmbeddedClient
from llmchat.structured.options import OutputOptions

if TYPE_CHECKING:
    from llmchat.engine.pricing import TurnRecord, UsageLedger
    from llmchat.engine.request import ChatRequest
    from llmchat.wire.client import ChatClient
    from llmchat.wire.quirks import ServerQuirks


class Recorder(Protocol):
    """Where finished messages go: `llmchat.store.StoreRecorder` saves them to disk."""

    def record_user(self, session: ChatSession, text: str) -> None: ...

    def record_reply(self, session: ChatSession, exchange: Exchange, record: TurnRecord) -> None:
        """`record` is the turn's settled usage and cost."""

    def record_progress(
        self, session: ChatSession, text: str, reasoning: str, record: TurnRecord | None
    ) -> None:
        """Pieces of the reply streaming now, since the last call, and the whole reply's
        usage and cost so far (`record`, estimated): kept if the process dies before
        `record_reply`, superseded by it otherwise."""

    def record_failure(self, session: ChatSession) -> None: ...

    def record_clear(self, session: ChatSession) -> None: ...

    def record_undo(self, session: ChatSession) -> None: ...


def warm_up() -> threading.Thread:
    """Import the SDK in the background so the first request doesn't pay for it."""

    def load() -> None:
        # A failure here is reported by the real import on first use.
        with contextlib.suppress(Exception):
            import llmchat.wire.client  # noqa: F401

    thread = threading.Thread(target=load, name="llmchat-warm-up", daemon=True)
    thread.start()
    return thread


class ChatSession:
    """Provider, model, parameters and conversation of one chat."""

    def __init__(
        self,
        settings: Settings,
        recorder: Recorder | None = None,
        quirks: ServerQuirks | None = None,
    ) -> None:
        """`quirks`: what servers refused in earlier runs (None: this run learns alone)."""
        from llmchat.engine.pricing import UsageLedger

        self.settings = settings
        self.registry = settings.registry
        self.provider = settings.provider
        self.model = settings.model
        self.params: Params = settings.params
        self.stream = settings.stream
        self.show_reasoning = settings.show_reasoning
        self.thinking: str | None = settings.thinking  # None: send nothing
        self._said: set[str] = set()  # dialect remarks are shown once per chat
        self._pending: list[str] = self.once(settings.alias.says()) if settings.alias else []
        self.conversation = Conversation(system=settings.system)
        self.ledger: UsageLedger = UsageLedger()
        self.recorder = recorder
        #: The active role's name (toolbar, saved chat); its prompt is the system prompt.
        self.role: str | None = None
        self.output = OutputOptions()
        self.last_failed_question: str | None = None
        self.quirks = quirks
        self._clients: dict[tuple[str, str], ChatClient | EmbeddedClient] = {}
        self._server_models: dict[tuple[str, str], list[str] | None] = {}

    # --- choosing where to talk ---------------------------------------------

    def use_model(self, spec: str) -> ModelChoice:
        choice = self.registry.resolve_model(spec, self.provider)
        self.registry.require_key(choice.provider)
        self.provider, self.model = choice.provider, choice.model
        if choice.alias is not None and choice.alias.thinking is not None:
            self.thinking = "on" if choice.alias.thinking else "off"
        return choice

    def take_notes(self) -> list[str]:
        """Remarks waiting to be shown (an old model name renamed at start-up), once."""
        notes, self._pending = self._pending, []
        return notes

    def once(self, remark: str) -> list[str]:
        """`[remark]` the first time it comes up in this chat, `[]` after."""
        if remark in self._said:
            return []
        self._said.add(remark)
        return [remark]

    def use_provider(self, name: str) -> Provider:
        provider = self.registry.get(name)
        self.registry.require_key(provider)
        self.provider, self.model = provider, provider.default_model
        return provider

    def preload(self) -> None:
        """Load the built-in model while the first question is typed (its load is a
        second off the first reply); nothing to do for a server. Never raises: the
        first question reports what failed."""
        if self.provider.base_url == LOCAL_PROVIDER.base_url:
            client = self.client_for(self.provider)
            if isinstance(client, EmbeddedClient):
                with contextlib.suppress(Exception):
                    client.preload()

    def client_for(self, provider: Provider) -> ChatClient | EmbeddedClient:
        if provider.base_url == LOCAL_PROVIDER.base_url:
            cached = self._clients.get((provider.name, provider.base_url))
            if cached is None:
                cached = self._clients[(provider.name, provider.base_url)] = EmbeddedClient()
            return cached
        from llmchat.wire.client import ChatClient

        key = self.registry.require_key(provider)
        cache_key = (provider.name, provider.base_url)
        client = self._clients.get(cache_key)
        if client is None:
            client = ChatClient(
                provider,
                key,
                self.settings.timeouts,
                self.registry.vars,
                quirks=self.quirks,
                net=self.registry.network_for(provider),
            )
            self._clients[cache_key] = client
        return client

    def server_models(self) -> list[str] | None:
        """The current provider's own /models list, asked once per provider; None if it
        would not say (then the built-in list is all we know)."""
        key = (self.provider.name, self.provider.base_url)
        if key not in self._server_models:
            try:
                self._server_models[key] = self.client_for(self.provider).list_models()
            except LLMChatError:
                self._server_models[key] = None
        return self._server_models[key]

    def known_models(self) -> list[str]:
        """Model names for completion: the server's list once asked, else the built-in one."""
        listed = self._server_models.get((self.provider.name, self.provider.base_url))
        return listed or self.provider.model_names()

    def model_info(self, provider: Provider, model: str) -> ModelInfo:
        """What we know of `model`: config.toml's table over the catalog's entry (its
        provider's, else any preset's: the tutorial .env points OPENAI_BASE_URL at
        DeepSeek and names its model), else a bare entry in the provider's dialect."""
        return self.registry.model_info(provider, model)

    def request(
        self,
        provider: Provider,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        *,
        stream: bool,
        thinking: str | Literal["session"] | None = "session",
    ) -> ChatRequest:
        """The neutral request for `model`, with the session's thinking wish."""
        from llmchat.engine.request import ChatRequest

        return ChatRequest(
            model=model,
            messages=messages,
            params=self.params,
            stream=stream,
            thinking=self.thinking if thinking == "session" else thinking,
            info=self.model_info(provider, model),
        )

    def dialect_notes(self, request: ChatRequest, provider: Provider) -> list[str]:
        """What the user should know about how thinking and the parameters were (not)
        sent to `provider`: each line once."""
        from llmchat.providers.dialects import dialect
        from llmchat.providers.sampling import shape_params

        info = request.model_info
        shaped = dialect(info.thinking).shape(info, request.thinking, stream=request.stream)
        params = shape_params(provider, info, request.params.as_request())
        return [line for note in (*shaped.notes, *params.notes) for line in self.once(note)]

    def price_of(self, provider: Provider, model: str) -> Price | None:
        from llmchat.engine.pricing import price_for

        price = price_for(provider, model, self.settings.prices)
        if price is None and provider.model_info(model) is None:
            price = self.model_info(provider, model).price
        if price is None and provider.local:
            from llmchat.providers.catalog import FREE_LOCAL

            price = FREE_LOCAL  # any model a local server runs costs nothing
        return price

    @property
    def context_window(self) -> int | None:
        return self.model_info(self.provider, self.model).context

    def context_size(self) -> tuple[int, bool]:
        """Tokens the next request would carry before the new question, and whether exact."""
        from llmchat.engine.tokens import counter_for

        counter = counter_for(self.model)
        return counter.count_messages(self.conversation.messages()), counter.exact

    # --- asking ----------------------------------------------------------------

    def start_turn(self, question: str) -> Turn:
        """Prepare a request: the whole conversation, trimmed to the model's window."""
        if not question.strip():
            raise UsageError("nothing to send: the message is empty")
        refused = self.registry.destination_error(self.provider)
        if refused is not None:  # before anything is recorded or sent (issue 18)
            raise refused
        from llmchat.engine.context import fit_messages
        from llmchat.engine.tokens import counter_for

        messages = self.conversation.messages(pending_user=question, reasoning=True)
        fit = fit_messages(
            messages,
            window=self.context_window,
            reply_budget=self.params.max_tokens,
            counter=counter_for(self.model),
        )
        notice = fit.notice()
        notes = [*self.take_notes(), *([notice] if notice else [])]
        stream = self.stream and self.output.choices <= 1  # -n N comes whole
        probe = self.request(self.provider, self.model, fit.messages, stream=stream)
        notes += self.dialect_notes(probe, self.provider)
        if self.recorder is not None:
            self.recorder.record_user(self, question)
        return Turn(self, question, self.provider, self.model, fit.messages, self.thinking, notes)

    def keep(self, turn: Turn, *, interrupted: bool) -> None:
        """A turn ended with something to keep: add it, account for it, save it."""
        exchange = Exchange(
            user=turn.question,
            assistant=turn.answer,
            reasoning=turn.reasoning,
            interrupted=interrupted,
            model=turn.model,
        )
        self.conversation.add(exchange)
        self.last_failed_question = None
        turn.record = self.account(
            turn.provider, turn.model, turn.messages, turn.answer, turn.reasoning, turn.usage
        )
        if self.recorder is not None:
            self.recorder.record_reply(self, exchange, turn.record)

    def forget(self, turn: Turn) -> None:
        """A turn failed: nothing is kept; its question is remembered for /retry."""
        self.last_failed_question = turn.question
        if self.recorder is not None:
            self.recorder.record_failure(self)

    def account(
        self,
        provider: Provider,
        model: str,
        messages: list[dict[str, str]],
        answer: str,
        reasoning: str,
        usage: Usage | None,
    ) -> TurnRecord:
        """Settle a request's usage (counted locally when the server sent none) and cost
        it into the ledger: the one place turns and /compact are accounted."""
        from llmchat.engine.tokens import counter_for, estimate_usage

        if usage is None:
            usage = estimate_usage(counter_for(model), messages, answer, reasoning)
        return self.ledger.add(provider.name, model, usage, self.price_of(provider, model))

    def compact(self) -> tuple[int, int]:
        """Replace the conversation with the model's summary of it; tokens before and after."""
        from llmchat.engine.compact import compact_session

        return compact_session(self)

    # --- conversation commands ---------------------------------------------------

    def clear(self) -> None:
        self.conversation.clear()
        if self.recorder is not None:
            self.recorder.record_clear(self)

    def undo(self) -> Exchange | None:
        dropped = self.conversation.undo()
        if dropped is not None and self.recorder is not None:
            self.recorder.record_undo(self)
        return dropped

    def retry_question(self) -> str:
        """The question to ask again: the last failed one, else the last one answered."""
        if self.last_failed_question:
            return self.last_failed_question
        last = self.undo()
        if last is None:
            raise UsageError("nothing to retry yet")
        return last.user
