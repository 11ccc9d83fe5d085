"""Planned reads: queries answered without the general executor when every field is covered.

A domain registers a *root planner* for a root query field (`schema/root.py`): given the field's
selection it either returns the field's value — usually JSON a single SQL statement wrote, wrapped
in `orjson.Fragment` so it is copied into the response as bytes — or `FALLBACK`. `PlannedReads.run`
(called by `OperationGuard` once the operation is parsed, validated, within its cost and charged to
the caller's budget) answers an HTTP query only when every root field has a planner and none of them
falls back; otherwise, or when anything about the request is unusual (a directive other than
@skip/@include, fragment variables, variables that do not coerce, a planner's domain error), the
operation runs through the executor unchanged. So the response — data, errors, extensions — is the
executor's, byte for byte or at least value for value; tests/api/test_planned_reads.py generates
selections and holds the two paths to the same JSON.

A planner that cannot produce exactly what the executor would (a missing object whose error
the executor reports, a field it does not cover) falls back rather than guessing.

Values that are plain Python objects of strawberry types (every selected field an attribute, no
resolver beneath) a planner writes with `Plan.plain`, which follows the executor's rules (leaf
coercion, nulls, `__typename`); `Plan.check_plain` says beforehand whether a selection allows it.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLIncludeDirective,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    Undefined,
    VariableNode,
    get_named_type,
    get_operation_ast,
)
from graphql.execution.values import VariableValues, get_argument_values, get_directive_values
from graphql.execution.values import get_variable_values as coerce_variables
from starlette.requests import Request

from app.errors import DomainError
from app.metrics import GRAPHQL_PLANNED
from schema.core.executor import basic_field, leaf_of

logger = logging.getLogger("easyways.graphql.planned")


class _Fallback:
    def __repr__(self) -> str:
        return "FALLBACK"


FALLBACK: Any = _Fallback()
_SKIP_OR_INCLUDE = frozenset({"skip", "include"})

Fields = dict[str, list[FieldNode]]  # response key → the field's nodes (merged selections)
# a scalar or enum field's type and whether it is non-null
_Leaf = tuple[GraphQLScalarType | GraphQLEnumType, bool]
# what `Plan.plain` writes under one response key: attribute, field type (None: __typename),
# nodes, and the leaf type when the field is a scalar or an enum
_Write = tuple[str, str, GraphQLOutputType | None, list[FieldNode], _Leaf | None]


def _leaf(value: Any, graphql_type: GraphQLScalarType | GraphQLEnumType, required: bool) -> Any:
    """`value` coerced as the executor coerces a leaf (Unplannable where it would report an
    error: a null where the type forbids it, a value the type refuses)."""
    if value is None:
        if required:
            raise Unplannable(f"null for {graphql_type}!")
        return None
    coerced = graphql_type.coerce_output_value(value)
    if coerced is None or coerced is Undefined:
        raise Unplannable(f"{graphql_type.name} of {value!r}")
    return coerced


# what `Plan.reader` computes a field with: a function of the row, or one giving the row of an
# object field with that object's readers
Readers = Mapping[str, "Callable[[Any], Any] | tuple[Callable[[Any], Any], Readers]"]


@dataclass(frozen=True, slots=True)
class RowWriter:
    """`Plan.reader`'s writing of one selection: per response key, `__typename` (no function:
    the type's name), a leaf (function, (type, required)) or an object (function giving its
    row, writer)."""

    type_name: str
    required: bool
    fields: list[tuple[str, Callable[[Any], Any] | None, Any]]

    def write(self, row: Any) -> Any:
        if row is None:
            if self.required:
                raise Unplannable(f"null for {self.type_name}!")
            return None
        out: dict[str, Any] = {}
        for key, get, then in self.fields:
            if get is None:
                out[key] = then
            elif isinstance(then, RowWriter):
                out[key] = then.write(get(row))
            else:
                out[key] = _leaf(get(row), *then)
        return out


T = TypeVar("T")


class SelectionMemo(Generic[T]):
    """Values worked out from a selection (and a few hashable extras), kept per selection of a
    document, the `maxsize` most recently used: the parse cache hands out the same nodes for a
    repeated query, so the nodes' identities are the key (an entry keeps its nodes alive, so
    their ids cannot be reused). A value worked out while a @skip/@include read a variable
    (`Plan.varying`) depends on the request and is not kept."""

    def __init__(self, maxsize: int = 512) -> None:
        self.maxsize = maxsize
        self.entries: OrderedDict[tuple[Any, ...], tuple[list[FieldNode], T]] = OrderedDict()

    def get(
        self, plan: Plan, extra: tuple[Any, ...], nodes: Sequence[FieldNode], build: Callable[[], T]
    ) -> T:
        key = (*extra, *(id(node) for node in nodes))
        cached = self.entries.get(key)
        if cached is not None and all(a is b for a, b in zip(cached[0], nodes, strict=True)):
            self.entries.move_to_end(key)
            return cached[1]
        varying_before, plan.varying = plan.varying, False
        value = build()
        if not plan.varying:
            self.entries[key] = (list(nodes), value)
            if len(self.entries) > self.maxsize:
                self.entries.popitem(last=False)
        plan.varying = plan.varying or varying_before
        return value


_ROW_WRITERS: SelectionMemo[RowWriter] = SelectionMemo()


class Unplannable(Exception):
    """The selection uses something the planned path does not handle (the executor will)."""


@dataclass
class Plan:
    """One operation as the planners see it: the schema, the fragments and coerced variables."""

    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    variables: VariableValues
    context: Any
    # set when a @skip/@include read a variable: what was collected depends on this request
    varying: bool = False
    # `plain`'s writing of an object type over a selection, worked out once per plan: a list of
    # a hundred facet buckets collects its selection once, not a hundred times
    _writers: dict[tuple[str, tuple[int, ...]], list[_Write]] = field(
        default_factory=dict, repr=False
    )

    def fields(self, parent: GraphQLObjectType, nodes: Iterable[FieldNode]) -> Fields:
        """The fields selected on `parent` under `nodes` (their selection sets merged), by
        response key in document order, with @skip/@include applied and fragments that apply
        to `parent` expanded."""
        collected: Fields = {}
        for node in nodes:
            if node.selection_set is not None:
                self._collect(parent, node.selection_set, collected, set())
        return collected

    def root_fields(self, root: GraphQLObjectType, operation: OperationDefinitionNode) -> Fields:
        collected: Fields = {}
        self._collect(root, operation.selection_set, collected, set())
        return collected

    def arguments(self, definition: GraphQLField, node: FieldNode) -> dict[str, Any]:
        """The field's coerced argument values (defaults applied), keyed by GraphQL name."""
        return get_argument_values(definition, node, self.variables)

    def plain(self, value: Any, graphql_type: GraphQLOutputType, nodes: Sequence[FieldNode]) -> Any:
        """`value`, a plain Python value of `graphql_type`, written over the selection under
        `nodes` as the executor writes it: an object's fields are its attributes (only fields
        without a resolver, arguments, permission classes or field extensions — see
        `_plain_attribute`), `__typename` its type's name; leaves are coerced by their type, lists
        mapped, null kept where the type allows it (Unplannable where it does not: the executor
        reports an error)."""
        if isinstance(graphql_type, GraphQLNonNull):
            if value is None:
                raise Unplannable(f"null for {graphql_type}")
            return self.plain(value, graphql_type.of_type, nodes)
        if value is None:
            return None
        if isinstance(graphql_type, GraphQLList):
            return [self.plain(item, graphql_type.of_type, nodes) for item in value]
        if isinstance(graphql_type, GraphQLScalarType | GraphQLEnumType):
            return _leaf(value, graphql_type, False)
        if not isinstance(graphql_type, GraphQLObjectType):
            raise Unplannable(str(graphql_type))  # interfaces, unions: resolved per value
        out: dict[str, Any] = {}
        for key, attribute, field_type, field_nodes, leaf in self._writer(graphql_type, nodes):
            if field_type is None:
                out[key] = graphql_type.name  # __typename
            elif leaf is not None:  # a scalar or enum field: coerced here, no recursion
                out[key] = _leaf(getattr(value, attribute), *leaf)
            else:
                out[key] = self.plain(getattr(value, attribute), field_type, field_nodes)
        return out

    def _writer(self, graphql_type: GraphQLObjectType, nodes: Sequence[FieldNode]) -> list[_Write]:
        """What `plain` writes for an object of `graphql_type` under `nodes`: per response key,
        the attribute, the field's type (None: `__typename`) and its nodes."""
        cache_key = (graphql_type.name, tuple(id(node) for node in nodes))
        writes = self._writers.get(cache_key)
        if writes is None:
            writes = []
            for key, field_nodes in self.fields(graphql_type, nodes).items():
                name = field_nodes[0].name.value
                if name == "__typename":
                    writes.append((key, "", None, field_nodes, None))
                    continue
                attribute = _plain_attribute(graphql_type, name, field_nodes)
                field_type = graphql_type.fields[name].type
                writes.append((key, attribute, field_type, field_nodes, leaf_of(field_type)))
            self._writers[cache_key] = writes
        return writes

    def check_plain(self, graphql_type: GraphQLOutputType, nodes: Sequence[FieldNode]) -> None:
        """Unplannable unless `plain` can write any value of `graphql_type` over the selection
        under `nodes` (every field, at any depth, a plain attribute): a planner checks this before
        it does anything that must not happen twice."""
        named = get_named_type(graphql_type)
        if isinstance(named, GraphQLScalarType | GraphQLEnumType):
            return
        if not isinstance(named, GraphQLObjectType):
            raise Unplannable(str(named))
        for field_nodes in self.fields(named, nodes).values():
            name = field_nodes[0].name.value
            if name != "__typename":
                _plain_attribute(named, name, field_nodes)
                self.check_plain(named.fields[name].type, field_nodes)

    def reader(
        self, graphql_type: GraphQLOutputType, nodes: Sequence[FieldNode], readers: Readers
    ) -> RowWriter:
        """How to write a database row over the selection under `nodes` as an object of
        `graphql_type` whose fields `readers` compute: per field name, a function of the row
        giving what the field's resolver returns (a leaf, coerced as the executor coerces it), or
        `(function, readers)` for an object field (the function gives its row; None is null).
        Unplannable when the selection asks for a field `readers` do not have, or passes
        arguments — before anything runs. Worked out once per selection of a document (the parse
        cache hands out the same nodes for a repeated query), unless its @skip/@include read
        variables."""
        return _ROW_WRITERS.get(
            self,
            (id(readers), str(graphql_type)),
            nodes,
            lambda: self._row_writer(graphql_type, nodes, readers),
        )

    def _row_writer(
        self, graphql_type: GraphQLOutputType, nodes: Sequence[FieldNode], readers: Readers
    ) -> RowWriter:
        required = isinstance(graphql_type, GraphQLNonNull)
        named = graphql_type.of_type if isinstance(graphql_type, GraphQLNonNull) else graphql_type
        if not isinstance(named, GraphQLObjectType):
            raise Unplannable(str(named))
        fields: list[tuple[str, Callable[[Any], Any] | None, Any]] = []
        for key, field_nodes in self.fields(named, nodes).items():
            name = field_nodes[0].name.value
            if name == "__typename":
                fields.append((key, None, named.name))
                continue
            reader = readers.get(name)
            if reader is None or any(node.arguments for node in field_nodes):
                raise Unplannable(f"{named.name}.{name}")
            field_type = named.fields[name].type
            if isinstance(reader, tuple):
                get, inner = reader
                fields.append((key, get, self._row_writer(field_type, field_nodes, inner)))
                continue
            leaf = leaf_of(field_type)
            if leaf is None:
                raise Unplannable(f"{named.name}.{name}")
            fields.append((key, reader, leaf))
        return RowWriter(named.name, required, fields)

    def _included(self, node: FieldNode | FragmentSpreadNode | InlineFragmentNode) -> bool:
        directives = node.directives or ()
        if any(d.name.value not in _SKIP_OR_INCLUDE for d in directives):
            raise Unplannable("directive")
        if not directives:
            return True
        if any(
            isinstance(argument.value, VariableNode)
            for directive in directives
            for argument in directive.arguments or ()
        ):
            self.varying = True
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip is not None and skip.get("if") is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include is not None and include.get("if") is False)

    def _applies(self, parent: GraphQLObjectType, condition: Any) -> bool:
        if condition is None:
            return True
        name = condition.name.value
        return name == parent.name or any(i.name == name for i in parent.interfaces)

    def _collect(
        self,
        parent: GraphQLObjectType,
        selection_set: SelectionSetNode,
        collected: Fields,
        visited: set[str],
    ) -> None:
        for selection in selection_set.selections:
            if not self._included(selection):  # type: ignore[arg-type]
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                collected.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                if self._applies(parent, selection.type_condition):
                    self._collect(parent, selection.selection_set, collected, visited)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if name in visited or fragment is None:
                    continue
                if getattr(selection, "arguments", None) or getattr(
                    fragment, "variable_definitions", None
                ):
                    raise Unplannable("fragment variables")
                visited.add(name)
                if self._applies(parent, fragment.type_condition):
                    self._collect(parent, fragment.selection_set, collected, visited)
            else:
                raise Unplannable(type(selection).__name__)


