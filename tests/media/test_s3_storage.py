"""The S3 backend against a real S3-compatible server (moto's, on 127.0.0.1): presigned upload,
finalize through the media service, presigned download (SPEC §3.5, Property 19)."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import httpx

from app.db import Database
from app.integrations.storage import S3Storage, make_storage
from app.media import service
from app.media.models import FilePurpose, FileStatus, StorageBackend
from app.settings import Settings
from tests.support.authoring import user
from tests.support.media import BUCKET, PDF


def _key() -> str:
    return f"uploads/test/{uuid.uuid4()}/essay.pdf"


async def test_property_19_presigned_upload_urls_are_valid_for_one_hour(s3: S3Storage) -> None:
    """Property 19: SigV4 presigned PUT with X-Amz-Expires=3600, usable right away."""
    target = s3.upload_target(_key(), content_type="application/pdf", max_size=len(PDF))
    query = parse_qs(urlsplit(target.url).query)
    assert query["X-Amz-Expires"] == ["3600"]
    async with httpx.AsyncClient() as http:
        response = await http.put(target.url, content=PDF, headers=target.headers)
    assert response.status_code == 200


def test_the_presigned_upload_signs_its_content_type(s3: S3Storage) -> None:
    """S3 refuses a PUT whose Content-Type differs from the signed one (moto's server does not
    check signatures, so this asserts what is signed)."""
    target = s3.upload_target(_key(), content_type="application/pdf", max_size=len(PDF))
    signed = parse_qs(urlsplit(target.url).query)["X-Amz-SignedHeaders"][0].split(";")
    assert "content-type" in signed
    assert target.headers == {"Content-Type": "application/pdf"}


async def test_put_head_read_and_delete(s3: S3Storage) -> None:
    key = _key()
    await s3.put(key, PDF, "application/pdf")
    info = await s3.head(key)
    assert info is not None
    assert (info.size, info.content_type) == (len(PDF), "application/pdf")
    assert await s3.read(key) == PDF
    assert await s3.read(key, max_bytes=8) == PDF[:8]
    await s3.delete(key)
    assert await s3.head(key) is None


async def test_the_upload_flow_over_s3(database: Database, s3: S3Storage) -> None:
    owner = (await user(database)).id
    async with database.transaction() as session:
        ticket = await service.request_upload(
            session,
            s3,
            owner_id=owner,
            purpose=FilePurpose.ASSIGNMENT_SUBMISSION,
            file_name="Essay final.pdf",
            content_type="application/pdf",
            size=len(PDF),
        )
    async with httpx.AsyncClient() as http:
        uploaded = await http.put(ticket.target.url, content=PDF, headers=ticket.target.headers)
        assert uploaded.status_code == 200
        async with database.transaction() as session:
            asset = await service.finalize_upload(
                session, s3, owner_id=owner, file_asset_id=ticket.file_asset_id
            )
        assert (asset.status, asset.storage_backend) == (FileStatus.UPLOADED, StorageBackend.S3)

        url = service.file_download_url(s3, asset, expires_in=600)
        assert parse_qs(urlsplit(url).query)["X-Amz-Expires"] == ["600"]
        download = await http.get(url)
    assert download.status_code == 200
    assert download.content == PDF
    assert 'filename="Essay final.pdf"' in download.headers["content-disposition"]


def test_s3_is_chosen_by_settings_and_signs_for_the_public_endpoint(s3_endpoint: str) -> None:
    settings = Settings(
        storage_backend="s3",
        s3_bucket=BUCKET,
        s3_endpoint_url=s3_endpoint,
        s3_public_endpoint_url="http://files.example.test:9000",
        s3_access_key_id="testing",
        s3_secret_access_key="testing",
    )
    storage = make_storage(settings)
    assert isinstance(storage, S3Storage)
    url = storage.download_url("uploads/x/y.pdf")
    assert url.startswith(f"http://files.example.test:9000/{BUCKET}/uploads/x/y.pdf?")
    assert parse_qs(urlsplit(url).query)["X-Amz-Expires"] == ["900"]
