"""line-bot-sdk's v3 API, imported without the start-up cost of what the bot never uses.

Importing `linebot.v3.messaging` and `linebot.v3.webhook` as they ship takes over a second of
CPU and 35 MB, nearly all of it on what the bot does not use:
- The packages' generated `__init__`s import every model (some 450 pydantic classes) and every
  API class, sync and async. Here those packages are registered with the same names, each
  imported on its first look-up (PEP 562): `linebot.v3.messaging.TextMessage` is the SDK's own
  class, and the discriminators' `getattr(linebot.v3.messaging.models, name)` works as before.
  This is done only for an `__init__` that holds nothing but such imports (it is checked),
  so an SDK release that changes that shape is imported as it ships.
- Each of the ~150 methods of an API class is decorated with pydantic's `validate_arguments`,
  which builds a pydantic model of its arguments at import; the bot calls six. While the API
  modules the bot uses are imported here, the decorator is swapped for one that builds the same
  model on the method's first call: every call is validated exactly as before.
- `linebot/__init__` imports the legacy v2 API, which the bot never uses: the package is
  registered without running it, and the first look-up of one of its names runs it.

`load()` is idempotent and runs before any module of this package imports the SDK (the
package's `__init__` calls it first).
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.abc
import importlib.util
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

LAZY_PACKAGES = (  # parents first: registering one imports its parent
    "linebot.v3",
    "linebot.v3.messaging",
    "linebot.v3.messaging.api",
    "linebot.v3.messaging.models",
    "linebot.v3.webhooks",
    "linebot.v3.webhooks.models",
)
USED_MODULES = (  # imported inside the deferred-validation window: the API classes the bot calls
    "linebot.v3.messaging.api.async_messaging_api",
    "linebot.v3.messaging.api.async_messaging_api_blob",
    "linebot.v3.messaging.async_api_client",
    "linebot.v3.webhook",
)


def load() -> None:
    """Import the SDK's v3 modules the bot uses (a no-op once they are imported)."""
    if all(name in sys.modules for name in USED_MODULES):
        return
    if "linebot" not in sys.modules:
        sys.modules["linebot"] = _package_without_legacy_api()
    for name in LAZY_PACKAGES:
        if name not in sys.modules:
            _register_lazy_package(name)
    with _argument_models_on_first_call():
        for name in USED_MODULES:
            importlib.import_module(name)


def _register_lazy_package(name: str) -> None:
    """`name` with its `__init__`'s imports done on first look-up, if that is all it does."""
    importlib.import_module(name.rpartition(".")[0])  # the parent package, registered first
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return
    source = spec.loader.get_source(name) if isinstance(spec.loader, importlib.abc.InspectLoader) else None
    origins = _imported_names(source or "", name)
    if origins is None:
        importlib.import_module(name)  # another shape: as it ships
        return
    package = importlib.util.module_from_spec(spec)

    def look_up(attribute: str) -> Any:
        if attribute.startswith("__"):
            raise AttributeError(f"module {name!r} has no attribute {attribute!r}")
        if attribute in origins:
            module, original = origins[attribute]
            value = getattr(importlib.import_module(module), original)
        else:
            try:
                value = importlib.import_module(f"{name}.{attribute}")  # a submodule
            except ModuleNotFoundError:
                raise AttributeError(f"module {name!r} has no attribute {attribute!r}") from None
        setattr(package, attribute, value)
        return value

    setattr(package, "__getattr__", look_up)  # noqa: B010 - a module-level __getattr__ (PEP 562)
    sys.modules[name] = package
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, package)


def _imported_names(source: str, package: str) -> dict[str, tuple[str, str]] | None:
    """{name: (module, name there)} when the source is a docstring and `from x import y`s only."""
    origins: dict[str, tuple[str, str]] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.ImportFrom) and node.level <= 1 and node.module:
            module = f"{package}.{node.module}" if node.level else node.module
            for alias in node.names:
                if alias.name == "*":
                    return None
                origins[alias.asname or alias.name] = (module, alias.name)
        elif not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            return None
    return origins or None


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
