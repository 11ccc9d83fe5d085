"""Root fields of the newsletter: subscribeNewsletter, confirmNewsletterSubscription and
unsubscribeNewsletter (all public)."""

from __future__ import annotations

import uuid

import strawberry

from app.notifications import newsletter as service
from schema.core.auth import client_ip
from schema.core.context import Info
from schema.core.mutation import Tx, mutation
from schema.notifications.newsletter import (
    ConfirmNewsletterSubscriptionInput,
    ConfirmNewsletterSubscriptionPayload,
    SubscribeNewsletterInput,
    SubscribeNewsletterPayload,
    UnsubscribeNewsletterInput,
    UnsubscribeNewsletterPayload,
)


@strawberry.type
class Query:
    pass


@strawberry.type
class Mutation:
    @mutation(
        public=True,
        description="Ask for the newsletter (double opt-in): a confirmation link is e-mailed "
        "to a new or pending address; the same answer whatever the address's state. "
        "RATE_LIMITED per address and per IP.",
    )
    async def subscribe_newsletter(
        self, info: Info, input: SubscribeNewsletterInput, tx: Tx
    ) -> SubscribeNewsletterPayload:
        ctx = info.context
        await service.subscribe_newsletter(
            tx.session,
            redis=ctx.redis,
            settings=ctx.settings,
            ip=client_ip(ctx),
            user_id=tx.caller.id if tx.caller is not None else None,
            **input.arguments(),
        )
        return SubscribeNewsletterPayload(ok=True)

    @mutation(
        public=True,
        description="Confirm a subscription with the e-mailed link's token (INVALID_LINK for "
        "an unknown, used or expired one — links last 7 days).",
    )
    async def confirm_newsletter_subscription(
        self, info: Info, input: ConfirmNewsletterSubscriptionInput, tx: Tx
    ) -> ConfirmNewsletterSubscriptionPayload:
        ctx = info.context
        row = await service.confirm_newsletter_subscription(
            tx.session,
            redis=ctx.redis,
            settings=ctx.settings,
            ip=client_ip(ctx),
            **input.arguments(),
        )
        return ConfirmNewsletterSubscriptionPayload(status=row.status, email=row.email)

    @mutation(
        public=True,
        description="Unsubscribe with a newsletter e-mail's signed link (INVALID_LINK when the "
        "signature does not match); unsubscribing again is fine.",
    )
    async def unsubscribe_newsletter(
        self, info: Info, input: UnsubscribeNewsletterInput, tx: Tx
    ) -> UnsubscribeNewsletterPayload:
        try:
            subscriber = uuid.UUID(input.subscriber)
        except ValueError:
            raise service.invalid_link("subscriber") from None
        row = await service.unsubscribe_newsletter(
            tx.session,
            settings=info.context.settings,
            subscriber_id=subscriber,
            signature=input.signature,
        )
        return UnsubscribeNewsletterPayload(status=row.status)


@strawberry.type
class Subscription:
    pass
