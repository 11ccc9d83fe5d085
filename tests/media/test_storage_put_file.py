"""`put_file` stores a file from disk as an object without reading it into memory whole — on
S3 a multipart upload past boto3's threshold (against moto's S3 server), locally a chunked copy.
Large analytics exports are uploaded this way."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from app.integrations.storage import LocalStorage, S3Storage, Storage, StorageError

SIZE = 9 * 1024 * 1024 + 17  # past boto3's 8 MiB multipart threshold


@pytest.fixture
def big_file(tmp_path: Path) -> tuple[Path, bytes]:
    data = os.urandom(SIZE)
    path = tmp_path / "export.ndjson"
    path.write_bytes(data)
    return path, data


async def test_a_large_file_is_stored_whole_locally(
    storage: LocalStorage, big_file: tuple[Path, bytes]
) -> None:
    await stored_whole(storage, *big_file)


async def test_a_large_file_is_stored_whole_on_s3(
    s3: S3Storage, big_file: tuple[Path, bytes]
) -> None:
    await stored_whole(s3, *big_file)


async def stored_whole(storage: Storage, path: Path, data: bytes) -> None:
    key = f"exports/tests/{uuid.uuid4()}.ndjson"

    await storage.put_file(key, path, "application/x-ndjson")

    info = await storage.head(key)
    assert info is not None
    assert (info.size, info.content_type) == (SIZE, "application/x-ndjson")
    assert await storage.read(key) == data
    await storage.delete(key)


async def test_a_file_cannot_escape_the_storage_root(
    storage: LocalStorage, big_file: tuple[Path, bytes]
) -> None:
    with pytest.raises(StorageError):
        await storage.put_file("../outside.ndjson", big_file[0], "application/x-ndjson")


async def test_s3_refuses_a_bad_key_too(s3: S3Storage, big_file: tuple[Path, bytes]) -> None:
    with pytest.raises(StorageError):
        await s3.put_file("/absolute.ndjson", big_file[0], "application/x-ndjson")
