"""Hypothesis strategies for our custom scalars (and for ids the server really holds), as the
GraphQL value nodes schemathesis puts into the operations it generates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import graphql
import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes

from tests.fuzz.operations import DATE_VALUES, DATETIME_VALUES, DECIMAL_VALUES, IdPool

NAMES = st.from_regex(r"\A[_A-Za-z][_0-9A-Za-z]{0,8}\Z")


def value_node(value: Any) -> graphql.ValueNode:
    """A JSON value as a GraphQL literal (object keys are names)."""
    if value is None:
        return nodes.Null
    if isinstance(value, bool):
        return nodes.Boolean(value)
    if isinstance(value, int):
        return nodes.Int(value)
    if isinstance(value, float):
        return nodes.Float(value)
    if isinstance(value, list):
        return nodes.List([value_node(v) for v in value])
    if isinstance(value, dict):
        return nodes.Object(
            [
                graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=value_node(v))
                for k, v in value.items()
            ]
        )
    return nodes.String(value)


def _offset(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _strings(values: list[tuple[str, Any]]) -> list[str]:
    return [value for _, value in values if isinstance(value, str)]


DATETIMES = st.one_of(
    st.builds(
        lambda moment, zone: moment.isoformat() + zone,
        st.datetimes(),
        st.just("Z") | st.integers(-14 * 60, 14 * 60).map(_offset),
    ),
    st.datetimes().map(datetime.isoformat),  # naive
    st.sampled_from(_strings(DATETIME_VALUES)),
    st.text(max_size=30),
)
DATES = st.one_of(st.dates().map(str), st.sampled_from(_strings(DATE_VALUES)), st.text(max_size=12))
DECIMALS = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(_strings(DECIMAL_VALUES)),
    st.text(max_size=20),
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(NAMES, children, max_size=4),
    max_leaves=12,
)


def register_scalars(pool: IdPool) -> None:
    """Our scalars, and ids: a third of them ids of objects that exist (so operations get past
    the lookup), the rest any string or integer."""
    schemathesis.graphql.scalar("DateTime", DATETIMES.map(nodes.String))
    schemathesis.graphql.scalar("Date", DATES.map(nodes.String))
    schemathesis.graphql.scalar("Decimal", DECIMALS.map(nodes.String))
    schemathesis.graphql.scalar("JSON", JSON_VALUES.map(value_node))
    known = st.sampled_from(pool.all_ids()).map(nodes.String)
    schemathesis.graphql.scalar(
        "ID", known | st.text().map(nodes.String) | st.integers().map(nodes.Int)
    )
