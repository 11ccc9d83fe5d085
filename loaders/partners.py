"""Per-request batch loaders of the partners domain: API keys, trusted documents, and the keys'
usage counters (Redis, one pipelined round trip a batch)."""

from __future__ import annotations

import uuid

from aiodataloader import DataLoader
from redis.asyncio import Redis

from app.admin.models import ApiKey, TrustedDocument
from app.db import Database
from app.partners import repo
from app.partners.usage import Usage, usage_of
from loaders.batch import batch_loader


class PartnerLoaders:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.api_keys: DataLoader[uuid.UUID, ApiKey | None] = batch_loader(db, repo.keys_by_ids)
        self.trusted_documents: DataLoader[uuid.UUID, TrustedDocument | None] = batch_loader(
            db, repo.documents_by_ids
        )
        self._usage: DataLoader[uuid.UUID, Usage] | None = None

    def usage(self, redis: Redis, namespace: str) -> DataLoader[uuid.UUID, Usage]:
        if self._usage is None:

            async def batch(ids: list[uuid.UUID]) -> list[Usage]:
                return await usage_of(redis, namespace, ids)

            self._usage = DataLoader(batch)
        return self._usage
