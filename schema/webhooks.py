"""Outbound webhooks in GraphQL: the Webhook and WebhookDelivery types, their inputs and payloads,
the `WebhookEvent` union a webhook's subscription query selects from, and the renderer that runs
that query for one event (registered by the composition roots with `app.webhooks.set_renderer`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry
from graphql import (
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    parse,
    specified_rules,
    validate,
)
from starlette.requests import Request
from strawberry import relay

from app.accounts.models import UserRole
from app.security.tokens import AMR_OTP, AccessClaims
from app.settings import Settings
from app.webhooks import models, service
from app.webhooks.render import EventEnvelope, RenderFailed, RenderScope
from loaders import Loaders
from schema.accounts.types import User
from schema.catalog.types import Course
from schema.commerce.orders import Order
from schema.core.auth import viewer_of
from schema.core.context import Context, Info
from schema.core.inputs import Input, node_id, update
from schema.core.limits import alias_rule, compute_cost, depth_rule
from schema.core.money import Money
from schema.core.mutation import Payload
from schema.core.relay import ModelNode
from schema.learning.certificates import Certificate
from schema.learning.types import Enrollment

if TYPE_CHECKING:
    from strawberry.schema.base import BaseSchema

    from app.accounts.models import User as UserModel

ROOT_FIELD = "webhookEvent"

strawberry.enum(
    models.WebhookEvent,
    name="WebhookEventType",
    description="What a webhook can subscribe to. Instructors: the course events only "
    "(ENROLLMENT_CREATED, COURSE_COMPLETED, CERTIFICATE_ISSUED, COURSE_PUBLISHED), for the "
    "courses they own or co-teach; admins: every event.",
)
strawberry.enum(
    models.WebhookStatus,
    name="WebhookStatus",
    description="ACTIVE, or PAUSED by the circuit breaker after too many failed attempts in a "
    "row (nothing is sent until `resumeWebhook`).",
)
strawberry.enum(
    models.DeliveryStatus,
    name="WebhookDeliveryStatus",
    description="PENDING (queued or waiting to be retried), SUCCEEDED (a 2xx answer) or FAILED "
    "(every attempt failed, or the subscription query failed).",
)
WebhookEventType = models.WebhookEvent
WebhookStatus = models.WebhookStatus
WebhookDeliveryStatus = models.DeliveryStatus


# --- the webhook and its deliveries ------------------------------------------------------------


@strawberry.type(description="An endpoint of yours that receives events, signed with its secret.")
class Webhook(ModelNode):
    id: relay.NodeID[str]
    url: str
    events: list[WebhookEventType]
    subscription_query: str = strawberry.field(
        description="The subscription document whose result is each delivery's JSON body."
    )
    status: WebhookStatus
    consecutive_failures: int = strawberry.field(
        description="Failed attempts in a row; the webhook pauses at the configured threshold."
    )
    paused_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> Sequence[models.Webhook | None]:
        actor = await viewer_of(info)
        async with info.context.db.session() as session:
            return await service.visible_webhooks(session, actor=actor, ids=ids)

    @classmethod
    def from_model(cls, row: models.Webhook) -> Self:
        return cls(
            id=str(row.id),
            url=row.url,
            events=[models.WebhookEvent(e) for e in row.events],
            subscription_query=row.subscription_query,
            status=models.WebhookStatus(row.status),
            consecutive_failures=row.consecutive_failures,
            paused_at=row.paused_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@strawberry.type(description="One event sent (or to send) to a webhook, with its last attempt.")
class WebhookDelivery(ModelNode):
    id: relay.NodeID[str] = strawberry.field(
        description="Also sent as the X-EasyWays-Delivery header."
    )
    event: WebhookEventType
    status: WebhookDeliveryStatus
    attempts: int
    payload: str | None = strawberry.field(
        description="The JSON body sent (null until the first attempt rendered it)."
    )
    response_status_code: int | None = strawberry.field(
        description="The HTTP status of the last attempt (null: no answer)."
    )
    response_body: str | None = strawberry.field(
        description="The start (1 KiB) of the last answer's body."
    )
    latency_ms: int | None
    error: str | None
    is_redelivery: bool
    created_at: datetime
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None = strawberry.field(
        description="When the next retry is due (null when none is planned)."
    )
    delivered_at: datetime | None

    @classmethod
    async def load(
        cls, info: Info, ids: list[uuid.UUID]
    ) -> Sequence[models.WebhookDelivery | None]:
        actor = await viewer_of(info)
        async with info.context.db.session() as session:
            return await service.visible_deliveries(session, actor=actor, ids=ids)

    @classmethod
    def from_model(cls, row: models.WebhookDelivery) -> Self:
        return cls(
            id=str(row.id),
            event=models.WebhookEvent(row.event),
            status=models.DeliveryStatus(row.status),
            attempts=row.attempts,
            payload=row.body,
            response_status_code=row.response_status,
            response_body=row.response_body,
            latency_ms=row.latency_ms,
            error=row.error,
            is_redelivery=row.redelivery_of_id is not None,
            created_at=row.created_at,
            last_attempt_at=row.last_attempt_at,
            next_attempt_at=row.next_attempt_at,
            delivered_at=row.delivered_at,
        )


# --- inputs and payloads -----------------------------------------------------------------------


@strawberry.input
class CreateWebhookInput(Input):
    url: str = strawberry.field(description="https:// to a public address.")
    events: list[WebhookEventType]
    subscription_query: str = strawberry.field(
        description="e.g. `subscription { webhookEvent { ... on OrderPaid { order { id } } } }`"
    )
    secret: str | None = strawberry.field(
        default=None,
        description="16-200 characters; generated when left out. Returned once in the payload.",
    )


@strawberry.input
class UpdateWebhookInput(Input):
    webhook_id: strawberry.ID = node_id("Webhook")
    url: str | None = update(nullable=False)
    events: list[WebhookEventType] | None = update(nullable=False)
    subscription_query: str | None = update(nullable=False)
    secret: str | None = update(nullable=False, description="A new secret (returned once).")


@strawberry.input
class DeleteWebhookInput(Input):
    webhook_id: strawberry.ID = node_id("Webhook")


@strawberry.input
class ResumeWebhookInput(Input):
    webhook_id: strawberry.ID = node_id("Webhook")
    redeliver: bool = strawberry.field(
        default=True,
        description="Queue again the deliveries that were waiting when it paused (false: they "
        "are marked FAILED).",
    )


@strawberry.input
class RedeliverWebhookInput(Input):
    delivery_id: strawberry.ID = node_id("WebhookDelivery")


@strawberry.type
class WebhookPayload(Payload):
    webhook: Webhook | None = None


@strawberry.type
class CreateWebhookPayload(WebhookPayload):
    secret: str | None = strawberry.field(
        default=None, description="The signing secret: shown this once, keep it safe."
    )


@strawberry.type
class UpdateWebhookPayload(WebhookPayload):
    secret: str | None = strawberry.field(
        default=None, description="The new signing secret when this call set one."
    )


@strawberry.type
class ResumeWebhookPayload(WebhookPayload):
    pass


@strawberry.type
class DeleteWebhookPayload(Payload):
    deleted_webhook_id: strawberry.ID | None = None


@strawberry.type
class RedeliverWebhookPayload(Payload):
    delivery: WebhookDelivery | None = None


# --- the events a subscription query selects from ----------------------------------------------


async def _node(cls: type[ModelNode], info: Info, key: uuid.UUID) -> Any:
    return (await cls.resolve_nodes(info=info, node_ids=[str(key)]))[0]


@strawberry.type(description="A user account was created (admins).")
class UserRegistered:
    occurred_at: datetime
    envelope: strawberry.Private[EventEnvelope]

    @strawberry.field
    async def user(self, info: Info) -> User | None:
        return await _node(User, info, self.envelope.uuid("user_id"))  # type: ignore[no-any-return]


@strawberry.type(description="A student was enrolled in a course.")
class EnrollmentCreated:
    occurred_at: datetime
    envelope: strawberry.Private[EventEnvelope]

    @strawberry.field
    async def enrollment(self, info: Info) -> Enrollment | None:
        return await _node(Enrollment, info, self.envelope.uuid("enrollment_id"))  # type: ignore[no-any-return]


@strawberry.type(description="A student completed a course.")
class CourseCompleted:
    occurred_at: datetime
    envelope: strawberry.Private[EventEnvelope]

    @strawberry.field
    async def enrollment(self, info: Info) -> Enrollment | None:
        return await _node(Enrollment, info, self.envelope.uuid("enrollment_id"))  # type: ignore[no-any-return]


@strawberry.type(description="A certificate of completion was issued.")
class CertificateIssued:
    occurred_at: datetime
    envelope: strawberry.Private[EventEnvelope]

    @strawberry.field(description="Null unless you may see it (its holder and admins).")
    async def certificate(self, info: Info) -> Certificate | None:
        return await _node(Certificate, info, self.envelope.uuid("certificate_id"))  # type: ignore[no-any-return]

    @strawberry.field
    async def course(self, info: Info) -> Course | None:
        course_id = self.envelope.course_id
        return None if course_id is None else await _node(Course, info, course_id)


@strawberry.type(description="An order was paid (admins).")
class OrderPaid:
    occurred_at: datetime
    envelope: strawberry.Private[EventEnvelope]

    @strawberry.field
    async def order(self, info: Info) -> Order | None:
        return await _node(Order, info, self.envelope.uuid("order_id"))  # type: ignore[no-any-return]


@strawberry.type(description="A refund succeeded (admins).")
class RefundProcessed:
    occurred_at: datetime
    envelope: strawberry.Private[EventEnvelope]

    @strawberry.field(description="What this refund gave back.")
    def amount(self) -> Money:
        data = self.envelope.data
        return Money.of(int(data["amount_minor"]), str(data["currency"]))

    @strawberry.field
    async def order(self, info: Info) -> Order | None:
        return await _node(Order, info, self.envelope.uuid("order_id"))  # type: ignore[no-any-return]


@strawberry.type(description="A course was published.")
class CoursePublished:
    occurred_at: datetime
    envelope: strawberry.Private[EventEnvelope]

    @strawberry.field
    async def course(self, info: Info) -> Course | None:
        course_id = self.envelope.course_id
        return None if course_id is None else await _node(Course, info, course_id)


WebhookEvent = Annotated[
    UserRegistered
    | EnrollmentCreated
    | CourseCompleted
    | CertificateIssued
    | OrderPaid
    | RefundProcessed
    | CoursePublished,
    strawberry.union(
        "WebhookEvent", description="The event a webhook delivery is about (one type per event)."
    ),
]

EVENT_TYPES: dict[models.WebhookEvent, type] = {
    models.WebhookEvent.USER_REGISTERED: UserRegistered,
    models.WebhookEvent.ENROLLMENT_CREATED: EnrollmentCreated,
    models.WebhookEvent.COURSE_COMPLETED: CourseCompleted,
    models.WebhookEvent.CERTIFICATE_ISSUED: CertificateIssued,
    models.WebhookEvent.ORDER_PAID: OrderPaid,
    models.WebhookEvent.REFUND_PROCESSED: RefundProcessed,
    models.WebhookEvent.COURSE_PUBLISHED: CoursePublished,
}


def event_value(envelope: EventEnvelope) -> Any:
    return EVENT_TYPES[envelope.event](occurred_at=envelope.occurred_at, envelope=envelope)


# --- the renderer ------------------------------------------------------------------------------


def _request() -> Request:
    return Request(
        {
            "type": "http",
            "method": "POST",
            "path": "/webhooks/render",
            "headers": [],
            "client": None,
            "query_string": b"",
            "server": ("webhooks", 0),
            "scheme": "http",
            "http_version": "1.1",
            "root_path": "",
        }
    )


def _claims(owner: UserModel) -> AccessClaims:
    # the owner passed the admin checks (MFA included) when saving the webhook; the render acts
    # for them without a session of their own
    return AccessClaims(
        sub=owner.id,
        email=owner.email,
        role=UserRole(owner.role),
        ver=owner.token_version,
        sid=None,
        exp=0,
        jti=f"webhook-{uuid.uuid4()}",
        amr=("webhook", AMR_OTP),
    )


class GraphQLRenderer:
    """`app.webhooks.render.Renderer` over a strawberry schema."""

    def __init__(self, schema: BaseSchema) -> None:
        self.schema = schema

    def check(self, document: str, settings: Settings) -> str | None:
        try:
            parsed = parse(document)
        except GraphQLError as exc:
            return f"The query does not parse: {exc.message}"
        operations = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
        if len(operations) != 1 or operations[0].operation != OperationType.SUBSCRIPTION:
            return "Write exactly one subscription operation"
        operation = operations[0]
        if operation.variable_definitions:
            return "Webhook queries take no variables"
        root = [s for s in operation.selection_set.selections]
        if (
            len(root) != 1
            or not isinstance(root[0], FieldNode)
            or root[0].name.value != ROOT_FIELD
            or root[0].alias is not None
        ):
            return f"Select exactly one root field, `{ROOT_FIELD}` (no alias)"
        graphql_schema = self.schema._schema  # type: ignore[attr-defined]
        rules = [
            *specified_rules,
            depth_rule(settings.graphql_max_depth),
            alias_rule(settings.graphql_max_aliases),
        ]
        errors = validate(graphql_schema, parsed, rules)
        if errors:
            return errors[0].message
        cost = compute_cost(graphql_schema, parsed, None, {})
        if cost > settings.graphql_max_cost:
            return f"Query cost {cost} exceeds the maximum of {settings.graphql_max_cost}"
        return None

    async def render(
        self, document: str, envelope: EventEnvelope, owner: UserModel, scope: RenderScope
    ) -> dict[str, Any]:
        context = Context(
            request=_request(),
            response=None,
            db=scope.db,
            redis=scope.redis,
            settings=scope.settings,
            request_id=f"webhook-{uuid.uuid4()}",
            loaders=Loaders(scope.db),
            claims=_claims(owner),
        )
        result = await self.schema.subscribe(document, context_value=context, root_value=envelope)
        if not hasattr(result, "__anext__"):
            errors = getattr(result, "errors", None) or []
            raise RenderFailed("; ".join(e.message for e in errors) or "no result")
        stream: Any = result
        try:
            first = await stream.__anext__()
        except StopAsyncIteration as exc:
            raise RenderFailed("the subscription gave no result") from exc
        finally:
            await stream.aclose()
        if first.errors:
            raise RenderFailed("; ".join(e.message for e in first.errors))
        return dict(first.data or {})
