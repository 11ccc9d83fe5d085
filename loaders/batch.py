"""The one way a loader is built: each batch runs its fetch in its own short read session."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import TypeVar

from aiodataloader import DataLoader
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import Database

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


def batch_loader(
    db: Database, fetch: Callable[[AsyncSession, Sequence[K]], Awaitable[list[T]]]
) -> DataLoader[K, T]:
    """A DataLoader over `fetch(session, keys) -> values in key order` (one statement a batch)."""

    async def batch(keys: list[K]) -> list[T]:
        async with db.session() as session:
            return await fetch(session, keys)

    return DataLoader(batch)
