"""Root fields of sign-in with OpenID Connect: read the caller, call one service, map the result.

The mutations that sign in set the cookies and remember the device like `login`
(resolvers.accounts.signed_in)."""

from __future__ import annotations

import strawberry

from app.accounts import identities, oidc, oidc_link
from app.errors import Unauthenticated
from resolvers.accounts import keyring_of, signed_in
from schema.accounts import oidc as o
from schema.core.auth import client_ip, current_user, require_user, user_agent
from schema.core.context import Context, Info
from schema.core.mutation import Tx, mutation


def client_of(ctx: Context) -> oidc.Client:
    return oidc.Client(ip=client_ip(ctx), user_agent=user_agent(ctx))


@strawberry.type
class Query:
    @strawberry.field(description="The sign-in providers the server offers (OIDC_PROVIDERS).")
    def oidc_providers(self, info: Info) -> list[o.OidcProvider]:
        return [
            o.OidcProvider(name=p.name, kind=p.kind) for p in info.context.settings.oidc_providers
        ]

    @strawberry.field(description="The provider identities linked to my account.")
    async def linked_identities(self, info: Info) -> list[o.LinkedIdentity]:
        user = await require_user(info)
        async with info.context.db.session() as session:
            rows = await identities.linked_identities(session, user.id)
        return [o.LinkedIdentity(model=row) for row in rows]


@strawberry.type
class Mutation:
    @mutation(
        public=True,
        description="Start a sign-in with a provider: the URL to send the browser to (with "
        "state, nonce and a PKCE challenge kept by the server).",
    )
    async def oidc_authorization_url(
        self, info: Info, input: o.OidcAuthorizationUrlInput
    ) -> o.OidcAuthorizationUrlPayload:
        ctx = info.context
        arguments = input.arguments()
        link_user = await current_user(info) if arguments.pop("link", False) else None
        if input.link and link_user is None:
            raise Unauthenticated("Sign in to link a provider identity")
        url = await oidc.start_sign_in(
            redis=ctx.redis,
            settings=ctx.settings,
            link_user_id=link_user.id if link_user else None,
            **arguments,
        )
        return o.OidcAuthorizationUrlPayload(url=url)

    @mutation(
        public=True,
        description="Finish a provider sign-in with the callback's `code` and `state`: the "
        "same tokens as login, or the next step (LINK_REQUIRED, MFA_REQUIRED).",
    )
    async def complete_oidc_login(
        self, info: Info, input: o.CompleteOidcLoginInput, tx: Tx
    ) -> o.CompleteOidcLoginPayload:
        ctx = info.context
        outcome = await oidc.complete_sign_in(
            tx.session,
            redis=ctx.redis,
            settings=ctx.settings,
            keyring=keyring_of(ctx),
            client=client_of(ctx),
            caller_id=tx.caller.id if tx.caller else None,
            **input.arguments(),
        )
        if outcome.auth is not None:
            signed_in(info, outcome.auth)
        return o.CompleteOidcLoginPayload.of_outcome(outcome)

    @mutation(
        public=True,
        description="Link the provider identity of a LINK_REQUIRED answer to the existing "
        "account by proving it is yours (its password and second factor), and sign in.",
    )
    async def confirm_oidc_link(
        self, info: Info, input: o.ConfirmOidcLinkInput, tx: Tx
    ) -> o.ConfirmOidcLinkPayload:
        ctx = info.context
        result = await oidc_link.confirm_link(
            tx.session,
            redis=ctx.redis,
            settings=ctx.settings,
            keyring=keyring_of(ctx),
            client=client_of(ctx),
            **input.arguments(),
        )
        return o.ConfirmOidcLinkPayload.of(signed_in(info, result))

    @mutation(
        public=True,
        description="Instead of the password: e-mail the existing account's owner a one-time "
        "link that links the identity and signs in (ends this pending step).",
    )
    async def send_oidc_link_email(
        self, info: Info, input: o.SendOidcLinkEmailInput, tx: Tx
    ) -> o.SendOidcLinkEmailPayload:
        ctx = info.context
        await oidc_link.send_link_email(
            tx.session, redis=ctx.redis, settings=ctx.settings, **input.arguments()
        )
        return o.SendOidcLinkEmailPayload(ok=True)

    @mutation(
        public=True,
        description="Use the e-mailed link of sendOidcLinkEmail (and the second factor when on): "
        "link the identity and sign in.",
    )
    async def confirm_oidc_link_by_email(
        self, info: Info, input: o.ConfirmOidcLinkByEmailInput, tx: Tx
    ) -> o.ConfirmOidcLinkByEmailPayload:
        ctx = info.context
        result = await oidc_link.confirm_link_by_email(
            tx.session,
            redis=ctx.redis,
            settings=ctx.settings,
            keyring=keyring_of(ctx),
            client=client_of(ctx),
            **input.arguments(),
        )
        return o.ConfirmOidcLinkByEmailPayload.of(signed_in(info, result))

    @mutation(
        public=True,
        description="Finish an MFA_REQUIRED provider sign-in with the authenticator's code.",
    )
    async def confirm_oidc_mfa(
        self, info: Info, input: o.ConfirmOidcMfaInput, tx: Tx
    ) -> o.ConfirmOidcMfaPayload:
        ctx = info.context
        result = await oidc.confirm_mfa(
            tx.session,
            redis=ctx.redis,
            settings=ctx.settings,
            keyring=keyring_of(ctx),
            client=client_of(ctx),
            **input.arguments(),
        )
        return o.ConfirmOidcMfaPayload.of(signed_in(info, result))

    @mutation(
        description="Remove a linked provider identity of mine; refused for the last way to "
        "sign in of an account without a password (LAST_SIGN_IN_METHOD)."
    )
    async def unlink_identity(
        self, info: Info, input: o.UnlinkIdentityInput, tx: Tx
    ) -> o.UnlinkIdentityPayload:
        await identities.unlink_identity(tx.session, user_id=tx.actor.id, **input.arguments())
        return o.UnlinkIdentityPayload(ok=True)
