"""Per-request batch loaders of the notifications domain."""

from __future__ import annotations

import uuid

from aiodataloader import DataLoader

from app.db import Database
from app.notifications import push, repo
from app.notifications.models import Notification, PushDevice
from loaders.batch import batch_loader


class NotificationLoaders:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.notifications: DataLoader[uuid.UUID, Notification | None] = batch_loader(
            db, repo.notifications_by_ids
        )
        self.push_devices: DataLoader[uuid.UUID, PushDevice | None] = batch_loader(
            db, push.push_devices_by_ids
        )

    def prime_notifications(self, rows: list[Notification]) -> None:
        for row in rows:
            self.notifications.prime(row.id, row)
