"""Who may author over GraphQL: a student never, another instructor never (NOT_FOUND for a course
they cannot see, FORBIDDEN for a published one), the owner their own course, an admin any course
and the review — an admin only with a second factor while MFA_REQUIRED_FOR_ADMINS is on."""

from __future__ import annotations

import time

import pyotp

from app.accounts.models import UserRole
from app.catalog.models import Course
from app.security.permissions import MFA_REQUIRED_FOR_ADMINS_MESSAGE
from tests.support import accounts as accounts
from tests.support.accounts import PASSWORD, login
from tests.support.authoring import category, rows, snapshot
from tests.support.catalog_mutations import (
    Caller,
    add_module,
    add_text_lesson,
    attempt,
    create_course,
    gid,
    mutate,
    raw_id,
    signed_in,
)
from tests.support.graphql import GraphQLClient, with_settings

EDITS = [
    ("updateCourse", lambda c: {"courseId": c, "title": "Taken over"}),
    ("addModule", lambda c: {"courseId": c, "title": "Extra"}),
    ("setCoursePricing", lambda c: {"courseId": c, "isFree": True}),
    ("deleteCourse", lambda c: {"courseId": c}),
]


async def _pending(client: GraphQLClient, owner: Caller) -> str:
    cat = await category(client.database)
    course = await create_course(client, owner, categoryId=gid("Category", cat.id))
    for _ in range(3):
        await add_text_lesson(client, owner, (await add_module(client, owner, course["id"]))["id"])
    await mutate(client, owner, "setCoursePricing", {"courseId": course["id"], "isFree": True}, "")
    payload = await mutate(client, owner, "submitCourseForReview", {"courseId": course["id"]}, "")
    assert payload["errors"] == []
    return str(course["id"])


async def _published(client: GraphQLClient, owner: Caller) -> str:
    course_id = await _pending(client, owner)
    admin = await signed_in(client, UserRole.ADMIN)
    payload = await mutate(client, admin, "publishCourse", {"courseId": course_id}, "")
    assert payload["errors"] == []
    return course_id


async def _codes(client: GraphQLClient, caller: Caller, course_id: str) -> list[str]:
    codes = []
    for name, make in EDITS:
        outcome = await attempt(client, caller, name, make(course_id), "errors { code }")
        codes += outcome.codes
    return codes


async def test_a_student_cannot_create_or_change_courses(client) -> None:
    owner, student = await signed_in(client), await signed_in(client, UserRole.STUDENT)
    draft = (await create_course(client, owner))["id"]
    before = await snapshot(client.database, raw_id(draft))
    created = await attempt(
        client, student, "createCourse", {"title": "T", "description": "D"}, "course { id }"
    )
    assert created.codes == ["FORBIDDEN"]
    assert await _codes(client, student, draft) == ["NOT_FOUND"] * len(EDITS)
    assert await snapshot(client.database, raw_id(draft)) == before
    assert await rows(client.database, Course) == 1


async def test_another_instructor_cannot_see_a_draft_and_gets_not_found(client) -> None:
    owner, other = await signed_in(client), await signed_in(client)
    draft = (await create_course(client, owner))["id"]
    before = await snapshot(client.database, raw_id(draft))
    assert await _codes(client, other, draft) == ["NOT_FOUND"] * len(EDITS)
    assert await snapshot(client.database, raw_id(draft)) == before


async def test_another_instructor_gets_forbidden_on_a_published_course(client) -> None:
    owner, other = await signed_in(client), await signed_in(client)
    published = await _published(client, owner)
    before = await snapshot(client.database, raw_id(published))
    assert await _codes(client, other, published) == ["FORBIDDEN"] * len(EDITS)
    assert await snapshot(client.database, raw_id(published)) == before


async def test_the_owner_authors_their_course_but_cannot_publish_it(client) -> None:
    owner = await signed_in(client)
    course_id = await _pending(client, owner)  # created, structured, priced, submitted
    outcome = await attempt(client, owner, "publishCourse", {"courseId": course_id}, "")
    assert outcome.codes == ["FORBIDDEN"]
    payload = await mutate(
        client, owner, "updateCourse", {"courseId": course_id, "subtitle": "Mine"}, ""
    )
    assert payload["errors"] == []


async def test_an_admin_edits_any_course_and_publishes_it(client) -> None:
    owner, admin = await signed_in(client), await signed_in(client, UserRole.ADMIN)
    course_id = await _pending(client, owner)
    edited = await mutate(
        client, admin, "updateCourse", {"courseId": course_id, "subtitle": "Edited"}, ""
    )
    published = await mutate(
        client, admin, "publishCourse", {"courseId": course_id}, "course { status subtitle }"
    )
    assert edited["errors"] == []
    assert published["course"] == {"status": "PUBLISHED", "subtitle": "Edited"}


async def _admin_with_totp(client: GraphQLClient) -> tuple[Caller, str]:
    admin = await signed_in(client, UserRole.ADMIN)
    setup = await mutate(client, admin, "setupTotp", {"currentPassword": PASSWORD}, "secret")
    secret = setup["secret"]
    earlier = pyotp.TOTP(secret).at(time.time() - 30)  # keep the current step for the sign-in
    confirmed = await mutate(client, admin, "confirmTotp", {"code": earlier}, "recoveryCodes")
    assert confirmed["errors"] == []
    return admin, secret


async def test_with_mfa_required_an_admin_publishes_only_after_signing_in_with_a_code(
    client,
) -> None:
    strict = with_settings(client, mfa_required_for_admins=True)
    owner = await signed_in(strict)
    course_id = await _pending(strict, owner)
    admin, secret = await _admin_with_totp(strict)

    refused = await attempt(strict, admin, "publishCourse", {"courseId": course_id}, "")
    assert refused.codes == ["FORBIDDEN"]
    assert refused.errors[0].message == MFA_REQUIRED_FOR_ADMINS_MESSAGE
    assert (await snapshot(strict.database, raw_id(course_id)))["course"]["status"] == (
        "pending_review"
    )

    code = pyotp.TOTP(secret).now()
    with_code = await login(strict, admin.user.email, totpCode=code)
    payload = await mutate(
        strict,
        Caller(admin.user, with_code["accessToken"]),
        "publishCourse",
        {"courseId": course_id},
        "course { status }",
    )
    assert payload == {"course": {"status": "PUBLISHED"}, "errors": []}
