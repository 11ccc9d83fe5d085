"""user(id) visibility, me, updateProfile, setUserRole (Property 9) and the permission rules."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, update
from strawberry import relay

from app.accounts.models import User, UserRole
from app.errors import Forbidden
from app.security.permissions import (
    ROLE_PERMISSIONS,
    Permission,
    has_permission,
    require_owner_or_permission,
    require_permission,
    require_role,
)
from tests.support.accounts import login, make_user

USER = (
    "query($id: ID!) { user(id: $id) "
    "{ id firstName role email emailVerified mfaEnabled sessions { id } } }"
)


def gid(user) -> str:
    return str(relay.GlobalID("User", str(user.id)))


async def test_user_ids_are_opaque_global_ids(client, database):
    user = await make_user(database)
    me = await login(client, user.email)

    data = (await client.execute("{ me { id } }", token=me["accessToken"])).data

    assert data["me"]["id"] == gid(user)
    assert str(user.id) not in data["me"]["id"]


async def test_anyone_sees_public_fields_but_private_ones_are_null(client, database):
    user = await make_user(database)

    data = (await client.execute(USER, {"id": gid(user)})).data["user"]

    assert data["firstName"] == "Ada"
    assert data["role"] == "STUDENT"
    assert data["email"] is data["emailVerified"] is data["mfaEnabled"] is data["sessions"] is None


async def test_the_user_themself_and_admins_see_private_fields(client, database):
    user = await make_user(database)
    admin = await make_user(database, role=UserRole.ADMIN)
    other = await make_user(database)
    for viewer, sees in ((user, True), (admin, True), (other, False)):
        token = (await login(client, viewer.email))["accessToken"]
        data = (await client.execute(USER, {"id": gid(user)}, token=token)).data["user"]
        assert (data["email"] == user.email) is sees
        assert (data["sessions"] is not None) is sees


async def test_an_unknown_malformed_or_mistyped_user_id_is_null_with_not_found(client, database):
    course_id = str(relay.GlobalID("Course", str((await make_user(database)).id)))
    for raw in (str(relay.GlobalID("User", str(uuid.uuid4()))), "nonsense", course_id):
        outcome = await client.execute(USER, {"id": raw})
        assert outcome.data == {"user": None}
        assert [(e.path, e.extensions["code"]) for e in outcome.errors] == [(["user"], "NOT_FOUND")]


async def test_a_deleted_user_is_not_found(client, database):
    user = await make_user(database)
    async with database.transaction() as session:
        await session.execute(update(User).where(User.id == user.id).values(deleted_at=func.now()))

    outcome = await client.execute(USER, {"id": gid(user)})

    assert outcome.data == {"user": None}
    assert outcome.codes == ["NOT_FOUND"]


async def test_me_is_null_for_anonymous_callers(client):
    assert (await client.execute("{ me { id } }")).data == {"me": None}


async def test_update_profile_changes_only_the_given_fields(client, database):
    user = await make_user(database)
    token = (await login(client, user.email))["accessToken"]
    fields = "user { firstName lastName profile { bio timezone githubUrl preferences } }"

    first = await client.mutate(
        "updateProfile",
        {"bio": "Poet of science", "timezone": "Europe/London", "preferences": {"theme": "dark"}},
        fields,
        token=token,
    )
    second = await client.mutate("updateProfile", {"firstName": "Augusta"}, fields, token=token)

    assert first.payload("updateProfile")["errors"] == []
    result = second.payload("updateProfile")["user"]
    assert result["firstName"] == "Augusta"
    assert result["lastName"] == "Lovelace"
    assert result["profile"] == {
        "bio": "Poet of science",
        "timezone": "Europe/London",
        "githubUrl": None,
        "preferences": {"theme": "dark"},
    }


async def test_update_profile_rejects_bad_values_and_changes_nothing(client, database):
    user = await make_user(database)
    token = (await login(client, user.email))["accessToken"]

    outcome = await client.mutate(
        "updateProfile",
        {
            "firstName": "",
            "timezone": "Mars/Olympus",
            "githubUrl": "javascript:alert(1)",
            "bio": "x",
        },
        "user { firstName }",
        token=token,
    )

    assert {e["field"] for e in outcome.payload("updateProfile")["errors"]} == {
        "firstName",
        "timezone",
        "githubUrl",
    }
    me = await client.execute("{ me { firstName profile { bio } } }", token=token)
    assert me.data["me"] == {"firstName": "Ada", "profile": {"bio": None}}


SET_ROLE = "user { role }"


@pytest.mark.parametrize("role", [UserRole.STUDENT, UserRole.INSTRUCTOR])
async def test_property_9_only_admins_may_set_roles(client, database, role):
    actor = await make_user(database, role=role)
    target = await make_user(database)
    token = (await login(client, actor.email))["accessToken"]

    outcome = await client.mutate(
        "setUserRole", {"userId": gid(target), "role": "ADMIN"}, SET_ROLE, token=token
    )

    assert outcome.codes == ["FORBIDDEN"]
    data = (await client.execute(USER, {"id": gid(target)})).data
    assert data["user"]["role"] == "STUDENT"


async def test_an_admin_sets_a_role_and_the_old_access_token_stops_working(client, database):
    admin = await make_user(database, role=UserRole.ADMIN)
    target = await make_user(database)
    target_tokens = await login(client, target.email)
    token = (await login(client, admin.email))["accessToken"]

    outcome = await client.mutate(
        "setUserRole", {"userId": gid(target), "role": "INSTRUCTOR"}, SET_ROLE, token=token
    )

    assert outcome.payload("setUserRole")["user"]["role"] == "INSTRUCTOR"
    assert (await client.execute("{ me { id } }", token=target_tokens["accessToken"])).errors
    refreshed = await client.mutate(
        "refreshToken", {"refreshToken": target_tokens["refreshToken"]}, "user { role }"
    )
    assert refreshed.payload("refreshToken")["user"]["role"] == "INSTRUCTOR"


async def test_an_admin_cannot_change_their_own_role(client, database):
    admin = await make_user(database, role=UserRole.ADMIN)
    token = (await login(client, admin.email))["accessToken"]

    outcome = await client.mutate(
        "setUserRole", {"userId": gid(admin), "role": "STUDENT"}, SET_ROLE, token=token
    )

    assert [e["code"] for e in outcome.payload("setUserRole")["errors"]] == [
        "CANNOT_CHANGE_OWN_ROLE"
    ]


async def test_set_role_of_an_unknown_user_is_not_found(client, database):
    admin = await make_user(database, role=UserRole.ADMIN)
    token = (await login(client, admin.email))["accessToken"]
    outcome = await client.mutate(
        "setUserRole",
        {"userId": str(relay.GlobalID("User", str(uuid.uuid4()))), "role": "ADMIN"},
        SET_ROLE,
        token=token,
    )
    assert outcome.codes == ["NOT_FOUND"]


def principal(role: UserRole):
    return SimpleNamespace(id=uuid.uuid4(), role=role)


@settings(max_examples=50)
@given(st.sampled_from(list(UserRole)), st.sampled_from(list(Permission)))
def test_property_9_a_role_has_exactly_its_permissions(role, permission):
    user = principal(role)
    allowed = permission in ROLE_PERMISSIONS[role]
    assert has_permission(user, permission) is allowed
    if allowed:
        require_permission(user, permission)
    else:
        with pytest.raises(Forbidden):
            require_permission(user, permission)


@settings(max_examples=50)
@given(st.sampled_from(list(UserRole)), st.sampled_from(list(Permission)))
def test_property_9_extra_grants_add_to_the_role(role, permission):
    assert has_permission(principal(role), permission, extra={str(permission)})


def test_property_9_students_cannot_reach_instructor_or_admin_only_actions():
    with pytest.raises(Forbidden):
        require_role(principal(UserRole.STUDENT), UserRole.INSTRUCTOR, UserRole.ADMIN)
    require_role(principal(UserRole.INSTRUCTOR), UserRole.INSTRUCTOR, UserRole.ADMIN)


@settings(max_examples=50)
@given(
    st.sampled_from(list(UserRole)),
    st.sampled_from(list(Permission)),
    st.booleans(),
    st.booleans(),
)
def test_property_10_only_owners_or_holders_of_the_permission_may_modify(role, perm, owns, granted):
    user = principal(role)
    owner_id = user.id if owns else uuid.uuid4()
    extra = {str(perm)} if granted else set()
    permitted = owns or granted or perm in ROLE_PERMISSIONS[role]
    if permitted:
        require_owner_or_permission(user, owner_id, perm, extra)
    else:
        with pytest.raises(Forbidden):
            require_owner_or_permission(user, owner_id, perm, extra)


async def test_a_user_resolves_through_the_node_interface(client, database):
    user = await make_user(database)

    data = (
        await client.execute(
            "query($id: ID!) { node(id: $id) { ... on User { firstName email } } }",
            {"id": gid(user)},
        )
    ).data

    assert data == {"node": {"firstName": "Ada", "email": None}}
