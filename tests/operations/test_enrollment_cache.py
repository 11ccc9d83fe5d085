"""Course pages show enrollment counts and anonymous course pages are cached: every change of
enrollments — a free enrollment, a withdrawal, a paid order applied by the worker — orphans the
cached pages, so the next anonymous read shows the new count."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from app.catalog.models import Course
from app.db import Database
from app.integrations.payments_local import LocalGateway
from app.main import create_app
from app.settings import Settings
from tests.support.cache import Served, _serve
from tests.support.catalog import gid
from tests.support.learning import free_course, person
from tests.support.orders import paid_event, pending_order

PAGE = "query Page($slug: String!) { course(slug: $slug) { enrollmentCount } }"


@pytest.fixture
async def served(
    database: Database, redis_client: Redis, settings: Settings
) -> AsyncIterator[Served]:
    async with _serve(create_app(settings)) as s:
        yield s


async def anonymous_count(served: Served, course: Course) -> tuple[int, str]:
    response = await served.get(PAGE, {"slug": course.slug})
    assert response.status_code == 200, response.text
    return response.json()["data"]["course"]["enrollmentCount"], response.headers["x-cache"]


async def mutate(served: Served, token: str, name: str, input_: dict[str, Any]) -> Any:
    query = f"mutation($input: {name[0].upper()}{name[1:]}Input!) {{ {name}(input: $input) "
    query += "{ enrollment { id } errors { code } } }"
    response = await served.post(
        query, {"input": input_}, headers={"Authorization": f"Bearer {token}"}
    )
    payload = response.json()["data"][name]
    assert payload["errors"] == [], payload
    return payload["enrollment"]


async def test_enrolling_and_withdrawing_show_on_the_cached_anonymous_course_page(
    database: Database, served: Served
) -> None:
    course = await free_course(database)
    student = await person(database)
    token = served.token(student)
    assert await anonymous_count(served, course) == (0, "MISS")
    assert await anonymous_count(served, course) == (0, "HIT")

    enrollment = await mutate(
        served, token, "enrollInCourse", {"courseId": gid("Course", course.id)}
    )
    assert (await anonymous_count(served, course))[0] == 1

    await mutate(served, token, "withdrawEnrollment", {"enrollmentId": enrollment["id"]})
    assert (await anonymous_count(served, course))[0] == 0


async def test_an_order_paid_through_the_worker_shows_on_the_cached_anonymous_course_page(
    database: Database, served: Served, settings: Settings, redis_client: Redis, worker: Any
) -> None:
    import asyncio

    from workers.broker import broker
    from workers.commerce import process_payment_event

    gateway = LocalGateway(settings, redis_client)
    order, _, courses = await pending_order(database, gateway)
    assert await anonymous_count(served, courses[0]) == (0, "MISS")
    assert await anonymous_count(served, courses[0]) == (0, "HIT")

    process_payment_event.send(str(await paid_event(database, gateway, order)))
    await asyncio.to_thread(broker.join, process_payment_event.queue_name, timeout=30_000)

    assert await anonymous_count(served, courses[0]) == (1, "MISS")


async def test_a_refund_that_ends_access_shows_on_the_cached_anonymous_course_page(
    database: Database, served: Served, settings: Settings, redis_client: Redis
) -> None:
    from tests.support.refunds import locally_paid_order, paid_course

    course = await paid_course(database)
    student = await person(database)
    await locally_paid_order(database, LocalGateway(settings, redis_client), student, [course])
    assert await anonymous_count(served, course) == (1, "MISS")
    assert await anonymous_count(served, course) == (1, "HIT")

    response = await served.post(
        "mutation($input: RequestRefundInput!) { requestRefund(input: $input) "
        "{ errors { code } } }",
        {"input": {"orderId": gid("Order", (await _order_of(database, student.id)))}},
        headers={"Authorization": f"Bearer {served.token(student)}"},
    )
    assert response.json()["data"]["requestRefund"]["errors"] == [], response.json()

    assert await anonymous_count(served, course) == (0, "MISS")


async def _order_of(database: Database, student_id: Any) -> Any:
    from sqlalchemy import select

    from app.commerce.models import Order

    async with database.session() as session:
        return await session.scalar(select(Order.id).where(Order.user_id == student_id))
