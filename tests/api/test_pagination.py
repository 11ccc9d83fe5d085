"""Keyset pagination over the real `users` table: ties in the sort key, both directions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.accounts.models import User
from app.db import Database, count_statements
from app.pagination import InvalidPageRequest, PageRequest, SortKey, encode_cursor, paginate

BASE = datetime(2024, 1, 1, tzinfo=UTC)


async def _insert_users(db: Database, days: list[int]) -> list[User]:
    users = [
        User(
            email=f"user{i}-{uuid.uuid4().hex[:6]}@example.com",
            first_name="Ada",
            last_name=f"N{i}",
            password_hash="x",
            created_at=BASE + timedelta(days=day),
        )
        for i, day in enumerate(days)
    ]
    async with db.transaction() as session:
        session.add_all(users)
    return users


def _expected(users: list[User], descending: bool) -> list[uuid.UUID]:
    ordered = sorted(users, key=lambda u: (u.created_at, u.id), reverse=descending)
    return [u.id for u in ordered]


async def _walk(db: Database, size: int, descending: bool, backwards: bool) -> list[uuid.UUID]:
    """Every id, page by page, forwards (first/after) or backwards (last/before)."""
    seen: list[uuid.UUID] = []
    cursor = None
    for _ in range(100):
        request = (
            PageRequest.create(last=size, before=cursor)
            if backwards
            else PageRequest.create(first=size, after=cursor)
        )
        async with db.session() as session:
            page = await paginate(
                session,
                select(User),
                order_by=[SortKey(User.created_at, descending=descending)],
                tiebreaker=User.id,
                request=request,
            )
        ids = [u.id for u in page.items]
        seen = ids + seen if backwards else seen + ids
        more = page.has_previous if backwards else page.has_next
        if not more:
            return seen
        cursor = page.cursors[0] if backwards else page.cursors[-1]
    raise AssertionError("pagination did not end")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    days=st.lists(st.integers(min_value=0, max_value=3), min_size=0, max_size=12),
    size=st.integers(min_value=1, max_value=5),
    descending=st.booleans(),
    backwards=st.booleans(),
)
async def test_pages_visit_every_row_once_in_order_even_with_ties(
    database: Database, days: list[int], size: int, descending: bool, backwards: bool
) -> None:
    async with database.transaction() as session:
        await session.execute(User.__table__.delete())
    users = await _insert_users(database, days)
    assert await _walk(database, size, descending, backwards) == _expected(users, descending)


async def test_page_flags_and_total_count(database: Database) -> None:
    await _insert_users(database, [0, 0, 1, 2, 2])
    async with database.session() as session:
        first = await paginate(
            session,
            select(User),
            order_by=[User.created_at],
            tiebreaker=User.id,
            request=PageRequest.create(first=2),
            with_total=True,
        )
        second = await paginate(
            session,
            select(User),
            order_by=[User.created_at],
            tiebreaker=User.id,
            request=PageRequest.create(first=2, after=first.cursors[-1]),
        )
    assert (first.has_next, first.has_previous, first.total_count) == (True, False, 5)
    assert (second.has_next, second.has_previous, second.total_count) == (True, True, None)


async def test_total_count_costs_one_statement_only_when_requested(database: Database) -> None:
    await _insert_users(database, [0, 1, 2])
    counts = []
    for with_total in (False, True):
        async with database.session() as session:
            with count_statements(database.engine) as counter:
                await paginate(
                    session,
                    select(User),
                    order_by=[User.created_at],
                    tiebreaker=User.id,
                    request=PageRequest.create(first=2),
                    with_total=with_total,
                )
        counts.append(counter.count)
    assert counts == [1, 2]


async def test_a_filtered_statement_pages_within_its_filter(database: Database) -> None:
    users = await _insert_users(database, [0, 1, 2, 3])
    stmt = select(User).where(User.last_name != "N0")
    async with database.session() as session:
        page = await paginate(
            session,
            stmt,
            order_by=[SortKey(User.created_at, descending=True)],
            tiebreaker=User.id,
            request=PageRequest.create(first=10),
            with_total=True,
        )
    assert [u.id for u in page.items] == [u.id for u in reversed(users[1:])]
    assert page.total_count == 3


@pytest.mark.parametrize(
    "kwargs",
    [
        {"first": 0},
        {"first": 101},
        {"last": -1},
        {"first": 1, "last": 1},
        {"after": "not-a-cursor"},
        {"before": "bm90IGpzb24"},
    ],
)
def test_bad_page_arguments_are_refused(kwargs: dict) -> None:
    with pytest.raises(InvalidPageRequest) as excinfo:
        PageRequest.create(**kwargs)
    assert excinfo.value.code == "BAD_USER_INPUT"


def test_page_size_defaults_to_20() -> None:
    assert PageRequest.create().size == 20
    assert PageRequest.create(first=100).size == 100


async def test_a_cursor_from_another_ordering_is_refused(database: Database) -> None:
    foreign = encode_cursor([BASE, "extra", uuid.uuid4()])
    async with database.session() as session:
        with pytest.raises(InvalidPageRequest):
            await paginate(
                session,
                select(User),
                order_by=[User.created_at],
                tiebreaker=User.id,
                request=PageRequest.create(after=foreign),
            )


def test_cursors_are_opaque_and_not_offsets() -> None:
    cursor = encode_cursor([BASE, uuid.UUID(int=1)])
    assert cursor.isascii()
    assert "=" not in cursor
    assert "2024" not in cursor
