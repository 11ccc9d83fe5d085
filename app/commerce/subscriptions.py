"""Subscriptions: the all-access plan, subscribing, cancelling and the provider's subscription
events.

- One live subscription per user (INCOMPLETE, TRIALING, ACTIVE or PAST_DUE): `subscribe` locks the
  user row, so concurrent calls create one; the customer comes from `ensure_customer` (stored in
  payment_customers) and the subscription from the gateway, keyed by our ids.
- Status follows the provider: the gateway's immediate answer, then customer.subscription.created
  / updated / deleted and invoice.payment_failed events. An ended subscription (CANCELED,
  INCOMPLETE_EXPIRED, UNPAID) is final: a late or replayed event never revives it.
- While ACTIVE or TRIALING the user may enroll in any published paid course (source SUBSCRIPTION,
  see `app.learning.service.subscription_access`); when it ends, those enrollments are closed
  (DROPPED with reason "subscription_ended": progress kept, reopened by a purchase or a new
  subscription).
- A live subscription whose period ended SUBSCRIPTION_LAPSE_GRACE_HOURS ago with no event since
  (a missed renewal or deletion) is ended by `expire_lapsed_subscriptions`, a periodic sweep,
  exactly as customer.subscription.deleted would end it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import User
from app.clock import utcnow
from app.commerce import repo
from app.commerce.errors import CommerceCode
from app.commerce.events import event_object, register_handler
from app.commerce.models import (
    BillingInterval,
    PaymentCustomer,
    PaymentEvent,
    PaymentProvider,
    Subscription,
    SubscriptionPlan,
    SubscriptionStatus,
)
from app.commerce.repo import active_plan_by_code, live_subscription
from app.errors import Conflict, NotFound
from app.ids import new_id
from app.learning.service import close_subscription_enrollments
from app.notifications.models import NotificationCategory, NotificationType
from app.notifications.service import notify
from app.settings import Settings, get_settings

PLAN_CODE = "all-access"
ENDED = (
    SubscriptionStatus.CANCELED,
    SubscriptionStatus.INCOMPLETE_EXPIRED,
    SubscriptionStatus.UNPAID,
)
ENDED_REASON = "subscription_ended"


class SubscriptionGateway(Protocol):
    async def ensure_customer(
        self, *, user_id: str, email: str, name: str, idempotency_key: str
    ) -> str: ...

    async def create_subscription(
        self, *, customer_id: str, price_id: str, idempotency_key: str, metadata: dict[str, str]
    ) -> Any: ...

    async def cancel_subscription(
        self, *, subscription_id: str, at_period_end: bool, idempotency_key: str
    ) -> Any: ...


@dataclass(frozen=True)
class Subscribed:
    subscription: Subscription
    client_secret: str | None


async def seed_plan(session: AsyncSession, settings: Settings | None = None) -> int:
    """The all-access plan (once; price and provider price id from settings)."""
    settings = settings or get_settings()
    if await session.scalar(select(SubscriptionPlan.id).where(SubscriptionPlan.code == PLAN_CODE)):
        return 0
    session.add(
        SubscriptionPlan(
            code=PLAN_CODE,
            name="All access",
            description="Every published paid course, while the subscription is active.",
            price_minor=settings.subscription_plan_price_minor,
            currency=settings.subscription_plan_currency.upper(),
            interval=BillingInterval.MONTH,
            provider_price_id=settings.subscription_plan_provider_price_id or None,
            features=["All published paid courses", "Certificates"],
        )
    )
    return 1


async def active_plans(session: AsyncSession) -> list[SubscriptionPlan]:
    """The plans one can subscribe to, by code."""
    return await repo.active_plans(session)


async def subscribe(
    session: AsyncSession,
    gateway: SubscriptionGateway,
    *,
    user_id: uuid.UUID,
    plan_code: str,
    provider: PaymentProvider,
) -> Subscribed:
    """Start a subscription; Conflict ALREADY_SUBSCRIBED while one is live."""
    user = await session.scalar(select(User).where(User.id == user_id).with_for_update())
    if user is None:
        raise NotFound("User")
    plan = await active_plan_by_code(session, plan_code)
    if plan is None or not plan.provider_price_id:
        raise NotFound("Plan")
    if await live_subscription(session, user_id=user_id) is not None:
        raise Conflict(
            "plan_code", "You already have a subscription", CommerceCode.ALREADY_SUBSCRIBED
        )
    customer_id = await _customer(session, gateway, user, provider)
    subscription_id = new_id()
    answer = await gateway.create_subscription(
        customer_id=customer_id,
        price_id=plan.provider_price_id,
        idempotency_key=f"subscription:{subscription_id}:create",
        metadata={
            "subscription_id": str(subscription_id),
            "user_id": str(user_id),
            "plan": plan.code,
            "interval": plan.interval.value,
        },
    )
    row = Subscription(
        id=subscription_id,
        user_id=user_id,
        plan_id=plan.id,
        provider=provider,
        provider_subscription_id=str(answer.id),
        provider_customer_id=customer_id,
        status=_status(str(answer.status)) or SubscriptionStatus.INCOMPLETE,
        current_period_start=answer.current_period_start,
        current_period_end=answer.current_period_end,
        cancel_at_period_end=bool(answer.cancel_at_period_end),
    )
    session.add(row)
    await session.flush()
    return Subscribed(row, answer.client_secret)


async def _customer(
    session: AsyncSession, gateway: SubscriptionGateway, user: User, provider: PaymentProvider
) -> str:
    found = await session.scalar(
        select(PaymentCustomer.provider_customer_id).where(PaymentCustomer.user_id == user.id)
    )
    if found is not None:
        return found
    customer_id = await gateway.ensure_customer(
        user_id=str(user.id),
        email=user.email,
        name=f"{user.first_name} {user.last_name}".strip(),
        idempotency_key=f"user:{user.id}:customer",
    )
    session.add(
        PaymentCustomer(user_id=user.id, provider=provider, provider_customer_id=customer_id)
    )
    await session.flush()
    return customer_id


async def cancel_subscription(
    session: AsyncSession, gateway: SubscriptionGateway, *, user_id: uuid.UUID, at_period_end: bool
) -> Subscription:
    """Cancel at the period's end (access kept until then) or now (access ends now)."""
    await session.scalar(select(User.id).where(User.id == user_id).with_for_update())
    row = await live_subscription(session, user_id=user_id)
    if row is None:
        raise NotFound("Subscription")
    when = "period_end" if at_period_end else "now"
    answer = await gateway.cancel_subscription(
        subscription_id=row.provider_subscription_id,
        at_period_end=at_period_end,
        idempotency_key=f"subscription:{row.id}:cancel:{when}",
    )
    await _apply(
        session,
        row,
        status=_status(str(answer.status)),
        period=(answer.current_period_start, answer.current_period_end),
        cancel_at_period_end=bool(answer.cancel_at_period_end),
    )
    return row


