"""Creating and editing courses: slugs (Property 12), details, validation, change events."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.catalog import repo, service, structure
from app.catalog.models import Course, CourseLevel, CourseStatus, Tag
from app.catalog.repo import courses as course_repo
from app.catalog.slugs import next_free, slugify
from app.errors import UserFacingError
from tests.support.authoring import actor, category, course, events, rows, snapshot

TITLES = st.text(
    alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "Zs", "S"]),
    min_size=1,
    max_size=60,
).filter(lambda s: s.strip())


def test_slugify_makes_readable_ascii_slugs() -> None:
    assert slugify("Intro to Python") == "intro-to-python"
    assert slugify("  Café & C++ — Déjà vu! ") == "cafe-and-c-plus-plus-deja-vu"
    assert slugify("日本語", fallback="course") == "course"
    assert next_free("intro", {"intro", "intro-2", "intro-4"}) == "intro-3"
    assert next_free("intro", {"intro-2"}) == "intro"


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    titles=st.lists(
        st.sampled_from(["Intro to Python", "intro to python!", "Go"]) | TITLES,
        min_size=1,
        max_size=6,
    )
)
async def test_property_12_slugs_are_unique_even_for_equal_titles(database, titles) -> None:
    owner = await actor(database)
    slugs = []
    for title in titles:
        created = await course(database, owner, title=title)
        assert created.slug.startswith(slugify(title, fallback="course"))
        slugs.append(created.slug)
    assert len(set(slugs)) == len(slugs)


async def test_property_12_equal_titles_get_numbered_slugs(database) -> None:
    owner = await actor(database)
    made = [await course(database, owner, title="Intro to Python") for _ in range(3)]
    assert [c.slug for c in made] == ["intro-to-python", "intro-to-python-2", "intro-to-python-3"]


async def test_property_12_concurrent_creations_with_one_title_get_distinct_slugs(
    database, monkeypatch
) -> None:
    owner = await actor(database)
    lookups = 0
    original = course_repo.slugs_taken

    async def counted(*args, **kwargs):
        nonlocal lookups
        lookups += 1
        return await original(*args, **kwargs)

    monkeypatch.setattr(course_repo, "slugs_taken", counted)

    async def create() -> str:
        async with database.transaction() as session:
            created = await service.create_course(
                session, actor=owner, title="Race Condition 101", description="Fast."
            )
            await asyncio.sleep(0.05)  # keep the transaction open so the others collide
            return created.slug

    slugs = await asyncio.gather(*(create() for _ in range(6)))
    assert sorted(slugs) == sorted(
        ["race-condition-101", *(f"race-condition-101-{n}" for n in range(2, 7))]
    )
    assert lookups > 6  # the creations really collided and retried in their savepoints


async def test_create_course_stores_details_requirements_objectives_and_tags(database) -> None:
    owner = await actor(database)
    cat = await category(database)
    created = await course(
        database,
        owner,
        category_id=cat.id,
        level=CourseLevel.ADVANCED,
        language="pt-BR",
        requirements=["A laptop", " Curiosity "],
        objectives=["Write scripts"],
        tags=["Python", "python", "C++"],
    )
    assert created.status == CourseStatus.DRAFT
    assert created.instructor_id == owner.id
    async with database.session() as session:
        assert (await repo.requirements_by_course_ids(session, [created.id])) == [
            ["A laptop", "Curiosity"]
        ]
        assert (await repo.objectives_by_course_ids(session, [created.id])) == [["Write scripts"]]
        tags = (await repo.tags_by_course_ids(session, [created.id]))[0]
    assert sorted(t.slug for t in tags) == ["c-plus-plus", "python"]
    # tags are upserted by slug: a second course reuses them
    await course(database, owner, title="Other", tags=["Python"])
    assert await rows(database, Tag) == 2
    assert await events(database, created.id) == ["created"]


async def test_invalid_course_input_reports_every_field_and_creates_nothing(database) -> None:
    owner = await actor(database)
    inactive = await category(database, active=False)
    with pytest.raises(UserFacingError) as caught:
        await course(
            database,
            owner,
            title="x" * 221,
            description="  ",
            language="English",
            category_id=inactive.id,
            image_upload_id=uuid.uuid4(),
            trailer_url="javascript:alert(1)",
            requirements=["r" * 256],
            tags=["t" * 61],
        )
    assert {(e.field, e.code) for e in caught.value.errors} == {
        ("title", "TOO_LONG"),
        ("description", "REQUIRED"),
        ("language", "INVALID"),
        ("category_id", "CATEGORY_NOT_FOUND"),
        ("image_upload_id", "FILE_NOT_FOUND"),
        ("trailer_url", "INVALID_URL"),
        ("requirements[0]", "TOO_LONG"),
        ("tags[0]", "TOO_LONG"),
    }
    assert await rows(database, Course) == 0


async def test_update_course_keeps_the_slug_unless_asked(database) -> None:
    owner = await actor(database)
    created = await course(database, owner, title="Old title")
    await course(database, owner, title="New title")
    async with database.transaction() as session:
        updated = await service.update_course(
            session, actor=owner, course_id=created.id, title="New title", tags=["Rust"]
        )
        assert updated.slug == "old-title"
    async with database.transaction() as session:
        updated = await service.update_course(
            session, actor=owner, course_id=created.id, regenerate_slug=True
        )
        assert (updated.title, updated.slug) == ("New title", "new-title-2")
    async with database.session() as session:
        assert [t.name for t in (await repo.tags_by_course_ids(session, [created.id]))[0]] == [
            "Rust"
        ]
    assert await events(database, created.id) == ["created", "updated", "updated"]


async def test_invalid_update_changes_nothing(database) -> None:
    owner = await actor(database)
    created = await course(database, owner)
    before = await snapshot(database, created.id)
    with pytest.raises(UserFacingError) as caught:
        async with database.transaction() as session:
            await service.update_course(
                session,
                actor=owner,
                course_id=created.id,
                title="Fine",
                subtitle="s" * 301,
                enrollment_limit=0,
            )
    assert {(e.field, e.code) for e in caught.value.errors} == {
        ("subtitle", "TOO_LONG"),
        ("enrollment_limit", "OUT_OF_RANGE"),
    }
    assert await snapshot(database, created.id) == before


async def test_update_can_clear_optional_fields(database) -> None:
    owner = await actor(database)
    cat = await category(database)
    created = await course(database, owner, category_id=cat.id, subtitle="Sub")
    async with database.transaction() as session:
        updated = await service.update_course(
            session, actor=owner, course_id=created.id, category_id=None, subtitle=None
        )
    assert (updated.category_id, updated.subtitle, updated.title) == (None, None, created.title)


async def test_batch_reads_return_rows_in_key_order(database) -> None:
    owner = await actor(database)
    a = await course(database, owner, title="A")
    b = await course(database, owner, title="B")
    missing = a.id.__class__(int=0)
    async with database.session() as session:
        found = await repo.courses_by_ids(session, [b.id, missing, a.id])
    assert [c.title if c else None for c in found] == ["B", None, "A"]


async def test_returned_objects_stay_readable_after_the_transaction(database) -> None:
    """Resolvers map the returned rows after commit: nothing may be left expired."""
    owner = await actor(database)
    created = await course(database, owner)
    async with database.transaction() as session:
        a = await structure.add_module(session, actor=owner, course_id=created.id, title="A")
        b = await structure.add_module(session, actor=owner, course_id=created.id, title="B")
        moved = await structure.reorder_modules(
            session, actor=owner, course_id=created.id, module_ids=[b.id, a.id]
        )
        renamed = await structure.update_module(session, actor=owner, module_id=a.id, title="C")
        updated = await service.update_course(
            session, actor=owner, course_id=created.id, title="Y", regenerate_slug=True
        )
        priced = await service.set_course_pricing(
            session, actor=owner, course_id=created.id, is_free=True
        )
    assert all(m.updated_at for m in moved)
    assert None not in (renamed.updated_at, updated.updated_at, priced.updated_at)
    assert (updated.slug, priced.is_free) == ("y", True)
