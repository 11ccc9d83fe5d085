"""The upload flow over the embedded local storage: requestUpload → PUT to the signed URL →
finalizeUpload → signed download (SPEC §3.5)."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from app.accounts.models import UserRole
from app.media.models import FileAsset, FileStatus
from tests.support.graphql import GraphQLClient
from tests.support.media import FILE, PDF, PNG, finalize, put, request_upload, signed_in


async def _asset(client: GraphQLClient) -> FileAsset:
    async with client.database.session() as session:
        return (await session.scalars(select(FileAsset))).one()


async def test_a_student_uploads_a_file_and_downloads_it_through_signed_links(
    client: GraphQLClient, http: httpx.AsyncClient
) -> None:
    _, token = await signed_in(client)
    ticket = (await request_upload(client, token))["upload"]
    assert ticket["method"] == "PUT"
    assert ticket["url"].startswith("http://127.0.0.1:8000/files/upload/")

    assert (await put(http, ticket, PDF)).status_code == 200
    payload = await finalize(client, token, ticket["fileId"])

    assert payload["errors"] == []
    assert payload["file"]["status"] == "UPLOADED"
    assert payload["file"]["size"] == len(PDF)
    download = await http.get(payload["file"]["downloadUrl"])
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"].startswith("application/pdf")
    assert 'filename="essay.pdf"' in download.headers["content-disposition"]


async def test_finalizing_twice_returns_the_same_file(
    client: GraphQLClient, http: httpx.AsyncClient
) -> None:
    _, token = await signed_in(client)
    ticket = (await request_upload(client, token))["upload"]
    await put(http, ticket, PDF)
    first = await finalize(client, token, ticket["fileId"])
    second = await finalize(client, token, ticket["fileId"])
    assert second["errors"] == []
    assert second["file"]["id"] == first["file"]["id"] == ticket["fileId"]


async def test_finalize_before_the_upload_says_so_and_keeps_the_file_pending(
    client: GraphQLClient,
) -> None:
    _, token = await signed_in(client)
    ticket = (await request_upload(client, token))["upload"]
    payload = await finalize(client, token, ticket["fileId"])
    assert [e["code"] for e in payload["errors"]] == ["UPLOAD_MISSING"]
    assert (await _asset(client)).status == FileStatus.PENDING


async def test_property_35_64_content_of_another_type_than_declared_is_rejected(
    client: GraphQLClient, http: httpx.AsyncClient
) -> None:
    """Property 35/64: the sniffed type decides, not the client's claim."""
    _, token = await signed_in(client)
    ticket = (await request_upload(client, token, file_name="photo.png", content_type="image/png"))[
        "upload"
    ]
    await put(http, ticket, PDF)
    payload = await finalize(client, token, ticket["fileId"])
    assert [e["code"] for e in payload["errors"]] == ["FILE_TYPE_MISMATCH"]
    assert payload["file"] is None
    assert (await _asset(client)).status == FileStatus.REJECTED


async def test_an_upload_shorter_than_declared_is_rejected(
    client: GraphQLClient, http: httpx.AsyncClient
) -> None:
    _, token = await signed_in(client)
    ticket = (await request_upload(client, token, size=len(PDF) + 10))["upload"]
    await put(http, ticket, PDF)
    payload = await finalize(client, token, ticket["fileId"])
    assert [e["code"] for e in payload["errors"]] == ["SIZE_MISMATCH"]
    assert (await _asset(client)).status == FileStatus.REJECTED


async def test_only_the_owner_finalizes_an_upload(
    client: GraphQLClient, http: httpx.AsyncClient
) -> None:
    _, owner = await signed_in(client)
    _, stranger = await signed_in(client)
    ticket = (await request_upload(client, owner))["upload"]
    await put(http, ticket, PDF)
    outcome = await client.mutate(
        "finalizeUpload", {"fileId": ticket["fileId"]}, FILE, token=stranger
    )
    assert outcome.codes == ["NOT_FOUND"]
    assert (await _asset(client)).status == FileStatus.PENDING


async def test_a_declared_type_outside_the_purposes_whitelist_is_refused_up_front(
    client: GraphQLClient,
) -> None:
    _, token = await signed_in(client)
    outcome = await client.mutate(
        "requestUpload",
        {"purpose": "AVATAR", "fileName": "me.pdf", "contentType": "application/pdf", "size": 10},
        "upload { fileId }",
        token=token,
    )
    assert [e["code"] for e in outcome.payload("requestUpload")["errors"]] == [
        "FILE_TYPE_NOT_ALLOWED"
    ]
    async with client.database.session() as session:
        assert (await session.scalars(select(FileAsset))).all() == []


async def test_anonymous_callers_cannot_request_uploads(client: GraphQLClient) -> None:
    outcome = await client.mutate(
        "requestUpload",
        {"purpose": "AVATAR", "fileName": "me.png", "contentType": "image/png", "size": 10},
        "upload { fileId }",
    )
    assert outcome.codes == ["UNAUTHENTICATED"]


async def test_the_download_link_is_only_shown_to_the_owner_and_admins(
    client: GraphQLClient, http: httpx.AsyncClient
) -> None:
    _, owner = await signed_in(client)
    _, stranger = await signed_in(client)
    _, admin = await signed_in(client, UserRole.ADMIN)
    ticket = (
        await request_upload(
            client,
            owner,
            file_name="me.png",
            content_type="image/png",
            size=len(PNG),
            purpose="AVATAR",
        )
    )["upload"]
    await put(http, ticket, PNG)
    await finalize(client, owner, ticket["fileId"])
    query = "query($id: ID!) { node(id: $id) { ... on FileAsset { fileName downloadUrl } } }"

    seen = {}
    for name, token in (("owner", owner), ("stranger", stranger), ("admin", admin)):
        result = await client.execute(query, {"id": ticket["fileId"]}, token=token)
        assert [e.extensions["code"] for e in result.errors] == (
            [] if name != "stranger" else ["NOT_FOUND"]
        )
        seen[name] = result.data["node"] if result.data else None
    assert seen["owner"]["downloadUrl"].startswith("http://127.0.0.1:8000/files/download/")
    assert seen["admin"]["downloadUrl"]
    assert seen["stranger"] is None
