"""Property 62: input is validated before business logic — every text a mutation takes has a
length limit, and text over it is a typed error that changes nothing.

The test walks the schema, so mutations added later are covered without listing them: for every
mutation, for every String field of its arguments (nested inputs and lists included), it sends a
value far over that field's limit (`schema.core.text_limits`) with otherwise minimal input, as an
admin, and expects the TOO_LONG payload error on that very field and no write to the database."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLType,
)
from redis.asyncio import Redis
from strawberry.relay import to_base64

from app.accounts.models import UserRole
from app.db import Database, count_statements
from app.security.tokens import KeyRing
from app.settings import Settings
from schema.core.text_limits import DEFAULT_MAX, LONGER, limit_of
from schema.root import schema as product_schema
from tests.support.catalog import person, token_for
from tests.support.graphql import GraphQLClient, unlimited

OVER = 80_000  # characters beyond each field's limit: 100 kB for an ordinary field
SCALARS: dict[str, Any] = {
    "String": "x",
    "ID": to_base64("Nothing", str(uuid.UUID(int=1))),
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "Date": "2026-12-01",
    "DateTime": "2026-12-01T00:00:00Z",
    "Decimal": "1",
    "JSON": {},
}
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|MERGE|TRUNCATE)\b", re.IGNORECASE)

Path = tuple[str | int, ...]  # field names and list positions from the argument down


def _unwrap(type_: GraphQLType) -> GraphQLType:
    while isinstance(type_, (GraphQLNonNull, GraphQLList)):
        type_ = type_.of_type
    return type_


def _text_paths(type_: GraphQLType, seen: frozenset[str] = frozenset()) -> Iterator[Path]:
    """Paths to every String inside a value of `type_` (each list contributes position 0)."""
    if isinstance(type_, GraphQLNonNull):
        yield from _text_paths(type_.of_type, seen)
    elif isinstance(type_, GraphQLList):
        for path in _text_paths(type_.of_type, seen):
            yield (0, *path)
    elif isinstance(type_, GraphQLScalarType) and type_.name == "String":
        yield ()
    elif isinstance(type_, GraphQLInputObjectType) and type_.name not in seen:
        for name, field in type_.fields.items():
            for path in _text_paths(field.type, seen | {type_.name}):
                yield (name, *path)


def _required(field: GraphQLInputField | GraphQLArgument) -> bool:
    return isinstance(field.type, GraphQLNonNull) and field.default_value is _undefined()


def _undefined() -> Any:
    from graphql.pyutils import Undefined

    return Undefined


def _value(type_: GraphQLType, path: Path, text: str) -> Any:
    """The minimal value of `type_`, with `text` at `path` (an empty path: this value)."""
    if isinstance(type_, GraphQLNonNull):
        return _value(type_.of_type, path, text)
    if isinstance(type_, GraphQLList):
        return [_value(type_.of_type, path[1:], text)] if path else []
    if not path and isinstance(type_, GraphQLScalarType) and type_.name == "String":
        return text
    if isinstance(type_, GraphQLScalarType):
        return SCALARS[type_.name]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    assert isinstance(type_, GraphQLInputObjectType), type_
    value: dict[str, Any] = {}
    if _one_of(type_):
        name = str(path[0]) if path else next(iter(type_.fields))
        field = type_.fields[name]
        return {name: _value(field.type, path[1:] if path else (), text)}
    for name, field in type_.fields.items():
        if path and path[0] == name:
            value[name] = _value(field.type, path[1:], text)
        elif _required(field):
            value[name] = _value(field.type, (), text)
    return value


def _one_of(type_: GraphQLInputObjectType) -> bool:
    definition = (type_.extensions or {}).get("strawberry-definition")
    directives = getattr(definition, "directives", ()) or ()
    return type_.is_one_of or any(type(d).__name__ == "OneOf" for d in directives)


def _limit(type_: GraphQLType, path: Path) -> int:
    """The limit of the field at `path`: the innermost input type's entry in LONGER."""
    owner, field = "", ""
    for step in path:
        type_ = _unwrap(type_)
        if isinstance(step, str) and isinstance(type_, GraphQLInputObjectType):
            owner, field = type_.name, step
            type_ = type_.fields[step].type
    return limit_of(owner, field) if owner else DEFAULT_MAX


def _error_path(argument: str, path: Path) -> str:
    steps = [] if argument == "input" else [argument]
    text = ".".join(steps)
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


def _cases() -> list[tuple[str, str, Path]]:
    mutation_type = product_schema._schema.mutation_type
    assert mutation_type is not None
    cases = []
    for name, field in mutation_type.fields.items():
        for arg_name, arg in field.args.items():
            cases.extend((name, arg_name, path) for path in _text_paths(arg.type))
    return cases


CASES = _cases()


def _operation(name: str) -> tuple[str, dict[str, Any]]:
    mutation_type = product_schema._schema.mutation_type
    assert mutation_type is not None
    field = mutation_type.fields[name]
    payload = _unwrap(field.type)
    selection = (
        "errors { field code }"
        if (isinstance(payload, GraphQLObjectType) and "errors" in payload.fields)
        else "__typename"
    )
    return selection, field.args


def test_the_walk_finds_the_text_fields_of_mutations() -> None:
    """Property 62: the walk reaches nested inputs and lists (so new mutations are covered)."""
    found = {(m, p) for m, _, p in CASES}
    assert ("createBlogPost", ("body",)) in found
    assert ("createBlogPost", ("tags", 0)) in found
    assert any(m == "setCoursePricing" and len(p) > 1 for m, _, p in CASES)
    assert len(CASES) > 100


def test_every_longer_limit_names_a_real_text_field() -> None:
    """Property 62: the table of exceptions holds no stale entry, and its limits stay bounded."""
    types = product_schema._schema.type_map
    for coordinate, limit in LONGER.items():
        type_name, field_name = coordinate.split(".")
        owner = types[type_name]
        assert isinstance(owner, GraphQLInputObjectType)
        assert _unwrap(owner.fields[field_name].type).name == "String"  # type: ignore[attr-defined]
        assert DEFAULT_MAX < limit <= 1_000_000


@pytest.mark.parametrize(("mutation", "argument", "path"), CASES, ids=lambda v: str(v))
async def test_property_62_text_over_its_limit_is_too_long_and_changes_nothing(
    database: Database,
    redis_client: Redis,
    keyring: KeyRing,
    settings: Settings,
    mutation: str,
    argument: str,
    path: Path,
) -> None:
    """Property 62: a text over its field's limit is TOO_LONG on that field; nothing is written."""
    selection, args = _operation(mutation)
    arg = args[argument]
    text = "x" * (_limit(arg.type, path) + OVER)
    variables = {
        name: _value(a.type, path if name == argument else (), text)
        for name, a in args.items()
        if name == argument or _required(a)
    }
    declared = ", ".join(f"${name}: {args[name].type}" for name in variables)
    passed = ", ".join(f"{name}: ${name}" for name in variables)
    query = f"mutation({declared}) {{ {mutation}({passed}) {{ {selection} }} }}"
    client = unlimited(GraphQLClient(database, redis_client, keyring, settings))
    admin = await person(database, UserRole.ADMIN)
    with count_statements(database.engine) as counter:
        outcome = await client.execute(query, variables, token=token_for(client, admin))
    assert outcome.errors == [], outcome.errors
    assert outcome.data is not None
    errors = outcome.data[mutation]["errors"]
    assert {"field": _error_path(argument, path), "code": "TOO_LONG"} in errors
    assert [s for s in counter.statements if WRITES.match(s)] == []
