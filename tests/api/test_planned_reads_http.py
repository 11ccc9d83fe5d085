"""Planned reads over HTTP: the endpoint writes the statement's JSON into the response as bytes,
with the same body (data and `extensions.cost`), status and headers as the executor, signed in
and through the anonymous response cache; GRAPHQL_PLANNED_READS=false turns the path off."""

from __future__ import annotations

import httpx
import orjson

from app.accounts.models import UserRole
from app.db import Database
from app.metrics import GRAPHQL_PLANNED
from app.security.tokens import issue_access_token
from tests.support import catalog as f
from tests.support.api import AppClient

PAGE = """query($first: Int!) { courses(first: $first, sort: NEWEST) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node { id title price { amount currency formatted } category { name }
    instructor { fullName } tags { name slug } pricingTiers { tier features }
    modules { title lessons { title type isPreview locked } } } } } }"""


def _planned() -> float:
    return GRAPHQL_PLANNED.labels(outcome="planned")._value.get()


def _token(client: httpx.AsyncClient, user: object) -> str:
    state = client._transport.app.state  # type: ignore[attr-defined]
    token, _ = issue_access_token(state.keyring, state.settings, user=user, session_id=None)  # type: ignore[arg-type]
    return token


async def _bodies(client: httpx.AsyncClient, headers: dict[str, str]) -> list[httpx.Response]:
    return [
        await client.post(
            "/graphql", json={"query": PAGE, "variables": {"first": first}}, headers=headers
        )
        for first in (1, 5)
    ]


async def test_the_planned_page_is_the_executors_page_byte_for_byte(
    app_client: AppClient, database: Database
) -> None:
    await f.shelf(database, 6)
    student = await f.person(database, UserRole.STUDENT)

    async with app_client() as client:
        signed_in = {
            "Authorization": f"Bearer {_token(client, student)}",
            "Accept-Language": "fr-FR",  # amounts written for the reader's locale
        }
        before = _planned()
        planned = await _bodies(client, signed_in)
        french = {"Accept-Language": "fr-FR"}
        anonymous = await _bodies(client, french)  # misses of the response cache, then stored
        cached = await _bodies(client, french)
        answered = _planned() - before
    async with app_client(graphql_planned_reads=False) as client:
        signed_in = {
            "Authorization": f"Bearer {_token(client, student)}",
            "Accept-Language": "fr-FR",
        }
        before = _planned()
        general = await _bodies(client, signed_in)
        assert _planned() == before  # switched off: the executor answers everything

    assert answered == 4  # two signed-in pages and the two cache misses
    for mine, theirs in zip(planned, general, strict=True):
        assert mine.status_code == theirs.status_code == 200
        assert mine.headers["content-type"] == theirs.headers["content-type"]
        body, expected = orjson.loads(mine.content), orjson.loads(theirs.content)
        # the remaining budget differs between the two apps' buckets; the rest is the same
        body["extensions"]["cost"].pop("remaining")
        expected["extensions"]["cost"].pop("remaining")
        assert orjson.dumps(body) == orjson.dumps(expected)
    edges = orjson.loads(planned[1].content)["data"]["courses"]["edges"]
    assert len(edges) == 5
    assert {e["node"]["price"]["formatted"] for e in edges} == {"19,99\u00a0$US"}
    for miss, hit, mine in zip(anonymous, cached, planned, strict=True):
        assert miss.headers["x-cache"] == "MISS"
        assert hit.headers["x-cache"] == "HIT"
        assert hit.content == miss.content
        assert orjson.loads(hit.content)["data"] == orjson.loads(mine.content)["data"]
