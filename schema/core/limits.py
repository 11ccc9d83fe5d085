"""Operation limits: depth, aliases and directives as (cached) validation rules, and query cost.

Validation rule classes are built once per limit value, so the validation cache, keyed by the rule
classes, keeps hitting. Cost: every field costs 1 (`__typename` 0); a field with `first`/`last`
multiplies the cost of its children by the page size (default 20, at most 100); a field with an
`ids` list argument multiplies by the number of ids (at most 100). Fragments count where spread;
inline fragments of different types are summed (an upper bound). The cost of a document (for its
operation and the integer/list variables it uses) is cached like validation.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from functools import cache
from typing import Any

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
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
)
from strawberry.extensions.max_aliases import MaxAliasesLimiter
from strawberry.extensions.query_depth_limiter import QueryDepthLimiter

from app.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

PAGE_ARGUMENTS = ("first", "last")
IDS_ARGUMENT = "ids"


@cache
def depth_rule(max_depth: int) -> type[ASTValidationRule]:
    return QueryDepthLimiter(max_depth=max_depth).validation_rules[0]


@cache
def alias_rule(max_aliases: int) -> type[ASTValidationRule]:
    return MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules[0]


@cache
def directive_rule(max_directives: int) -> type[ASTValidationRule]:
    class MaxDirectivesRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.count = 0

        def enter_directive(self, node: DirectiveNode, *_args: Any) -> None:
            self.count += 1
            if self.count == max_directives + 1:
                self.report_error(
                    GraphQLError(f"Operation has more than {max_directives} directives.", node)
                )

    return MaxDirectivesRule


# --- cost -------------------------------------------------------------------------------------


class _CostWalker:
    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any]
    ) -> None:
        self.schema = schema
        self.variables = variables
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.spreading: set[str] = set()

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
        name = node.name.value
        fragment = self.fragments.get(name)
        if fragment is None or name in self.spreading:
            return 0
        self.spreading.add(name)
        try:
            target = self.schema.get_type(fragment.type_condition.name.value)
            return self.selection_set(fragment.selection_set, target)
        finally:
            self.spreading.discard(name)

    def field(self, node: FieldNode, parent: GraphQLNamedType | None) -> int:
        if node.name.value == "__typename":
            return 0
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
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
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