def _status(value: str) -> SubscriptionStatus | None:
    try:
        return SubscriptionStatus(value)
    except ValueError:
        return None


async def _apply(
    session: AsyncSession,
    row: Subscription,
    *,
    status: SubscriptionStatus | None,
    period: tuple[datetime | None, datetime | None],
    cancel_at_period_end: bool,
    ended_at: datetime | None = None,
) -> None:
    """Follow the provider's word; `ended_at` (default now) is when an ending took effect."""
    if row.status in ENDED:
        return  # final: late or replayed events never revive an ended subscription
    row.current_period_start = period[0] or row.current_period_start
    row.current_period_end = period[1] or row.current_period_end
    row.cancel_at_period_end = cancel_at_period_end
    if cancel_at_period_end and row.canceled_at is None:
        row.canceled_at = utcnow()
    if status is not None:
        row.status = status
    if row.status in ENDED:
        row.ended_at = row.ended_at or ended_at or utcnow()
        row.canceled_at = row.canceled_at or row.ended_at
        await end_access(session, row)
    await session.flush()


async def end_access(session: AsyncSession, row: Subscription) -> int:
    """Close the enrollments this subscription opened (DROPPED, progress kept)."""
    return await close_subscription_enrollments(
        session, subscription_id=row.id, reason=ENDED_REASON
    )


