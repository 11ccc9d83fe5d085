"""Public files (avatars, course images) live under `public/` and are read at stable, unsigned,
cacheable URLs; every other file stays private behind a link signed at each read."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from strawberry.relay import to_base64

from app.db import Database
from app.errors import UserFacingError
from app.integrations.storage import LocalStorage, S3Storage, StorageError, make_storage
from app.media import service
from app.media.models import FileAsset, FilePurpose, FileStatus
from app.media.service import UploadRejected
from app.settings import Settings
from tests.support.authoring import user
from tests.support.graphql import GraphQLClient
from tests.support.media import BUCKET, PDF, PNG, S3_CREDENTIALS, finished_upload, signed_in

IMMUTABLE = "public, max-age=31536000, immutable"


async def _owner(database: Database) -> uuid.UUID:
    return (await user(database)).id


@pytest.mark.parametrize(
    ("purpose", "root"),
    [
        (FilePurpose.AVATAR, "public/"),
        (FilePurpose.COURSE_IMAGE, "public/"),
        (FilePurpose.LESSON_RESOURCE, "uploads/"),
        (FilePurpose.ASSIGNMENT_SUBMISSION, "uploads/"),
        (FilePurpose.LESSON_VIDEO, "uploads/"),
    ],
)
def test_only_avatars_and_course_images_are_stored_under_public(
    purpose: FilePurpose, root: str
) -> None:
    owner, asset = uuid.uuid4(), uuid.uuid4()
    key = service.storage_key(purpose, owner, asset, "a.png")
    assert key == f"{root}{purpose.value}/{owner}/{asset}/a.png"


async def test_a_public_asset_has_one_stable_unsigned_url_and_a_private_one_a_signed_link(
    database: Database, storage: LocalStorage
) -> None:
    owner = await _owner(database)
    avatar = await finished_upload(database, storage, owner)
    essay = await finished_upload(
        database,
        storage,
        owner,
        purpose=FilePurpose.ASSIGNMENT_SUBMISSION,
        body=PDF,
        file_name="essay.pdf",
        content_type="application/pdf",
    )

    public = service.asset_url(storage, avatar)
    private = service.asset_url(storage, essay)

    assert public == f"http://127.0.0.1:8000/files/{avatar.storage_key}"
    assert service.asset_url(storage, avatar) == public
    assert private.startswith("http://127.0.0.1:8000/files/download/")
    assert storage.signer.verify(private.rsplit("/", 1)[-1], "get").key == essay.storage_key


async def test_the_public_route_serves_public_files_cacheable_for_a_year(
    database: Database, storage: LocalStorage, http: httpx.AsyncClient
) -> None:
    avatar = await finished_upload(database, storage, await _owner(database))

    response = await http.get(service.asset_url(storage, avatar))

    assert response.status_code == 200
    assert response.content == PNG
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == IMMUTABLE
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_the_public_route_serves_nothing_else(
    database: Database, storage: LocalStorage, http: httpx.AsyncClient
) -> None:
    owner = await _owner(database)
    essay = await finished_upload(
        database,
        storage,
        owner,
        purpose=FilePurpose.ASSIGNMENT_SUBMISSION,
        body=PDF,
        file_name="essay.pdf",
        content_type="application/pdf",
    )
    paths = [
        f"/files/public/{essay.storage_key}",  # a private key is not below public/
        f"/files/public/%2E%2E/{essay.storage_key}",  # nor reachable by climbing out of it
        f"/files/public/avatar/{owner}/{uuid.uuid4()}/missing.png",
        "/files/public/",
    ]

    for path in paths:
        assert (await http.get(path)).status_code == 404, path


async def test_a_rejected_public_upload_is_deleted_so_it_is_never_served(
    database: Database, storage: LocalStorage
) -> None:
    owner = await _owner(database)
    fake = await finished_upload(database, storage, owner, body=PDF, finalize=False)

    with pytest.raises(UploadRejected):
        await service.finalize_upload_committed(database, storage, owner_id=owner, file_id=fake.id)

    assert await storage.head(fake.storage_key) is None
    async with database.session() as session:
        stored = await session.get(FileAsset, fake.id)
    assert stored is not None
    assert stored.status == FileStatus.REJECTED


def test_storage_refuses_public_urls_for_private_keys(storage: LocalStorage, s3: S3Storage) -> None:
    for backend in (storage, s3):
        with pytest.raises(StorageError):
            backend.public_url("uploads/lesson_resource/x/y.pdf")


async def test_the_file_url_field_is_stable_for_an_avatar_and_signed_for_a_document(
    client: GraphQLClient, storage: LocalStorage
) -> None:
    owner, token = await signed_in(client)
    avatar = await finished_upload(client.database, storage, owner.id)
    document = await finished_upload(
        client.database,
        storage,
        owner.id,
        purpose=FilePurpose.LESSON_RESOURCE,
        body=PDF,
        file_name="notes.pdf",
        content_type="application/pdf",
    )
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { ... on FileAsset { purpose url } } }"
    ids = [to_base64("FileAsset", str(a.id)) for a in (avatar, document)]

    outcome = await client.execute(query, {"ids": ids}, token=token)

    [shown_avatar, shown_document] = outcome.payload("nodes")
    assert shown_avatar == {"purpose": "AVATAR", "url": service.asset_url(storage, avatar)}
    assert shown_document["purpose"] == "LESSON_RESOURCE"
    assert "/files/download/" in shown_document["url"]


# --- S3 -------------------------------------------------------------------------------------


def test_s3_public_urls_use_the_configured_base_url(s3_endpoint: str) -> None:
    settings = Settings(
        storage_backend="s3",
        s3_bucket=BUCKET,
        s3_endpoint_url=s3_endpoint,
        s3_public_base_url="https://cdn.example.test/",
        s3_access_key_id="testing",
        s3_secret_access_key="testing",
    )
    storage = make_storage(settings)

    assert storage.public_url("public/avatar/u/a/me.png") == (
        "https://cdn.example.test/public/avatar/u/a/me.png"
    )


def test_s3_public_urls_default_to_the_buckets_own_address() -> None:
    aws = S3Storage(bucket="media", region="eu-west-1", **S3_CREDENTIALS)
    minio = S3Storage(
        bucket="media",
        region="us-east-1",
        endpoint_url="http://minio:9000",
        public_endpoint_url="http://localhost:9000",
        **S3_CREDENTIALS,
    )

    assert aws.public_url("public/a.png") == "https://media.s3.eu-west-1.amazonaws.com/public/a.png"
    assert minio.public_url("public/a.png") == "http://localhost:9000/media/public/a.png"


async def test_over_s3_a_public_asset_is_read_at_its_unsigned_url_and_a_private_one_signed(
    database: Database, s3: S3Storage
) -> None:
    owner = await _owner(database)
    avatar = await finished_upload(database, s3, owner)
    essay = await finished_upload(
        database,
        s3,
        owner,
        purpose=FilePurpose.ASSIGNMENT_SUBMISSION,
        body=PDF,
        file_name="essay.pdf",
        content_type="application/pdf",
    )

    public = service.asset_url(s3, avatar)
    private = service.asset_url(s3, essay)

    assert public == f"{s3.public_base_url}/{avatar.storage_key}"
    assert "X-Amz-Signature" not in public
    assert parse_qs(urlsplit(private).query)["X-Amz-Expires"] == ["900"]
    async with httpx.AsyncClient() as http:
        assert (await http.get(public)).content == PNG
        assert (await http.get(private)).content == PDF
        unsigned = f"{s3.public_base_url}/{essay.storage_key}"
        assert (await http.get(unsigned)).status_code == 403  # private objects need a signature


# --- claiming an upload ---------------------------------------------------------------------


async def test_claiming_an_unknown_upload_is_file_not_found_on_the_given_field(
    database: Database,
) -> None:
    owner = await _owner(database)
    async with database.transaction() as session:
        with pytest.raises(UserFacingError) as refused:
            await service.claim_upload(
                session,
                owner_id=owner,
                file_id=uuid.uuid4(),
                purpose=FilePurpose.AVATAR,
                field="avatar_upload_id",
            )

    [error] = refused.value.errors
    assert (error.field, error.code) == ("avatar_upload_id", "FILE_NOT_FOUND")
