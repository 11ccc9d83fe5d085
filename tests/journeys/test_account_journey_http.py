"""The account journey over real HTTP against the product app, e-mail read from the outbox.

register (signs nobody in) → verify (token from the .eml the worker path wrote) → login → me →
refresh → replaying the old refresh token revokes the family → logout.
"""

from __future__ import annotations

import email
import re
import uuid
from collections.abc import AsyncIterator
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from redis.asyncio import Redis

from app.db import Database
from app.integrations.mail import make_mailer
from app.main import create_app
from app.notifications.service import deliver_email
from app.outbox import OutboxEvent, relay_once
from app.settings import Settings

PASSWORD = "Journey!Pass2026"

REGISTER = """
mutation ($input: RegisterInput!) {
  register(input: $input) { ok email errors { field code message } }
}"""
VERIFY = """
mutation ($token: String!) {
  verifyEmail(input: {token: $token}) { verified email user { id } errors { code } }
}"""
LOGIN = """
mutation ($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) {
    accessToken refreshToken user { id } errors { field code message }
  }
}"""
REFRESH = """
mutation ($token: String) {
  refreshToken(input: {refreshToken: $token}) { accessToken refreshToken errors { code } }
}"""
LOGOUT = "mutation { logout(input: {}) { ok errors { code } } }"
ME = "{ me { id email emailVerified firstName } }"


@pytest.fixture
async def client(database: Database, redis_client: Redis) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings())
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
    ):
        yield http


async def gql(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, token: str = ""
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def deliver_outbox(database: Database, settings: Settings) -> None:
    """What the worker does: relay outbox events, send each queued e-mail with the file mailer."""
    mailer = make_mailer(settings)

    async def dispatch(event: OutboxEvent) -> None:
        assert event.topic == "email.send"
        await deliver_email(database, uuid.UUID(event.payload["email_id"]), mailer=mailer)

    while await relay_once(database, dispatch):
        pass


def latest_email_to(address: str, outbox: Path) -> EmailMessage:
    for path in sorted(outbox.glob("*.eml"), reverse=True):
        message = email.message_from_bytes(path.read_bytes(), policy=default_policy)
        assert isinstance(message, EmailMessage)
        if message["To"] and address in message["To"]:
            return message
    raise AssertionError(f"no e-mail to {address} in {outbox}")


def token_from_link(message: EmailMessage, path: str) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    link = re.search(rf"https?://\S+{path}\?token=\S+", text)
    assert link, text
    return parse_qs(urlparse(link.group(0)).query)["token"][0]


async def test_register_verify_login_refresh_reuse_and_logout_over_http(
    client: httpx.AsyncClient, database: Database
) -> None:
    settings = Settings()
    address = "journey@example.org"
    registered = await gql(
        client,
        REGISTER,
        {
            "input": {
                "firstName": "Ada",
                "lastName": "Lovelace",
                "email": address,
                "password": PASSWORD,
            }
        },
    )
    # no tokens: the account signs in once its address is verified
    assert registered["data"]["register"] == {"ok": True, "email": address, "errors": []}
    early = await gql(client, LOGIN, {"email": address, "password": PASSWORD})
    assert early["data"]["login"]["errors"][0]["code"] == "INVALID_CREDENTIALS"

    await deliver_outbox(database, settings)
    message = latest_email_to(address, settings.data_dir / "outbox")
    assert message.get_body(preferencelist=("html",)) is not None
    token = token_from_link(message, "/verify-email")

    verified = await gql(client, VERIFY, {"token": token})
    # an anonymous caller (a browser following the link) learns the address, not the account
    assert verified["data"]["verifyEmail"] == {
        "verified": True,
        "email": address,
        "user": None,
        "errors": [],
    }
    again = await gql(client, VERIFY, {"token": token})
    assert again["data"]["verifyEmail"]["errors"][0]["code"] == "INVALID_TOKEN"

    login = (await gql(client, LOGIN, {"email": address.upper(), "password": PASSWORD}))["data"]
    assert login["login"]["errors"] == []
    access, refresh = login["login"]["accessToken"], login["login"]["refreshToken"]

    me = (await gql(client, ME, token=access))["data"]["me"]
    assert me["email"] == address
    assert me["emailVerified"] is True
    assert (await gql(client, ME))["data"]["me"] is None

    rotated = (await gql(client, REFRESH, {"token": refresh}))["data"]["refreshToken"]
    assert rotated["errors"] == []
    assert rotated["refreshToken"] != refresh
    new_access, new_refresh = rotated["accessToken"], rotated["refreshToken"]
    assert (await gql(client, ME, token=new_access))["data"]["me"]["id"] == me["id"]

    replay = await gql(client, REFRESH, {"token": refresh})
    assert (
        replay["data"] is None
        or replay["data"]["refreshToken"] is None
        or (replay["data"]["refreshToken"]["accessToken"] is None)
    )
    assert "UNAUTHENTICATED" in str(replay)
    # the reuse revoked the whole family: the newest token of that family is dead too
    family_dead = await gql(client, REFRESH, {"token": new_refresh})
    assert "UNAUTHENTICATED" in str(family_dead)

    second = (await gql(client, LOGIN, {"email": address, "password": PASSWORD}))["data"]["login"]
    logout = await gql(client, LOGOUT, token=second["accessToken"])
    assert logout["data"]["logout"] == {"ok": True, "errors": []}
    after_logout = await gql(client, REFRESH, {"token": second["refreshToken"]})
    assert "UNAUTHENTICATED" in str(after_logout)


async def test_bad_registration_input_over_http_is_typed_and_writes_nothing(
    client: httpx.AsyncClient, database: Database
) -> None:
    bad = await gql(
        client,
        REGISTER,
        {
            "input": {
                "firstName": "A" * 500,
                "lastName": "",
                "email": "not-an-email",
                "password": "short",
            }
        },
    )
    errors = bad["data"]["register"]["errors"]
    assert {e["field"] for e in errors} >= {"firstName", "lastName", "email", "password"}
    assert all(e["code"] for e in errors)

    unknown = await client.post(
        "/graphql",
        json={
            "query": REGISTER,
            "variables": {
                "input": {
                    "firstName": "A",
                    "lastName": "B",
                    "email": "a@b.co",
                    "password": PASSWORD,
                    "isAdmin": True,
                }
            },
        },
    )
    assert unknown.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    wrong_type = await client.post(
        "/graphql",
        json={
            "query": REGISTER,
            "variables": {
                "input": {"firstName": 1, "lastName": "B", "email": "a@b.co", "password": 7}
            },
        },
    )
    assert wrong_type.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

    from sqlalchemy import func, select

    from app.accounts.models import User
    from app.notifications.models import EmailLog

    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 0
        assert await session.scalar(select(func.count()).select_from(EmailLog)) == 0
