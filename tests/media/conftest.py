"""Media test helpers: the local storage of the test settings, an HTTP client over the ASGI app
(for the signed file routes), users with tokens, and a GraphQL upload round trip."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.accounts.models import User, UserRole
from app.integrations.storage import LocalStorage, make_storage
from app.main import create_app
from app.settings import Settings
from tests.accounts.conftest import GraphQLClient, client, keyring, settings  # noqa: F401
from tests.catalog.conftest import user
from tests.catalog.factories import token_for

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


@pytest.fixture
def storage(settings: Settings) -> LocalStorage:  # noqa: F811
    made = make_storage(settings)
    assert isinstance(made, LocalStorage)
    return made


@pytest.fixture
async def http(settings: Settings, storage: LocalStorage) -> AsyncIterator[httpx.AsyncClient]:  # noqa: F811
    app = create_app(settings)
    app.state.storage = storage
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=settings.public_api_url) as c:
        yield c


async def signed_in(client: GraphQLClient, role: UserRole = UserRole.STUDENT) -> tuple[User, str]:  # noqa: F811
    person = await user(client.database, role)
    return person, token_for(client, person)


TICKET = "upload { fileId url method headers { name value } expiresAt }"
FILE = "file { id fileName contentType size status downloadUrl }"


async def request_upload(
    client: GraphQLClient,  # noqa: F811
    token: str,
    *,
    purpose: str = "ASSIGNMENT_SUBMISSION",
    file_name: str = "essay.pdf",
    content_type: str = "application/pdf",
    size: int = len(PDF),
) -> dict[str, Any]:
    outcome = await client.mutate(
        "requestUpload",
        {"purpose": purpose, "fileName": file_name, "contentType": content_type, "size": size},
        TICKET,
        token=token,
    )
    assert outcome.errors == [], outcome.errors
    return outcome.payload("requestUpload")


async def put(http: httpx.AsyncClient, ticket: dict[str, Any], body: bytes) -> httpx.Response:
    headers = {h["name"]: h["value"] for h in ticket["headers"]}
    return await http.request(ticket["method"], ticket["url"], content=body, headers=headers)


async def finalize(client: GraphQLClient, token: str, file_id: str) -> dict[str, Any]:  # noqa: F811
    outcome = await client.mutate("finalizeUpload", {"fileId": file_id}, FILE, token=token)
    assert outcome.errors == [], outcome.errors
    return outcome.payload("finalizeUpload")
