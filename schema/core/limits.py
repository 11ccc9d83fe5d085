"""Operation limits: depth and aliases as (cached) validation rules, directives counted before
validation, and query cost.

Validation rule classes are built once per limit value, so the validation cache, keyed by the rule
classes, keeps hitting. Depth counts field levels below the root (introspection fields aside);
aliases count where their fragments are spread.
Directives are counted before graphql-core validates (`directive_limit_error`): a document over
the limit gets that one error, not one per unknown directive up to graphql-core's cap of 100.
Cost: every selected field costs 1, `__typename` included (the same field selected 500 times
costs 500); a field with `first`/`last` multiplies the cost of its children by the page size
(default 20, at most 100); a field with an `ids` list argument multiplies by the number of ids (at
most 100). Fragments count where spread; inline fragments of different types are summed (an upper
bound). The cost of a document (for its operation and the integer/list variables it uses) is cached
like validation. Depth, aliases and cost read each fragment once (`Fragments`), so fragments
spreading fragments twice over cannot make any of these walks exponential.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any, Generic, TypeVar

from graphql import (
    ArgumentNode,
    ASTValidationRule,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
    Visitor,
    get_named_type,
    visit,
)

from app.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from schema.core.errors import VALIDATION_FAILED

T = TypeVar("T")
PAGE_ARGUMENTS = ("first", "last")
IDS_ARGUMENT = "ids"


class Fragments(Generic[T]):
    """A document's fragments, each folded into a value once (`fold`): walks that follow
    fragments stay linear even when fragments spread fragments twice over (2**n paths)."""

    def __init__(self, document: DocumentNode, missing: T) -> None:
        self.definitions = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.missing = missing
        self.done: dict[str, T] = {}
        self.active: set[str] = set()

    def fold(self, name: str, measure: Callable[[FragmentDefinitionNode], T]) -> T:
        """`measure(fragment)`, computed once; `missing` for an unknown or cyclic fragment."""
        if name in self.done:
            return self.done[name]
        fragment = self.definitions.get(name)
        if fragment is None or name in self.active:
            return self.missing
        self.active.add(name)
        try:
            value = measure(fragment)
        finally:
            self.active.discard(name)
        self.done[name] = value
        return value


class _SelectionFold:
    """A number folded over a selection set: each field gives `field(node, its children's
    value)`, siblings are combined by `combine` (max for depth, sum for counts); inline fragments
    and spreads pass their selections' value through, each fragment computed once."""

    def __init__(
        self,
        document: DocumentNode,
        field: Callable[[FieldNode, int], int],
        combine: Callable[[Iterable[int]], int],
    ) -> None:
        self.fragments = Fragments(document, 0)
        self.field = field
        self.combine = combine

    def selection_set(self, node: SelectionSetNode | None) -> int:
        return 0 if node is None else self.combine(self._value(s) for s in node.selections)

    def _value(self, selection: SelectionNode) -> int:
        if isinstance(selection, FieldNode):
            return self.field(selection, self.selection_set(selection.selection_set))
        if isinstance(selection, InlineFragmentNode):
            return self.selection_set(selection.selection_set)
        if isinstance(selection, FragmentSpreadNode):
            return self.fragments.fold(
                selection.name.value, lambda f: self.selection_set(f.selection_set)
            )
        return 0


def _depth_walker(document: DocumentNode) -> _SelectionFold:
    """Field levels below a selection set (introspection fields aside)."""

    def level(node: FieldNode, below: int) -> int:
        ignored = node.name.value.startswith("__") or node.selection_set is None
        return 0 if ignored else 1 + below

    return _SelectionFold(document, level, lambda values: max(values, default=0))


def _alias_counter(document: DocumentNode) -> _SelectionFold:
    """Aliased fields under a selection set, fragments counted where spread."""
    return _SelectionFold(document, lambda node, below: (node.alias is not None) + below, sum)


def _operations(document: DocumentNode) -> list[OperationDefinitionNode]:
    return [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]


@cache
def depth_rule(max_depth: int) -> type[ASTValidationRule]:
    class MaxDepthRule(ValidationRule):
        def enter_document(self, node: DocumentNode, *_args: Any) -> None:
            walker = _depth_walker(node)
            for definition in _operations(node):
                if walker.selection_set(definition.selection_set) > max_depth:
                    name = definition.name.value if definition.name else "anonymous"
                    self.report_error(
                        GraphQLError(
                            f"'{name}' exceeds maximum operation depth of {max_depth}",
                            definition,
                        )
                    )

    return MaxDepthRule


@cache
def alias_rule(max_aliases: int) -> type[ASTValidationRule]:
    class MaxAliasesRule(ValidationRule):
        def enter_document(self, node: DocumentNode, *_args: Any) -> None:
            counter = _alias_counter(node)
            total = sum(counter.selection_set(o.selection_set) for o in _operations(node))
            if total > max_aliases:
                self.report_error(
                    GraphQLError(f"{total} aliases found. Allowed: {max_aliases}", node)
                )

    return MaxAliasesRule


