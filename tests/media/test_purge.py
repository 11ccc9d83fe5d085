"""Abandoned and rejected uploads are purged — storage object and row — and nothing else is."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from app.accounts.models import UserProfile, UserRole
from app.db import Database
from app.integrations.storage import LocalStorage, StorageError
from app.media import purge_abandoned_uploads
from app.media.cleanup import GRACE
from app.media.models import FileAsset, FilePurpose, FileStatus
from tests.support.authoring import user
from tests.support.media import finished_upload

NOW = datetime(2030, 1, 1, 12, tzinfo=UTC)
LONG_AGO = NOW - GRACE - timedelta(minutes=1)
RECENTLY = NOW - GRACE + timedelta(minutes=1)


@dataclass(frozen=True)
class Spec:
    status: FileStatus  # pending: its link expired at `when`; rejected: rejected at `when`
    long_ago: bool
    referenced: bool

    @property
    def purged(self) -> bool:
        abandoned = self.status in (FileStatus.PENDING, FileStatus.REJECTED)
        return abandoned and self.long_ago and not self.referenced


async def make(database: Database, storage: LocalStorage, spec: Spec) -> FileAsset:
    owner = await user(database, UserRole.STUDENT)
    asset = await finished_upload(
        database, storage, owner.id, purpose=FilePurpose.AVATAR, finalize=False
    )
    when = LONG_AGO if spec.long_ago else RECENTLY
    async with database.transaction() as session:
        await session.execute(
            update(FileAsset)
            .where(FileAsset.id == asset.id)
            .values(status=spec.status, upload_expires_at=when, finalized_at=when)
        )
        if spec.referenced:
            session.add(UserProfile(user_id=owner.id, avatar_asset_id=asset.id))
    return asset


async def remaining(database: Database, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    async with database.session() as session:
        return set(await session.scalars(select(FileAsset.id).where(FileAsset.id.in_(ids))))


async def stored(storage: LocalStorage, assets: list[FileAsset]) -> set[uuid.UUID]:
    return {a.id for a in assets if await storage.head(a.storage_key) is not None}


specs = st.builds(
    Spec,
    status=st.sampled_from(list(FileStatus)),
    long_ago=st.booleans(),
    referenced=st.booleans(),
)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batch=st.lists(specs, min_size=1, max_size=6), size=st.integers(1, 3))
async def test_the_purge_removes_exactly_the_unreferenced_abandoned_and_rejected_uploads(
    database: Database, storage: LocalStorage, batch: list[Spec], size: int
) -> None:
    assets = [await make(database, storage, spec) for spec in batch]
    ids = [a.id for a in assets]
    kept = {a.id for a, spec in zip(assets, batch, strict=True) if not spec.purged}

    purged = await purge_abandoned_uploads(database, storage, now=NOW, batch=size)

    assert purged == len(assets) - len(kept)
    assert await remaining(database, ids) == kept
    assert await stored(storage, assets) == kept


async def test_a_referenced_upload_keeps_its_reference(
    database: Database, storage: LocalStorage
) -> None:
    asset = await make(database, storage, Spec(FileStatus.REJECTED, True, referenced=True))
    assert await purge_abandoned_uploads(database, storage, now=NOW) == 0
    async with database.session() as session:
        profile = await session.scalar(
            select(UserProfile).where(UserProfile.avatar_asset_id == asset.id)
        )
    assert profile is not None


async def test_an_upload_being_finalized_is_left_for_the_next_run(
    database: Database, storage: LocalStorage
) -> None:
    asset = await make(database, storage, Spec(FileStatus.PENDING, True, referenced=False))
    async with database.transaction() as session:  # a finalize holds the row
        await session.get(FileAsset, asset.id, with_for_update=True)
        assert await purge_abandoned_uploads(database, storage, now=NOW) == 0
    assert await purge_abandoned_uploads(database, storage, now=NOW) == 1


class FlakyStorage(LocalStorage):
    def __init__(self, inner: LocalStorage, failing: str) -> None:
        self.__dict__.update(inner.__dict__)
        self.failing = failing

    async def delete(self, key: str) -> None:
        if key == self.failing:
            raise StorageError("the bucket said no")
        await super().delete(key)


async def test_an_object_storage_cannot_delete_keeps_its_row_and_the_rest_is_purged(
    database: Database, storage: LocalStorage
) -> None:
    spec = Spec(FileStatus.REJECTED, True, referenced=False)
    stuck, other = [await make(database, storage, spec) for _ in range(2)]
    flaky = FlakyStorage(storage, failing=stuck.storage_key)

    assert await purge_abandoned_uploads(database, flaky, now=NOW, batch=1) == 1
    assert await remaining(database, [stuck.id, other.id]) == {stuck.id}
    assert await purge_abandoned_uploads(database, storage, now=NOW) == 1
    assert await remaining(database, [stuck.id]) == set()


@pytest.mark.parametrize("status", [FileStatus.UPLOADED, FileStatus.READY])
async def test_a_finished_upload_is_never_purged(
    database: Database, storage: LocalStorage, status: FileStatus
) -> None:
    asset = await make(database, storage, Spec(status, True, referenced=False))
    assert await purge_abandoned_uploads(database, storage, now=NOW) == 0
    assert await remaining(database, [asset.id]) == {asset.id}
