"""GraphQL over HTTP: media types, status codes, GET, GraphiQL, headers set by resolvers."""

from __future__ import annotations

import httpx

from tests.support.api import AppClient

GRAPHQL_RESPONSE = "application/graphql-response+json"


async def test_post_json_query_answers_200_with_application_json(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ ping }"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["data"] == {"ping": "pong"}


async def test_graphql_response_media_type_is_used_when_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql",
        json={"query": "{ ping }"},
        headers={"Accept": f"{GRAPHQL_RESPONSE}, application/json;q=0.9"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)


async def test_validation_error_is_400_without_data_for_graphql_response_json(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/graphql", json={"query": "{ nope }"}, headers={"Accept": GRAPHQL_RESPONSE}
    )
    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_validation_error_is_200_for_legacy_application_json(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/graphql", json={"query": "{ nope }"})
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_parse_error_is_400_for_graphql_response_json(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", json={"query": "{ ping"}, headers={"Accept": GRAPHQL_RESPONSE}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


async def test_field_error_after_execution_started_is_200(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", json={"query": "{ ping forbidden }"}, headers={"Accept": GRAPHQL_RESPONSE}
    )
    body = response.json()
    assert response.status_code == 200
    assert "data" in body  # null: the failing non-null field nulls its parent
    assert body["errors"][0]["path"] == ["forbidden"]


async def test_malformed_json_body_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", content=b'{"query": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_non_json_body_is_415(client: httpx.AsyncClient) -> None:
    for content_type in ("text/plain", "multipart/form-data; boundary=x", "application/graphql"):
        response = await client.post(
            "/graphql", content=b"{ ping }", headers={"Content-Type": content_type}
        )
        assert response.status_code == 415, content_type


async def test_body_sent_as_graphql_response_json_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", content=b'{"query": "{ ping }"}', headers={"Content-Type": GRAPHQL_RESPONSE}
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"ping": "pong"}


async def test_batched_requests_are_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json=[{"query": "{ ping }"}, {"query": "{ ping }"}])
    assert response.status_code == 400


async def test_get_runs_queries(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/graphql", params={"query": "query($v: Int!) { echo(value: $v) }", "variables": '{"v": 7}'}
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"echo": 7}


async def test_get_mutation_is_405_with_allow_post(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/graphql", params={"query": 'mutation { touch(input: {flavour: "oat"}) }'}
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.headers.get("set-cookie") is None


async def test_headers_and_cookies_set_by_resolvers_reach_the_client(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/graphql", json={"query": 'mutation { touch(input: {flavour: "oat"}) }'}
    )
    assert response.json()["data"] == {"touch": "oat"}
    assert response.headers["x-touched"] == "yes"
    assert "flavour=oat" in response.headers["set-cookie"]
    assert "httponly" in response.headers["set-cookie"].lower()


async def test_graphiql_is_served_to_browsers(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()
    assert "unpkg.com" not in response.headers["content-security-policy"]  # assets are local


async def test_graphiql_can_be_switched_off(app_client: AppClient) -> None:
    async with app_client(graphiql=False) as client:
        response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 404


async def test_api_responses_carry_strict_security_headers(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ ping }"})
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["content-security-policy"].startswith("default-src 'none'")


async def test_other_origins_get_no_cors_unless_configured(app_client: AppClient) -> None:
    preflight = {
        "Origin": "https://app.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,authorization",
    }
    async with app_client() as client:
        closed = await client.options("/graphql", headers=preflight)
    async with app_client(cors_origins="https://app.example") as client:
        opened = await client.options("/graphql", headers=preflight)
        simple = await client.post(
            "/graphql", json={"query": "{ ping }"}, headers={"Origin": "https://app.example"}
        )
    assert "access-control-allow-origin" not in closed.headers
    assert opened.headers["access-control-allow-origin"] == "https://app.example"
    assert simple.headers["access-control-allow-credentials"] == "true"
    assert "X-Request-ID" in simple.headers["access-control-expose-headers"]


async def test_the_frontend_origin_is_allowed_in_development_and_preflight_is_answered(
    app_client: AppClient,
) -> None:
    preflight = {
        "Origin": "http://localhost:5173",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,authorization,x-csrf-token",
    }
    async with app_client(env="development", frontend_url="http://localhost:5173/app") as client:
        allowed = await client.options("/graphql", headers=preflight)
        other = await client.options(
            "/graphql", headers={**preflight, "Origin": "https://evil.example"}
        )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-origin" not in other.headers


async def test_subscriptions_are_refused_over_http(client: httpx.AsyncClient) -> None:
    get = await client.get("/graphql", params={"query": "subscription { ping }"})
    post = await client.post("/graphql", json={"query": "subscription { ping }"})
    assert (get.status_code, post.status_code) == (400, 400)
    assert "WebSocket" in post.json()["errors"][0]["message"]


async def test_a_query_is_required(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"variables": {}})
    assert response.status_code == 400
