"""Anonymous pages showing an instructor are cached, and a profile change invalidates them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.instructors.support import public_instructor
from tests.support import catalog as f
from tests.support.cache import ServeApp, Served

PAGE = "query($s: String!) { instructor(slug: $s) { headline } }"
COURSE = "query($s: String!) { course(slug: $s) { instructor { headline } } }"
UPDATE = """mutation($input: UpdateInstructorProfileInput!) {
  updateInstructorProfile(input: $input) { errors { code } } }"""


@pytest.fixture
async def product(serve_app: ServeApp) -> AsyncIterator[Served]:
    async with serve_app(product=True) as served:
        yield served


async def test_a_profile_change_is_seen_by_the_next_anonymous_read_of_both_pages(
    product: Served,
) -> None:
    teacher, profile = await public_instructor(product.db)
    course = await f.course(product.db, teacher.id)
    pages = [(PAGE, {"s": profile.slug}), (COURSE, {"s": course.slug})]
    for query, variables in pages:
        await product.get(query, variables)
        assert (await product.get(query, variables)).headers["x-cache"] == "HIT"

    changed = await product.post(
        UPDATE,
        {"input": {"headline": "Freshly written"}},
        headers={"Authorization": f"Bearer {product.token(teacher)}"},
    )

    assert changed.json()["data"]["updateInstructorProfile"]["errors"] == []
    for query, variables in pages:
        fresh = await product.get(query, variables)
        assert fresh.headers["x-cache"] == "MISS"
        assert "Freshly written" in fresh.text
