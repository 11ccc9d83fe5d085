"""MFA_REQUIRED_FOR_ADMINS: the `amr` claim (RFC 8176) and admin capabilities locked until an
admin signs in with a second factor."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from strawberry import relay

from app.accounts.models import AuthSession, UserRole
from app.errors import Forbidden
from app.security.permissions import (
    ADMIN_ONLY_PERMISSIONS,
    MFA_REQUIRED_FOR_ADMINS_MESSAGE,
    ROLE_PERMISSIONS,
    Actor,
    Permission,
    has_permission,
    require_owner_or_permission,
    require_permission,
    require_role,
)
from app.security.tokens import verify_access_token
from tests.support.accounts import (
    AUTH_FIELDS,
    PASSWORD,
    emails,
    login,
    make_user,
    token_of,
    totp_clock,
    totp_code,
)
from tests.support.graphql import GraphQLClient, with_settings

FIELDS = f"{AUTH_FIELDS} mfaSetupRequired"
SET_ROLE = "user { role }"
EMAIL_OF = "query($id: ID!) { user(id: $id) { email } }"


def gid(user) -> str:
    return str(relay.GlobalID("User", str(user.id)))


def amr_of(client: GraphQLClient, token: str) -> tuple[str, ...]:
    return verify_access_token(client.keyring, client.settings, token).amr


@pytest.fixture(autouse=True)
async def clock() -> AsyncIterator[datetime]:
    with totp_clock() as at:
        yield at


@pytest.fixture
def strict(client: GraphQLClient) -> GraphQLClient:
    return with_settings(client, mfa_required_for_admins=True)


async def sign_in(client: GraphQLClient, email: str, code: str | None = None) -> dict:
    input_ = {"email": email, "password": PASSWORD}
    if code is not None:
        input_["totpCode"] = code
    payload = (await client.mutate("login", input_, FIELDS)).payload("login")
    assert payload["errors"] == [], payload["errors"]
    return payload


async def set_role(client: GraphQLClient, token: str, target, role: str = "INSTRUCTOR"):
    return await client.mutate(
        "setUserRole", {"userId": gid(target), "role": role}, SET_ROLE, token=token
    )


async def enable_totp(client: GraphQLClient, token: str) -> tuple[str, list[str]]:
    setup = (
        await client.mutate("setupTotp", {"currentPassword": PASSWORD}, "secret", token=token)
    ).payload("setupTotp")
    confirmed = (
        await client.mutate(
            "confirmTotp", {"code": totp_code(setup["secret"], 1)}, "recoveryCodes", token=token
        )
    ).payload("confirmTotp")
    assert confirmed["errors"] == [], confirmed["errors"]
    return setup["secret"], confirmed["recoveryCodes"]


async def role_of(client: GraphQLClient, user) -> str:
    data = await client.execute("query($id: ID!) { user(id: $id) { role } }", {"id": gid(user)})
    assert data.data is not None
    return data.data["user"]["role"]


# --- setting on -----------------------------------------------------------------------------


async def test_an_admin_without_totp_signs_in_but_admin_capabilities_are_forbidden(
    strict, database
):
    admin = await make_user(database, role=UserRole.ADMIN)
    target = await make_user(database)

    me = await sign_in(strict, admin.email)
    outcome = await set_role(strict, me["accessToken"], target)

    assert me["mfaSetupRequired"] is True
    assert amr_of(strict, me["accessToken"]) == ("pwd",)
    assert outcome.codes == ["FORBIDDEN"]
    assert outcome.errors[0].message == MFA_REQUIRED_FOR_ADMINS_MESSAGE
    assert await role_of(strict, target) == "STUDENT"
    # Private fields of other users are an admin capability too; their own stay visible.
    other = await strict.execute(EMAIL_OF, {"id": gid(target)}, token=me["accessToken"])
    own = await strict.execute(EMAIL_OF, {"id": gid(admin)}, token=me["accessToken"])
    assert other.data == {"user": {"email": None}}
    assert own.data == {"user": {"email": admin.email}}


async def test_after_setting_up_totp_and_signing_in_with_a_code_the_admin_may_set_roles(
    strict, database
):
    admin = await make_user(database, role=UserRole.ADMIN)
    target = await make_user(database)
    first = await sign_in(strict, admin.email)

    secret, _ = await enable_totp(strict, first["accessToken"])
    # The password-only session stays locked: the code must be used to sign in.
    assert (await set_role(strict, first["accessToken"], target)).codes == ["FORBIDDEN"]
    second = await sign_in(strict, admin.email, totp_code(secret))
    outcome = await set_role(strict, second["accessToken"], target)

    assert second["mfaSetupRequired"] is False
    assert amr_of(strict, second["accessToken"]) == ("pwd", "otp")
    assert outcome.payload("setUserRole") == {"user": {"role": "INSTRUCTOR"}, "errors": []}
    other = await strict.execute(EMAIL_OF, {"id": gid(target)}, token=second["accessToken"])
    assert other.data == {"user": {"email": target.email}}


async def test_a_recovery_code_counts_as_the_second_factor(strict, database):
    admin = await make_user(database, role=UserRole.ADMIN)
    target = await make_user(database)
    _, recovery_codes = await enable_totp(
        strict, (await sign_in(strict, admin.email))["accessToken"]
    )

    me = await sign_in(strict, admin.email, recovery_codes[0])

    assert me["mfaSetupRequired"] is False
    assert amr_of(strict, me["accessToken"]) == ("pwd", "otp")
    assert (await set_role(strict, me["accessToken"], target)).payload("setUserRole")[
        "errors"
    ] == []


async def test_a_password_only_login_of_an_admin_with_mfa_is_refused(strict, database):
    admin = await make_user(database, role=UserRole.ADMIN)
    await enable_totp(strict, (await sign_in(strict, admin.email))["accessToken"])

    payload = (
        await strict.mutate("login", {"email": admin.email, "password": PASSWORD}, FIELDS)
    ).payload("login")

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("totpCode", "MFA_REQUIRED")]
    assert payload["accessToken"] is None
    assert payload["mfaSetupRequired"] is False


async def test_non_admins_are_not_asked_for_mfa(strict, database):
    for role in (UserRole.STUDENT, UserRole.INSTRUCTOR):
        user = await make_user(database, role=role)
        me = await sign_in(strict, user.email)
        assert me["mfaSetupRequired"] is False
        assert amr_of(strict, me["accessToken"]) == ("pwd",)


async def test_a_new_registration_is_not_asked_for_mfa(strict, database):
    address = "grace@example.com"
    await strict.mutate(
        "register",
        {"firstName": "Grace", "lastName": "Hopper", "email": address, "password": PASSWORD},
        "ok",
    )
    [link] = await emails(database, "verify_email")
    await strict.mutate("verifyEmail", {"token": token_of(link)}, "verified")

    payload = await sign_in(strict, address)

    assert payload["mfaSetupRequired"] is False
    assert amr_of(strict, payload["accessToken"]) == ("pwd",)


# --- the amr claim across refresh and password change -----------------------------------------


async def refresh(client: GraphQLClient, token: str) -> dict:
    payload = (await client.mutate("refreshToken", {"refreshToken": token}, FIELDS)).payload(
        "refreshToken"
    )
    assert payload["errors"] == [], payload["errors"]
    return payload


async def test_refresh_keeps_the_amr_of_the_login_that_opened_the_family(strict, database):
    admin = await make_user(database, role=UserRole.ADMIN)
    password_only = await sign_in(strict, admin.email)
    secret, _ = await enable_totp(strict, password_only["accessToken"])
    with_code = await sign_in(strict, admin.email, totp_code(secret))

    once = await refresh(strict, password_only["refreshToken"])
    twice = await refresh(strict, once["refreshToken"])
    strong = await refresh(strict, with_code["refreshToken"])
    stronger = await refresh(strict, strong["refreshToken"])

    assert [amr_of(strict, p["accessToken"]) for p in (once, twice)] == [("pwd",)] * 2
    assert [p["mfaSetupRequired"] for p in (once, twice)] == [True, True]
    assert [amr_of(strict, p["accessToken"]) for p in (strong, stronger)] == [("pwd", "otp")] * 2
    assert [p["mfaSetupRequired"] for p in (strong, stronger)] == [False, False]
    target = await make_user(database)
    assert (await set_role(strict, twice["accessToken"], target)).codes == ["FORBIDDEN"]
    assert (await set_role(strict, stronger["accessToken"], target)).payload("setUserRole")[
        "errors"
    ] == []
    async with database.session() as session:
        stored = {row.id: row.amr for row in await session.scalars(select(AuthSession))}
    sid = verify_access_token(strict.keyring, strict.settings, stronger["accessToken"]).sid
    assert stored[sid] == ["pwd", "otp"]
    assert sorted(stored.values()) == [["pwd"], ["pwd", "otp"]]


async def test_changing_the_password_keeps_the_sessions_amr(strict, database):
    admin = await make_user(database, role=UserRole.ADMIN)
    secret, _ = await enable_totp(strict, (await sign_in(strict, admin.email))["accessToken"])
    me = await sign_in(strict, admin.email, totp_code(secret))

    outcome = await strict.mutate(
        "changePassword",
        {"currentPassword": PASSWORD, "newPassword": "Another-Horse-43"},
        "accessToken mfaSetupRequired",
        token=me["accessToken"],
    )

    payload = outcome.payload("changePassword")
    assert payload["errors"] == []
    assert payload["mfaSetupRequired"] is False
    assert amr_of(strict, payload["accessToken"]) == ("pwd", "otp")


async def test_a_login_earlier_in_the_same_operation_decides_the_amr(strict, database):
    admin = await make_user(database, role=UserRole.ADMIN)
    strong_admin = await make_user(database, role=UserRole.ADMIN)
    target = await make_user(database)
    secret, _ = await enable_totp(
        strict, (await sign_in(strict, strong_admin.email))["accessToken"]
    )
    strong = await sign_in(strict, strong_admin.email, totp_code(secret))
    document = """
    mutation($login: LoginInput!, $role: SetUserRoleInput!) {
      login(input: $login) { mfaSetupRequired errors { code } }
      setUserRole(input: $role) { user { role } errors { code } }
    }"""

    # Sent with the MFA admin's token, but the first field signs in a password-only admin.
    outcome = await strict.execute(
        document,
        {
            "login": {"email": admin.email, "password": PASSWORD},
            "role": {"userId": gid(target), "role": "INSTRUCTOR"},
        },
        token=strong["accessToken"],
    )

    assert outcome.codes == ["FORBIDDEN"]  # setUserRole acts as the admin who just signed in
    assert await role_of(strict, target) == "STUDENT"


# --- setting off ----------------------------------------------------------------------------


async def test_with_the_setting_off_an_admin_without_totp_may_set_roles(client, database):
    assert client.settings.mfa_required_for_admins is False
    admin = await make_user(database, role=UserRole.ADMIN)
    target = await make_user(database)

    me = await sign_in(client, admin.email)
    outcome = await set_role(client, me["accessToken"], target)

    assert me["mfaSetupRequired"] is False
    assert amr_of(client, me["accessToken"]) == ("pwd",)
    assert outcome.payload("setUserRole") == {"user": {"role": "INSTRUCTOR"}, "errors": []}


async def test_the_amr_claim_names_both_login_kinds_with_the_setting_off(client, database):
    user = await make_user(database)
    first = await login(client, user.email)
    secret, _ = await enable_totp(client, first["accessToken"])

    second = await sign_in(client, user.email, totp_code(secret))

    assert amr_of(client, first["accessToken"]) == ("pwd",)
    assert amr_of(client, second["accessToken"]) == ("pwd", "otp")
    assert amr_of(client, (await refresh(client, second["refreshToken"]))["accessToken"]) == (
        "pwd",
        "otp",
    )


# --- the permission rule --------------------------------------------------------------------


def actor(role: UserRole, amr: tuple[str, ...], required: bool = True) -> Actor:
    principal = SimpleNamespace(id=uuid.uuid4(), role=role)
    return Actor.of(principal, amr=amr, mfa_required_for_admins=required)


def test_admin_only_permissions_are_those_no_other_role_grants():
    others = ROLE_PERMISSIONS[UserRole.STUDENT] | ROLE_PERMISSIONS[UserRole.INSTRUCTOR]
    assert frozenset(Permission) - others == ADMIN_ONLY_PERMISSIONS
    assert Permission.USERS_MANAGE in ADMIN_ONLY_PERMISSIONS
    assert Permission.COURSES_CREATE not in ADMIN_ONLY_PERMISSIONS


@pytest.mark.parametrize("permission", list(Permission))
def test_an_admin_without_otp_keeps_only_what_other_roles_have(permission):
    locked = actor(UserRole.ADMIN, ("pwd",))

    if permission in ADMIN_ONLY_PERMISSIONS:
        assert not has_permission(locked, permission)
        with pytest.raises(Forbidden, match="Two-factor authentication is required"):
            require_permission(locked, permission)
        with pytest.raises(Forbidden, match="Two-factor authentication is required"):
            require_owner_or_permission(locked, uuid.uuid4(), permission)
    else:
        require_permission(locked, permission)
    require_owner_or_permission(locked, locked.id, permission)  # own resources stay allowed
    require_permission(actor(UserRole.ADMIN, ("pwd", "otp")), permission)
    require_permission(actor(UserRole.ADMIN, ("pwd",), required=False), permission)


def test_require_role_admin_needs_the_second_factor_but_shared_roles_do_not():
    locked = actor(UserRole.ADMIN, ("pwd",))

    with pytest.raises(Forbidden, match="Two-factor authentication is required"):
        require_role(locked, UserRole.ADMIN)
    require_role(locked, UserRole.INSTRUCTOR, UserRole.ADMIN)
    require_role(actor(UserRole.ADMIN, ("pwd", "otp")), UserRole.ADMIN)
    with pytest.raises(Forbidden, match="not allowed"):
        require_role(actor(UserRole.STUDENT, ("pwd", "otp")), UserRole.ADMIN)


def test_an_actor_without_any_amr_is_locked_when_mfa_is_required():
    assert actor(UserRole.ADMIN, ()).admin_mfa_missing
    assert not actor(UserRole.INSTRUCTOR, ()).admin_mfa_missing
    assert not actor(UserRole.ADMIN, (), required=False).admin_mfa_missing