async def expire_lapsed_subscriptions(
    session: AsyncSession, *, now: datetime, grace: timedelta | None = None, limit: int = 500
) -> int:
    """End the live subscriptions whose period ended `grace` (SUBSCRIPTION_LAPSE_GRACE_HOURS)
    before `now` with no event since, as customer.subscription.deleted would: CANCELED, ended at
    the end of their period, their enrollments closed. At most `limit` per call, oldest first;
    rows another transaction holds (an event being processed) are left to the next sweep.
    Returns how many ended."""
    if grace is None:
        grace = timedelta(hours=get_settings().subscription_lapse_grace_hours)
    lapsed = await repo.lock_lapsed_subscriptions(session, ended_before=now - grace, limit=limit)
    for row in lapsed:
        await _apply(
            session,
            row,
            status=SubscriptionStatus.CANCELED,
            period=(None, None),
            cancel_at_period_end=row.cancel_at_period_end,
            ended_at=row.current_period_end,
        )
    return len(lapsed)


# --- provider events ----------------------------------------------------------------------------


def _time(value: object) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if isinstance(value, int) and value > 0 else None


def _period(obj: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    items = obj.get("items")
    data = items.get("data") if isinstance(items, dict) else None
    first = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}
    start = obj.get("current_period_start") or first.get("current_period_start")
    end = obj.get("current_period_end") or first.get("current_period_end")
    return _time(start), _time(end)


async def _find(session: AsyncSession, provider_id: object) -> Subscription | None:
    if not isinstance(provider_id, str):
        return None
    return await session.scalar(
        select(Subscription)
        .where(Subscription.provider_subscription_id == provider_id)
        .with_for_update()
    )


async def handle_subscription_changed(session: AsyncSession, event: PaymentEvent) -> None:
    """customer.subscription.created / updated / deleted: status, period, cancellation."""
    obj = event_object(event)
    row = await _find(session, obj.get("id"))
    if row is None:
        return  # not one of ours (or created outside the platform): acknowledged
    status = SubscriptionStatus.CANCELED if event.type.endswith(".deleted") else None
    await _apply(
        session,
        row,
        status=status or _status(str(obj.get("status"))),
        period=_period(obj),
        cancel_at_period_end=bool(obj.get("cancel_at_period_end")),
    )
    trial_end = _time(obj.get("trial_end"))
    if trial_end is not None:
        row.trial_end = trial_end


async def handle_invoice_payment_failed(session: AsyncSession, event: PaymentEvent) -> None:
    """A renewal failed: the subscription is PAST_DUE (no new enrollments) and the user told."""
    invoice = event_object(event)
    row = await _find(session, _invoice_subscription(invoice))
    if row is None or row.status not in (SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING):
        return
    row.status = SubscriptionStatus.PAST_DUE
    if row.user_id is not None:
        await notify(
            session,
            recipient_id=row.user_id,
            type=NotificationType.PAYMENT_FAILED,
            title="Your subscription payment failed",
            body="Update your payment method to keep access to every course.",
            category=NotificationCategory.PAYMENT,
            metadata={"subscription_id": str(row.id)},
        )


def _invoice_subscription(invoice: dict[str, Any]) -> object:
    direct = invoice.get("subscription")
    if direct is not None:
        return direct
    parent = invoice.get("parent")
    details = parent.get("subscription_details") if isinstance(parent, dict) else None
    return details.get("subscription") if isinstance(details, dict) else None


for _type in (
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
):
    register_handler(_type, handle_subscription_changed)
register_handler("invoice.payment_failed", handle_invoice_payment_failed)
