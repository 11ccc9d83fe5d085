"""Depth, alias, token, directive and cost limits: each refuses with a clear error, and an
operation just under the limit passes. Parse and validation results are cached."""

from __future__ import annotations

from unittest import mock

import httpx
import strawberry.extensions.parser_cache as parser_cache_module

from schema.core.limits import COST_CACHE
from tests.support.api import AppClient


async def _post(client: httpx.AsyncClient, query: str, **kwargs: object) -> dict:
    response = await client.post("/graphql", json={"query": query, **kwargs})
    return response.json()


def _nested(depth: int) -> str:
    """`items { children { … { name } } }` of `depth` (the root field is depth 0)."""
    inner = "name"
    for _ in range(depth - 1):
        inner = f"children(first: 1) {{ {inner} }}"
    return f"{{ items(first: 1) {{ {inner} }} }}"


async def test_depth_limit_refuses_deeper_operations(app_client: AppClient) -> None:
    async with app_client(graphql_max_depth=5) as client:
        ok = await _post(client, _nested(5))
        too_deep = await _post(client, _nested(6))
    assert "errors" not in ok
    (error,) = too_deep["errors"]
    assert "exceeds maximum operation depth of 5" in error["message"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_alias_limit_is_15(client: httpx.AsyncClient) -> None:
    ok = await _post(client, "{ " + " ".join(f"a{i}: ping" for i in range(15)) + " }")
    too_many = await _post(client, "{ " + " ".join(f"a{i}: ping" for i in range(16)) + " }")
    assert "errors" not in ok
    assert "aliases" in too_many["errors"][0]["message"]
    assert too_many["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_token_limit_is_1000(client: httpx.AsyncClient) -> None:
    # `{ count ( values : [ … ] ) }` is 9 tokens plus one per number.
    ok = await _post(client, "{ count(values: [" + "1 " * 991 + "]) }")
    too_many = await _post(client, "{ count(values: [" + "1 " * 992 + "]) }")
    assert ok["data"] == {"count": 991}
    (error,) = too_many["errors"]
    assert "tokens" in error["message"]
    assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


async def test_directive_limit_is_50(client: httpx.AsyncClient) -> None:
    ok = await _post(client, "{ " + "ping @include(if: true) " * 50 + "}")
    too_many = await _post(client, "{ " + "ping @include(if: true) " * 51 + "}")
    assert ok["data"] == {"ping": "pong"}
    assert "more than 50 directives" in too_many["errors"][0]["message"]


async def test_cost_multiplies_children_by_the_page_size(client: httpx.AsyncClient) -> None:
    # items(first: 100) { name children(first: 24) { name } } = 1 + 100 * (1 + 1 + 24) = 2601
    body = await _post(client, "{ items(first: 100) { name children(first: 24) { name } } }")
    assert body["extensions"]["cost"]["requested"] == 2601
    assert body["extensions"]["cost"]["maximum"] == 5000


async def test_cost_limit_refuses_expensive_operations(app_client: AppClient) -> None:
    query = "query($n: Int) { items(first: 100) { children(first: $n) { name } } }"
    async with app_client() as client:
        # 1 + 100 * (1 + n): n = 48 costs 4901, n = 50 costs 5101
        ok = await _post(client, query, variables={"n": 48})
        too_costly = await _post(client, query, variables={"n": 50})
    assert "errors" not in ok
    (error,) = too_costly["errors"]
    assert "cost 5101 exceeds the maximum of 5000" in error["message"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "data" not in too_costly or too_costly["data"] is None


async def test_page_sizes_above_100_are_charged_as_100(client: httpx.AsyncClient) -> None:
    body = await _post(client, "{ items(first: 500) { name } }")
    assert body["extensions"]["cost"]["requested"] == 1 + 100


async def test_parsing_is_cached(client: httpx.AsyncClient) -> None:
    query = "{ ping a: ping }"
    real_parse = parser_cache_module.parse
    with mock.patch.object(parser_cache_module, "parse", side_effect=real_parse) as spy:
        parser_cache_module._get_parse_cache.cache_clear()
        for _ in range(3):
            assert (await _post(client, query))["data"] == {"ping": "pong", "a": "pong"}
        parser_cache_module._get_parse_cache.cache_clear()
    assert spy.call_count == 1


async def test_validation_and_cost_are_cached(client: httpx.AsyncClient) -> None:
    from strawberry.extensions import validation_cache

    query = "{ ping b: ping }"
    await _post(client, query)
    cached = validation_cache._get_validate_cache(512)
    hits, misses = cached.cache_info().hits, COST_CACHE.misses
    await _post(client, query)
    await _post(client, query)
    assert cached.cache_info().hits == hits + 2
    assert COST_CACHE.misses == misses
