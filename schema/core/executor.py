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

A relay `id` is one too when its node keeps strawberry's own `resolve_id` and `resolve_typename`
(checked once per source class): strawberry's resolver (`Node._id`) builds a `GlobalID` of the
type's name and `getattr(source, <the NodeID attribute>)` for the ID scalar to write as its
base64; here the base64 is written at once (a page of courses has a thousand ids). Any other
source — a class that overrides either, an id that is missing or awaitable — is strawberry's.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
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
from strawberry import relay
from strawberry.relay.utils import to_base64
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


# what a plain leaf's reader returns for a source it cannot read (strawberry's resolver then runs)
NOT_PLAIN = object()
_NODE_ID = relay.Node.__dict__["_id"].__func__
_DEFAULT_RESOLVE_ID = relay.Node.__dict__["resolve_id"].__func__
_DEFAULT_RESOLVE_TYPENAME = relay.Node.__dict__["resolve_typename"].__func__
_NODE_ID_ATTRIBUTES: dict[type, str | None] = {}


def _node_id_attribute(cls: type) -> str | None:
    """The NodeID attribute of `cls` when it is a Node that keeps strawberry's own `resolve_id`
    and `resolve_typename`, else None (worked out once per class)."""
    try:
        return _NODE_ID_ATTRIBUTES[cls]
    except KeyError:
        pass
    attribute = None
    if (
        issubclass(cls, relay.Node)
        and getattr(cls.resolve_id, "__func__", None) is _DEFAULT_RESOLVE_ID
        and getattr(cls.resolve_typename, "__func__", None) is _DEFAULT_RESOLVE_TYPENAME
    ):
        attribute = cls.resolve_id_attr()
    _NODE_ID_ATTRIBUTES[cls] = attribute
    return attribute


def relay_id_leaf(field_def: GraphQLField, parent_type: GraphQLObjectType) -> PlainLeaf | None:
    """How to write the relay `id` of `parent_type` (the module docstring), or None when
    `field_def` is not strawberry's `Node.id` as it comes."""
    field = field_def.extensions.get(_STRAWBERRY_DEFINITION)
    resolver = field.base_resolver if isinstance(field, StrawberryField) else None
    wrapped = getattr(resolver, "wrapped_func", None)
    leaf = leaf_of(field_def.type)
    if (
        not isinstance(field, StrawberryField)
        or getattr(wrapped, "__func__", None) is not _NODE_ID
        or field_def.args
        or field.permission_classes
        or field.extensions
        or leaf is None
    ):
        return None
    # the type whose field this is (strawberry binds `Node._id` to each node class): the name
    # strawberry would write, when it is the type being executed
    definition = getattr(getattr(wrapped, "__self__", None), "__strawberry_definition__", None)
    type_name = parent_type.name
    if getattr(definition, "name", None) != type_name:
        return None

    def read(source: Any, _: str) -> Any:
        attribute = _node_id_attribute(type(source))
        node_id = getattr(source, attribute, None) if attribute is not None else None
        if node_id is None or isinstance(node_id, Exception):
            return NOT_PLAIN
        if hasattr(node_id, "__await__"):
            if isinstance(node_id, Coroutine):
                node_id.close()  # strawberry's resolver reads (and awaits) its own
            return NOT_PLAIN
        return to_base64(type_name, str(node_id))

    return read, "id", *leaf


def _plain_of(field_def: GraphQLField, parent_type: GraphQLObjectType) -> PlainLeaf | None:
    known = field_def.__dict__.get(_PLAIN, Undefined)
    if known is Undefined:
        known = plain_leaf(field_def) or relay_id_leaf(field_def, parent_type)
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
            or (plain := _plain_of(field_def, parent_type)) is None
        ):
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )
        resolve, attribute, leaf, required = plain
        try:
            value = resolve(source, attribute)
            if value is NOT_PLAIN or self.is_awaitable(value) or isinstance(value, Exception):
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
