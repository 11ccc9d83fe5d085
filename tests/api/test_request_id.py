"""X-Request-ID: accepted when well-formed, generated otherwise, echoed, and in every error."""

from __future__ import annotations

import re

import httpx


async def test_a_well_formed_request_id_is_accepted_and_echoed(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", json={"query": "{ ping }"}, headers={"X-Request-ID": "req-123.abc_DEF"}
    )
    assert response.headers["x-request-id"] == "req-123.abc_DEF"


async def test_a_missing_request_id_is_generated(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


async def test_a_malformed_or_oversized_request_id_is_replaced(client: httpx.AsyncClient) -> None:
    for bad in ("has space", "x" * 129, "semi;colon", "<script>"):
        response = await client.get("/healthz", headers={"X-Request-ID": bad})
        assert response.headers["x-request-id"] != bad
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


async def test_errors_carry_the_request_id_of_their_own_request(
    client: httpx.AsyncClient,
) -> None:
    # The same invalid document twice: validation is cached, the request id must not be.
    ids = []
    for request_id in ("first-request", "second-request"):
        response = await client.post(
            "/graphql", json={"query": "{ nope }"}, headers={"X-Request-ID": request_id}
        )
        ids.append(response.json()["errors"][0]["extensions"]["requestId"])
    assert ids == ["first-request", "second-request"]


async def test_http_level_errors_carry_the_request_id(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", content=b"{", headers={"Content-Type": "application/json", "X-Request-ID": "r1"}
    )
    assert response.json()["errors"][0]["extensions"]["requestId"] == "r1"
