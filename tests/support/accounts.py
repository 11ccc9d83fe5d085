"""Account factories and helpers: users through the real service, sign-in, sent e-mails."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pyotp
from sqlalchemy import func, select

from app.accounts import service
from app.accounts.models import User, UserRole
from app.clock import frozen, utcnow
from app.db import Database
from app.notifications.models import EmailLog
from tests.support.graphql import GraphQLClient

PASSWORD = "Correct-Horse-42"

AUTH_FIELDS = "accessToken refreshToken accessTokenExpiresAt expiresIn user { id email role }"


async def make_user(
    database: Database,
    *,
    email: str | None = None,
    password: str = PASSWORD,
    role: UserRole = UserRole.STUDENT,
    verified: bool = True,
    first_name: str = "Ada",
    last_name: str = "Lovelace",
) -> User:
    async with database.transaction() as session:
        return await service.create_user(
            session,
            email=email or f"user-{uuid.uuid4().hex[:10]}@example.com",
            password=password,
            first_name=first_name,
            last_name=last_name,
            role=role,
            verified=verified,
        )


async def login(
    client: GraphQLClient,
    email: str,
    password: str = PASSWORD,
    *,
    ip: str | None = None,
    **input_: Any,
) -> dict[str, Any]:
    outcome = await client.mutate(
        "login", {"email": email, "password": password, **input_}, AUTH_FIELDS, ip=ip
    )
    payload = outcome.payload("login")
    assert payload["errors"] == [], payload["errors"]
    return payload


async def change_email(
    client: GraphQLClient, token: str, new_email: str, password: str = PASSWORD
) -> dict[str, Any]:
    outcome = await client.mutate(
        "changeEmail", {"newEmail": new_email, "currentPassword": password}, "ok", token=token
    )
    return outcome.payload("changeEmail")


async def emails(database: Database, template: str | None = None) -> list[EmailLog]:
    async with database.session() as session:
        query = select(EmailLog).order_by(EmailLog.created_at, EmailLog.id)
        if template:
            query = query.where(EmailLog.template == template)
        return list(await session.scalars(query))


def token_of(log: EmailLog) -> str:
    return parse_qs(urlsplit(log.context["link"]).query)["token"][0]


async def count(database: Database, model: Any) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


TOTP_STEP = 30


@contextmanager
def totp_clock() -> Iterator[datetime]:
    """Pin the clock one second into a 30-second TOTP step: the test and the server agree on
    which step is current, whatever second the test runs at."""
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(seconds=int(now.timestamp()) % TOTP_STEP)
    with frozen(start + timedelta(seconds=1)) as at:
        yield at


def totp_code(secret: str, steps_ago: int = 0) -> str:
    """The authenticator app's code `steps_ago` steps before the (pinned) clock."""
    return pyotp.TOTP(secret).at(utcnow() - timedelta(seconds=TOTP_STEP * steps_ago))
