"""The schema's extensions runner: strawberry's, without its per-request wrapping of every hook.

strawberry builds, for each phase of each operation (operation, parsing, validation, execution),
a context manager that inspects every extension's hook and wraps it (`contextlib` decorators,
`functools.wraps`, an exit stack): a measurable share of a small operation. `LeanExtensionsRunner`
builds each hook's context-manager factory once per extension class, enters a lone hook without
an exit stack, and skips the per-result hooks no extension overrides. Hooks run in the same order
with the same exception handling; an extension with a plain-function hook gets strawberry's own
context manager for that phase.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext
from strawberry.utils.await_maybe import await_maybe

_NOTHING = contextlib.nullcontext()
_PHASES = {
    "operation": "on_operation",
    "parsing": "on_parse",
    "validation": "on_validate",
    "executing": "on_execute",
}
Hook = tuple[Callable[[Any], Any], bool]
# a hook that is a plain function, not a generator: strawberry's context manager runs that phase
_PLAIN: Hook = (lambda _extension: None, False)
# per extension class and hook: a context-manager factory taking the extension and whether it is
# async (built once), or None when the class leaves the hook alone
_FACTORIES: dict[tuple[type, str], Hook | None] = {}


def _factory(cls: type, hook: str) -> Hook | None:
    key = (cls, hook)
    if key not in _FACTORIES:
        function = getattr(cls, hook)
        if function is getattr(SchemaExtension, hook):
            _FACTORIES[key] = None
        elif inspect.isasyncgenfunction(function):
            _FACTORIES[key] = (contextlib.asynccontextmanager(function), True)
        elif inspect.isgeneratorfunction(function):
            _FACTORIES[key] = (contextlib.contextmanager(function), False)
        else:
            _FACTORIES[key] = _PLAIN
    return _FACTORIES[key]


class _Phase:
    """One phase (operation, parsing, validation, execution) of the operation's extensions:
    their hooks entered in order and left in reverse, as strawberry's context managers do, with
    the hooks' context-manager factories built once per class instead of once per phase."""

    __slots__ = ("_entered", "_hooks")

    def __init__(self, hooks: list[tuple[Any, bool]]) -> None:
        self._hooks = hooks
        self._entered: Any = None

    async def __aenter__(self) -> None:
        if len(self._hooks) == 1:
            manager, is_async = self._hooks[0]
            await manager.__aenter__() if is_async else manager.__enter__()
            self._entered = manager
            return
        stack = contextlib.AsyncExitStack()
        for manager, is_async in self._hooks:
            if is_async:
                await stack.enter_async_context(manager)
            else:
                stack.enter_context(manager)
        self._entered = stack

    async def __aexit__(self, *exc_info: Any) -> bool | None:
        entered = self._entered
        if isinstance(entered, contextlib.AsyncExitStack) or self._hooks[0][1]:
            return bool(await entered.__aexit__(*exc_info))
        return bool(entered.__exit__(*exc_info))

    def __enter__(self) -> None:
        stack = contextlib.ExitStack()
        for manager, is_async in self._hooks:
            if is_async:
                raise RuntimeError("an async extension hook cannot run in a sync execution")
            stack.enter_context(manager)
        self._entered = stack

    def __exit__(self, *exc_info: Any) -> bool:
        return bool(self._entered.__exit__(*exc_info))


class LeanExtensionsRunner(SchemaExtensionsRunner):
    """strawberry's runner without its per-request wrapping of every hook (see `_Phase`), and
    without the per-result calls of hooks no extension overrides (only OperationGuard adds
    results; none wraps a streamed result). For a subscription these run once per event and
    subscriber."""

    def __init__(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension] | None = None
    ) -> None:
        super().__init__(execution_context, extensions)
        self._with_results = [
            e for e in self.extensions if type(e).get_results is not SchemaExtension.get_results
        ]
        self._wraps_results = any(
            type(e).on_stream_result is not SchemaExtension.on_stream_result
            for e in self.extensions
        )

    def _phase(self, phase: str) -> Any:
        hook = _PHASES[phase]
        hooks: list[tuple[Any, bool]] = []
        for extension in self.extensions:
            found = _factory(type(extension), hook)
            if found is _PLAIN:
                return getattr(super(), phase)()
            if found is not None:
                factory, is_async = found
                hooks.append((factory(extension), is_async))
        return _Phase(hooks) if hooks else _NOTHING

    def operation(self) -> Any:
        return self._phase("operation")

    def parsing(self) -> Any:
        return self._phase("parsing")

    def validation(self) -> Any:
        return self._phase("validation")

    def executing(self) -> Any:
        return self._phase("executing")

    async def get_extensions_results(self, ctx: ExecutionContext) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for extension in self._with_results:
            data.update(await await_maybe(extension.get_results()))
        data.update(ctx.extensions_results)
        return data

    def on_stream_result(self, result: Any) -> Any:
        return super().on_stream_result(result) if self._wraps_results else _NOTHING
