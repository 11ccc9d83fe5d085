"""Upload helpers: signed-in callers, upload tickets, PUTs to local storage, finalize, finished
uploads made straight through the media service, and an HTTP client over the product app."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from app.accounts.models import User, UserRole
from app.db import Database
from app.integrations.storage import Storage
from app.main import create_app
from app.media import service
from app.media.models import FileAsset, FilePurpose
from app.settings import Settings
from tests.support.authoring import user
from tests.support.catalog import token_for
from tests.support.graphql import GraphQLClient

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64

# the bucket of the S3-compatible test server (moto's), and its credentials
BUCKET = "easyways-test"
S3_CREDENTIALS = {"access_key_id": "testing", "secret_access_key": "testing"}


async def signed_in(client: GraphQLClient, role: UserRole = UserRole.STUDENT) -> tuple[User, str]:
    person = await user(client.database, role)
    return person, token_for(client, person)


TICKET = "upload { fileId url method headers { name value } expiresAt }"


FILE = "file { id fileName contentType size status downloadUrl }"


async def request_upload(
    client: GraphQLClient,
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


async def finalize(client: GraphQLClient, token: str, file_id: str) -> dict[str, Any]:
    outcome = await client.mutate("finalizeUpload", {"fileId": file_id}, FILE, token=token)
    assert outcome.errors == [], outcome.errors
    return outcome.payload("finalizeUpload")


async def finished_upload(
    database: Database,
    storage: Storage,
    owner_id: uuid.UUID,
    *,
    purpose: FilePurpose = FilePurpose.AVATAR,
    body: bytes = PNG,
    file_name: str = "me.png",
    content_type: str = "image/png",
    finalize: bool = True,
) -> FileAsset:
    """An upload of `owner_id` through the media service: requested, stored, finalized (or left
    pending with `finalize=False`)."""
    async with database.transaction() as session:
        ticket = await service.request_upload(
            session,
            storage,
            owner_id=owner_id,
            purpose=purpose,
            file_name=file_name,
            content_type=content_type,
            size=len(body),
        )
        asset = await session.get(FileAsset, ticket.file_asset_id)
        assert asset is not None
    await storage.put(asset.storage_key, body, content_type)
    if not finalize:
        return asset
    async with database.transaction() as session:
        return await service.finalize_upload(
            session, storage, owner_id=owner_id, file_asset_id=asset.id
        )


@asynccontextmanager
async def app_http(settings: Settings, storage: Storage) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client over the product app (its file routes read `storage`)."""
    app = create_app(settings)
    app.state.storage = storage
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=settings.public_api_url) as c:
        yield c
