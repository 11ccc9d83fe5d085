"""Values the API cannot take are BAD_USER_INPUT before anything runs, never internal errors:
text with NUL, other control characters or lone surrogates in any string (literal or variable,
String, ID or JSON, keys too); JSON too deep, too large or with numbers no store can hand back;
date-times without a zone or outside years 1-9999 once in UTC. Stored JSON that could not be
encoded is made readable, and unexpected errors never show SQL or its parameters."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import orjson
import pytest
import strawberry
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text as sql
from sqlalchemy import update
from strawberry.scalars import JSON

from app.accounts.models import UserProfile
from app.commerce.models import Coupon
from app.db import Database
from app.security.tokens import KeyRing
from app.settings import Settings
from schema.core.context import Info
from schema.core.values import MAX_JSON_BYTES, MAX_JSON_DEPTH
from schema.root import build_schema
from tests.support import accounts, coupons
from tests.support.catalog import gid, token_for
from tests.support.graphql import GraphQLClient

HYPOTHESIS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
INVALID_CHARACTERS = [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"] + ["\ud800", "\udfff"]


@strawberry.input
class Window:
    starts: datetime
    ends: list[datetime] | None = None


@strawberry.input
class Nested:
    label: str
    window: Window | None = None


@strawberry.type
class ValuesQuery:
    @strawberry.field
    def text(self, value: str) -> str:
        return value

    @strawberry.field
    def ident(self, value: strawberry.ID) -> str:
        return str(value)

    @strawberry.field
    def texts(self, values: list[str]) -> int:
        return len(values)

    @strawberry.field
    def nested(self, value: Nested) -> str:
        return value.label

    @strawberry.field
    def json(self, value: JSON) -> JSON:
        return value

    @strawberry.field
    def stored(self, value: str) -> JSON:
        return orjson.loads(value)  # what a jsonb column may hand back (any integer)

    @strawberry.field
    async def leak(self, info: Info, value: str) -> int:
        async with info.context.db.session() as session:
            return int(
                await session.scalar(sql("SELECT CAST(:secret AS text)::int"), {"secret": value})
            )


@pytest.fixture
def values(
    database: Database, redis_client: Any, keyring: KeyRing, settings: Settings
) -> GraphQLClient:
    schema = build_schema(settings, queries=[ValuesQuery])
    return GraphQLClient(database, redis_client, keyring, settings, schema=schema)


@pytest.fixture
def api(
    database: Database, redis_client: Any, keyring: KeyRing, settings: Settings
) -> GraphQLClient:
    """The product schema (this directory's `client` is an HTTP client)."""
    return GraphQLClient(database, redis_client, keyring, settings)


def literal(value: str) -> str:
    """A GraphQL string literal of `value`, every character escaped (\\uXXXX, \\u{XXXXX})."""
    return '"' + "".join(f"\\u{{{ord(c):x}}}" for c in value) + '"'


dirty = st.builds(
    lambda before, bad, after: before + bad + after,
    st.text(max_size=20),
    st.sampled_from(INVALID_CHARACTERS),
    st.text(max_size=20),
)
clean = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters=INVALID_CHARACTERS),
    max_size=40,
)


# --- text -----------------------------------------------------------------------------------


@HYPOTHESIS
@given(value=dirty, field=st.sampled_from(["text", "ident"]))
async def test_invalid_text_is_refused_as_a_variable(
    values: GraphQLClient, value: str, field: str
) -> None:
    kind = "String" if field == "text" else "ID"
    outcome = await values.execute(f"query($v: {kind}!) {{ {field}(value: $v) }}", {"v": value})
    assert outcome.codes == ["BAD_USER_INPUT"]
    assert outcome.data is None


@HYPOTHESIS
@given(value=dirty.filter(lambda v: not any("\ud800" <= c <= "\udfff" for c in v)))
async def test_invalid_text_is_refused_as_a_literal(values: GraphQLClient, value: str) -> None:
    outcome = await values.execute(f"{{ text(value: {literal(value)}) }}")
    assert outcome.codes == ["BAD_USER_INPUT"]
    assert outcome.data is None


@HYPOTHESIS
@given(value=dirty)
async def test_invalid_text_inside_lists_nested_inputs_and_json_keys_is_refused(
    values: GraphQLClient, value: str
) -> None:
    in_list = await values.execute("query($v: [String!]!) { texts(values: $v) }", {"v": [value]})
    nested = await values.execute(
        "query($v: Nested!) { nested(value: $v) }", {"v": {"label": value}}
    )
    json_key = await values.execute("query($v: JSON!) { json(value: $v) }", {"v": {value: 1}})
    assert in_list.codes == nested.codes == json_key.codes == ["BAD_USER_INPUT"]


