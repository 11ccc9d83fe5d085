"""Admins manage users: the list (filters, search, paging), deactivation and reactivation,
forced sign-out and a verification e-mail sent for someone else."""

from __future__ import annotations

import email
import email.policy
import uuid
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from app.accounts.models import User, UserRole
from app.db import Database, count_statements
from app.integrations.mail import FileMailer
from app.notifications.service import deliver_email
from tests.support import accounts
from tests.support.catalog import gid, person, token_for
from tests.support.graphql import GraphQLClient

USERS = """query($filter: UserFilter, $first: Int, $after: String) {
  users(filter: $filter, first: $first, after: $after) {
    totalCount
    edges { cursor node { id email fullName role status profile { headline } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
ME = "query { me { id } }"
USER_FIELDS = "user { id status }"


async def admin_token(client: GraphQLClient, database: Database) -> tuple[User, str]:
    admin = await person(database, UserRole.ADMIN)
    return admin, token_for(client, admin)


async def act(
    client: GraphQLClient, name: str, user: User, token: str, fields: str = USER_FIELDS
) -> dict[str, Any]:
    outcome = await client.mutate(name, {"userId": gid("User", user.id)}, fields, token=token)
    return outcome.payload(name)


async def list_users(client: GraphQLClient, token: str, **variables: Any) -> dict[str, Any]:
    outcome = await client.execute(USERS, variables, token=token)
    assert not outcome.errors, outcome.errors
    assert outcome.data is not None
    return outcome.data["users"]


def recipients_of_sent_mail(directory: Path) -> list[str]:
    """The To of every .eml file the file mailer wrote."""
    return [
        str(email.message_from_bytes(p.read_bytes(), policy=email.policy.default)["To"])
        for p in sorted(directory.glob("*.eml"))
    ]


def emails_of(page: dict[str, Any]) -> list[str]:
    return [edge["node"]["email"] for edge in page["edges"]]


# --- deactivate / reactivate ------------------------------------------------------------------


async def test_a_deactivated_users_tokens_stop_working_at_once(
    client: GraphQLClient, database: Database
) -> None:
    _, token = await admin_token(client, database)
    user = await accounts.make_user(database)
    signed_in = await accounts.login(client, user.email)
    assert (await client.execute(ME, token=signed_in["accessToken"])).codes == []

    payload = await act(client, "deactivateUser", user, token)

    assert payload["errors"] == []
    assert payload["user"]["status"] == "DEACTIVATED"
    assert (await client.execute(ME, token=signed_in["accessToken"])).codes == ["UNAUTHENTICATED"]
    refreshed = await client.mutate(
        "refreshToken", {"refreshToken": signed_in["refreshToken"]}, "accessToken"
    )
    assert refreshed.codes == ["UNAUTHENTICATED"]
    login = await client.mutate(
        "login", {"email": user.email, "password": accounts.PASSWORD}, "accessToken"
    )
    assert login.payload("login")["errors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_a_reactivated_user_signs_in_again(client: GraphQLClient, database: Database) -> None:
    _, token = await admin_token(client, database)
    user = await accounts.make_user(database)
    await act(client, "deactivateUser", user, token)

    payload = await act(client, "reactivateUser", user, token)

    assert payload == {"user": {"id": gid("User", user.id), "status": "ACTIVE"}, "errors": []}
    await accounts.login(client, user.email)


async def test_an_admin_cannot_deactivate_or_force_logout_themself(
    client: GraphQLClient, database: Database
) -> None:
    admin, token = await admin_token(client, database)

    deactivated = await act(client, "deactivateUser", admin, token)
    logged_out = await act(client, "forceLogout", admin, token)

    assert deactivated["user"] is None
    assert [e["code"] for e in deactivated["errors"]] == ["CANNOT_DEACTIVATE_SELF"]
    assert deactivated["errors"][0]["field"] == "userId"
    assert [e["code"] for e in logged_out["errors"]] == ["CANNOT_FORCE_LOGOUT_SELF"]
    assert (await client.execute(ME, token=token)).codes == []


async def test_deactivating_twice_and_reactivating_an_active_user_are_typed_errors(
    client: GraphQLClient, database: Database
) -> None:
    _, token = await admin_token(client, database)
    user = await accounts.make_user(database)

    assert (await act(client, "reactivateUser", user, token))["errors"][0]["code"] == (
        "NOT_DEACTIVATED"
    )
    await act(client, "deactivateUser", user, token)
    assert (await act(client, "deactivateUser", user, token))["errors"][0]["code"] == (
        "ALREADY_DEACTIVATED"
    )


async def test_an_unknown_user_is_not_found(client: GraphQLClient, database: Database) -> None:
    _, token = await admin_token(client, database)
    outcome = await client.mutate(
        "deactivateUser", {"userId": gid("User", uuid.uuid4())}, USER_FIELDS, token=token
    )

    assert outcome.codes == ["NOT_FOUND"]


# --- force logout -----------------------------------------------------------------------------


async def test_force_logout_ends_every_session_and_refresh_token_of_the_user(
    client: GraphQLClient, database: Database
) -> None:
    _, token = await admin_token(client, database)
    user = await accounts.make_user(database)
    first = await accounts.login(client, user.email)
    second = await accounts.login(client, user.email)

    payload = await act(client, "forceLogout", user, token)

    assert payload["errors"] == []
    assert payload["user"]["status"] == "ACTIVE"
    for session in (first, second):
        assert (await client.execute(ME, token=session["accessToken"])).codes == ["UNAUTHENTICATED"]
        refreshed = await client.mutate(
            "refreshToken", {"refreshToken": session["refreshToken"]}, "accessToken"
        )
        assert refreshed.codes == ["UNAUTHENTICATED"]
    await accounts.login(client, user.email)  # signing in again works


# --- resend verification ----------------------------------------------------------------------


async def test_resend_verification_for_a_user_mails_them_a_working_link(
    client: GraphQLClient, database: Database, tmp_path: Path
) -> None:
    _, token = await admin_token(client, database)
    user = await accounts.make_user(database, verified=False)

    payload = await act(client, "resendVerificationFor", user, token, "user { email }")

    assert payload == {"user": {"email": user.email}, "errors": []}
    [log] = await accounts.emails(database, "verify_email")
    assert log.recipient == user.email
    await deliver_email(database, log.id, mailer=FileMailer(tmp_path, sender="t@test.local"))
    assert recipients_of_sent_mail(tmp_path) == [user.email]
    verified = await client.mutate("verifyEmail", {"token": accounts.token_of(log)}, "verified")
    assert verified.payload("verifyEmail")["verified"] is True


async def test_resend_verification_for_a_verified_user_is_a_typed_error_and_sends_nothing(
    client: GraphQLClient, database: Database
) -> None:
    _, token = await admin_token(client, database)
    user = await accounts.make_user(database, verified=True)

    payload = await act(client, "resendVerificationFor", user, token, "user { email }")

    assert [e["code"] for e in payload["errors"]] == ["ALREADY_VERIFIED"]
    assert await accounts.emails(database, "verify_email") == []


# --- the list ---------------------------------------------------------------------------------


async def test_the_user_list_filters_by_role_and_status(
    client: GraphQLClient, database: Database
) -> None:
    admin, token = await admin_token(client, database)
    teacher = await person(database, UserRole.INSTRUCTOR)
    student = await person(database, UserRole.STUDENT)
    gone = await person(database, UserRole.STUDENT)
    await act(client, "deactivateUser", gone, token)

    instructors = await list_users(client, token, filter={"role": "INSTRUCTOR"})
    deactivated = await list_users(client, token, filter={"status": "DEACTIVATED"})
    active_students = await list_users(
        client, token, filter={"role": "STUDENT", "status": "ACTIVE"}
    )
    everyone = await list_users(client, token)

    assert emails_of(instructors) == [teacher.email]
    assert emails_of(deactivated) == [gone.email]
    assert emails_of(active_students) == [student.email]
    assert everyone["totalCount"] == 4
    assert emails_of(everyone) == [gone.email, student.email, teacher.email, admin.email]


async def test_the_user_list_pages_newest_first_with_cursors(
    client: GraphQLClient, database: Database
) -> None:
    _, token = await admin_token(client, database)
    for _ in range(4):
        await person(database)
    everyone = emails_of(await list_users(client, token, first=100))

    seen: list[str] = []
    after = None
    while True:
        page = await list_users(client, token, first=2, after=after)
        seen += emails_of(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert seen == everyone
    assert len(seen) == 5


async def test_the_user_list_refuses_a_page_size_over_100(
    client: GraphQLClient, database: Database
) -> None:
    _, token = await admin_token(client, database)

    outcome = await client.execute(USERS, {"first": 101}, token=token)

    assert outcome.codes == ["BAD_USER_INPUT"]


async def test_a_search_over_200_characters_is_refused(
    client: GraphQLClient, database: Database
) -> None:
    _, token = await admin_token(client, database)

    outcome = await client.execute(USERS, {"filter": {"search": "a" * 201}}, token=token)

    assert outcome.codes == ["BAD_USER_INPUT"]


NAME_CHARS = st.sampled_from(list("ab%_\\'x "))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    names=st.lists(st.text(NAME_CHARS, min_size=1, max_size=6), min_size=1, max_size=4),
    search=st.text(NAME_CHARS, min_size=1, max_size=3),
)
async def test_search_matches_the_text_literally_in_names_and_emails(
    client: GraphQLClient, database: Database, names: list[str], search: str
) -> None:
    admin, token = await admin_token(client, database)
    people = [await person(database, last_name=f"N{name}") for name in names]
    try:
        page = await list_users(client, token, filter={"search": search}, first=100)

        expected = {
            u.email
            for u in [admin, *people]
            if search.strip().lower() in f"{u.first_name} {u.last_name}".lower()
            or search.strip().lower() in u.email.lower()
        }
        if not search.strip():
            expected = {u.email for u in [admin, *people]}
        assert set(emails_of(page)) == expected
    finally:
        async with database.transaction() as session:
            await session.execute(delete(User))


async def _page_statements(client: GraphQLClient, token: str) -> tuple[int, int]:
    with count_statements(client.database.engine) as counter:
        page = await list_users(client, token, first=100)
    return len(page["edges"]), counter.count


async def test_a_page_of_users_costs_the_same_statements_for_1_and_many_users(
    client: GraphQLClient, database: Database
) -> None:
    _, token = await admin_token(client, database)
    one = await _page_statements(client, token)
    async with database.transaction() as session:
        session.add_all(
            User(
                email=f"bulk-{i}@example.com",
                first_name="Bulk",
                last_name=f"User{i}",
                password_hash="!",
            )
            for i in range(60)
        )

    many = await _page_statements(client, token)

    assert (one[0], many[0]) == (1, 61)
    assert many[1] == one[1]


async def test_a_users_status_is_private_to_admins_and_themself(
    client: GraphQLClient, database: Database
) -> None:
    user = await person(database)
    other = await person(database)
    query = "query($id: ID!) { user(id: $id) { status } }"

    own = await client.execute(query, {"id": gid("User", user.id)}, token=token_for(client, user))
    foreign = await client.execute(
        query, {"id": gid("User", user.id)}, token=token_for(client, other)
    )

    assert own.data == {"user": {"status": "ACTIVE"}}
    assert foreign.data == {"user": {"status": None}}
