"""Planned reads of `me` (resolvers/planned_accounts.py): the signed-in caller's own user and
profile in one statement that is also the row part of the caller check, with exactly the JSON the
executor gives. Hypothesis generates the selections (covered and uncovered fields, aliases,
fragments, @skip/@include, `__typename`) and the viewer; a session that ended, an uncovered
field and an API key are the executor's."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import update

from app.accounts.models import User, UserProfile, UserRole
from app.clock import utcnow
from app.db import Database, count_statements
from app.security.tokens import issue_access_token
from tests.support import catalog as f
from tests.support.graphql import GraphQLClient
from tests.support.planned import (
    REFUSED,
    both,
    end_session,
    examples,
    once_per_test,
    same,
    viewer_tokens,
)

USER_FIELDS = [
    "id", "email", "firstName", "lastName", "fullName", "role", "createdAt", "emailVerified",
    "phone", "age", "lastLoginAt", "status",
]  # fmt: skip
PROFILE_FIELDS = [
    "headline", "bio", "timezone", "language", "websiteUrl", "linkedinUrl", "githubUrl",
    "twitterUrl", "preferences",
]  # fmt: skip
UNCOVERED = ["mfaEnabled", "profile { avatarUrl }", "sessions { id }"]


@st.composite
def me_selections(draw: st.DrawFn, uncovered: bool) -> str:
    fields = draw(st.lists(st.sampled_from(USER_FIELDS), min_size=1, max_size=6))
    parts = [f"{draw(st.sampled_from(['', '', f'a_{n}: ']))}{n}" for n in fields]
    if draw(st.booleans()):
        inner = draw(st.lists(st.sampled_from(PROFILE_FIELDS), min_size=1, max_size=4))
        extra = " __typename" if draw(st.booleans()) else ""
        parts.append(f"profile {{ {' '.join(inner)}{extra} }}")
    if draw(st.booleans()):
        parts.append("__typename")
    if draw(st.integers(0, 3)) == 0:
        parts.append(f"... on User {{ {draw(st.sampled_from(USER_FIELDS))} }}")
    if draw(st.integers(0, 3)) == 0:
        directive = draw(st.sampled_from(["@skip(if: true)", "@include(if: false)"]))
        parts.append(f"{draw(st.sampled_from(USER_FIELDS))} {directive}")
    if uncovered:
        parts.append(draw(st.sampled_from(UNCOVERED)))
    return " ".join(draw(st.permutations(parts)))


async def _people(client: GraphQLClient, database: Database) -> dict[str, str | None]:
    """A student without a profile; one with every profile and account field set (quotes,
    backslashes, non-ASCII, a JSON preferences object, a verified e-mail, a last sign-in); an
    admin with an empty profile."""
    plain = await f.person(database)
    full = await f.person(database, first_name="Zoë", last_name='O\'Brien "Ø" \\')
    admin = await f.person(database, UserRole.ADMIN, first_name=" ", last_name="Solo")
    async with database.transaction() as session:
        await session.execute(
            update(User)
            .where(User.id == full.id)
            .values(
                phone="+351 912 345 678",
                age=41,
                email_verified_at=utcnow() - timedelta(days=3),
                last_login_at=utcnow().replace(microsecond=0),
            )
        )
        session.add(
            UserProfile(
                user_id=full.id,
                headline='Teaches "SQL" 🎓',
                bio="Line one\nline two\t\x01 </script>",
                timezone="Europe/Lisbon",
                language="pt-BR",
                website_url="https://example.com/zoë",
                github_url="https://github.com/zoe",
                preferences={"theme": "dark", "n": [1, 2.5, None, True], "ü": {"x": "y"}},
            )
        )
        session.add(UserProfile(user_id=admin.id))
    return viewer_tokens(client, plain=plain, full=full, admin=admin)


@examples(60)
@given(data=st.data())
async def test_planned_me_writes_the_executors_json_for_any_selection(
    client: GraphQLClient, database: Database, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    viewers = await once_per_test(request, database, lambda: _people(client, database))
    uncovered = data.draw(st.integers(0, 4)) == 0
    query = f"{{ me {{ {data.draw(me_selections(uncovered))} }} }}"
    viewer = data.draw(st.sampled_from(sorted(viewers)))

    planned, general, answered = await both(client, query, {}, viewers[viewer])

    assert not planned.errors
    same(planned, general)
    # covered selections are planned (anonymous: null without a statement); uncovered are not
    assert answered == (viewer == "anonymous" or not uncovered)


async def test_a_planned_me_is_one_statement(client: GraphQLClient, database: Database) -> None:
    viewers = await _people(client, database)
    query = "{ me { id email fullName role emailVerified profile { bio timezone language } } }"
    with count_statements(database.engine) as counter:
        planned, general, answered = await both(client, query, {}, viewers["full"])
    assert answered
    same(planned, general)
    assert counter.count == 1 + 2  # planned: one; the executor: the user, then the profile
    assert planned.data is not None
    assert planned.data["me"]["profile"]["language"] == "pt-BR"


@pytest.mark.parametrize("refused", REFUSED)
async def test_a_caller_whose_session_has_ended_gets_unauthenticated_from_both_paths(
    client: GraphQLClient, database: Database, refused: str
) -> None:
    """The statement that answers `me` refuses whom `check_caller` refuses: the executor then
    answers UNAUTHENTICATED, and nobody gets their row or null instead."""
    student = await f.person(database)
    session_id = uuid.uuid4() if refused == "revoked session" else None
    token, _ = issue_access_token(
        client.keyring, client.settings, user=student, session_id=session_id
    )
    query = "{ me { id email } }"
    planned, general, answered = await both(client, query, {}, token)
    assert answered
    same(planned, general)
    await end_session(client, database, student, refused, session_id)

    planned, general, answered = await both(client, query, {}, token)

    assert not answered
    same(planned, general)
    assert {e.extensions["code"] for e in planned.errors} == {"UNAUTHENTICATED"}
    assert planned.data == {"me": None}


async def test_a_selection_whose_directives_read_variables_follows_each_requests_values(
    client: GraphQLClient, database: Database
) -> None:
    viewers = await _people(client, database)
    query = "query($e: Boolean!) { me { id email @include(if: $e) profile @skip(if: $e) { bio } } }"
    for show in (True, False, True):
        planned, general, answered = await both(client, query, {"e": show}, viewers["full"])
        assert answered
        same(planned, general)
        assert planned.data is not None
        assert ("email" in planned.data["me"]) is show
        assert ("profile" in planned.data["me"]) is not show
