"""line-bot-sdk's v3 API, imported without the start-up cost of what the bot never calls.

Importing `linebot.v3.messaging` as it ships takes about a second and 30 MB, most of it spent
on two things the bot does not use:
- Each of the ~300 methods of the Messaging API (sync and async, with their blob and insight
  siblings) is decorated with pydantic's `validate_arguments`, which builds a pydantic model
  of the method's arguments at import. The bot calls six of them. Here the decorator is
  swapped, for the duration of the import only, for one that builds the same model on the
  method's first call: every call is validated exactly as before, and a method never called
  costs nothing.
- `linebot/__init__` imports the legacy v2 API (`LineBotApi`, its models, webhook parser),
  which the bot never uses. Here the `linebot` package is registered without running its
  `__init__`; its names are still there: the first look-up of one runs the real `__init__`.

`load()` is idempotent and runs before any module of this package imports the SDK (the
package's `__init__` calls it first).
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

SDK_MODULES = ("linebot.v3.messaging", "linebot.v3.webhook", "linebot.v3.webhooks")


def load() -> None:
    """Import the SDK's v3 modules the bot uses (a no-op once they are imported)."""
    if all(name in sys.modules for name in SDK_MODULES):
        return
    if "linebot" not in sys.modules:
        sys.modules["linebot"] = _package_without_legacy_api()
    with _argument_models_on_first_call():
        for name in SDK_MODULES:
            importlib.import_module(name)


def _package_without_legacy_api() -> types.ModuleType:
    """The `linebot` package with its subpackages importable and its own `__init__` deferred."""
    spec = importlib.util.find_spec("linebot")
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        raise ImportError("line-bot-sdk is not installed (pip install line-bot-sdk)")
    package = importlib.util.module_from_spec(spec)
    loader = spec.loader

    def legacy(name: str) -> Any:
        """A name of `linebot` itself (v2's LineBotApi, __version__, …): run the real __init__."""
        if name.startswith("__") and name != "__version__":
            raise AttributeError(name)
        delattr(package, "__getattr__")
        loader.exec_module(package)
        return getattr(package, name)

    setattr(package, "__getattr__", legacy)  # noqa: B010 - a module-level __getattr__ (PEP 562)
    return package


@contextmanager
def _argument_models_on_first_call() -> Iterator[None]:
    """pydantic.v1's `validate_arguments`, building its model when the method is first called."""
    import pydantic.v1 as v1

    original = v1.validate_arguments

    def deferred(func: Callable[..., Any] | None = None, *, config: Any = None) -> Any:
        def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
            validated: Callable[..., Any] | None = None

            @functools.wraps(function)
            def call(*args: Any, **kwargs: Any) -> Any:
                nonlocal validated
                if validated is None:
                    validated = original(function) if config is None else original(config=config)(function)
                return validated(*args, **kwargs)

            return call

        return decorate(func) if func is not None else decorate

    v1.validate_arguments = deferred
    try:
        yield
    finally:
        v1.validate_arguments = original
