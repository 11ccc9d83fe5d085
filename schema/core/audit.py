"""What the mutation pipeline writes to the audit log for a mutation: its GraphQL name, its
target (the first relay global ID of its input, else the first node of its payload), its input
arguments with secrets filtered, and the caller's IP address, user agent and request id."""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types.base import StrawberryOptional

from app.admin import audit
from app.security.permissions import Actor
from schema.core.auth import client_ip, user_agent
from schema.core.context import Info
from schema.core.inputs import NODE, RAW

NO_TARGET = ""


def _is_id(field: Any) -> bool:
    node = (field.metadata or {}).get(NODE)
    if node is not None:
        return bool(node != RAW)
    field_type = field.type
    if isinstance(field_type, StrawberryOptional):
        field_type = field_type.of_type
    return field_type is strawberry.ID


def _global_id(value: Any) -> relay.GlobalID | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, str):
        return None
    try:
        return relay.GlobalID.from_id(value)
    except Exception:  # not a global id: no target from it
        return None


def _input_fields(value: Any) -> list[Any]:
    definition = getattr(value, "__strawberry_definition__", None)
    if definition is None or not getattr(definition, "is_input", False):
        return []  # not an input object (an enum, a scalar, a plain value)
    return list(definition.fields)


def _target_in(value: Any) -> relay.GlobalID | None:
    nested = []
    for field in _input_fields(value):
        item = getattr(value, field.python_name, strawberry.UNSET)
        if item is strawberry.UNSET or item is None:
            continue
        if _is_id(field) and (gid := _global_id(item)) is not None:
            return gid
        nested.append(item)
    for item in nested:
        if (gid := _target_in(item)) is not None:
            return gid
    return None


def _node_of(result: Any) -> tuple[str, str] | None:
    if not dataclasses.is_dataclass(result):
        return None
    for field in dataclasses.fields(result):
        value = getattr(result, field.name, None)
        if isinstance(value, relay.Node):
            name = value.__strawberry_definition__.name  # type: ignore[attr-defined]
            return name, str(getattr(value, type(value).resolve_id_attr()))
    return None


def target(arguments: dict[str, Any], result: Any) -> tuple[str, str | None]:
    """(entity type, entity id) of a mutation: the node its input names first, else the first
    node its payload returns (a created object), else no target."""
    for value in arguments.values():
        gid = _global_id(value) or _target_in(value)
        if gid is not None:
            return gid.type_name, gid.node_id
    found = _node_of(result)
    return found if found is not None else (NO_TARGET, None)


def plain(value: Any, info: Info) -> Any:
    """An argument value as plain JSON under the API's names (omitted fields left out)."""
    fields = _input_fields(value)
    if fields:
        converter = info.schema.config.name_converter
        return {
            converter.get_graphql_name(f): plain(getattr(value, f.python_name), info)
            for f in fields
            if getattr(value, f.python_name, strawberry.UNSET) is not strawberry.UNSET
        }
    if isinstance(value, (list, tuple)):
        return [plain(v, info) for v in value]
    if isinstance(value, enum.Enum):
        return value.name
    return value


async def record_mutation(
    session: Any, info: Info, caller: Actor | None, arguments: dict[str, Any], result: Any
) -> None:
    """One audit row for this mutation in the transaction `session`."""
    ctx = info.context
    entity_type, entity_id = target(arguments, result)
    await audit.record(
        session,
        action=info.field_name,
        entity_type=entity_type,
        entity_id=entity_id,
        actor_id=caller.id if caller is not None else None,
        api_key_id=ctx.api_key_id,
        changes={name: plain(value, info) for name, value in arguments.items()},
        ip_address=client_ip(ctx),
        user_agent=user_agent(ctx),
        request_id=ctx.request_id,
    )
