"""register: validated input, unique e-mail (even under a race), tokens + verification e-mail."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from app.accounts.models import User
from app.notifications.models import EmailLog
from tests.support.accounts import AUTH_FIELDS, PASSWORD, count, emails, make_user
from tests.support.graphql import GraphQLClient

VALID = {
    "firstName": "Grace",
    "lastName": "Hopper",
    "email": "Grace@Example.com",
    "password": PASSWORD,
}


async def register(client: GraphQLClient, **overrides: object) -> dict:
    outcome = await client.mutate("register", {**VALID, **overrides}, AUTH_FIELDS)
    return outcome.payload("register")


async def test_register_creates_a_student_signs_them_in_and_sends_a_verification_link(
    client, database
):
    payload = await register(client)

    assert payload["errors"] == []
    assert payload["user"]["email"] == "grace@example.com"
    assert payload["user"]["role"] == "STUDENT"
    assert payload["accessToken"]
    assert payload["refreshToken"]
    [mail] = await emails(database, "verify_email")
    assert mail.recipient == "grace@example.com"
    assert mail.context["link"].startswith(f"{client.settings.frontend_url}/verify-email?token=")
    assert mail.context["first_name"] == "Grace"


async def test_register_sets_the_refresh_cookie_httponly_and_a_readable_csrf_cookie(client):
    outcome = await client.mutate("register", VALID, AUTH_FIELDS)
    cookies = outcome.set_cookies()

    refresh = cookies[client.settings.refresh_cookie_name]
    assert refresh.value == outcome.payload("register")["refreshToken"]
    assert refresh["httponly"] is True
    assert refresh["path"] == "/graphql"
    assert refresh["samesite"].lower() == "lax"
    assert int(refresh["max-age"]) > 29 * 24 * 3600
    csrf = cookies[client.settings.csrf_cookie_name]
    assert csrf.value
    assert not csrf["httponly"]


async def test_property_2_a_taken_email_in_any_case_is_rejected_and_writes_nothing(
    client, database
):
    await make_user(database, email="taken@example.com")

    payload = await register(client, email="TAKEN@Example.COM")

    assert [e["code"] for e in payload["errors"]] == ["EMAIL_TAKEN"]
    assert payload["accessToken"] is None
    assert await count(database, User) == 1
    assert await count(database, EmailLog) == 0


async def test_property_2_two_simultaneous_registrations_create_exactly_one_user(client, database):
    results = await asyncio.gather(*(register(client, email="race@example.com") for _ in range(2)))

    codes = sorted(e["code"] for r in results for e in r["errors"])
    assert codes == ["EMAIL_TAKEN"]
    assert await count(database, User) == 1


async def test_weak_and_common_passwords_are_rejected_with_every_rule_at_once(client, database):
    payload = await register(client, password="short", firstName="R2-D2", email="not-an-email")

    codes = {(e["field"], e["code"]) for e in payload["errors"]}
    assert ("password", "TOO_SHORT") in codes
    assert ("password", "WEAK_PASSWORD") in codes
    assert ("firstName", "INVALID_NAME") in codes
    assert ("email", "INVALID_EMAIL") in codes
    assert await count(database, User) == 0


async def test_a_common_password_is_rejected_whatever_its_case(client, database):
    payload = await register(client, password="Password1")

    assert [e["code"] for e in payload["errors"]] == ["COMMON_PASSWORD"]
    assert await count(database, User) == 0


async def test_oversized_strings_are_rejected_before_anything_is_hashed(client, database):
    payload = await register(
        client, password="Aa1" + "x" * 100_000, firstName="A" * 51, email="a" * 250 + "@example.com"
    )

    codes = {(e["field"], e["code"]) for e in payload["errors"]}
    assert codes == {("password", "TOO_LONG"), ("firstName", "TOO_LONG"), ("email", "TOO_LONG")}
    assert await count(database, User) == 0


async def test_age_and_phone_are_checked(client, database):
    payload = await register(client, age=12, phone="12345")

    assert {e["code"] for e in payload["errors"]} == {"INVALID_AGE", "INVALID_PHONE"}
    assert await count(database, User) == 0


async def test_unknown_input_fields_and_wrong_types_are_graphql_errors_that_write_nothing(
    client, database
):
    unknown = await client.mutate("register", {**VALID, "role": "ADMIN"}, "accessToken")
    wrong_type = await client.mutate("register", {**VALID, "age": "old"}, "accessToken")

    assert unknown.errors
    assert unknown.data is None
    assert wrong_type.errors
    assert wrong_type.data is None
    assert await count(database, User) == 0


async def test_registration_is_throttled_per_ip(client, database):
    client.settings = client.settings.model_copy(update={"register_max_per_ip": 2})
    for i in range(2):
        await register(client, email=f"user{i}@example.com")

    outcome = await client.mutate(
        "register", {**VALID, "email": "third@example.com"}, "accessToken"
    )

    assert outcome.codes == ["RATE_LIMITED"]
    assert outcome.errors[0].extensions["retryAfter"] > 0
    assert await count(database, User) == 2


@hsettings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(["lower", "upper", "title", "swap"]))
async def test_property_2_any_case_variant_of_a_taken_email_is_a_duplicate(database, variant):
    from app.errors import UserFacingError

    base = "dup-case@example.com"
    if await count(database, User) == 0:
        await make_user(database, email=base)
    email = getattr(base, variant)() if variant != "swap" else base.swapcase()
    with pytest.raises(UserFacingError) as raised:
        await make_user(database, email=email)
    assert [e.code for e in raised.value.errors] == ["EMAIL_TAKEN"]
    assert await count(database, User) == 1
