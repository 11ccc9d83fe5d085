"""Live fan-out across processes: two real `easyways serve` processes (A with the worker, B without)
on one embedded PostgreSQL and Valkey. A client subscribed on A receives what happens through B:
a message, an announcement scheduled through B and published by the worker, and — after a payment
confirmed through the webhook and processed by the worker — the order's PAID status and the
payment notification. Nothing is polled.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.catalog.slugs import slugify
from app.embedded import EmbeddedServices
from app.seed import INSTRUCTOR_PASSWORD, STUDENT_PASSWORD
from tests.support.live import Subscription, subscribe
from tests.support.server import Client, Server, service_env

pytestmark = pytest.mark.slow

FREE_COURSE = slugify("Python for Absolute Beginners")  # taught by grace
PAID_COURSE = slugify("Data Analysis with pandas")
MARIA = {"email": "maria@easyways.example", "password": STUDENT_PASSWORD}
GRACE = {"email": "grace@easyways.example", "password": INSTRUCTOR_PASSWORD}
WORKER_WAIT_SECONDS = 60.0  # a bound on real processes (scheduler tick, relay), not a timing claim


@dataclass
class Cluster:
    a: Server  # serves the subscribers; runs the worker
    b: Server  # takes the writes; no worker


@pytest.fixture
def cluster(data_dir: Path) -> Iterator[Cluster]:
    services = EmbeddedServices(data_dir)
    env = service_env(data_dir, services.start_postgres(), services.start_valkey())
    servers: list[Server] = []
    try:
        servers.append(Server(data_dir, "--seed", env=env))
        servers[0].wait_ready()
        servers.append(Server(data_dir, "--no-migrate", "--no-worker", env=env))
        servers[1].wait_ready()
        yield Cluster(*servers)
        for server in servers:
            print(server.log_tail())  # shown by pytest only when the test fails
    finally:
        for server in servers:
            server.kill()
        services.stop()


def signed_in(server: Server, account: dict[str, str]) -> Client:
    client = Client(server)
    client.token = client.mutate("login", account, "accessToken")["accessToken"]
    return client


@contextlib.asynccontextmanager
async def live(
    server: Server, client: Client, query: str, **variables: Any
) -> AsyncIterator[Subscription]:
    url = server.url.replace("http://", "ws://") + "/graphql"
    async with subscribe(url, query, variables, token=client.token, ready=0.5) as sub:
        yield sub


async def until_data(sub: Subscription, field: str, check: Any) -> dict[str, Any]:
    """The first event whose `field` satisfies `check` (earlier ones, e.g. other notifications,
    are passed over)."""
    deadline = asyncio.get_running_loop().time() + WORKER_WAIT_SECONDS
    while True:
        remaining = deadline - asyncio.get_running_loop().time()
        assert remaining > 0, f"no matching {field} event"
        value: dict[str, Any] = (await sub.next(wait=remaining))[field]
        if check(value):
            return value


async def test_subscribers_on_one_server_receive_what_happens_through_the_other(
    cluster: Cluster,
) -> None:
    maria_b, grace_b = signed_in(cluster.b, MARIA), signed_in(cluster.b, GRACE)
    maria_id = maria_b.run("{ me { id } }")["me"]["id"]
    course_query = "query($slug: String!) { course(slug: $slug) { id } }"
    free = maria_b.run(course_query, slug=FREE_COURSE)["course"]["id"]
    paid = maria_b.run(course_query, slug=PAID_COURSE)["course"]["id"]
    maria_b.mutate("enrollInCourse", {"courseId": free}, "enrollment { status }")

    async with (
        live(cluster.a, maria_b, "subscription { messageReceived { body sender { id } } }") as dm,
        live(
            cluster.a,
            maria_b,
            "subscription($c: ID) { announcementPublished(courseId: $c) { title } }",
            c=free,
        ) as news,
        live(cluster.a, maria_b, "subscription { notificationReceived { type title } }") as inbox,
    ):
        # a message sent through B reaches the subscriber on A
        grace_b.mutate(
            "startConversation",
            {"recipientId": maria_id, "body": "Welcome to the course!"},
            "conversation { id }",
        )
        message = (await dm.next(wait=WORKER_WAIT_SECONDS))["messageReceived"]
        assert message["body"] == "Welcome to the course!"

        # an announcement scheduled through B, published by the worker, reaches A
        publish_at = datetime.now(UTC) + timedelta(seconds=2)
        grace_b.mutate(
            "createAnnouncement",
            {
                "courseId": free,
                "title": "Live session on Friday",
                "body": "<p>Bring your questions.</p>",
                "publishAt": publish_at.isoformat(),
            },
            "announcement { id }",
        )
        await news.nothing(within=1.0)  # not before its time
        announced = (await news.next(wait=WORKER_WAIT_SECONDS))["announcementPublished"]
        assert announced == {"title": "Live session on Friday"}

        # a payment confirmed through the webhook on B: the worker marks the order paid and
        # notifies; the subscribers on A see both without polling
        maria_b.mutate("addToCart", {"courseId": paid, "tier": "PRO"}, "cart { lines { tier } }")
        cart = maria_b.run("{ cart { total { amount currency } } }")["cart"]
        order = maria_b.mutate(
            "createOrder",
            {"idempotencyKey": "live-e2e-1", "expectedTotal": cart["total"]},
            "order { id }",
        )["order"]
        async with live(
            cluster.a,
            maria_b,
            "subscription($o: ID!) { orderStatusChanged(orderId: $o) { status } }",
            o=order["id"],
        ) as status:
            maria_b.mutate(
                "confirmTestPayment", {"orderId": order["id"], "outcome": "SUCCEEDED"}, "eventId"
            )
            paid_order = await until_data(
                status, "orderStatusChanged", lambda o: o["status"] == "PAID"
            )
            assert paid_order == {"status": "PAID"}
            payment = await until_data(
                inbox, "notificationReceived", lambda n: n["type"] == "PAYMENT_SUCCEEDED"
            )
            assert payment["title"]
