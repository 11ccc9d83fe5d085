"""Property 68: any valid query returns exactly the requested fields, each of its declared type —
random selections of every scalar field of the public catalog types, over the demo data."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
)
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from app.db import Database
from app.seed import seed
from tests.support import accounts as accounts
from tests.support.graphql import GraphQLClient

PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "String": (str,),
    "ID": (str,),
    "Int": (int,),
    "Float": (float, int),
    "Boolean": (bool,),
    "DateTime": (str,),
    "Date": (str,),
}


def _schema_type(name: str) -> GraphQLObjectType:
    from schema.root import schema

    found = schema._schema.get_type(name)
    assert isinstance(found, GraphQLObjectType)
    return found


def _leaf_fields(type_name: str) -> list[str]:
    """Fields of `type_name` without arguments whose type is a scalar or enum (maybe listed)."""
    fields = []
    for name, field in _schema_type(type_name).fields.items():
        inner: Any = field.type
        while isinstance(inner, (GraphQLNonNull, GraphQLList)):
            inner = inner.of_type
        if not field.args and isinstance(inner, (GraphQLScalarType, GraphQLEnumType)):
            fields.append(name)
    return sorted(fields)


def _conforms(value: Any, type_: GraphQLOutputType) -> bool:
    if isinstance(type_, GraphQLNonNull):
        return value is not None and _conforms(value, type_.of_type)
    if value is None:
        return True
    if isinstance(type_, GraphQLList):
        return isinstance(value, list) and all(_conforms(v, type_.of_type) for v in value)
    if isinstance(type_, GraphQLEnumType):
        return value in type_.values
    assert isinstance(type_, GraphQLScalarType)
    if type_.name == "Boolean":
        return isinstance(value, bool)
    if type_.name == "JSON":
        return True
    # bool is an int subclass in Python: a Boolean where an Int/Float belongs is a wrong type
    return isinstance(value, PYTHON_TYPES[type_.name]) and not isinstance(value, bool)


@pytest.fixture
async def demo(database: Database) -> Database:
    await seed(database)
    return database


CASES = {
    "Course": "{ courses(first: 5) { edges { node { %s } } } }",
    "Category": "{ categories { %s } }",
}


@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
@pytest.mark.parametrize("type_name", sorted(CASES))
async def test_property_68_a_query_returns_exactly_the_requested_fields_of_their_types(
    client: GraphQLClient, demo: Database, type_name: str, data: st.DataObject
) -> None:
    leaves = _leaf_fields(type_name)
    assert len(leaves) >= 4
    object_type = _schema_type(type_name)
    selection = data.draw(st.lists(st.sampled_from(leaves), min_size=1, unique=True))

    outcome = await client.execute(CASES[type_name] % " ".join(selection))

    assert not outcome.errors, outcome.errors
    assert outcome.data is not None
    payload = outcome.data.get("courses") or outcome.data.get("categories")
    items = [e["node"] for e in payload["edges"]] if isinstance(payload, dict) else payload
    assert items, "the demo data has objects of this type"
    for item in items:
        assert list(item) == selection
        for name in selection:
            assert _conforms(item[name], object_type.fields[name].type), (name, item[name])