class _DirectiveCounter(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def enter_directive(self, node: DirectiveNode, *_args: Any) -> None:
        self.count += 1


def count_directives(document: DocumentNode) -> int:
    counter = _DirectiveCounter()
    visit(document, counter)
    return counter.count


class DocumentMemo(Generic[T]):
    """Results of a function of a document (and a few hashable extras), the `maxsize` most
    recently used, kept by the document's identity: the parse cache hands out the same document
    for the same text, so a repeated operation is not walked (or hashed: a graphql-core node
    hashes its whole tree every time) again. An entry keeps its document alive, so its id cannot
    be reused by another one."""

    def __init__(self, compute: Callable[..., T], maxsize: int = 512) -> None:
        self.compute = compute
        self.maxsize = maxsize
        self.entries: OrderedDict[tuple[Any, ...], tuple[DocumentNode, T]] = OrderedDict()
        self.misses = 0  # computations (for tests)

    def get(self, document: DocumentNode, *extra: Any) -> T:
        key = (id(document), *extra)
        entry = self.entries.get(key)
        if entry is not None and entry[0] is document:
            self.entries.move_to_end(key)
            return entry[1]
        self.misses += 1
        value = self.compute(document, *extra)
        self.entries[key] = (document, value)
        if len(self.entries) > self.maxsize:
            self.entries.popitem(last=False)
        return value


DIRECTIVE_COUNTS: DocumentMemo[int] = DocumentMemo(count_directives)


def directive_limit_error(document: DocumentNode, settings: Any) -> GraphQLError | None:
    """The one error of a document with more directives than GRAPHQL_MAX_DIRECTIVES of
    `settings` (counted before graphql-core validates: nothing else is then validated)."""
    limit = settings.graphql_max_directives
    if DIRECTIVE_COUNTS.get(document) <= limit:
        return None
    return GraphQLError(
        f"Operation has more than {limit} directives.", extensions={"code": VALIDATION_FAILED}
    )


# --- cost -------------------------------------------------------------------------------------


class _CostWalker:
    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any]
    ) -> None:
        self.schema = schema
        self.variables = variables
        self.fragments = Fragments(document, 0)

    def selection_set(self, node: SelectionSetNode | None, parent: GraphQLNamedType | None) -> int:
        if node is None:
            return 0
        total = 0
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection_set(selection.selection_set, target)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.spread(selection)
        return total

    def spread(self, node: FragmentSpreadNode) -> int:
        return self.fragments.fold(node.name.value, self._fragment_cost)

    def _fragment_cost(self, fragment: FragmentDefinitionNode) -> int:
        target = self.schema.get_type(fragment.type_condition.name.value)
        return self.selection_set(fragment.selection_set, target)

    def field(self, node: FieldNode, parent: GraphQLNamedType | None) -> int:
        definition: GraphQLField | None = None
        if isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
            definition = parent.fields.get(node.name.value)
        child = get_named_type(definition.type) if definition else None
        children = self.selection_set(node.selection_set, child)
        return 1 + self.multiplier(node, definition) * children

    def multiplier(self, node: FieldNode, definition: GraphQLField | None) -> int:
        if definition is None:
            return 1
        given = {a.name.value: a for a in node.arguments or ()}
        if any(name in definition.args for name in PAGE_ARGUMENTS):
            sizes = [self.int_value(given[n]) for n in PAGE_ARGUMENTS if n in given]
            size = next((s for s in sizes if s is not None), DEFAULT_PAGE_SIZE)
            return max(1, min(size, MAX_PAGE_SIZE))
        if IDS_ARGUMENT in definition.args and IDS_ARGUMENT in given:
            return max(1, min(self.list_length(given[IDS_ARGUMENT]), MAX_PAGE_SIZE))
        return 1

    def int_value(self, argument: ArgumentNode) -> int | None:
        value = argument.value
        if isinstance(value, IntValueNode):
            return int(value.value)
        if isinstance(value, VariableNode):
            raw = self.variables.get(value.name.value)
            return raw if isinstance(raw, int) and not isinstance(raw, bool) else None
        return None

    def list_length(self, argument: ArgumentNode) -> int:
        value = argument.value
        if isinstance(value, ListValueNode):
            return len(value.values)
        if isinstance(value, VariableNode):
            raw = self.variables.get(value.name.value)
            return len(raw) if isinstance(raw, list) else MAX_PAGE_SIZE
        return 1


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = _operations(document)
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == name), None)


def compute_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
) -> int:
    operation = _operation(document, operation_name)
    if operation is None:
        return 0
    root = schema.get_root_type(operation.operation)
    return _CostWalker(schema, document, variables or {}).selection_set(
        operation.selection_set, root
    )


def _variables_key(variables: Mapping[str, Any] | None) -> tuple[tuple[str, Any], ...]:
    """The part of the variables cost depends on: integers and list lengths."""
    key: list[tuple[str, Any]] = []
    for name, value in sorted((variables or {}).items()):
        if isinstance(value, int) and not isinstance(value, bool):
            key.append((name, value))
        elif isinstance(value, list):
            key.append((name, ("len", len(value))))
    return tuple(key)


class CostCache:
    """A bounded LRU of operation costs keyed by query text, operation and relevant variables."""

    def __init__(self, maxsize: int = 512) -> None:
        self.maxsize = maxsize
        self.entries: OrderedDict[tuple[Any, ...], int] = OrderedDict()
        self.misses = 0

    def cost(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        query: str | None,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
    ) -> int:
        if query is None:
            return compute_cost(schema, document, operation_name, variables)
        key = (id(schema), query, operation_name, _variables_key(variables))
        if key in self.entries:
            self.entries.move_to_end(key)
            return self.entries[key]
        self.misses += 1
        value = compute_cost(schema, document, operation_name, variables)
        self.entries[key] = value
        if len(self.entries) > self.maxsize:
            self.entries.popitem(last=False)
        return value


COST_CACHE = CostCache()
