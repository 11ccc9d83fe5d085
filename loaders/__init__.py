"""Per-request loaders. Build a fresh `Loaders` for every request (and every subscription event)."""

from __future__ import annotations

from app.db import Database
from loaders.accounts import AccountLoaders
from loaders.announcements import AnnouncementsLoaders
from loaders.assessments import AssessmentLoaders
from loaders.catalog import CatalogLoaders
from loaders.commerce import CommerceLoaders
from loaders.discussions import DiscussionsLoaders
from loaders.learning import LearningLoaders
from loaders.media import MediaLoaders
from loaders.messaging import MessagingLoaders
from loaders.notifications import NotificationLoaders


class Loaders:
    """Holds one instance of every domain's loader group, created lazily per request."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.accounts = AccountLoaders(db)
        self.catalog = CatalogLoaders(db)
        self.learning = LearningLoaders(db)
        self.assessments = AssessmentLoaders(db)
        self.media = MediaLoaders(db)
        self.commerce = CommerceLoaders(db)
        self.messaging = MessagingLoaders(db)
        self.discussions = DiscussionsLoaders(db)
        self.announcements = AnnouncementsLoaders(db)
        self.notifications = NotificationLoaders(db)
