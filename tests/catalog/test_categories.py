"""Admin-managed categories: unique slugs and names, ordering, active flag, parent tree."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.accounts.models import UserRole
from app.catalog import categories, repo
from app.catalog.models import Category
from app.errors import NotFound, UserFacingError
from app.outbox import OutboxEvent
from tests.support.authoring import actor, rows


async def _create(database, admin, **kwargs):
    async with database.transaction() as session:
        return await categories.create_category(session, actor=admin, **kwargs)


async def test_categories_get_slugs_and_go_last_unless_placed(database) -> None:
    admin = await actor(database, UserRole.ADMIN)
    web = await _create(database, admin, name="Web Development", color="#1A2B3C")
    data = await _create(database, admin, name="Data & AI")
    first = await _create(database, admin, name="Design", slug="design", sort_order=0)
    assert (web.slug, data.slug) == ("web-development", "data-and-ai")
    async with database.session() as session:
        listed = await repo.list_categories(session, active_only=False)
    assert [c.name for c in listed] == ["Design", "Web Development", "Data & AI"]
    assert first.sort_order == 0
    assert await rows(database, OutboxEvent, OutboxEvent.topic == "catalog.category_changed") == 3


async def test_duplicate_and_malformed_categories_are_rejected(database) -> None:
    admin = await actor(database, UserRole.ADMIN)
    await _create(database, admin, name="Music")
    with pytest.raises(UserFacingError) as caught:
        await _create(database, admin, name="Music", color="red", slug="Bad Slug")
    assert {(e.field, e.code) for e in caught.value.errors} == {
        ("name", "DUPLICATE_NAME"),
        ("color", "INVALID_COLOR"),
        ("slug", "INVALID_SLUG"),
    }
    with pytest.raises(UserFacingError) as caught:
        await _create(database, admin, name="Music!", description="d" * 5001)
    assert {(e.field, e.code) for e in caught.value.errors} == {
        ("slug", "DUPLICATE_SLUG"),
        ("description", "TOO_LONG"),
    }
    assert await rows(database, Category) == 1


async def test_update_category_deactivates_reorders_and_guards_the_tree(database) -> None:
    admin = await actor(database, UserRole.ADMIN)
    parent = await _create(database, admin, name="Programming")
    child = await _create(database, admin, name="Python", parent_id=parent.id)
    async with database.transaction() as session:
        updated = await categories.update_category(
            session, actor=admin, category_id=parent.id, is_active=False, sort_order=7
        )
    assert (updated.is_active, updated.sort_order) == (False, 7)
    async with database.session() as session:
        assert [c.name for c in await repo.list_categories(session, active_only=True)] == ["Python"]
    with pytest.raises(UserFacingError) as caught:
        async with database.transaction() as session:
            await categories.update_category(
                session, actor=admin, category_id=parent.id, parent_id=child.id, name="Python"
            )
    assert {e.code for e in caught.value.errors} == {"PARENT_CYCLE", "DUPLICATE_NAME"}
    with pytest.raises(NotFound):
        async with database.transaction() as session:
            await categories.update_category(session, actor=admin, category_id=uuid.uuid4())


INT32_MAX = 2**31 - 1


async def test_a_position_past_the_range_is_out_of_range_and_creates_nothing(database) -> None:
    admin = await actor(database, UserRole.ADMIN)
    with pytest.raises(UserFacingError) as caught:
        await _create(database, admin, name="Last", sort_order=INT32_MAX)
    assert [(e.field, e.code) for e in caught.value.errors] == [("sort_order", "OUT_OF_RANGE")]
    placed = await _create(database, admin, name="Far", sort_order=categories.MAX_SORT_ORDER)
    with pytest.raises(UserFacingError):
        async with database.transaction() as session:
            await categories.update_category(
                session, actor=admin, category_id=placed.id, sort_order=INT32_MAX
            )
    assert await rows(database, Category) == 1


async def test_categories_without_a_position_are_created_after_one_at_the_column_maximum(
    database,
) -> None:
    """A row written before the range was capped (or by hand) cannot make the next position
    overflow: new categories go to the capped last position, ordered by name."""
    admin = await actor(database, UserRole.ADMIN)
    legacy = await _create(database, admin, name="Legacy")
    async with database.transaction() as session:
        row = await session.get(Category, legacy.id)
        assert row is not None
        row.sort_order = INT32_MAX
    after = [await _create(database, admin, name=n) for n in ("Beta", "Alpha")]
    assert [c.sort_order for c in after] == [categories.MAX_SORT_ORDER] * 2
    async with database.session() as session:
        listed = await repo.list_categories(session, active_only=False)
    assert [c.name for c in listed] == ["Alpha", "Beta", "Legacy"]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(position=st.integers(min_value=-(2**31), max_value=INT32_MAX))
async def test_any_int_position_is_taken_or_refused_and_the_next_category_is_always_created(
    database, position: int
) -> None:
    admin = await actor(database, UserRole.ADMIN)
    suffix = uuid.uuid4().hex[:8]
    if 0 <= position <= categories.MAX_SORT_ORDER:
        placed = await _create(database, admin, name=f"P {suffix}", sort_order=position)
        assert placed.sort_order == position
    else:
        with pytest.raises(UserFacingError) as caught:
            await _create(database, admin, name=f"P {suffix}", sort_order=position)
        assert [e.code for e in caught.value.errors] == ["OUT_OF_RANGE"]
    following = await _create(database, admin, name=f"N {suffix}")
    assert 0 <= following.sort_order <= categories.MAX_SORT_ORDER
