"""Import the openai SDK without running its types packages' `__init__` files up front.

Why: `import openai` runs `openai/types/__init__.py`, which imports every request and
response model the SDK has (468 modules of pydantic classes in openai 3.57). Here that is
~0.6 s and ~10 MiB of a one-shot's ~1 s and ~63 MiB, for classes llmchat never builds:
streamed replies are read from the raw body by wire/sse.py. The SDK builds its types
eagerly by design (openai/openai-python#2819; #3843, a lazy `openai.types`, was closed).

How: a finder ahead of the standard one, for `openai.types` and the packages under it
only. Such a package is created as usual, with its `__path__`, so its modules still import
one by one when the SDK asks for them; but its `__init__.py` runs only when something asks
the package for a name it does not have yet (`from openai.types.chat import X`,
`openai.types.Model`, `dir(openai.types)`). The same code runs and makes the same objects,
later or never. Plain modules load as usual.

Threads: no lock is held while an `__init__` runs (one would deadlock against the import
system's own module locks). Two threads that both need a package before it is done both
run its `__init__`, which is only `from .x import Y as Y` lines: the import system gives
them the same modules. Within one thread a lookup during its own `__init__` sees the
partly run package, as an eager import would.

`LLMCHAT_EAGER_SDK=1` imports the SDK as it ships, to rule this module out.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from llmchat.environment import process_vars

PACKAGE = "openai.types"
_TRUE = ("1", "true", "yes", "on")


def defer_sdk_types() -> None:
    """Call before the first `import openai`; afterwards, or when turned off, it does
    nothing."""
    if "openai" in sys.modules or any(isinstance(f, DeferredTypesFinder) for f in sys.meta_path):
        return
    if process_vars().get("LLMCHAT_EAGER_SDK", "").strip().lower() in _TRUE:
        return
    sys.meta_path.insert(0, DeferredTypesFinder())


class DeferredTypesFinder(importlib.abc.MetaPathFinder):
    """Finds `openai.types` and its subpackages as the standard finder does, with their
    `__init__` deferred (see the module docstring)."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != PACKAGE and not fullname.startswith(PACKAGE + "."):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or spec.loader is None or spec.submodule_search_locations is None:
            return spec  # a plain module: loaded as usual
        if isinstance(spec.loader, importlib.abc.Loader):
            spec.loader = DeferredInitLoader(spec.loader)
        return spec


class DeferredInitLoader(importlib.abc.Loader):
    """Loads a package with its `__init__` left to the first lookup of a missing name."""

    def __init__(self, real: importlib.abc.Loader) -> None:
        self._real = real

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._real.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        pending = PendingInit(module, self._real)
        namespace = vars(module)
        namespace["__getattr__"] = pending.getattr
        namespace["__dir__"] = pending.dir

    def __getattr__(self, name: str) -> Any:
        """The rest of the loader's interface (`get_resource_reader`, `get_source`,
        `get_data`, `is_package`, …) is the standard loader's."""
        return getattr(self._real, name)


class PendingInit:
    """A package's `__init__`, run the first time a lookup misses (PEP 562 hooks)."""

    def __init__(self, module: ModuleType, loader: importlib.abc.Loader) -> None:
        self._module = module
        self._loader = loader
        self._done = False
        self._running = threading.local()

    def run(self) -> None:
        if self._done or getattr(self._running, "active", False):
            return
        self._running.active = True
        try:
            self._loader.exec_module(self._module)
        finally:
            self._running.active = False
        self._done = True
        namespace = vars(self._module)
        # Gone once run, unless the `__init__` defined hooks of its own.
        if namespace.get("__getattr__") == self.getattr:
            del namespace["__getattr__"]
        if namespace.get("__dir__") == self.dir:
            del namespace["__dir__"]

    def getattr(self, name: str) -> Any:
        self.run()
        namespace = vars(self._module)
        if name in namespace:
            return namespace[name]
        raise AttributeError(f"module {self._module.__name__!r} has no attribute {name!r}")

    def dir(self) -> list[str]:
        self.run()
        return sorted(vars(self._module))
