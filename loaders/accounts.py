"""Per-request batch loaders of the accounts domain (each batch in its own short session)."""

from __future__ import annotations

import uuid

from aiodataloader import DataLoader

from app.accounts import repo
from app.accounts.models import AuthSession, User, UserProfile
from app.db import Database
from loaders.batch import batch_loader


class AccountLoaders:
    def __init__(self, db: Database) -> None:
        self.users: DataLoader[uuid.UUID, User | None] = batch_loader(db, repo.users_by_ids)
        self.profiles: DataLoader[uuid.UUID, UserProfile | None] = batch_loader(
            db, repo.profiles_by_user_ids
        )
        self.totp_enabled: DataLoader[uuid.UUID, bool] = batch_loader(
            db, repo.totp_enabled_by_user_ids
        )
        self.sessions: DataLoader[uuid.UUID, AuthSession | None] = batch_loader(
            db, repo.sessions_by_ids
        )
        self.active_sessions: DataLoader[uuid.UUID, list[AuthSession]] = batch_loader(
            db, repo.active_sessions_by_user_ids
        )
        self.permissions: DataLoader[uuid.UUID, frozenset[str]] = batch_loader(
            db, repo.permissions_by_user_ids
        )
