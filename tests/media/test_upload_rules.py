"""Upload validation in the media service (Properties 35 and 64): per-purpose whitelists and size
limits, narrowed by the caller's own rules, checked on the declared file and again on the real
bytes at finalize."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.db import Database
from app.errors import NotFound, UserFacingError
from app.integrations.storage import LocalStorage
from app.media import service
from app.media.models import FileAsset, FilePurpose, FileStatus, ScanStatus
from app.media.rules import MB, UPLOAD_RULES
from app.media.service import UploadRejected
from tests.support.authoring import user
from tests.support.media import PDF, PNG

TYPES = sorted({t for rule in UPLOAD_RULES.values() for t in rule.types} | {"text/html"})


async def _owner(database: Database) -> uuid.UUID:
    return (await user(database)).id


async def _uploaded(
    database: Database,
    storage: LocalStorage,
    owner: uuid.UUID,
    data: bytes,
    *,
    file_name: str = "essay.pdf",
    content_type: str = "application/pdf",
    purpose: FilePurpose = FilePurpose.ASSIGNMENT_SUBMISSION,
) -> uuid.UUID:
    async with database.transaction() as session:
        ticket = await service.request_upload(
            session,
            storage,
            owner_id=owner,
            purpose=purpose,
            file_name=file_name,
            content_type=content_type,
            size=len(data),
        )
    key = (await _get(database, ticket.file_asset_id)).storage_key
    await storage.put(key, data, content_type)
    return ticket.file_asset_id


async def _get(database: Database, asset_id: uuid.UUID) -> FileAsset:
    async with database.session() as session:
        asset = await session.get(FileAsset, asset_id)
    assert asset is not None
    return asset


async def _finalize(
    database: Database, storage: LocalStorage, owner: uuid.UUID, asset_id: uuid.UUID, **kw: object
) -> FileAsset:
    async with database.transaction() as session:
        return await service.finalize_upload(
            session,
            storage,
            owner_id=owner,
            file_asset_id=asset_id,
            **kw,  # type: ignore[arg-type]
        )


async def _count(database: Database) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(FileAsset)) or 0)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    purpose=st.sampled_from(sorted(UPLOAD_RULES)),
    content_type=st.sampled_from(TYPES),
    size=st.integers(min_value=-1, max_value=2100 * MB),
)
async def test_property_64_declared_type_and_size_are_checked_against_the_purposes_whitelist(
    database: Database, storage: LocalStorage, purpose: FilePurpose, content_type: str, size: int
) -> None:
    """Property 64: accepted exactly when the type is whitelisted and 0 < size <= the limit;
    a refusal writes nothing."""
    rule = UPLOAD_RULES[purpose]
    allowed = content_type in rule.types and 0 < size <= rule.max_size
    owner = await _owner(database)
    before = await _count(database)
    if allowed:
        await _request(database, storage, owner, purpose, content_type, size)
        assert await _count(database) == before + 1
    else:
        with pytest.raises(UserFacingError) as refused:
            await _request(database, storage, owner, purpose, content_type, size)
        codes = {e.code for e in refused.value.errors}
        assert codes <= {"FILE_TYPE_NOT_ALLOWED", "FILE_TOO_LARGE", "INVALID_SIZE"}
        assert await _count(database) == before


async def _request(
    database: Database,
    storage: LocalStorage,
    owner: uuid.UUID,
    purpose: FilePurpose,
    content_type: str,
    size: int,
) -> None:
    async with database.transaction() as session:
        await service.request_upload(
            session,
            storage,
            owner_id=owner,
            purpose=purpose,
            file_name="f.bin",
            content_type=content_type,
            size=size,
        )


async def test_property_35_an_assignments_narrower_whitelist_and_size_win(
    database: Database, storage: LocalStorage
) -> None:
    """Property 35: the assignment's own types and size limit apply on top of the purpose's."""
    owner = await _owner(database)
    async with database.transaction() as session:
        with pytest.raises(UserFacingError) as refused:
            await service.request_upload(
                session,
                storage,
                owner_id=owner,
                purpose=FilePurpose.ASSIGNMENT_SUBMISSION,
                file_name="photo.png",
                content_type="image/png",
                size=10,
                allowed_types=["application/pdf"],
            )
    assert refused.value.errors[0].code == "FILE_TYPE_NOT_ALLOWED"
    async with database.transaction() as session:
        with pytest.raises(UserFacingError) as too_big:
            await service.request_upload(
                session,
                storage,
                owner_id=owner,
                purpose=FilePurpose.ASSIGNMENT_SUBMISSION,
                file_name="essay.pdf",
                content_type="application/pdf",
                size=2 * MB,
                allowed_types=["application/pdf"],
                max_size=1 * MB,
            )
    assert too_big.value.errors[0].code == "FILE_TOO_LARGE"


async def test_property_35_a_finalized_file_is_rechecked_against_the_callers_rule(
    database: Database, storage: LocalStorage
) -> None:
    """Property 35: a PNG uploaded for submissions cannot be attached where only PDF is allowed;
    the file itself stays usable."""
    owner = await _owner(database)
    asset_id = await _uploaded(
        database, storage, owner, PNG, file_name="a.png", content_type="image/png"
    )
    assert (await _finalize(database, storage, owner, asset_id)).status == FileStatus.UPLOADED
    with pytest.raises(UserFacingError) as refused:
        await _finalize(database, storage, owner, asset_id, allowed_types=["application/pdf"])
    assert refused.value.errors[0].code == "FILE_TYPE_NOT_ALLOWED"
    assert (await _get(database, asset_id)).status == FileStatus.UPLOADED


async def test_property_35_a_file_over_the_callers_limit_is_rejected_at_finalize(
    database: Database, storage: LocalStorage
) -> None:
    owner = await _owner(database)
    asset_id = await _uploaded(database, storage, owner, PDF)
    with pytest.raises(UploadRejected) as rejected:
        await _finalize(database, storage, owner, asset_id, max_size=len(PDF) - 1)
    assert rejected.value.errors[0].code == "FILE_TOO_LARGE"


async def test_text_files_are_recognised_by_extension_when_they_are_utf8(
    database: Database, storage: LocalStorage
) -> None:
    owner = await _owner(database)
    data = "name,score\nAda,100\nRenée,99\n".encode()
    asset_id = await _uploaded(
        database, storage, owner, data, file_name="scores.csv", content_type="text/csv"
    )
    assert (await _finalize(database, storage, owner, asset_id)).status == FileStatus.UPLOADED


async def test_binary_content_posing_as_text_is_rejected(
    database: Database, storage: LocalStorage
) -> None:
    owner = await _owner(database)
    asset_id = await _uploaded(
        database,
        storage,
        owner,
        b"\xff\xfe\x00binary\x00",
        file_name="notes.txt",
        content_type="text/plain",
    )
    with pytest.raises(UploadRejected) as rejected:
        await _finalize(database, storage, owner, asset_id)
    assert rejected.value.errors[0].code == "UNKNOWN_FILE_TYPE"


async def test_an_allowed_type_hidden_under_another_allowed_type_is_rejected(
    database: Database, storage: LocalStorage
) -> None:
    owner = await _owner(database)
    asset_id = await _uploaded(database, storage, owner, PNG)  # declared application/pdf
    with pytest.raises(UploadRejected) as rejected:
        await _finalize(database, storage, owner, asset_id)
    assert rejected.value.errors[0].code == "FILE_TYPE_MISMATCH"


async def test_purposes_without_client_uploads_are_refused(
    database: Database, storage: LocalStorage
) -> None:
    owner = await _owner(database)
    async with database.transaction() as session:
        with pytest.raises(UserFacingError) as refused:
            await service.request_upload(
                session,
                storage,
                owner_id=owner,
                purpose=FilePurpose.CERTIFICATE,
                file_name="c.pdf",
                content_type="application/pdf",
                size=10,
            )
    assert refused.value.errors[0].code == "UNSUPPORTED_PURPOSE"


@pytest.mark.parametrize("name", ["", "a/b.pdf", "..\\x.pdf", "bad\x00.pdf", "x" * 256])
async def test_file_names_must_be_plain(
    database: Database, storage: LocalStorage, name: str
) -> None:
    owner = await _owner(database)
    async with database.transaction() as session:
        with pytest.raises(UserFacingError) as refused:
            await service.request_upload(
                session,
                storage,
                owner_id=owner,
                purpose=FilePurpose.ASSIGNMENT_SUBMISSION,
                file_name=name,
                content_type="application/pdf",
                size=10,
            )
    assert refused.value.errors[0].code == "INVALID_FILE_NAME"


async def test_the_storage_key_is_derived_from_a_sanitised_name(
    database: Database, storage: LocalStorage
) -> None:
    owner = await _owner(database)
    async with database.transaction() as session:
        ticket = await service.request_upload(
            session,
            storage,
            owner_id=owner,
            purpose=FilePurpose.ASSIGNMENT_SUBMISSION,
            file_name="Mon rapport (final) é.pdf",
            content_type="application/pdf",
            size=10,
        )
    asset = await _get(database, ticket.file_asset_id)
    assert asset.file_name == "Mon rapport (final) é.pdf"
    assert asset.storage_key == (
        f"uploads/assignment_submission/{owner}/{asset.id}/Mon-rapport-final-.pdf"
    )


async def test_a_scan_hook_that_finds_malware_rejects_the_file(
    database: Database, storage: LocalStorage
) -> None:
    owner = await _owner(database)
    asset_id = await _uploaded(database, storage, owner, PDF)

    async def infected(_storage: object, _key: str) -> bool:
        return False

    async with database.transaction() as session:
        with pytest.raises(UploadRejected) as rejected:
            await service.finalize_upload(
                session, storage, owner_id=owner, file_asset_id=asset_id, scan=infected
            )
        asset = await session.get(FileAsset, asset_id)
        assert asset is not None
        assert asset.scan_status == ScanStatus.INFECTED
    assert rejected.value.errors[0].code == "FILE_INFECTED"


async def test_download_urls_exist_only_for_finalized_files(
    database: Database, storage: LocalStorage
) -> None:
    owner = await _owner(database)
    asset_id = await _uploaded(database, storage, owner, PDF)
    with pytest.raises(NotFound):
        service.file_download_url(storage, await _get(database, asset_id))
    asset = await _finalize(database, storage, owner, asset_id)
    assert "/files/download/" in service.file_download_url(storage, asset, expires_in=60)
