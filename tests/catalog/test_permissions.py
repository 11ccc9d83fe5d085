"""Who may author: students never, instructors their own courses, admins every course.

Another instructor gets NOT_FOUND for a course they cannot see (a draft, pending or archived
one) so its existence stays hidden (SPEC §2), and FORBIDDEN for a published one, which is
public anyway. Reviewing (publish/reject) is for admins only.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from app.accounts.models import UserRole
from app.catalog import categories, service, structure
from app.catalog.models import Course, CourseStatus, LessonType
from app.db import Database
from app.errors import Forbidden, NotFound
from app.security.permissions import Actor
from tests.support.authoring import actor, course, publishable_course, rows, snapshot

Action = Callable[[Any, Actor, uuid.UUID], Awaitable[object]]

ACTIONS: dict[str, Action] = {
    "update": lambda s, a, c: service.update_course(s, actor=a, course_id=c, title="Mine now"),
    "delete": lambda s, a, c: service.delete_course(s, actor=a, course_id=c),
    "submit": lambda s, a, c: service.submit_course_for_review(s, actor=a, course_id=c),
    "archive": lambda s, a, c: service.archive_course(s, actor=a, course_id=c),
    "pricing": lambda s, a, c: service.set_course_pricing(s, actor=a, course_id=c, is_free=True),
    "add_module": lambda s, a, c: structure.add_module(s, actor=a, course_id=c, title="M"),
    "reorder": lambda s, a, c: structure.reorder_modules(s, actor=a, course_id=c, module_ids=[]),
}


async def _attempt(database: Database, action: str, actor: Actor, course_id: uuid.UUID) -> None:
    async with database.transaction() as session:
        await ACTIONS[action](session, actor, course_id)


async def test_student_cannot_create_a_course(database) -> None:
    student = await actor(database, UserRole.STUDENT)
    with pytest.raises(Forbidden):
        await course(database, student)
    assert await rows(database, Course) == 0


@pytest.mark.parametrize("action", sorted(ACTIONS))
async def test_other_instructor_cannot_see_a_draft_and_gets_not_found(database, action) -> None:
    owner, other = await actor(database), await actor(database)
    draft = await publishable_course(database, owner)
    before = await snapshot(database, draft.id)
    with pytest.raises(NotFound):
        await _attempt(database, action, other, draft.id)
    assert await snapshot(database, draft.id) == before


@pytest.mark.parametrize("action", sorted(ACTIONS))
async def test_student_cannot_change_a_course(database, action) -> None:
    owner, student = await actor(database), await actor(database, UserRole.STUDENT)
    draft = await publishable_course(database, owner)
    with pytest.raises(NotFound):
        await _attempt(database, action, student, draft.id)


async def test_other_instructor_gets_forbidden_on_a_published_course(database) -> None:
    owner, other, admin = (
        await actor(database),
        await actor(database),
        await actor(database, UserRole.ADMIN),
    )
    published = await _published(database, owner, admin)
    before = await snapshot(database, published.id)
    for action in ("update", "archive", "add_module", "pricing"):
        with pytest.raises(Forbidden):
            await _attempt(database, action, other, published.id)
    assert await snapshot(database, published.id) == before


async def test_owner_can_author_their_course(database) -> None:
    owner = await actor(database)
    draft = await course(database, owner)
    for action in ("update", "pricing", "add_module"):
        await _attempt(database, action, owner, draft.id)
    async with database.transaction() as session:
        module = await structure.add_module(session, actor=owner, course_id=draft.id, title="M2")
        await structure.add_lesson(
            session,
            actor=owner,
            module_id=module.id,
            type=LessonType.TEXT,
            title="L",
            content_text="x",
        )
    await _attempt(database, "delete", owner, draft.id)
    assert await rows(database, Course) == 0


async def test_admin_can_author_any_course(database) -> None:
    owner, admin = await actor(database), await actor(database, UserRole.ADMIN)
    draft = await publishable_course(database, owner)
    for action in ("submit", "update", "pricing", "add_module"):
        await _attempt(database, action, admin, draft.id)
    await _attempt(database, "delete", admin, draft.id)
    assert await rows(database, Course) == 0


async def test_admin_can_create_a_course_they_own(database) -> None:
    admin = await actor(database, UserRole.ADMIN)
    assert (await course(database, admin)).instructor_id == admin.id


async def test_only_admins_publish_and_the_owner_is_told_forbidden(database) -> None:
    owner, other = await actor(database), await actor(database)
    pending = await publishable_course(database, owner)
    await _attempt(database, "submit", owner, pending.id)
    with pytest.raises(Forbidden):
        async with database.transaction() as session:
            await service.publish_course(session, actor=owner, course_id=pending.id)
    with pytest.raises(NotFound):
        async with database.transaction() as session:
            await service.publish_course(session, actor=other, course_id=pending.id)
    with pytest.raises(NotFound):
        async with database.transaction() as session:
            await service.reject_course(session, actor=other, course_id=pending.id, notes="No")


async def test_instructor_demoted_to_student_no_longer_edits_own_course(database) -> None:
    owner = await actor(database)
    draft = await course(database, owner)
    owner = dataclasses.replace(owner, role=UserRole.STUDENT)
    with pytest.raises(Forbidden):
        await _attempt(database, "update", owner, draft.id)


async def test_only_admins_manage_categories(database) -> None:
    instructor = await actor(database)
    with pytest.raises(Forbidden):
        async with database.transaction() as session:
            await categories.create_category(session, actor=instructor, name="Data")


async def test_unknown_course_is_not_found(database) -> None:
    owner = await actor(database)
    with pytest.raises(NotFound):
        await _attempt(database, "update", owner, uuid.uuid4())


async def _published(database: Database, owner: Actor, admin: Actor) -> Course:
    created = await publishable_course(database, owner)
    async with database.transaction() as session:
        await service.submit_course_for_review(session, actor=owner, course_id=created.id)
    async with database.transaction() as session:
        published = await service.publish_course(session, actor=admin, course_id=created.id)
    assert published.status == CourseStatus.PUBLISHED
    return published
