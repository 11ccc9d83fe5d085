"""A course's average rating and review count always equal what its visible reviews say: many
students reviewing, editing and deleting at once, and a moderator hiding reviews meanwhile,
leave the course's columns equal to a fresh aggregate after every round."""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections.abc import Awaitable, Callable

from app.cms import reviews
from app.db import Database
from app.errors import Conflict
from app.security.permissions import Actor
from tests.support.reviews import admin, classroom, fresh_aggregate, review, stored_rating

STUDENTS = 16
Step = Callable[[], Awaitable[object]]


async def _in_transaction(
    database: Database, call: Callable[..., Awaitable[object]], **kw: object
) -> None:
    async with database.transaction() as session:
        await call(session, **kw)


async def _race(database: Database, course_id: uuid.UUID, steps: list[Step]) -> None:
    await asyncio.gather(*(step() for step in steps))
    assert await stored_rating(database, course_id) == await fresh_aggregate(database, course_id)


async def test_concurrent_reviews_edits_deletions_and_hiding_keep_the_rating_exact(
    database: Database,
) -> None:
    rng = random.Random(13)
    room = await classroom(database, students=STUDENTS)
    course_id = room.course.id
    moderator = Actor.of(await admin(database))
    early = await review(database, await room.student(database), room.course, 1)
    written: dict[uuid.UUID, uuid.UUID] = {}

    async def write(student_index: int) -> None:
        student = room.students[student_index]
        made = await review(database, student, room.course, rng.randint(1, 5))
        written[student.id] = made.id

    async def moderate(hide: bool) -> None:
        action = reviews.hide_review if hide else reviews.unhide_review
        with contextlib.suppress(Conflict):
            await _in_transaction(database, action, actor=moderator, review_id=early.id)

    await _race(
        database,
        course_id,
        [lambda i=i: write(i) for i in range(STUDENTS)] + [lambda: moderate(True)],
    )
    actors = {s.id: Actor.of(s) for s in room.students}
    await _race(
        database,
        course_id,
        [
            lambda u=u, r=r: _in_transaction(
                database,
                reviews.update_review,
                actor=actors[u],
                review_id=r,
                rating=rng.randint(1, 5),
            )
            for u, r in written.items()
        ]
        + [lambda: moderate(False)],
    )
    await _race(
        database,
        course_id,
        [
            lambda u=u, r=r: _in_transaction(
                database, reviews.delete_review, actor=actors[u], review_id=r
            )
            for u, r in list(written.items())[::2]
        ]
        + [lambda: moderate(True)],
    )
