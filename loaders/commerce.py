"""Per-request batch loaders of commerce (each batch one statement in its own short session)."""

from __future__ import annotations

import uuid

from aiodataloader import DataLoader

from app.commerce import repo
from app.commerce.models import Coupon, Order, OrderItem, Subscription, SubscriptionPlan
from app.db import Database
from loaders.batch import batch_loader


class CommerceLoaders:
    def __init__(self, db: Database) -> None:
        self.orders: DataLoader[uuid.UUID, Order | None] = batch_loader(db, repo.orders_by_ids)
        self.order_items: DataLoader[uuid.UUID, list[OrderItem]] = batch_loader(
            db, repo.items_by_order_ids
        )
        self.coupons: DataLoader[uuid.UUID, Coupon | None] = batch_loader(db, repo.coupons_by_ids)
        # code (any case) -> coupon
        self.coupons_by_code: DataLoader[str, Coupon | None] = batch_loader(
            db, repo.coupons_by_codes
        )
        # coupon id -> the ids of the courses it is restricted to (empty: every course)
        self.coupon_courses: DataLoader[uuid.UUID, list[uuid.UUID]] = batch_loader(
            db, repo.course_ids_by_coupon_ids
        )
        self.plans: DataLoader[uuid.UUID, SubscriptionPlan | None] = batch_loader(
            db, repo.plans_by_ids
        )
        # user id -> their live subscription, else their latest one
        self.subscriptions_of_users: DataLoader[uuid.UUID, Subscription | None] = batch_loader(
            db, repo.subscriptions_by_user_ids
        )
