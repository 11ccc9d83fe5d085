"""graphql-core's executor with plain leaf fields read straight from their source.

Most fields of a page are plain leaves: a scalar or enum field without a resolver of its own,
arguments, permission classes or field extensions — strawberry's "basic" field, whose resolver
only reads the attribute (`StrawberryField.default_resolver`). graphql-core still builds a
`GraphQLResolveInfo`, calls strawberry's wrapper and walks `complete_value` for each of them (a
catalogue page has thousands). `PlainLeafExecutor.execute_field` reads such a field itself and
completes it as `complete_value` does — null where the type allows it, the same "Cannot return
null for non-nullable field" error where it does not, the leaf coerced by its type, a resolver's
error located and propagated by `handle_field_error` — and leaves every other field (and any
request with resolver middleware) to graphql-core. Whether a field is a plain leaf is worked out
once per field definition of a schema.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    Undefined,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

_STRAWBERRY_DEFINITION = "strawberry-definition"
_PLAIN = "_easyways_plain_leaf"  # the field definition's answer, kept on it
# how to read a plain leaf: the default resolver, the attribute, the leaf type, non-null
Leaf = GraphQLScalarType | GraphQLEnumType
PlainLeaf = tuple[Callable[[Any, str], Any], str, Leaf, bool]


def basic_field(definition: GraphQLField | None) -> StrawberryField | None:
    """The strawberry field behind `definition` when the executor only reads its attribute
    (strawberry's default resolver: no resolver of its own, no arguments, no permission classes
    or field extensions), else None. The planned reads use the same test (`Plan.plain`)."""
    field = definition.extensions.get(_STRAWBERRY_DEFINITION) if definition is not None else None
    if (
        definition is None
        or definition.args
        or not isinstance(field, StrawberryField)
        or field.base_resolver is not None
        or field.permission_classes
        or field.extensions
    ):
        return None
    return field


def leaf_of(graphql_type: GraphQLOutputType) -> tuple[Leaf, bool] | None:
    """A scalar or enum type (under an optional non-null) and whether it is non-null."""
    required = isinstance(graphql_type, GraphQLNonNull)
    named = graphql_type.of_type if isinstance(graphql_type, GraphQLNonNull) else graphql_type
    if isinstance(named, GraphQLScalarType | GraphQLEnumType):
        return named, required
    return None


def plain_leaf(field_def: GraphQLField) -> PlainLeaf | None:
    """How to read `field_def` when it is a plain leaf (see the module docstring), else None."""
    field = basic_field(field_def)
    leaf = leaf_of(field_def.type)
    if field is None or leaf is None or not getattr(field_def.resolve, "_is_default", False):
        return None
    return field.default_resolver, field.python_name, *leaf


def _plain_of(field_def: GraphQLField) -> PlainLeaf | None:
    known = field_def.__dict__.get(_PLAIN, Undefined)
    if known is Undefined:
        known = plain_leaf(field_def)
        setattr(field_def, _PLAIN, known)
    return known  # type: ignore[no-any-return]


class PlainLeafExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's execution context, with plain leaves read directly (module docstring)."""

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        node = field_details_list[0].node
        field_def = self.schema.get_field(parent_type, node.name.value)
        manager = self.middleware_manager
        if (
            field_def is None
            or node.arguments
            or (manager is not None and manager._middleware_resolvers is not None)
            or (plain := _plain_of(field_def)) is None
        ):
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )
        resolve, attribute, leaf, required = plain
        try:
            value = resolve(source, attribute)
            if self.is_awaitable(value) or isinstance(value, Exception):
                return super().execute_field(
                    parent_type, source, field_details_list, path, position_context
                )
            if value is None or value is Undefined:
                if required:
                    raise TypeError(
                        f"Cannot return null for non-nullable field "
                        f"{parent_type.name}.{node.name.value}."
                    )
                return None
            return self.complete_leaf_value(leaf, value)
        except Exception as raw_error:
            self.handle_field_error(raw_error, field_def.type, field_details_list, path)
            return None
