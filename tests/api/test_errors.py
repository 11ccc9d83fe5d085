"""Every GraphQL error has extensions.code and extensions.requestId (Property 70)."""

from __future__ import annotations

import httpx
import pytest

from tests.support.api import AppClient


async def _errors(client: httpx.AsyncClient, query: str, variables: dict | None = None) -> list:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    return response.json()["errors"]


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("{ ping ", None, "GRAPHQL_PARSE_FAILED"),
        ("{ pong }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("query($v: Int!) { echo(value: $v) }", {"v": "seven"}, "BAD_USER_INPUT"),
        ("query($v: Int!) { echo(value: $v) }", {}, "BAD_USER_INPUT"),
        ("{ forbidden }", None, "FORBIDDEN"),
        ("{ viewer }", None, "UNAUTHENTICATED"),
        ("{ boom }", None, "INTERNAL_SERVER_ERROR"),
    ],
)
async def test_property_70_every_error_has_a_code_and_the_request_id(
    client: httpx.AsyncClient, query: str, variables: dict | None, code: str
) -> None:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers={"X-Request-ID": "rid-1"}
    )
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == code
    assert error["extensions"]["requestId"] == "rid-1"
    assert error["message"]


async def test_domain_errors_keep_their_message(client: httpx.AsyncClient) -> None:
    (error,) = await _errors(client, "{ forbidden }")
    assert error["message"] == "You are not allowed to do this"
    assert error["path"] == ["forbidden"]


async def test_unexpected_errors_show_their_message_outside_production(
    client: httpx.AsyncClient,
) -> None:
    (error,) = await _errors(client, "{ boom }")
    assert "hunter2" in error["message"]


async def test_unexpected_errors_are_logged_with_their_traceback(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    await _errors(client, "{ boom }")
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "graphql resolver failed" in line)
    assert "Traceback" in line
    assert "RuntimeError" in line


async def test_field_suggestions_are_given_outside_production(client: httpx.AsyncClient) -> None:
    (error,) = await _errors(client, "{ pin }")
    assert "Did you mean" in error["message"]


async def test_errors_are_counted_by_code(app_client: AppClient) -> None:
    async with app_client() as client:
        before = await client.get("/metrics")
        await _errors(client, "{ forbidden }")
        after = await client.get("/metrics")

    def count(text: str) -> float:
        for line in text.splitlines():
            if line.startswith('easyways_graphql_errors_total{code="FORBIDDEN"}'):
                return float(line.split()[-1])
        return 0.0

    assert count(after.text) == count(before.text) + 1