def _plain_attribute(parent: GraphQLObjectType, name: str, nodes: Sequence[FieldNode]) -> str:
    """The Python attribute behind `parent.name` when the executor would just read it (strawberry's
    default resolver: no resolver of its own, no arguments, no permission classes or field
    extensions), else Unplannable."""
    field = basic_field(parent.fields.get(name))
    if field is None or any(node.arguments for node in nodes):
        raise Unplannable(f"{parent.name}.{name}")
    return field.python_name


# value of the field, or FALLBACK
RootPlanner = Callable[[Plan, GraphQLField, list[FieldNode]], Awaitable[Any]]


class PlannedReads:
    """The root planners of a schema (by root query field name) and the driver that runs them."""

    def __init__(self, roots: dict[str, RootPlanner]) -> None:
        self.roots = roots

    def applies(self, context: Any) -> bool:
        request = getattr(context, "request", None)
        settings = getattr(context, "settings", None)
        return (
            isinstance(request, Request)  # HTTP only: WebSocket operations stay on the executor
            and settings is not None
            and settings.graphql_planned_reads
        )

    async def run(
        self,
        schema: GraphQLSchema,
        document: Any,
        operation_name: str | None,
        variables: dict[str, Any] | None,
        context: Any,
    ) -> ExecutionResult | None:
        """The operation's result through the planners, None when the executor must run it."""
        operation = get_operation_ast(document, operation_name)
        if operation is None or operation.operation != OperationType.QUERY:
            return None
        root = schema.query_type
        if root is None or not self._plannable_roots(operation):
            return None
        coerced = coerce_variables(schema, operation.variable_definitions or (), variables or {})
        if isinstance(coerced, list):  # the executor reports the coercion errors
            return None
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        plan = Plan(schema, fragments, coerced, context)
        try:
            data = await self._data(plan, root, operation)
        except (Unplannable, DomainError):
            data = None
        except Exception:  # a planner's bug must not fail a request the executor can answer
            logger.exception("planned read failed; the executor answers")
            data = None
        GRAPHQL_PLANNED.labels(outcome="planned" if data is not None else "executor").inc()
        return None if data is None else ExecutionResult(data=data)

    def _plannable_roots(self, operation: OperationDefinitionNode) -> bool:
        """A cheap look before coercing anything: every root selection names a planned field."""
        for selection in operation.selection_set.selections:
            name = selection.name.value if isinstance(selection, FieldNode) else None
            if name is not None and name not in self.roots and name != "__typename":
                return False
            # fragments at the root are expanded (and checked) by `Plan.root_fields`
        return True

    async def _data(
        self, plan: Plan, root: GraphQLObjectType, operation: OperationDefinitionNode
    ) -> dict[str, Any] | None:
        data: dict[str, Any] = {}
        for key, nodes in plan.root_fields(root, operation).items():
            name = nodes[0].name.value
            if name == "__typename":
                data[key] = root.name
                continue
            planner = self.roots.get(name)
            if planner is None:
                return None
            value = await planner(plan, root.fields[name], nodes)
            if value is FALLBACK:
                return None
            data[key] = value
        return data
