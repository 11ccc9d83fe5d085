"""One real `easyways serve` (seeded, no worker) for the fuzz suite, on a database of its own on
the test session's PostgreSQL and on the session's Redis; the three roles signed in through the
API, and the ids of what exists on it."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import graphql
import httpx
import pytest
import redis

from app.accounts.models import UserRole
from app.assessments.quiz_seed import DEMO_COURSE_SLUG
from app.seed import DEMO_USERS
from tests.conftest import _create_database, _drop_database
from tests.fuzz.harness import OVER_LIMIT, Account, Caller, ServerLog, error_codes
from tests.fuzz.operations import INTROSPECTION_QUERY, IdPool, client_schema, root_fields, selection
from tests.support.server import Client, Server, service_env

ROLES = ("anonymous", "student", "admin")
UNLIMITED = str(10**9)
# Throttles are out of the way (a RATE_LIMITED answer is never a failure, but it hides what the
# operation would have done); admins sign in with a password alone.
SERVER_SETTINGS = {
    "RATE_LIMIT_ANONYMOUS_PER_MINUTE": UNLIMITED,
    "RATE_LIMIT_USER_PER_MINUTE": UNLIMITED,
    "LOGIN_MAX_ATTEMPTS_PER_ACCOUNT": UNLIMITED,
    "LOGIN_MAX_ATTEMPTS_PER_ACCOUNT_IP": UNLIMITED,
    "LOGIN_MAX_ATTEMPTS_PER_IP": UNLIMITED,
    "REGISTER_MAX_PER_IP": UNLIMITED,
    "EMAIL_REQUESTS_MAX_PER_EMAIL": UNLIMITED,
    "EMAIL_REQUESTS_MAX_PER_IP": UNLIMITED,
    "TOKEN_ATTEMPTS_MAX_PER_IP": UNLIMITED,
    "MFA_REQUIRED_FOR_ADMINS": "false",
    "READY_REQUIRES_WORKER": "false",  # served with --no-worker: the fuzz needs no jobs run
    "PYTHONUNBUFFERED": "1",  # log lines are on disk when the answer arrives
    "LOG_LEVEL": "WARNING",  # the exceptions, not a line per request
}
HARVEST_DEPTHS = (4, 3, 2, 1)


@dataclass
class FuzzTarget:
    server: Server
    schema: graphql.GraphQLSchema
    introspection: dict[str, Any]
    callers: dict[str, Caller]
    pool: IdPool
    log: ServerLog
    report_dir: Path


def _account(role: UserRole) -> Account:
    demo = next(user for user in DEMO_USERS if user.role == role)
    return Account(demo.email, demo.password)


def _student_objects(server: Server, token: str) -> list[Any]:
    """What only a student's own journey creates: an enrollment, a quiz attempt, a cart, an
    order (their ids go into the pool)."""
    student = Client(server)
    student.token = token
    free = student.run(
        "query($slug: String!) { course(slug: $slug) { id modules { lessons { id type } } } }",
        slug=DEMO_COURSE_SLUG,
    )["course"]
    enrolled = student.mutate("enrollInCourse", {"courseId": free["id"]}, "enrollment { id }")
    lesson = next(les for m in free["modules"] for les in m["lessons"] if les["type"] == "QUIZ")
    quiz = student.run("query($id: ID!) { lessonQuiz(lessonId: $id) { id } }", id=lesson["id"])
    attempt = student.mutate(
        "startQuizAttempt",
        {"quizId": quiz["lessonQuiz"]["id"]},
        "attempt { id questions { questionId } }",
    )
    paid = student.run(
        "{ courses(first: 20) { edges { node { id isFree pricingTiers { tier } } } } }"
    )["courses"]["edges"]
    course = next(edge["node"] for edge in paid if not edge["node"]["isFree"])
    student.mutate(
        "addToCart",
        {"courseId": course["id"], "tier": course["pricingTiers"][0]["tier"]},
        "cart { lines { __typename } }",
    )
    order = student.mutate("createOrder", {"idempotencyKey": "fuzz-order"}, "order { id }")
    return [enrolled, attempt, order]


def _harvest(target: FuzzTarget, caller: Caller) -> None:
    """Every id that a root field without required arguments shows this role, and what those
    objects lead to through `node(id:)`."""
    for root in root_fields(target.schema):
        if root.kind != "Query" or any(
            graphql.is_required_argument(a) for a in root.field.args.values()
        ):
            continue
        for depth in HARVEST_DEPTHS:
            fields = selection(target.schema, root.field.type, depth, ids=True)
            if not fields:
                break
            payload = caller.post(f"{{ {root.name} {{ {fields} }} }}", None)[1]
            if not error_codes(payload) & OVER_LIMIT:  # else shallower
                target.pool.add_all(payload.get("data"))
                break
    node_type = target.schema.get_type("Node")
    assert isinstance(node_type, graphql.GraphQLInterfaceType)
    fields = selection(target.schema, node_type, 2, ids=True)
    for value in target.pool.all_ids():
        payload = caller.post(f"query($id: ID!) {{ node(id: $id) {{ {fields} }} }}", {"id": value})[
            1
        ]
        target.pool.add_all(payload.get("data"))


@pytest.fixture(scope="package")
def fuzz(
    service_urls: tuple[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FuzzTarget]:
    test_db_url, redis_url = service_urls
    name = f"easyways_fuzz_{uuid.uuid4().hex[:12]}"
    database_url = asyncio.run(_create_database(test_db_url, name))
    base = Path(tempfile.mkdtemp(prefix="easyways-fuzz-"))  # outside pytest's temp root (e2e)
    data_dir = base / "data"
    env = service_env(data_dir, database_url, redis_url, **SERVER_SETTINGS)
    report_dir = tmp_path_factory.mktemp("fuzz-reports")
    server = Server(data_dir, "--seed", "--no-worker", env=env)
    callers: dict[str, Caller] = {}
    try:
        server.wait_ready()
        log = ServerLog(server.log_path)
        introspected = httpx.post(
            f"{server.url}/graphql", json={"query": INTROSPECTION_QUERY}, timeout=60
        )
        introspection = introspected.json()["data"]
        pool = IdPool()
        callers = {
            "anonymous": Caller("anonymous", server.url, log, pool, None),
            "student": Caller("student", server.url, log, pool, _account(UserRole.STUDENT)),
            "admin": Caller("admin", server.url, log, pool, _account(UserRole.ADMIN)),
        }
        for caller in list(callers.values())[1:]:  # no role takes its own account away
            pool.excluded.add(caller.post("{ me { id } }", None)[1]["data"]["me"]["id"])
        schema = client_schema(introspection)
        target = FuzzTarget(server, schema, introspection, callers, pool, log, report_dir)
        target.pool.add_all(_student_objects(server, callers["student"].token))
        for role in ("admin", "student"):
            _harvest(target, callers[role])
        print(f"ids: { {name: len(ids) for name, ids in sorted(pool.by_type.items())} }")
        yield target
    finally:
        for caller in callers.values():  # request id → operation, for the server log
            (report_dir / f"journal-{caller.role}.tsv").write_text("\n".join(caller.journal))
            caller.close()
        try:
            server.interrupt()
        finally:
            server.kill()
            asyncio.run(_drop_database(test_db_url, name))
            with redis.Redis.from_url(redis_url) as client:
                client.flushdb()  # its rate-limit counters, caches and sessions
            if server.log_path.exists():  # kept beside the reports (pytest keeps its temp roots)
                shutil.copy(server.log_path, report_dir / "server.log")
            shutil.rmtree(base, ignore_errors=True)
