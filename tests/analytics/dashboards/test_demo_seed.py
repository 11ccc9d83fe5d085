"""The demo learning history of `make run`: written once, rolled up, and visible on the three
dashboards — the instructor's funnel drops off, the admin sees the missed searches, an alumna
sees her time learned."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.analytics.models import AnalyticsEvent
from app.clock import utcnow
from app.db import Database
from app.seed import seed
from tests.support.catalog import token_for
from tests.support.graphql import GraphQLClient

INSTRUCTOR = """query ($r: AnalyticsRange!) {
  instructorDashboard(range: $r) {
    courses { title funnel { viewers completers quizAttempts quizFailures } }
  }
}"""
ADMIN = """query ($r: AnalyticsRange!) {
  adminDashboard(range: $r) { searchTermsWithoutResults { query searches } }
}"""
STUDENT = """{ studentDashboard(weeks: 4) {
  timeInvestedMinutes learningWeeks { seconds } streak { currentDays }
} }"""


async def demo_user(database: Database, email: str) -> User:
    async with database.session() as session:
        found = await session.scalar(select(User).where(User.email == email))
    assert found is not None
    return found


async def test_the_demo_history_is_written_once_and_fills_the_dashboards(
    database: Database, client: GraphQLClient
) -> None:
    first, second = await seed(database), await seed(database)
    assert first["demo learning history"] > 0
    assert second["demo learning history"] == 0
    async with database.session() as session:
        kinds = set(await session.scalars(select(AnalyticsEvent.event_type)))
    assert {"lesson.viewed", "video.watched", "lesson.completed", "quiz.submitted"} <= kinds
    today = utcnow().date()
    span = {"r": {"from": (today - timedelta(days=25)).isoformat(), "to": today.isoformat()}}

    grace = await demo_user(database, "grace@easyways.example")
    board = (await client.execute(INSTRUCTOR, span, token=token_for(client, grace))).payload(
        "instructorDashboard"
    )
    funnels = [c["funnel"] for c in board["courses"] if c["funnel"]]
    assert funnels
    for funnel in funnels:
        viewers = [step["viewers"] for step in funnel]
        assert viewers[0] == max(viewers) > viewers[-1]  # learners drop off along the course
        assert funnel[0]["completers"] == 3  # real progress: the alumni completed lesson one
    steps = [step for funnel in funnels for step in funnel]
    assert sum(s["quizAttempts"] for s in steps) >= 2
    assert sum(s["quizFailures"] for s in steps) >= 1  # the quiz was failed once first

    admin = await demo_user(database, "admin@easyways.example")
    missed = (await client.execute(ADMIN, span, token=token_for(client, admin))).payload(
        "adminDashboard"
    )["searchTermsWithoutResults"]
    assert {m["query"] for m in missed} == {"kubernetes", "rust"}

    lena = await demo_user(database, "lena@easyways.example")
    mine = (await client.execute(STUDENT, token=token_for(client, lena))).payload(
        "studentDashboard"
    )
    assert mine["timeInvestedMinutes"] > 0
    assert sum(week["seconds"] for week in mine["learningWeeks"]) > 0
    assert mine["streak"]["currentDays"] > 1  # she learned every day up to today
