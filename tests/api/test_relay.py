"""node(id:) / nodes(ids:) over the Node interface, and the connection type."""

from __future__ import annotations

import httpx
from strawberry.relay import to_base64

from app.pagination import Page
from schema.core.relay import Connection


def gid(type_name: str, node_id: str) -> str:
    return to_base64(type_name, node_id)


async def _query(client: httpx.AsyncClient, query: str, variables: dict) -> dict:
    return (await client.post("/graphql", json={"query": query, "variables": variables})).json()


NODE = "query($id: ID!) { node(id: $id) { id ... on Widget { name } } }"
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Widget { name } } }"


async def test_node_resolves_an_object_by_its_global_id(client: httpx.AsyncClient) -> None:
    body = await _query(client, NODE, {"id": gid("Widget", "w1")})
    assert body["data"]["node"] == {"id": gid("Widget", "w1"), "name": "first widget"}


async def test_node_is_null_for_missing_hidden_or_unknown_objects(
    client: httpx.AsyncClient,
) -> None:
    for missing in (
        gid("Widget", "nope"),
        gid("Widget", "hidden"),
        gid("Secret", "w1"),
        gid("Query", "x"),
        gid("Node", "w1"),  # the interface names no object (found by fuzzing: it raised)
    ):
        body = await _query(client, NODE, {"id": missing})
        assert body["data"] == {"node": None}
        [error] = body["errors"]
        assert (error["path"], error["extensions"]["code"]) == (["node"], "NOT_FOUND")


async def test_node_rejects_a_malformed_id(client: httpx.AsyncClient) -> None:
    body = await _query(client, NODE, {"id": "not base64 at all!"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_nodes_keeps_the_order_and_nulls_what_is_missing(client: httpx.AsyncClient) -> None:
    ids = [gid("Widget", "w2"), gid("Widget", "hidden"), gid("Widget", "w1")]
    body = await _query(client, NODES, {"ids": ids})
    assert body["data"]["nodes"] == [
        {"id": ids[0], "name": "second widget"},
        None,
        {"id": ids[2], "name": "first widget"},
    ]
    [error] = body["errors"]
    assert (error["path"], error["extensions"]["code"]) == (["nodes", 1], "NOT_FOUND")


async def test_nodes_accepts_at_most_100_ids(client: httpx.AsyncClient) -> None:
    ok = await _query(client, NODES, {"ids": [gid("Widget", "w1")] * 100})
    too_many = await _query(client, NODES, {"ids": [gid("Widget", "w1")] * 101})
    assert len(ok["data"]["nodes"]) == 100
    assert too_many["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "at most 100" in too_many["errors"][0]["message"]


async def test_nodes_cost_grows_with_the_number_of_ids(client: httpx.AsyncClient) -> None:
    body = await _query(client, NODES, {"ids": [gid("Widget", "w1")] * 10})
    # nodes (1) + 10 * (id + name)
    assert body["extensions"]["cost"]["requested"] == 21


async def test_connection_is_built_from_a_page() -> None:
    page = Page(
        items=["a", "b"], cursors=["c1", "c2"], has_next=True, has_previous=False, total_count=7
    )
    connection = Connection.from_page(page, str.upper)
    assert [(e.cursor, e.node) for e in connection.edges] == [("c1", "A"), ("c2", "B")]
    info = connection.page_info
    assert (info.has_next_page, info.has_previous_page) == (True, False)
    assert (info.start_cursor, info.end_cursor) == ("c1", "c2")
    assert await connection.total_count() == 7


async def test_connection_counts_lazily_only_when_asked() -> None:
    calls = []

    async def count() -> int:
        calls.append(1)
        return 3

    empty = Page(items=[], cursors=[], has_next=False, has_previous=False)
    connection = Connection.from_page(empty, count=count)
    assert connection.page_info.start_cursor is None
    assert calls == []
    assert await connection.total_count() == 3