@HYPOTHESIS
@given(value=clean)
async def test_valid_text_passes_through_unchanged(values: GraphQLClient, value: str) -> None:
    by_variable = await values.execute("query($v: String!) { text(value: $v) }", {"v": value})
    by_literal = await values.execute(f"{{ text(value: {literal(value)}) }}")
    assert by_variable.data == by_literal.data == {"text": value}


async def test_tabs_and_line_breaks_are_text(values: GraphQLClient) -> None:
    outcome = await values.execute('{ text(value: "a\\tb\\r\\nc") }')
    assert outcome.data == {"text": "a\tb\r\nc"}


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (
            "mutation($e: String!) { login(input: {email: $e, password: $e}) { errors { code } } }",
            {"e": "a\u0000@example.com"},
        ),
        (
            'mutation { requestPasswordReset(input: {email: "\\u0000@x.example"}) { __typename } }',
            None,
        ),
        ("query($q: String!) { searchCourses(query: $q) { totalCount } }", {"q": "py\u0000"}),
        ("query($c: String!) { verifyCertificate(code: $c) { valid } }", {"c": "\u0000"}),
    ],
)
async def test_nul_in_public_operations_is_bad_user_input(
    api: GraphQLClient, query: str, variables: dict[str, Any] | None
) -> None:
    outcome = await api.execute(query, variables)
    assert outcome.codes == ["BAD_USER_INPUT"]


# --- JSON -----------------------------------------------------------------------------------


def deep(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = {"a": value}
    return value


async def test_json_may_nest_ten_levels_and_no_more(values: GraphQLClient) -> None:
    query = "query($v: JSON!) { json(value: $v) }"
    ok = await values.execute(query, {"v": deep(MAX_JSON_DEPTH)})
    too_deep = await values.execute(query, {"v": deep(MAX_JSON_DEPTH + 1)})
    as_literal = await values.execute(
        "{ json(value: " + "{a: " * (MAX_JSON_DEPTH + 1) + "1" + "}" * (MAX_JSON_DEPTH + 1) + ") }"
    )
    assert ok.data == {"json": deep(MAX_JSON_DEPTH)}
    assert too_deep.codes == as_literal.codes == ["BAD_USER_INPUT"]


async def test_json_is_limited_to_16_kib(values: GraphQLClient) -> None:
    query = "query($v: JSON!) { json(value: $v) }"
    room = MAX_JSON_BYTES - len(orjson.dumps({"a": ""}))
    ok = await values.execute(query, {"v": {"a": "x" * room}})
    too_large = await values.execute(query, {"v": {"a": "x" * (room + 1)}})
    assert not ok.errors
    assert too_large.codes == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("number", [1e20, -1e20, 2**63, -(2**63) - 1, 1.5e300])
async def test_json_numbers_beyond_64_bits_are_refused(
    values: GraphQLClient, number: float
) -> None:
    by_variable = await values.execute("query($v: JSON!) { json(value: $v) }", {"v": {"x": number}})
    by_literal = await values.execute(f"{{ json(value: {{x: {number!r}}}) }}")
    assert by_variable.codes == by_literal.codes == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("number", [0, 2**63 - 1, -(2**63) + 1, 1.5, 1e-300, 9.2e18])
async def test_json_numbers_within_64_bits_pass(values: GraphQLClient, number: float) -> None:
    outcome = await values.execute("query($v: JSON!) { json(value: $v) }", {"v": {"x": number}})
    assert outcome.data == {"json": {"x": number}}


async def test_update_profile_refuses_a_number_jsonb_could_not_hand_back(
    api: GraphQLClient, database: Database
) -> None:
    user = await accounts.make_user(database)
    outcome = await api.execute(
        "mutation { updateProfile(input: {preferences: {x: 1e20}}) { errors { code } } }",
        token=token_for(api, user),
    )
    assert outcome.codes == ["BAD_USER_INPUT"]
    async with database.session() as session:
        profile = await session.get(UserProfile, user.id)
    assert profile is not None
    assert profile.preferences == {}


async def test_stored_preferences_no_encoder_takes_are_still_readable(
    api: GraphQLClient, database: Database
) -> None:
    """Rows written before the limits: jsonb hands 1e20 back as a 21-digit integer."""
    user = await accounts.make_user(database)
    async with database.transaction() as session:
        await session.execute(
            update(UserProfile)
            .where(UserProfile.user_id == user.id)
            .values(preferences={"x": 10**20, "huge": 10**400, "ok": 7, "deep": deep(300)})
        )
    outcome = await api.execute("{ me { profile { preferences } } }", token=token_for(api, user))
    assert not outcome.errors
    assert outcome.data is not None
    preferences = outcome.data["me"]["profile"]["preferences"]
    assert preferences["x"] == 1e20
    assert preferences["huge"] is None
    assert preferences["ok"] == 7
    orjson.dumps(outcome.data)  # what the endpoint does with it


async def test_json_output_beyond_64_bits_is_encodable(values: GraphQLClient) -> None:
    outcome = await values.execute('{ stored(value: "[123456789012345678901234567890, 1]") }')
    assert outcome.data == {"stored": [1.2345678901234568e29, 1]}
    orjson.dumps(outcome.data)


# --- date-times -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2030-01-01T00:00:00",  # no zone
        "9999-12-31T23:59:59-14:00",  # year 10000 in UTC
        "0001-01-01T00:00:00+14:00",  # year 0 in UTC
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999Z",  # stored by the driver as infinity, read back naive
        "0001-01-01T00:00:00Z",  # likewise -infinity
        "2030-02-30T00:00:00Z",
        "not a date",
    ],
)
async def test_date_times_the_api_cannot_take_are_bad_user_input(
    values: GraphQLClient, value: str
) -> None:
    query = "query($w: Nested!) { nested(value: $w) }"
    as_variable = await values.execute(query, {"w": {"label": "x", "window": {"starts": value}}})
    in_a_list = await values.execute(
        query, {"w": {"label": "x", "window": {"starts": "2030-01-01T00:00:00Z", "ends": [value]}}}
    )
    as_literal = await values.execute(
        f'{{ nested(value: {{label: "x", window: {{starts: "{value}"}}}}) }}'
    )
    assert as_variable.codes == in_a_list.codes == as_literal.codes == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00-01:00"])
