"""Outbound webhooks: your webhooks and their deliveries; create, change, delete, resume,
redeliver; and `webhookEvent`, the subscription field that exists only for webhook queries."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from app.errors import Forbidden
from app.pagination import PageRequest
from app.webhooks import service
from app.webhooks.render import EventEnvelope
from schema.core.auth import require_actor
from schema.core.context import Info
from schema.core.mutation import Tx, mutation
from schema.core.relay import Connection, node_uuid, selects_total_count
from schema.webhooks import (
    CreateWebhookInput,
    CreateWebhookPayload,
    DeleteWebhookInput,
    DeleteWebhookPayload,
    RedeliverWebhookInput,
    RedeliverWebhookPayload,
    ResumeWebhookInput,
    ResumeWebhookPayload,
    UpdateWebhookInput,
    UpdateWebhookPayload,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
    event_value,
)


@strawberry.type
class Query:
    @strawberry.field(description="Your webhooks, newest first (admins: every webhook).")
    async def webhooks(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Webhook]:
        actor = await require_actor(info)
        request = PageRequest.create(first=first, after=after)
        async with info.context.db.session() as session:
            page = await service.list_webhooks(
                session, actor=actor, request=request, with_total=selects_total_count(info)
            )
        return Connection[Webhook].from_page(page, Webhook.from_model)

    @strawberry.field(
        description="A webhook's deliveries, newest first (its owner and admins; NOT_FOUND else)."
    )
    async def webhook_deliveries(
        self,
        info: Info,
        webhook_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[WebhookDelivery]:
        actor = await require_actor(info)
        request = PageRequest.create(first=first, after=after)
        async with info.context.db.session() as session:
            page = await service.list_deliveries(
                session,
                actor=actor,
                webhook_id=node_uuid(str(webhook_id), "Webhook"),
                request=request,
                with_total=selects_total_count(info),
            )
        return Connection[WebhookDelivery].from_page(page, WebhookDelivery.from_model)


@strawberry.type
class Mutation:
    @mutation(
        description="A webhook of yours: events are POSTed to `url` as the result of "
        "`subscriptionQuery`, signed with the secret (returned once). Instructors and admins."
    )
    async def create_webhook(
        self, info: Info, input: CreateWebhookInput, tx: Tx
    ) -> CreateWebhookPayload:
        saved = await service.create_webhook(
            tx.session,
            actor=tx.actor,
            settings=info.context.settings,
            api_key_id=info.context.api_key_id,
            **input.arguments(),
        )
        return CreateWebhookPayload(webhook=Webhook.from_model(saved.webhook), secret=saved.secret)

    @mutation(description="Changes what is given; a new secret is returned once.")
    async def update_webhook(
        self, info: Info, input: UpdateWebhookInput, tx: Tx
    ) -> UpdateWebhookPayload:
        saved = await service.update_webhook(
            tx.session, actor=tx.actor, settings=info.context.settings, **input.arguments()
        )
        return UpdateWebhookPayload(webhook=Webhook.from_model(saved.webhook), secret=saved.secret)

    @mutation(description="Deletes a webhook and its delivery log.")
    async def delete_webhook(
        self, info: Info, input: DeleteWebhookInput, tx: Tx
    ) -> DeleteWebhookPayload:
        await service.delete_webhook(tx.session, actor=tx.actor, **input.arguments())
        return DeleteWebhookPayload(deleted_webhook_id=input.webhook_id)

    @mutation(
        description="A paused webhook delivers again (failure count reset); by default the "
        "deliveries that waited are queued again."
    )
    async def resume_webhook(
        self, info: Info, input: ResumeWebhookInput, tx: Tx
    ) -> ResumeWebhookPayload:
        row = await service.resume_webhook(tx.session, actor=tx.actor, **input.arguments())
        return ResumeWebhookPayload(webhook=Webhook.from_model(row))

    @mutation(description="Sends a delivery's payload again, as a new delivery (fresh signature).")
    async def redeliver_webhook(
        self, info: Info, input: RedeliverWebhookInput, tx: Tx
    ) -> RedeliverWebhookPayload:
        row = await service.redeliver(tx.session, actor=tx.actor, **input.arguments())
        return RedeliverWebhookPayload(delivery=WebhookDelivery.from_model(row))


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="The event of a webhook delivery: select it in a webhook's "
        "`subscriptionQuery`. Not available over a WebSocket (FORBIDDEN)."
    )
    async def webhook_event(self, info: Info) -> AsyncGenerator[WebhookEvent, None]:
        envelope = info.root_value
        if not isinstance(envelope, EventEnvelope):
            raise Forbidden("webhookEvent exists for webhook subscription queries only")
        yield event_value(envelope)
