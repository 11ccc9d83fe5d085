"""CSV reports: a course report holds the enrollment trend, completion rates and performance by
module (Property 58); short ranges are ready at once, long ones are built by the worker; the
file is a signed, expiring download; only teachers and admins may ask."""

from __future__ import annotations

import asyncio
import csv
import io
import time
from datetime import timedelta
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import func, select

from app.accounts.models import UserRole
from app.analytics.reports import BUILD_REPORT
from app.analytics.rollup_models import AnalyticsReport
from app.analytics.rollups import roll_up_days
from app.db import Database
from app.integrations.storage import LocalStorage
from app.outbox import relay_once
from tests.analytics.dashboards import factories as f
from tests.analytics.dashboards.factories import DAY, at
from tests.support.catalog import gid, person, token_for
from tests.support.graphql import GraphQLClient

FIELDS = "report { id kind status from to downloadUrl downloadExpiresAt error }"
WEEK = [DAY + timedelta(days=i) for i in range(7)]
READ = """query ($id: ID!) { analyticsReport(id: $id) { status downloadUrl } }"""


def span(days: int) -> dict[str, str]:
    return {"from": DAY.isoformat(), "to": (DAY + timedelta(days=days - 1)).isoformat()}


def sections(data: bytes) -> dict[str, list[list[str]]]:
    found: dict[str, list[list[str]]] = {}
    current: list[list[str]] = []
    for row in csv.reader(io.StringIO(data.decode())):
        if row and row[0].startswith("# "):
            current = found.setdefault(row[0][2:], [])
        elif row:
            current.append(row)
    return found


async def download(storage: LocalStorage, url: str) -> bytes:
    grant = storage.signer.verify(url.rsplit("/", 1)[1], "get")
    assert grant.expires <= time.time() + 901  # expires (ANALYTICS_REPORT_URL_TTL_SECONDS)
    return await storage.read(grant.key)


async def _course_with_a_week(database: Database, redis: Redis) -> f.World:
    w = await f.world(database, modules=2, lessons=2)
    for i in range(5):
        who = await f.student(database, f"R{i}")
        done = WEEK[i + 1] if i < 2 else None
        row = await f.enroll(database, who, w.course, on=WEEK[i], completed_on=done)
        await f.attempt(database, row, w.quizzes[w.lessons[2].id], 30 if i % 2 else 90, on=WEEK[i])
        await f.events(database, f.viewed(who, w.lessons[0], at(WEEK[i])))
    await roll_up_days(database, redis, WEEK, today=WEEK[-1])
    return w


async def test_property_58_a_course_report_has_trend_completion_and_module_performance(
    database: Database, redis_client: Redis, client: GraphQLClient, storage: LocalStorage
) -> None:
    """Property 58: the CSV holds the enrollment trend (every day), completion rates and the
    performance by module."""
    w = await _course_with_a_week(database, redis_client)
    outcome = await client.mutate(
        "requestCourseReport",
        {"courseId": gid("Course", w.course.id), "range": span(7)},
        FIELDS,
        token=token_for(client, w.teacher),
    )
    payload = outcome.payload("requestCourseReport")
    assert payload["errors"] == []
    report = payload["report"]
    assert (report["kind"], report["status"]) == ("COURSE", "READY")

    found = sections(await download(storage, report["downloadUrl"]))

    assert set(found) >= {"Enrollment trend", "Completion rates", "Performance by module"}
    header, *days = found["Enrollment trend"]
    assert header[:3] == ["day", "enrollments", "completions"]
    assert [d[0] for d in days] == [d.isoformat() for d in WEEK]
    assert [int(d[1]) for d in days] == [1, 1, 1, 1, 1, 0, 0]
    assert [int(d[2]) for d in days] == [0, 1, 1, 0, 0, 0, 0]
    rates = dict(found["Completion rates"][1:])
    assert (rates["enrollments_in_range"], rates["completions_in_range"]) == ("5", "2")
    assert rates["completion_rate_in_range"] == "40.00"
    assert rates["completion_rate"] == "40.00"
    header, first, second = found["Performance by module"]
    assert header[:3] == ["module", "title", "lessons"]
    assert (first[2], first[3]) == ("2", "5")  # two lessons, five learners started module 1
    assert (second[6], second[7], second[8]) == ("5", "2", "40.00")  # quiz attempts / failures


async def test_a_long_range_is_built_by_the_worker_and_then_downloadable(
    database: Database,
    redis_client: Redis,
    client: GraphQLClient,
    storage: LocalStorage,
    worker: Any,
) -> None:
    from workers.broker import broker
    from workers.relay import dispatch

    broker.flush_all()
    admin = await person(database, UserRole.ADMIN)
    await f.events(database, f.searched("no such thing", 0, at(DAY)))
    await roll_up_days(database, redis_client, [DAY], today=DAY)
    token = token_for(client, admin)
    outcome = await client.mutate("requestPlatformReport", {"range": span(90)}, FIELDS, token=token)
    report = outcome.payload("requestPlatformReport")["report"]
    assert (report["status"], report["downloadUrl"]) == ("PENDING", None)

    assert await relay_once(database, dispatch) == 1
    await asyncio.to_thread(broker.join, "default", timeout=20_000)
    ready = (await client.execute(READ, {"id": report["id"]}, token=token)).payload(
        "analyticsReport"
    )

    assert ready["status"] == "READY"
    found = sections(await download(storage, ready["downloadUrl"]))
    assert found["Search terms without results"] == [["query", "searches"], ["no such thing", "1"]]
    assert len(found["Platform days"]) == 2  # the header and the one rolled-up day


def test_the_report_topic_is_routed_to_its_actor() -> None:
    from workers.relay import ROUTES

    assert BUILD_REPORT in ROUTES


async def test_only_teachers_and_admins_get_reports_and_only_their_own(
    database: Database, redis_client: Redis, client: GraphQLClient
) -> None:
    w = await f.world(database)
    learner = await f.student(database)
    admin = await person(database, UserRole.ADMIN)
    course = {"courseId": gid("Course", w.course.id), "range": span(7)}

    refused = await client.mutate(
        "requestCourseReport", course, FIELDS, token=token_for(client, learner)
    )
    platform = await client.mutate(
        "requestPlatformReport", {"range": span(7)}, FIELDS, token=token_for(client, w.teacher)
    )
    mine = await client.mutate(
        "requestCourseReport", course, FIELDS, token=token_for(client, w.teacher)
    )
    report_id = mine.payload("requestCourseReport")["report"]["id"]
    theirs = await client.execute(READ, {"id": report_id}, token=token_for(client, learner))
    admins = await client.execute(READ, {"id": report_id}, token=token_for(client, admin))

    assert refused.codes == ["FORBIDDEN"]
    assert platform.codes == ["FORBIDDEN"]
    assert theirs.codes == ["NOT_FOUND"]
    assert admins.payload("analyticsReport")["status"] == "READY"


async def test_a_bad_range_is_a_field_error_and_records_nothing(
    database: Database, client: GraphQLClient
) -> None:
    w = await f.world(database)
    backwards = {"from": DAY.isoformat(), "to": (DAY - timedelta(days=2)).isoformat()}
    outcome = await client.mutate(
        "requestCourseReport",
        {"courseId": gid("Course", w.course.id), "range": backwards},
        FIELDS,
        token=token_for(client, w.teacher),
    )
    payload = outcome.payload("requestCourseReport")
    assert payload["report"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("range", "INVALID")]
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(AnalyticsReport)) == 0