async def test_date_times_within_range_in_utc_pass(values: GraphQLClient, value: str) -> None:
    outcome = await values.execute(
        "query($w: Nested!) { nested(value: $w) }",
        {"w": {"label": "ok", "window": {"starts": value}}},
    )
    assert outcome.data == {"nested": "ok"}


def test_every_date_time_of_the_schema_is_the_zone_checking_scalar() -> None:
    """Nested inputs included: there is one DateTime type, and it is ours."""
    from schema.core.scalars import parse_aware_datetime
    from schema.root import schema

    date_time = schema._schema.type_map["DateTime"]
    assert date_time.parse_value is parse_aware_datetime  # type: ignore[attr-defined]
    others = [
        name
        for name, named in schema._schema.type_map.items()
        if "date" in name.lower() and "time" in name.lower() and named is not date_time
    ]
    assert others == []


# --- decimals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount",
    [
        "NaN",
        "Infinity",
        "-inf",
        "1E+999999999",
        "1e308",
        1e20,
        "1000000000000000",
        "0.1234567890123",
        "x",
    ],
)
async def test_decimals_the_api_cannot_take_are_bad_user_input_and_change_nothing(
    api: GraphQLClient, amount: object
) -> None:
    """Amounts reach services finite, below 10^15 and with at most 12 decimals, so no service
    overflows or meets a NaN (found by fuzzing: prices, coupons, price filters)."""
    outcome = await api.execute(
        "query($f: CourseFilter) { courses(filter: $f) { totalCount } }",
        {"f": {"minPrice": {"amount": amount, "currency": "USD"}}},
    )
    assert outcome.codes == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("amount", ["19.99", 19.99, "0", "999999999999.99", "1.500000000000000"])
async def test_decimals_within_bounds_pass(api: GraphQLClient, amount: object) -> None:
    outcome = await api.execute(
        "query($f: CourseFilter) { courses(filter: $f) { totalCount } }",
        {"f": {"minPrice": {"amount": amount, "currency": "USD"}}},
    )
    assert outcome.errors == [], outcome.errors


# --- what an unexpected error shows -----------------------------------------------------------


async def test_development_errors_show_the_driver_message_never_sql_or_parameters(
    values: GraphQLClient,
) -> None:
    secret = f"secret-{uuid.uuid4().hex}"
    outcome = await values.execute("query($v: String!) { leak(value: $v) }", {"v": secret})
    (error,) = outcome.errors
    assert error.extensions["code"] == "INTERNAL_SERVER_ERROR"
    assert error.message.startswith("InvalidTextRepresentationError: invalid input syntax")
    assert secret not in error.message
    assert "SELECT" not in error.message
    assert "[SQL" not in error.message


@pytest.mark.parametrize("valid_until", ["2030-01-01T00:00:00", "9999-12-31T23:59:59-14:00"])
async def test_update_coupon_with_a_date_time_the_api_cannot_take_changes_nothing(
    api: GraphQLClient, database: Database, valid_until: str
) -> None:
    """The issue's case: a naive `validUntil` reached the comparison with aware date-times."""
    row = await coupons.coupon(database)
    outcome = await api.execute(
        "mutation($input: UpdateCouponInput!) { updateCoupon(input: $input) { errors { code } } }",
        {"input": {"couponId": gid("Coupon", row.id), "validUntil": valid_until}},
        token=token_for(api, await coupons.admin(database)),
    )
    assert outcome.codes == ["BAD_USER_INPUT"]
    async with database.session() as session:
        stored = await session.get(Coupon, row.id)
    assert stored is not None
    assert stored.valid_until == row.valid_until
