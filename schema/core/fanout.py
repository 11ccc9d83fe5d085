"""One event, many subscribers, one execution: subscription results shared within an event.

When one live event reaches many subscribers in this process, each of them has already been
checked on its own (`schema/core/live.py`: caller, `authorize`, `build`). What is left — running
the subscription's selection set over the value `build` returned — gives the same result for
every subscriber whose document, variables and value are the same, *if* the selection reads
nothing but that value. `SharedEventExecutor` then executes it once per event and hands the same
result to the others (Hasura's "multiplexing" idea, within one process and one event).

A selection is shareable when every field in it, at any depth, is one of:
- `__typename`;
- a plain attribute of the value (a strawberry field with no resolver, no permission classes
  and no field extensions), including nested objects made only of such fields;
- the `id` of a relay `Node` (computed from the value's own id).
Anything else — a field with a resolver (it may read the caller, loaders or the locale), an
interface or union (the concrete type is resolved at run time), a field with arguments — makes the
whole selection run per subscriber, as before. The decision is made once per subscription.

A shared result is only reused when it has no errors (errors carry each request's id); a
subscriber whose peer's execution failed executes on its own.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, cast

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)
from graphql.execution import ExecutionResult
from strawberry.relay import Node
from strawberry.types.field import StrawberryField

from schema.core.executor import PlainLeafExecutor

STRAWBERRY_DEFINITION = "strawberry-definition"
JUDGED_OPERATIONS = 512  # operations whose shareability is remembered (documents are parsed once)


class SharedResults:
    """The results of one event in this process, by (operation, variables, value)."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[int, str], list[tuple[Any, asyncio.Future[ExecutionResult]]]] = {}

    def find(self, key: tuple[int, str], value: Any) -> asyncio.Future[ExecutionResult] | None:
        for seen, result in self._by_key.get(key, ()):
            if seen is value or seen == value:
                return result
        return None

    def add(
        self, key: tuple[int, str], value: Any, result: asyncio.Future[ExecutionResult]
    ) -> None:
        self._by_key.setdefault(key, []).append((value, result))


_judged: OrderedDict[int, tuple[OperationDefinitionNode, bool]] = OrderedDict()


def _judge(executor: Any) -> bool:
    """`shareable`, once per operation (the parser cache hands every subscriber of one document
    the same operation node; the entry keeps the node, so its id is not reused)."""
    operation = executor.operation
    known = _judged.get(id(operation))
    if known is not None and known[0] is operation:
        return known[1]
    verdict = shareable(executor.schema, operation.selection_set, executor)
    _judged[id(operation)] = (operation, verdict)
    while len(_judged) > JUDGED_OPERATIONS:
        _judged.popitem(last=False)
    return verdict


class SharedEventExecutor(PlainLeafExecutor):
    """graphql-core's executor with shared subscription events (module docstring)."""

    _shared_future: asyncio.Future[ExecutionResult] | None = None  # of the executing peer

    def build_per_event_executor(self, payload: Any) -> Any:
        shared = getattr(self.context_value, "shared_results", None)
        if shared is None or not _judge(self):
            return super().build_per_event_executor(payload)
        key = (id(self.operation), repr(sorted(self.variable_values.coerced.items())))
        earlier = shared.find(key, payload)
        if earlier is not None:  # no copy of the executor unless the shared result fails
            return _Reuse(earlier, lambda: self._own_executor(payload))
        executor = self._own_executor(payload)
        executor._shared_future = asyncio.get_running_loop().create_future()
        shared.add(key, payload, executor._shared_future)
        return executor

    def _own_executor(self, payload: Any) -> SharedEventExecutor:
        return cast("SharedEventExecutor", super().build_per_event_executor(payload))

    def execute_operation(self, serially: bool | None = None) -> Any:
        future = self._shared_future
        if future is None:
            return super().execute_operation(serially)
        return self._execute_for(future, serially)

    async def _execute_for(
        self, future: asyncio.Future[ExecutionResult], serially: bool | None
    ) -> ExecutionResult:
        try:
            result = super().execute_operation(serially)
            if self.is_awaitable(result):
                result = await result
        except BaseException:
            future.cancel()
            raise
        future.set_result(result)  # type: ignore[arg-type]
        return result  # type: ignore[return-value]


class _Reuse:
    """The per-event "executor" of a subscriber whose result an equal peer computes."""

    def __init__(self, earlier: asyncio.Future[ExecutionResult], own: Callable[[], Any]) -> None:
        self._earlier, self._own = earlier, own

    async def execute_operation(self, serially: bool | None = None) -> ExecutionResult:
        try:
            result: ExecutionResult | None = await asyncio.shield(self._earlier)
        except asyncio.CancelledError:
            if not self._earlier.cancelled():
                raise  # this subscriber itself was cancelled
            result = None
        if result is None or result.errors:  # errors carry each request's id: run our own
            executor = self._own()
            own = executor.execute_operation(serially)
            return await own if executor.is_awaitable(own) else own  # type: ignore[no-any-return]
        return result


def shareable(schema: GraphQLSchema, selection: SelectionSetNode, executor: Any) -> bool:
    """Whether the subscription's result depends on nothing but the event's value."""
    root = schema.subscription_type
    if root is None:
        return False
    for node in _fields(selection, root, executor):
        if node is None:
            return False
        field = root.fields.get(node.name.value)
        if field is None or node.selection_set is None:
            return False
        target = get_named_type(field.type)
        if not isinstance(target, GraphQLObjectType):
            return False
        if not _plain(node.selection_set, target, executor):
            return False
    return True


def _plain(selection: SelectionSetNode, parent: GraphQLObjectType, executor: Any) -> bool:
    for node in _fields(selection, parent, executor):
        if node is None:
            return False
        name = node.name.value
        if name == "__typename":
            continue
        field = parent.fields.get(name)
        if field is None or node.arguments or field.args:
            return False
        definition = field.extensions.get(STRAWBERRY_DEFINITION)
        if not isinstance(definition, StrawberryField) or not _reads_value(definition):
            return False
        target = get_named_type(field.type)
        if node.selection_set is not None:
            if not isinstance(target, GraphQLObjectType):
                return False  # an interface or union: the type is resolved per value
            if not _plain(node.selection_set, target, executor):
                return False
    return True


def _reads_value(field: StrawberryField) -> bool:
    if field.permission_classes or field.extensions:
        return False
    if field.base_resolver is None:
        return True
    return field.origin is Node  # relay's `id`, the one field Node defines: from the value's id


def _fields(
    selection: SelectionSetNode, parent: GraphQLObjectType, executor: Any
) -> list[FieldNode | None]:
    """The field nodes of a selection on `parent`, through fragments (None: one that cannot be
    judged — a fragment on another type, or an unknown fragment)."""
    found: list[FieldNode | None] = []
    for node in selection.selections:
        if isinstance(node, FieldNode):
            found.append(node)
            continue
        if isinstance(node, InlineFragmentNode):
            inner = node.selection_set
            condition = node.type_condition
        elif isinstance(node, FragmentSpreadNode):
            fragment = executor.fragment_definitions.get(node.name.value)
            if fragment is None:
                return [None]
            inner, condition = fragment.selection_set, fragment.type_condition
        else:
            return [None]
        if condition is not None and condition.name.value != parent.name:
            return [None]
        found.extend(_fields(inner, parent, executor))
    return found
