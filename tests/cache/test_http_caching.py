"""ETag, 304, Cache-Control, TTL, rate budget and metrics of cached public reads."""

from __future__ import annotations

import hashlib

import orjson
import pytest
from prometheus_client import REGISTRY
from pydantic import ValidationError
from sqlalchemy import update

from app.catalog.models import Category
from app.integrations.cache import PREFIX, bump_catalog_version
from app.settings import Settings
from tests.support.cache import CALLS, ServeApp, Served, add_category

CATEGORIES = "{ categories }"


async def test_the_etag_is_a_strong_hash_of_the_body_and_stable_across_hits(
    served: Served,
) -> None:
    miss = await served.get(CATEGORIES)
    hit = await served.get(CATEGORIES)
    etag = miss.headers["etag"]
    assert etag == f'"{hashlib.sha256(miss.content).hexdigest()}"'
    assert hit.headers["etag"] == etag


async def test_the_etag_changes_when_the_data_does(served: Served) -> None:
    await add_category(served.db, "Python")
    before = (await served.get(CATEGORIES)).headers["etag"]
    async with served.db.transaction() as session:
        await session.execute(update(Category).values(name="Go"))
    await bump_catalog_version(served.redis)
    assert (await served.get(CATEGORIES)).headers["etag"] != before


@pytest.mark.parametrize("form", ["{etag}", "W/{etag}", '"other", {etag}', "*"])
async def test_get_with_a_matching_if_none_match_gets_304_without_a_body(
    served: Served, form: str
) -> None:
    etag = (await served.get(CATEGORIES)).headers["etag"]
    response = await served.get(CATEGORIES, headers={"If-None-Match": form.format(etag=etag)})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag
    assert response.headers["x-cache"] == "HIT"


async def test_304_also_when_the_entry_is_recreated_with_identical_content(
    served: Served,
) -> None:
    etag = (await served.get(CATEGORIES)).headers["etag"]
    await bump_catalog_version(served.redis)
    response = await served.get(CATEGORIES, headers={"If-None-Match": etag})
    assert (response.status_code, response.headers["x-cache"]) == (304, "MISS")
    assert CALLS["categories"] == 2


async def test_a_stale_if_none_match_gets_the_full_response(served: Served) -> None:
    await served.get(CATEGORIES)
    response = await served.get(CATEGORIES, headers={"If-None-Match": '"outdated"'})
    assert response.status_code == 200
    assert response.json()["data"] == {"categories": []}


async def test_post_with_if_none_match_gets_a_normal_200(served: Served) -> None:
    etag = (await served.post(CATEGORIES)).headers["etag"]
    response = await served.post(CATEGORIES, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.json()["data"] == {"categories": []}
    assert response.headers["cache-control"] == "no-store"


async def test_get_responses_are_publicly_cacheable_for_the_ttl(serve_app: ServeApp) -> None:
    async with serve_app(catalog_cache_ttl_seconds=45) as served:
        for _ in range(2):
            response = await served.get(CATEGORIES)
            assert response.headers["cache-control"] == "public, max-age=45"
            vary = {v.strip() for v in response.headers["vary"].split(",")}
            assert {"Accept", "Authorization"} <= vary


async def test_entries_expire_after_the_ttl(serve_app: ServeApp) -> None:
    async with serve_app(catalog_cache_ttl_seconds=30) as served:
        await served.get(CATEGORIES)
        keys = [k async for k in served.redis.scan_iter(match=f"{PREFIX}graphql:*")]
        assert len(keys) == 1
        assert 0 < await served.redis.ttl(keys[0]) <= 30


@pytest.mark.parametrize("ttl", [1, 29, 121, -5])
def test_a_ttl_outside_30_to_120_seconds_is_refused(ttl: int) -> None:
    with pytest.raises(ValidationError):
        Settings(catalog_cache_ttl_seconds=ttl)


@pytest.mark.parametrize("ttl", [0, 30, 60, 120])
def test_a_ttl_of_30_to_120_seconds_or_0_is_accepted(ttl: int) -> None:
    assert Settings(catalog_cache_ttl_seconds=ttl).catalog_cache_ttl_seconds == ttl


async def test_a_hit_has_the_same_media_type_as_a_miss(served: Served) -> None:
    accept = {"Accept": "application/graphql-response+json"}
    miss = await served.get(CATEGORIES, headers=accept)
    hit = await served.get(CATEGORIES, headers=accept)
    assert hit.headers["x-cache"] == "HIT"
    assert hit.headers["content-type"] == miss.headers["content-type"]
    assert miss.headers["content-type"].startswith("application/graphql-response+json")


async def test_a_hit_is_charged_to_the_rate_budget(served: Served) -> None:
    miss = await served.get(CATEGORIES)
    hit = await served.get(CATEGORIES)
    remaining = [int(r.headers["x-ratelimit-remaining"]) for r in (miss, hit)]
    assert remaining[1] == remaining[0] - 1


async def test_the_cost_extension_is_present_without_the_per_caller_budget(
    served: Served,
) -> None:
    for _ in range(2):
        cost = (await served.get(CATEGORIES)).json()["extensions"]["cost"]
        assert cost == {"requested": 1, "maximum": 5000, "remaining": None}


async def test_a_hit_over_the_budget_is_refused_like_any_request(serve_app: ServeApp) -> None:
    async with serve_app(rate_limit_anonymous_per_minute=2) as served:
        await served.get(CATEGORIES)
        assert (await served.get(CATEGORIES)).headers["x-cache"] == "HIT"
        refused = await served.get(CATEGORIES)
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert "retry-after" in refused.headers


def _count(result: str) -> float:
    value = REGISTRY.get_sample_value("easyways_cache_requests_total", {"result": result})
    return value or 0.0


async def test_hits_and_misses_are_counted(served: Served) -> None:
    hits, misses = _count("hit"), _count("miss")
    for _ in range(3):
        await served.get(CATEGORIES)
    assert (_count("hit") - hits, _count("miss") - misses) == (2, 1)


async def test_a_persisted_query_sent_by_hash_over_get_is_cached_with_its_etag(
    served: Served,
) -> None:
    digest = hashlib.sha256(CATEGORIES.encode()).hexdigest()
    extensions = orjson.dumps({"persistedQuery": {"version": 1, "sha256Hash": digest}}).decode()
    unknown = await served.http.get("/graphql", params={"extensions": extensions})
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    registered = await served.http.get(
        "/graphql", params={"query": CATEGORIES, "extensions": extensions}
    )
    by_hash = await served.http.get("/graphql", params={"extensions": extensions})
    assert by_hash.status_code == 200
    assert by_hash.content == registered.content
    assert by_hash.headers["etag"] == registered.headers["etag"]
    assert by_hash.headers["x-cache"] == "HIT"
    assert by_hash.headers["cache-control"].startswith("public")
    revalidated = await served.http.get(
        "/graphql",
        params={"extensions": extensions},
        headers={"If-None-Match": by_hash.headers["etag"]},
    )
    assert revalidated.status_code == 304
