"""Per-request batch loaders of the accounts domain (each batch in its own short session)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from aiodataloader import DataLoader
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import repo
from app.accounts.models import AuthSession, User, UserProfile
from app.db import Database

T = TypeVar("T")


def _loader(
    db: Database, fetch: Callable[[AsyncSession, Sequence[uuid.UUID]], Awaitable[list[T]]]
) -> DataLoader[uuid.UUID, T]:
    async def batch(keys: list[uuid.UUID]) -> list[T]:
        async with db.session() as session:
            return await fetch(session, keys)

    return DataLoader(batch)


class AccountLoaders:
    def __init__(self, db: Database) -> None:
        self.users: DataLoader[uuid.UUID, User | None] = _loader(db, repo.users_by_ids)
        self.profiles: DataLoader[uuid.UUID, UserProfile | None] = _loader(
            db, repo.profiles_by_user_ids
        )
        self.totp_enabled: DataLoader[uuid.UUID, bool] = _loader(db, repo.totp_enabled_by_user_ids)
        self.active_sessions: DataLoader[uuid.UUID, list[AuthSession]] = _loader(
            db, repo.active_sessions_by_user_ids
        )
        self.permissions: DataLoader[uuid.UUID, frozenset[str]] = _loader(
            db, repo.permissions_by_user_ids
        )
