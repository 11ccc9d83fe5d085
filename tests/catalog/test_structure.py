"""Modules and lessons: order numbers (Properties 13, 15), lesson types (Property 14),
prerequisites, and bad input that changes nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.catalog import repo, structure
from app.catalog.models import CourseModule, Lesson, LessonType
from app.db import Database
from app.errors import UserFacingError
from app.media.models import VideoStatus
from tests.support.authoring import actor, course, events, lesson_fields, snapshot, video

SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


async def _modules(database: Database, course_id: uuid.UUID) -> list[CourseModule]:
    async with database.session() as session:
        return (await repo.modules_by_course_ids(session, [course_id]))[0]


async def _lessons(database: Database, module_id: uuid.UUID) -> list[Lesson]:
    async with database.session() as session:
        return (await repo.lessons_by_module_ids(session, [module_id]))[0]


async def _course_with_modules(database: Database, count: int) -> tuple[Any, Any, list[Any]]:
    owner = await actor(database)
    created = await course(database, owner)
    async with database.transaction() as session:
        modules = [
            await structure.add_module(session, actor=owner, course_id=created.id, title=f"M{i}")
            for i in range(count)
        ]
    return owner, created, modules


@SETTINGS
@given(ops=st.lists(st.one_of(st.just("add"), st.integers(min_value=0, max_value=9)), max_size=12))
async def test_property_13_module_order_numbers_stay_unique_and_new_ones_are_free(
    database, ops
) -> None:
    owner, created, _ = await _course_with_modules(database, 0)
    for op in ops:
        existing = await _modules(database, created.id)
        async with database.transaction() as session:
            if op == "add":
                added = await structure.add_module(
                    session, actor=owner, course_id=created.id, title="M"
                )
                assert added.order_number not in {m.order_number for m in existing}
            elif existing:
                victim = existing[op % len(existing)]
                await structure.delete_module(session, actor=owner, module_id=victim.id)
        numbers = [m.order_number for m in await _modules(database, created.id)]
        assert numbers == list(range(1, len(numbers) + 1))


@SETTINGS
@given(data=st.data(), count=st.integers(min_value=1, max_value=7))
async def test_property_15_reordering_modules_keeps_numbers_unique_and_gapless(
    database, data, count
) -> None:
    owner, created, modules = await _course_with_modules(database, count)
    order = data.draw(st.permutations([m.id for m in modules]))
    async with database.transaction() as session:
        await structure.reorder_modules(
            session, actor=owner, course_id=created.id, module_ids=order
        )
    after = await _modules(database, created.id)
    assert [m.id for m in after] == list(order)
    assert [m.order_number for m in after] == list(range(1, count + 1))


@SETTINGS
@given(data=st.data(), count=st.integers(min_value=1, max_value=6))
async def test_property_15_reordering_lessons_keeps_numbers_unique_and_gapless(
    database, data, count
) -> None:
    owner, _, (module,) = await _course_with_modules(database, 1)
    async with database.transaction() as session:
        lessons = [
            await structure.add_lesson(
                session,
                actor=owner,
                module_id=module.id,
                type=LessonType.TEXT,
                title=f"L{i}",
                content_text="x",
            )
            for i in range(count)
        ]
    order = data.draw(st.permutations([x.id for x in lessons]))
    async with database.transaction() as session:
        await structure.reorder_lessons(session, actor=owner, module_id=module.id, lesson_ids=order)
    after = await _lessons(database, module.id)
    assert [x.id for x in after] == list(order)
    assert [x.order_number for x in after] == list(range(1, count + 1))


@pytest.mark.parametrize(
    ("shape", "code"),
    [("duplicate", "DUPLICATE_ID"), ("foreign", "FOREIGN_ID"), ("missing", "MISSING_ID")],
)
async def test_reordering_with_bad_ids_is_rejected_and_changes_nothing(
    database, shape, code
) -> None:
    owner, created, modules = await _course_with_modules(database, 3)
    _, _, foreign = await _course_with_modules(database, 1)
    ids = [m.id for m in reversed(modules)]
    bad = {
        "duplicate": [ids[0], ids[0], ids[1], ids[2]],
        "foreign": [*ids, foreign[0].id],
        "missing": ids[:2],
    }[shape]
    before = await snapshot(database, created.id)
    with pytest.raises(UserFacingError) as caught:
        async with database.transaction() as session:
            await structure.reorder_modules(
                session, actor=owner, course_id=created.id, module_ids=bad
            )
    assert [e.code for e in caught.value.errors] == [code]
    assert await snapshot(database, created.id) == before


KINDS = st.sampled_from(list(LessonType))


@SETTINGS
@given(
    kind=KINDS,
    has_video=st.booleans(),
    has_text=st.booleans(),
    has_description=st.booleans(),
)
async def test_property_14_lesson_types_require_their_fields(
    database, kind, has_video, has_text, has_description
) -> None:
    owner, created, (module,) = await _course_with_modules(database, 1)
    fields: dict[str, Any] = {
        "video_asset_id": await video(database, VideoStatus.PROCESSING) if has_video else None,
        "content_text": "Words" if has_text else None,
        "description": "Hand in a file" if has_description else None,
    }
    valid = {
        LessonType.VIDEO: has_video,
        LessonType.TEXT: has_text and not has_video,
        LessonType.QUIZ: not has_video,
        LessonType.ASSIGNMENT: has_description and not has_video,
    }[kind]
    before = await snapshot(database, created.id)
    if valid:
        await _add(database, owner, module.id, kind, fields)
        assert len(await _lessons(database, module.id)) == 1
    else:
        with pytest.raises(UserFacingError):
            await _add(database, owner, module.id, kind, fields)
        assert await snapshot(database, created.id) == before


async def _add(database, owner, module_id, kind, fields):
    async with database.transaction() as session:
        await structure.add_lesson(
            session, actor=owner, module_id=module_id, type=kind, title="L", **fields
        )


async def test_video_lesson_without_a_video_is_rejected(database) -> None:
    owner, _, (module,) = await _course_with_modules(database, 1)
    for video_id, code in ((None, "VIDEO_REQUIRED"), (uuid.uuid4(), "VIDEO_NOT_FOUND")):
        with pytest.raises(UserFacingError) as caught:
            async with database.transaction() as session:
                await structure.add_lesson(
                    session,
                    actor=owner,
                    module_id=module.id,
                    type=LessonType.VIDEO,
                    title="Talk",
                    video_asset_id=video_id,
                )
        assert [(e.field, e.code) for e in caught.value.errors] == [("video_asset_id", code)]
    assert await _lessons(database, module.id) == []


async def test_update_lesson_revalidates_the_type_and_keeps_unchanged_fields(database) -> None:
    owner, _, (module,) = await _course_with_modules(database, 1)
    async with database.transaction() as session:
        lesson = await structure.add_lesson(
            session,
            actor=owner,
            module_id=module.id,
            type=LessonType.TEXT,
            title="Read",
            content_text="Words",
            is_preview=True,
        )
    with pytest.raises(UserFacingError):
        async with database.transaction() as session:
            await structure.update_lesson(
                session, actor=owner, lesson_id=lesson.id, type=LessonType.VIDEO
            )
    fields = await lesson_fields(database, LessonType.VIDEO)
    async with database.transaction() as session:
        changed = await structure.update_lesson(
            session, actor=owner, lesson_id=lesson.id, type=LessonType.VIDEO, **fields
        )
    assert (changed.type, changed.title, changed.is_preview) == (LessonType.VIDEO, "Read", True)


async def test_deleting_lessons_renumbers_the_rest(database) -> None:
    owner, created, (module,) = await _course_with_modules(database, 1)
    async with database.transaction() as session:
        made = [
            await structure.add_lesson(
                session, actor=owner, module_id=module.id, type=LessonType.QUIZ, title=f"Q{i}"
            )
            for i in range(4)
        ]
    async with database.transaction() as session:
        await structure.delete_lesson(session, actor=owner, lesson_id=made[1].id)
    after = await _lessons(database, module.id)
    assert [(x.title, x.order_number) for x in after] == [("Q0", 1), ("Q2", 2), ("Q3", 3)]
    assert (await events(database, created.id))[-1] == "structure"


async def test_prerequisite_must_be_a_module_of_the_course_without_cycles(database) -> None:
    owner, created, (a, b, c) = await _course_with_modules(database, 3)
    _, _, (foreign,) = await _course_with_modules(database, 1)
    async with database.transaction() as session:
        await structure.update_module(
            session, actor=owner, module_id=b.id, prerequisite_module_id=a.id
        )
        await structure.update_module(
            session, actor=owner, module_id=c.id, prerequisite_module_id=b.id
        )
    before = await snapshot(database, created.id)
    for module, prerequisite, code in (
        (a, c.id, "PREREQUISITE_CYCLE"),
        (a, a.id, "PREREQUISITE_CYCLE"),
        (a, foreign.id, "INVALID_PREREQUISITE"),
    ):
        with pytest.raises(UserFacingError) as caught:
            async with database.transaction() as session:
                await structure.update_module(
                    session, actor=owner, module_id=module.id, prerequisite_module_id=prerequisite
                )
        assert [e.code for e in caught.value.errors] == [code]
    assert await snapshot(database, created.id) == before
    async with database.transaction() as session:
        cleared = await structure.update_module(
            session, actor=owner, module_id=c.id, prerequisite_module_id=None, title="Renamed"
        )
    assert (cleared.prerequisite_module_id, cleared.title) == (None, "Renamed")


async def test_oversized_module_title_is_rejected(database) -> None:
    owner, created, _ = await _course_with_modules(database, 0)
    with pytest.raises(UserFacingError) as caught:
        async with database.transaction() as session:
            await structure.add_module(session, actor=owner, course_id=created.id, title="m" * 221)
    assert [(e.field, e.code) for e in caught.value.errors] == [("title", "TOO_LONG")]
    assert await _modules(database, created.id) == []


async def test_every_structural_change_emits_a_course_event(database) -> None:
    owner, created, modules = await _course_with_modules(database, 2)
    async with database.transaction() as session:
        await structure.reorder_modules(
            session, actor=owner, course_id=created.id, module_ids=[modules[1].id, modules[0].id]
        )
        await structure.delete_module(session, actor=owner, module_id=modules[0].id)
    assert await events(database, created.id) == ["created", *["structure"] * 4]
