"""GraphQL inputs and payloads of the newsletter (double opt-in, signed unsubscribe).

Every newsletter mutation is public (no sign-in needed). `subscribeNewsletter` answers the same
whatever the address's state; the confirmation link in the e-mail leads to the frontend page
`/newsletter/confirm?token=…`, which calls `confirmNewsletterSubscription`. The unsubscribe link
of every newsletter e-mail is `{PUBLIC_API_URL}/newsletter/unsubscribe?s=…&sig=…` (one click);
a frontend page may instead pass `s` and `sig` to `unsubscribeNewsletter`.
"""

from __future__ import annotations

import strawberry

from app.notifications import models
from schema.core.inputs import Input
from schema.core.mutation import Payload

strawberry.enum(
    models.NewsletterStatus,
    name="NewsletterStatus",
    description="PENDING until the e-mailed link is followed, then SUBSCRIBED; UNSUBSCRIBED "
    "after an unsubscribe link.",
)
NewsletterStatus = models.NewsletterStatus


@strawberry.input(description="Ask for the newsletter: a confirmation link is e-mailed.")
class SubscribeNewsletterInput(Input):
    email: str = strawberry.field(description="At most 254 characters.")
    name: str | None = strawberry.field(default=None, description="At most 150 characters.")


@strawberry.type
class SubscribeNewsletterPayload(Payload):
    ok: bool | None = strawberry.field(
        default=None,
        description="True when the request was taken: the same whether the address was new, "
        "pending or already subscribed (an e-mail goes out unless it is subscribed).",
    )


@strawberry.input(description="Confirm a subscription with the token of the e-mailed link.")
class ConfirmNewsletterSubscriptionInput(Input):
    token: str


@strawberry.type
class ConfirmNewsletterSubscriptionPayload(Payload):
    status: NewsletterStatus | None = None
    email: str | None = strawberry.field(default=None, description="The confirmed address.")


@strawberry.input(
    description="Unsubscribe with the `s` and `sig` parameters of a newsletter e-mail's "
    "unsubscribe link."
)
class UnsubscribeNewsletterInput(Input):
    subscriber: str = strawberry.field(description="The link's `s` parameter.")
    signature: str = strawberry.field(description="The link's `sig` parameter.")


@strawberry.type
class UnsubscribeNewsletterPayload(Payload):
    status: NewsletterStatus | None = None
