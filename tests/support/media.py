"""Upload helpers: signed-in callers, upload tickets, PUTs to local storage, finalize."""

from __future__ import annotations

from typing import Any

import httpx

from app.accounts.models import User, UserRole
from tests.support.authoring import user
from tests.support.catalog import token_for
from tests.support.graphql import GraphQLClient

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


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
