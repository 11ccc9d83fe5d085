"""Per-request loaders. Build a fresh `Loaders` for every request (and every subscription event)."""

from __future__ import annotations

from functools import cached_property

from app.db import Database
from loaders.accounts import AccountLoaders
from loaders.announcements import AnnouncementsLoaders
from loaders.assessments import AssessmentLoaders
from loaders.blog import BlogLoaders
from loaders.catalog import CatalogLoaders
from loaders.commerce import CommerceLoaders
from loaders.discussions import DiscussionsLoaders
from loaders.learning import LearningLoaders
from loaders.media import MediaLoaders
from loaders.messaging import MessagingLoaders
from loaders.notifications import NotificationLoaders
from loaders.partners import PartnerLoaders
from loaders.reviews import ReviewLoaders
from loaders.testimonials import TestimonialLoaders


class Loaders:
    """One instance of every domain's loader group, each built on first use: a request (or a
    WebSocket operation) pays only for the domains it reads."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @cached_property
    def accounts(self) -> AccountLoaders:
        return AccountLoaders(self.db)

    @cached_property
    def catalog(self) -> CatalogLoaders:
        return CatalogLoaders(self.db)

    @cached_property
    def learning(self) -> LearningLoaders:
        return LearningLoaders(self.db)

    @cached_property
    def assessments(self) -> AssessmentLoaders:
        return AssessmentLoaders(self.db)

    @cached_property
    def media(self) -> MediaLoaders:
        return MediaLoaders(self.db)

    @cached_property
    def commerce(self) -> CommerceLoaders:
        return CommerceLoaders(self.db)

    @cached_property
    def messaging(self) -> MessagingLoaders:
        return MessagingLoaders(self.db)

    @cached_property
    def discussions(self) -> DiscussionsLoaders:
        return DiscussionsLoaders(self.db)

    @cached_property
    def announcements(self) -> AnnouncementsLoaders:
        return AnnouncementsLoaders(self.db)

    @cached_property
    def notifications(self) -> NotificationLoaders:
        return NotificationLoaders(self.db)

    @cached_property
    def partners(self) -> PartnerLoaders:
        return PartnerLoaders(self.db)

    @cached_property
    def reviews(self) -> ReviewLoaders:
        return ReviewLoaders(self.db)

    @cached_property
    def blog(self) -> BlogLoaders:
        return BlogLoaders(self.db)

    @cached_property
    def testimonials(self) -> TestimonialLoaders:
        return TestimonialLoaders(self.db)
