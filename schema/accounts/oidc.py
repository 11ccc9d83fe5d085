"""GraphQL types, inputs and payloads of sign-in with OpenID Connect (resolvers/oidc.py)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Self

import strawberry

from app.accounts import models
from app.accounts.oidc import OidcOutcome, OidcStep
from schema.accounts.payloads import AuthPayload
from schema.core.inputs import Input, raw_id
from schema.core.mutation import Payload


@strawberry.enum(description="Where a provider sign-in stands after completeOidcLogin.")
class OidcLoginStep(Enum):
    SIGNED_IN = strawberry.enum_value(
        OidcStep.SIGNED_IN, description="Signed in: the tokens are in the payload."
    )
    LINK_REQUIRED = strawberry.enum_value(
        OidcStep.LINK_REQUIRED,
        description="An account already uses the provider's verified e-mail address: prove it "
        "is yours with its password (confirmOidcLink and `pendingToken`) to link the two.",
    )
    MFA_REQUIRED = strawberry.enum_value(
        OidcStep.MFA_REQUIRED,
        description="The account uses two-factor authentication: send the authenticator's code "
        "(confirmOidcMfa and `pendingToken`).",
    )
    LINKED = strawberry.enum_value(
        OidcStep.LINKED,
        description="A sign-in started with `link: true`: the identity is now linked to your "
        "account (you stay signed in as you were; no new tokens).",
    )


@strawberry.type(
    description="A sign-in provider the server offers (a button on your sign-in page)."
)
class OidcProvider:
    name: str = strawberry.field(description='Pass it as `provider`, e.g. "google".')
    kind: str = strawberry.field(description='"oidc" (OpenID Connect) or "github".')


@strawberry.type(description="A sign-in provider identity linked to my account.")
class LinkedIdentity:
    model: strawberry.Private[models.LinkedIdentity]

    @strawberry.field(description="Pass it to unlinkIdentity.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field(description="The provider's name in the server's settings, e.g. \"google\".")
    def provider(self) -> str:
        return self.model.provider

    @strawberry.field(description="The provider's verified e-mail address when it was linked.")
    def email(self) -> str:
        return self.model.email

    @strawberry.field
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(description="When it was last used to sign in.")
    def last_used_at(self) -> datetime:
        return self.model.last_used_at


@strawberry.input
class OidcAuthorizationUrlInput(Input):
    provider: str = strawberry.field(description='A configured provider, e.g. "google".')
    redirect_uri: str = strawberry.field(
        description="Your callback page; one of the server's OIDC_REDIRECT_URIS exactly."
    )
    link: bool = strawberry.field(
        default=False,
        description="Signed in: link the provider identity to my account instead of signing in "
        "(complete it with completeOidcLogin as the same user).",
    )


@strawberry.input
class CompleteOidcLoginInput(Input):
    provider: str
    code: str = strawberry.field(description="The `code` parameter of the callback.")
    state: str = strawberry.field(description="The `state` parameter of the callback.")


@strawberry.input
class ConfirmOidcLinkInput(Input):
    pending_token: str = strawberry.field(description="completeOidcLogin's `pendingToken`.")
    password: str = strawberry.field(description="The existing account's password.")
    totp_code: str | None = strawberry.field(
        default=None, description="With two-factor authentication on: the code."
    )


@strawberry.input
class ConfirmOidcMfaInput(Input):
    pending_token: str = strawberry.field(description="completeOidcLogin's `pendingToken`.")
    totp_code: str = strawberry.field(description="The authenticator's code or a recovery code.")


@strawberry.input
class SendOidcLinkEmailInput(Input):
    pending_token: str = strawberry.field(description="completeOidcLogin's `pendingToken`.")


@strawberry.input
class ConfirmOidcLinkByEmailInput(Input):
    token: str = strawberry.field(description="The `token` parameter of the e-mailed link.")
    totp_code: str | None = strawberry.field(
        default=None, description="With two-factor authentication on: the code."
    )


@strawberry.input
class UnlinkIdentityInput(Input):
    identity_id: strawberry.ID = raw_id(description="A LinkedIdentity's id.")


@strawberry.type
class OidcAuthorizationUrlPayload(Payload):
    url: str | None = strawberry.field(
        default=None,
        description="Send the browser here; the provider redirects back to `redirectUri` with "
        "`code` and `state` (valid for OIDC_STATE_TTL_SECONDS, once).",
    )


@strawberry.type(
    description="The same tokens as login when `step` is SIGNED_IN; otherwise no tokens and a "
    "`pendingToken` for the next step."
)
class CompleteOidcLoginPayload(AuthPayload):
    step: OidcLoginStep | None = None
    pending_token: str | None = strawberry.field(
        default=None,
        description="For confirmOidcLink or confirmOidcMfa; short-lived, works once.",
    )
    email: str | None = strawberry.field(
        default=None,
        description="LINK_REQUIRED: the verified address whose account the identity would join.",
    )

    @classmethod
    def of_outcome(cls, outcome: OidcOutcome) -> Self:
        step = OidcLoginStep(outcome.step)
        if outcome.auth is not None:
            payload = cls.of(outcome.auth)
            payload.step = step
            return payload
        return cls(step=step, pending_token=outcome.pending_token, email=outcome.email)


@strawberry.type
class ConfirmOidcLinkPayload(AuthPayload):
    pass


@strawberry.type
class ConfirmOidcMfaPayload(AuthPayload):
    pass


@strawberry.type
class ConfirmOidcLinkByEmailPayload(AuthPayload):
    pass


@strawberry.type
class SendOidcLinkEmailPayload(Payload):
    ok: bool = False


@strawberry.type
class UnlinkIdentityPayload(Payload):
    ok: bool = False
