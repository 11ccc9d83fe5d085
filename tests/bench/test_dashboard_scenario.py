"""The instructorDashboard bench scenario: signed in as instructor000, over rolled-up days of the
bench data set, its requests answer the instructor's courses without errors."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.accounts.models import User
from app.db import Database
from bench.dataset import Scale, build, instructor_email
from bench.generate import load
from bench.plan import DASHBOARD_RANGES, build_scenarios, roll_up_analytics
from tests.support.catalog import token_for
from tests.support.graphql import GraphQLClient


def test_the_dashboard_scenario_runs_signed_in_as_the_instructor() -> None:
    [scenario] = [s for s in build_scenarios([]) if s.name == "instructorDashboard"]
    assert (scenario.signed_in, scenario.as_instructor, scenario.cacheable) == (True, True, False)
    assert len(scenario.bodies) == len(DASHBOARD_RANGES)


async def test_the_dashboard_bodies_answer_over_the_rolled_up_bench_data(
    database: Database, client: GraphQLClient
) -> None:
    url = database.engine.url.render_as_string(hide_password=False)
    await load(url, build(Scale.tiny()))
    assert await roll_up_analytics(url) > 0
    async with database.session() as session:
        teacher = await session.scalar(select(User).where(User.email == instructor_email(0)))
    assert teacher is not None
    [scenario] = [s for s in build_scenarios([]) if s.name == "instructorDashboard"]

    answers = []
    for raw in scenario.bodies:
        request = json.loads(raw)
        outcome = await client.execute(
            request["query"], request["variables"], token=token_for(client, teacher)
        )
        answers.append(outcome.payload("instructorDashboard"))

    assert all(a["courses"] for a in answers)
    assert answers[-1]["enrollments"] >= answers[0]["enrollments"]
