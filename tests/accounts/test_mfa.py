"""TOTP two-factor authentication and recovery codes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select

from app.accounts.mfa import matching_step
from app.accounts.models import TotpCredential
from app.clock import frozen, utcnow
from tests.support.accounts import (
    AUTH_FIELDS,
    PASSWORD,
    login,
    make_user,
    totp_clock,
    totp_code,
)


@pytest.fixture(autouse=True)
async def clock() -> AsyncIterator[datetime]:
    with totp_clock() as at:
        yield at


async def enable_mfa(client, database):
    user = await make_user(database)
    me = await login(client, user.email)
    setup = (
        await client.mutate(
            "setupTotp", {"currentPassword": PASSWORD}, "secret otpauthUri", token=me["accessToken"]
        )
    ).payload("setupTotp")
    confirmed = (
        await client.mutate(
            "confirmTotp",
            {"code": totp_code(setup["secret"], 1)},
            "recoveryCodes",
            token=me["accessToken"],
        )
    ).payload("confirmTotp")
    return user, me, setup, confirmed


async def attempt(client, user, code=None):
    input_ = {"email": user.email, "password": PASSWORD}
    if code is not None:
        input_["totpCode"] = code
    return (await client.mutate("login", input_, AUTH_FIELDS)).payload("login")


def codes(payload):
    return [(e["field"], e["code"]) for e in payload["errors"]]


async def test_setup_stores_an_encrypted_unconfirmed_secret_and_gives_an_otpauth_uri(
    client, database
):
    user = await make_user(database)
    me = await login(client, user.email)

    setup = (
        await client.mutate(
            "setupTotp", {"currentPassword": PASSWORD}, "secret otpauthUri", token=me["accessToken"]
        )
    ).payload("setupTotp")

    assert setup["otpauthUri"].startswith("otpauth://totp/EasywaysSkills:")
    async with database.session() as session:
        credential = await session.scalar(select(TotpCredential))
    assert credential.confirmed_at is None
    assert setup["secret"].encode() not in credential.secret_encrypted
    assert (await attempt(client, user))["accessToken"]  # not enforced until confirmed


async def test_setup_needs_the_current_password(client, database):
    user = await make_user(database)
    me = await login(client, user.email)

    outcome = await client.mutate(
        "setupTotp", {"currentPassword": "Wrong-Pass-1"}, "secret", token=me["accessToken"]
    )

    assert codes(outcome.payload("setupTotp")) == [("currentPassword", "INVALID_PASSWORD")]


async def test_confirm_enables_mfa_and_returns_ten_single_view_recovery_codes(client, database):
    _user, me, _, confirmed = await enable_mfa(client, database)

    assert len(confirmed["recoveryCodes"]) == 10
    assert len(set(confirmed["recoveryCodes"])) == 10
    mfa = await client.execute("{ me { mfaEnabled } }", token=me["accessToken"])
    assert mfa.data["me"]["mfaEnabled"] is True


async def test_a_wrong_confirmation_code_does_not_enable_mfa(client, database):
    user = await make_user(database)
    me = await login(client, user.email)
    await client.mutate(
        "setupTotp", {"currentPassword": PASSWORD}, "secret", token=me["accessToken"]
    )

    outcome = await client.mutate(
        "confirmTotp", {"code": "000000"}, "recoveryCodes", token=me["accessToken"]
    )

    assert codes(outcome.payload("confirmTotp")) == [("code", "INVALID_MFA_CODE")]
    assert (await attempt(client, user))["accessToken"]


async def test_login_with_mfa_needs_a_code_and_rejects_a_wrong_one(client, database):
    user, _, _, _ = await enable_mfa(client, database)

    missing = await attempt(client, user)
    wrong = await attempt(client, user, "123456")

    assert codes(missing) == [("totpCode", "MFA_REQUIRED")]
    assert missing["accessToken"] is None
    assert codes(wrong) == [("totpCode", "INVALID_MFA_CODE")]
    assert wrong["accessToken"] is None


async def test_a_current_code_signs_in_once_and_cannot_be_replayed(client, database):
    user, _, setup, _ = await enable_mfa(client, database)
    code = totp_code(setup["secret"])

    assert (await attempt(client, user, code))["accessToken"]
    assert codes(await attempt(client, user, code)) == [("totpCode", "INVALID_MFA_CODE")]


async def test_a_code_older_than_the_last_used_one_is_refused(client, database):
    user, _, setup, _ = await enable_mfa(client, database)  # confirmed with the previous step

    assert codes(await attempt(client, user, totp_code(setup["secret"], 1))) == [
        ("totpCode", "INVALID_MFA_CODE")
    ]


async def test_a_recovery_code_works_in_place_of_the_totp_code_exactly_once(client, database):
    user, _, _, confirmed = await enable_mfa(client, database)
    recovery = confirmed["recoveryCodes"][0]

    assert (await attempt(client, user, recovery.upper()))["accessToken"]
    assert codes(await attempt(client, user, recovery)) == [("totpCode", "INVALID_MFA_CODE")]


async def test_disable_needs_password_and_a_current_code(client, database):
    user, me, setup, _ = await enable_mfa(client, database)
    token = me["accessToken"]

    wrong_password = await client.mutate(
        "disableTotp",
        {"currentPassword": "Wrong-Pass-1", "code": totp_code(setup["secret"])},
        "ok",
        token=token,
    )
    wrong_code = await client.mutate(
        "disableTotp", {"currentPassword": PASSWORD, "code": "000000"}, "ok", token=token
    )
    assert codes(wrong_password.payload("disableTotp")) == [("currentPassword", "INVALID_PASSWORD")]
    assert codes(wrong_code.payload("disableTotp")) == [("code", "INVALID_MFA_CODE")]

    done = await client.mutate(
        "disableTotp",
        {"currentPassword": PASSWORD, "code": totp_code(setup["secret"])},
        "ok",
        token=token,
    )

    assert done.payload("disableTotp") == {"ok": True, "errors": []}
    assert (await attempt(client, user))["accessToken"]


async def test_regenerating_recovery_codes_needs_the_password_and_voids_the_old_ones(
    client, database
):
    user, me, _, confirmed = await enable_mfa(client, database)

    refused = await client.mutate(
        "regenerateRecoveryCodes",
        {"currentPassword": "Wrong-Pass-1"},
        "recoveryCodes",
        token=me["accessToken"],
    )
    fresh = await client.mutate(
        "regenerateRecoveryCodes",
        {"currentPassword": PASSWORD},
        "recoveryCodes",
        token=me["accessToken"],
    )

    assert codes(refused.payload("regenerateRecoveryCodes")) == [
        ("currentPassword", "INVALID_PASSWORD")
    ]
    new_codes = fresh.payload("regenerateRecoveryCodes")["recoveryCodes"]
    assert not set(new_codes) & set(confirmed["recoveryCodes"])
    assert codes(await attempt(client, user, confirmed["recoveryCodes"][0])) == [
        ("totpCode", "INVALID_MFA_CODE")
    ]
    assert (await attempt(client, user, new_codes[0]))["accessToken"]


def test_the_current_step_comes_from_the_given_time_never_the_wall_clock():
    secret = pyotp.random_base32()
    then = datetime.fromisoformat("2031-05-04T10:00:01+00:00")
    step = pyotp.TOTP(secret).timecode(then)

    def code(offset: int) -> str:
        return pyotp.TOTP(secret).at(then + timedelta(seconds=30 * offset))

    assert [matching_step(secret, code(n), now=then) for n in (-1, 0, 1)] == [
        step - 1,
        step,
        step + 1,
    ]
    assert matching_step(secret, code(-2), now=then) is None
    assert matching_step(secret, code(2), now=then) is None
    assert matching_step(secret, code(0), now=then + timedelta(minutes=5)) is None


async def test_the_server_checks_codes_against_the_injected_clock(client, database):
    with frozen(datetime.fromisoformat("2031-05-04T10:00:01+00:00")):
        user, _, setup, confirmed = await enable_mfa(client, database)
        signed_in = await attempt(client, user, totp_code(setup["secret"]))

    assert confirmed["errors"] == []
    assert signed_in["accessToken"]


async def test_codes_of_the_next_step_are_accepted_and_of_two_steps_ahead_refused(client, database):
    user, _, setup, _ = await enable_mfa(client, database)  # confirmed with the previous step

    assert codes(await attempt(client, user, totp_code(setup["secret"], -2))) == [
        ("totpCode", "INVALID_MFA_CODE")
    ]
    assert (await attempt(client, user, totp_code(setup["secret"], -1)))["accessToken"]


async def test_every_test_here_runs_on_the_pinned_clock(clock):
    assert utcnow() == clock
    assert int(clock.timestamp()) % 30 == 1  # one second into a step, whenever it runs
