"""register: validated input, unique e-mail (even under a race), a verification e-mail — and the
same answer for a taken address (its owner is told instead), so nobody learns who has an account.
Nobody is signed in: an account signs in once its address is verified."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import select

from app.accounts.models import AuthSession, User, UserRole
from app.notifications.models import EmailLog
from tests.support.accounts import AUTH_FIELDS, PASSWORD, count, emails, make_user, token_of
from tests.support.graphql import GraphQLClient, with_settings

VALID = {
    "firstName": "Grace",
    "lastName": "Hopper",
    "email": "Grace@Example.com",
    "password": PASSWORD,
}
FIELDS = "ok email"


async def register(client: GraphQLClient, **overrides: object) -> dict:
    outcome = await client.mutate("register", {**VALID, **overrides}, FIELDS)
    return outcome.payload("register")


async def test_register_creates_an_unverified_student_e_mails_the_link_and_signs_nobody_in(
    client, database
):
    outcome = await client.mutate("register", VALID, FIELDS)

    assert outcome.payload("register") == {"ok": True, "email": "grace@example.com", "errors": []}
    assert outcome.set_cookies() == {}
    async with database.session() as session:
        user = await session.scalar(select(User))
    assert (user.email, user.role, user.email_verified_at) == (
        "grace@example.com",
        UserRole.STUDENT,
        None,
    )
    assert await count(database, AuthSession) == 0
    [mail] = await emails(database)
    assert (mail.template, mail.recipient) == ("verify_email", "grace@example.com")
    assert mail.context["link"].startswith(f"{client.settings.frontend_url}/verify-email?token=")
    assert mail.context["first_name"] == "Grace"


async def test_the_new_account_signs_in_once_its_address_is_verified(client, database):
    await register(client)
    login = {"email": VALID["email"], "password": PASSWORD}

    before = await client.mutate("login", login, AUTH_FIELDS)
    await client.mutate("verifyEmail", {"token": token_of((await emails(database))[0])}, "verified")
    after = await client.mutate("login", login, AUTH_FIELDS)

    assert [e["code"] for e in before.payload("login")["errors"]] == ["INVALID_CREDENTIALS"]
    assert after.payload("login")["user"]["email"] == "grace@example.com"


@hsettings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(variant=st.sampled_from(["lower", "upper", "title", "swap"]))
async def test_property_2_a_taken_address_in_any_case_gets_the_answer_of_a_free_one(
    client, database, variant
):
    client = with_settings(client, register_max_per_ip=10_000, email_requests_max_per_email=10_000)
    taken, free = "taken@example.com", f"free-{uuid.uuid4().hex}@example.com"
    if await count(database, User) == 0:
        await make_user(database, email=taken)
    users, notices = await count(database, User), len(await emails(database, "email_in_use"))
    variant_of_taken = taken.swapcase() if variant == "swap" else getattr(taken, variant)()

    for_taken = await client.mutate("register", {**VALID, "email": variant_of_taken}, FIELDS)
    for_free = await client.mutate("register", {**VALID, "email": free}, FIELDS)

    assert for_taken.payload("register") == {**for_free.payload("register"), "email": taken}
    assert for_taken.set_cookies() == for_free.set_cookies() == {}
    assert await count(database, User) == users + 1  # the free address's account only
    assert [m.recipient for m in await emails(database, "email_in_use")][notices:] == [taken]
    assert taken not in [m.recipient for m in await emails(database, "verify_email")]


async def test_the_owner_of_a_taken_address_is_told_and_nothing_is_created(client, database):
    owner = await make_user(database, email="taken@example.com", first_name="Ada")

    payload = await register(client, email="TAKEN@Example.COM", password="Other-Pass-77")

    assert payload == {"ok": True, "email": "taken@example.com", "errors": []}
    assert await count(database, User) == 1
    [notice] = await emails(database)
    assert (notice.template, notice.recipient, notice.user_id) == (
        "email_in_use",
        "taken@example.com",
        owner.id,
    )
    assert notice.context == {"first_name": "Ada", "link": client.settings.frontend_url}


async def test_registering_a_taken_address_then_signing_in_tells_nothing_either(client, database):
    """The classic follow-up probe: register with a password, then try it. A free address's new
    account cannot sign in before verification, so both answer INVALID_CREDENTIALS alike."""
    await make_user(database, email="taken@example.com")
    answers = []
    for address in ("taken@example.com", "free@example.com"):
        await register(client, email=address, password="Probe-Pass-77")
        outcome = await client.mutate(
            "login", {"email": address, "password": "Probe-Pass-77"}, AUTH_FIELDS
        )
        answers.append(outcome.payload("login"))

    assert answers[0] == answers[1]
    assert [e["code"] for e in answers[0]["errors"]] == ["INVALID_CREDENTIALS"]


async def test_property_2_two_simultaneous_registrations_create_exactly_one_user(client, database):
    results = await asyncio.gather(*(register(client, email="race@example.com") for _ in range(2)))

    assert results[0] == results[1] == {"ok": True, "email": "race@example.com", "errors": []}
    assert await count(database, User) == 1
    assert sorted(m.template for m in await emails(database)) == ["email_in_use", "verify_email"]


async def test_e_mails_to_one_address_are_throttled_whether_or_not_it_is_taken(client, database):
    client.settings = client.settings.model_copy(update={"email_requests_max_per_email": 2})
    await make_user(database, email="taken@example.com")
    for address in ("taken@example.com", "free@example.com"):
        for _ in range(2):
            await register(client, email=address)

        blocked = await client.mutate("register", {**VALID, "email": address}, FIELDS)

        assert blocked.codes == ["RATE_LIMITED"]
    assert len(await emails(database)) == 4


async def test_weak_and_common_passwords_are_rejected_with_every_rule_at_once(client, database):
    payload = await register(client, password="short", firstName="R2-D2", email="not-an-email")

    codes = {(e["field"], e["code"]) for e in payload["errors"]}
    assert ("password", "TOO_SHORT") in codes
    assert ("password", "WEAK_PASSWORD") in codes
    assert ("firstName", "INVALID_NAME") in codes
    assert ("email", "INVALID_EMAIL") in codes
    assert payload["ok"] is False
    assert await count(database, User) == 0


async def test_a_common_password_is_rejected_whatever_its_case(client, database):
    payload = await register(client, password="Password1")

    assert [e["code"] for e in payload["errors"]] == ["COMMON_PASSWORD"]
    assert await count(database, User) == 0


async def test_oversized_strings_are_rejected_before_anything_is_hashed(client, database):
    payload = await register(
        client, password="Aa1" + "x" * 1_000, firstName="A" * 51, email="a" * 250 + "@example.com"
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
    unknown = await client.mutate("register", {**VALID, "role": "ADMIN"}, "ok")
    wrong_type = await client.mutate("register", {**VALID, "age": "old"}, "ok")

    assert unknown.errors
    assert unknown.data is None
    assert wrong_type.errors
    assert wrong_type.data is None
    assert await count(database, User) == 0
    assert await count(database, EmailLog) == 0


async def test_registration_is_throttled_per_ip(client, database):
    client.settings = client.settings.model_copy(update={"register_max_per_ip": 2})
    for i in range(2):
        await register(client, email=f"user{i}@example.com")

    outcome = await client.mutate("register", {**VALID, "email": "third@example.com"}, "ok")

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
