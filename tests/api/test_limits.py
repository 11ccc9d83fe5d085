"""Depth, alias, token, directive and cost limits: each refuses with a clear error, and an
operation just under the limit passes. Parse and validation results are cached."""

from __future__ import annotations

from unittest import mock

import httpx
import strawberry.extensions.parser_cache as parser_cache_module

from schema.core.extensions import VALIDATIONS
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
    """A repeated document is validated and costed once (the validation memo keys by the parsed
    document's identity: hashing a graphql-core document walks its whole tree)."""
    query = "{ ping b: ping }"
    await _post(client, query)
    validations, costs = VALIDATIONS.misses, COST_CACHE.misses
    await _post(client, query)
    await _post(client, query)
    assert VALIDATIONS.misses == validations
    assert COST_CACHE.misses == costs
    await _post(client, "{ ping c: ping }")
    assert VALIDATIONS.misses == validations + 1


async def test_unknown_directives_over_the_limit_are_one_clear_error(
    client: httpx.AsyncClient,
) -> None:
    """The directive count runs before graphql-core's validation, which would report each unknown
    directive until its own cap (101 errors)."""
    body = await _post(client, "{ ping " + "@nope " * 101 + "}")
    (error,) = body["errors"]
    assert error["message"] == "Operation has more than 50 directives."
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_every_selected_field_costs_including_typename(client: httpx.AsyncClient) -> None:
    once = await _post(client, "{ __typename }")
    # 1 + 100 * 60: the same selection repeated in a list of 100 is no longer free
    repeated = await _post(client, "{ items(first: 100) { " + "__typename " * 60 + "} }")
    assert once["extensions"]["cost"]["requested"] == 1
    (error,) = repeated["errors"]
    assert "cost 6001 exceeds the maximum of 5000" in error["message"]


def _doubling_fragments(levels: int) -> str:
    """F0 spreads F1 twice, F1 spreads F2 twice, …: 2**levels paths to the one field."""
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    fragments.append(f"fragment F{levels} on Query {{ items(first: 1) {{ name }} }}")
    return "query { ...F0 }\n" + "\n".join(fragments)


async def test_every_walk_reads_each_fragment_once(client: httpx.AsyncClient) -> None:
    """Fragments spreading fragments twice over made the depth, alias and cost walks and the
    response cache's root-field walk exponential (2**n fragment reads): a few hundred tokens
    could keep the server busy for hours. Each walk now reads each fragment once."""
    from schema.core.limits import Fragments

    levels = 11  # cost 2 * 2**11, within the limit
    with mock.patch.object(Fragments, "fold", autospec=True, side_effect=Fragments.fold) as folds:
        body = await _post(client, _doubling_fragments(levels))
    assert body["data"] == {"items": [{"name": "0"}]}
    reads = [call.args[1] for call in folds.call_args_list]
    assert len(reads) <= 4 * 2 * (levels + 1)  # four walks, two spreads per fragment


async def test_a_deep_chain_of_doubling_fragments_is_refused_by_its_cost(
    client: httpx.AsyncClient,
) -> None:
    body = await _post(client, _doubling_fragments(60))
    (error,) = body["errors"]
    assert "exceeds the maximum of 5000" in error["message"]


async def test_aliases_count_where_their_fragment_is_spread(client: httpx.AsyncClient) -> None:
    aliases = " ".join(f"a{i}: ping" for i in range(8))
    query = "{ ...A ...A } fragment A on Query { " + aliases + " }"
    body = await _post(client, query)
    (error,) = body["errors"]
    assert error["message"] == "16 aliases found. Allowed: 15"


async def test_depth_through_fragments_and_inline_fragments_is_counted(
    app_client: AppClient,
) -> None:
    query = (
        "query Deep { ...A } fragment A on Query { items(first: 1) { ... on Item { ...B } } } "
        "fragment B on Item { children(first: 1) { children(first: 1) { name } } }"
    )
    async with app_client(graphql_max_depth=2) as client:
        body = await _post(client, query)
    (error,) = body["errors"]
    assert error["message"] == "'Deep' exceeds maximum operation depth of 2"
