"""Root fields of the accounts domain: read the caller, call one service, map the result.

The sign-in mutations (login, refreshToken, changePassword) set the refresh and CSRF cookies and
make the rest of the operation see the newly signed-in user; they, verifyEmail and resetPassword
also make the browser a known device of the account (schema.accounts.devices).
"""

from __future__ import annotations

import strawberry

from app.accounts import credentials, mfa, profile, service, sessions
from app.errors import Unauthenticated
from app.security.tokens import KeyRing, verify_access_token
from schema.accounts import inputs as i
from schema.accounts import payloads as p
from schema.accounts.devices import device_of, remember_device
from schema.accounts.types import Session, User
from schema.core.auth import client_ip, current_user, require_user, session_amr, user_agent
from schema.core.context import Context, Info
from schema.core.cookies import clear_auth_cookies, refresh_token_of, set_auth_cookies
from schema.core.mutation import Tx, mutation


def keyring_of(ctx: Context) -> KeyRing:
    if ctx.keyring is None:
        raise RuntimeError("no signing keys are loaded")
    return ctx.keyring


def signed_in(info: Info, result: sessions.AuthResult) -> sessions.AuthResult:
    """Set the cookies; the rest of this operation sees the caller as the signed-in user."""
    ctx = info.context
    set_auth_cookies(ctx, result)
    remember_device(ctx, result.user.id)
    ctx._user, ctx._user_loaded = result.user, True
    ctx.claims = verify_access_token(keyring_of(ctx), ctx.settings, result.access_token)
    return result


async def forget_cookies(info: Info) -> None:
    clear_auth_cookies(info.context)


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in user; null when anonymous.")
    async def me(self, info: Info) -> User | None:
        user = await current_user(info)
        return User.from_model(user) if user else None

    @strawberry.field(
        description="A user (private fields for the user themself and admins); null with "
        "NOT_FOUND when there is none."
    )
    async def user(self, info: Info, id: strawberry.ID) -> User | None:
        return await User.lookup(info, id)

    @strawberry.field(description="Where I am signed in.")
    async def my_sessions(self, info: Info) -> list[Session]:
        user = await require_user(info)
        rows = await info.context.loaders.accounts.active_sessions.load(user.id)
        return [Session(model=row) for row in rows]


@strawberry.type
class Mutation:
    @mutation(
        public=True,
        description="Create a student account and e-mail its verification link; the same answer "
        "for an address already in use (its owner is told instead). Signs nobody in.",
    )
    async def register(self, info: Info, input: i.RegisterInput, tx: Tx) -> p.RegisterPayload:
        ctx = info.context
        email = await service.register(
            tx.session,
            redis=ctx.redis,
            settings=ctx.settings,
            ip=client_ip(ctx),
            **input.arguments(),
        )
        return p.RegisterPayload(ok=True, email=email)

    @mutation(
        public=True,
        description="Use an e-mailed verification (or e-mail change) link; the user is shown "
        "only to the caller signed in as its owner.",
    )
    async def verify_email(
        self, info: Info, input: i.VerifyEmailInput, tx: Tx
    ) -> p.VerifyEmailPayload:
        ctx = info.context
        user = await service.verify_email(
            tx.session,
            redis=ctx.redis,
            settings=ctx.settings,
            ip=client_ip(ctx),
            **input.arguments(),
        )
        remember_device(ctx, user.id)  # the link proves this browser's user owns the address
        owner = tx.caller is not None and tx.caller.id == user.id
        return p.VerifyEmailPayload(
            verified=True, email=user.email, user=User.from_model(user) if owner else None
        )

    @mutation(
        public=True,
        description="Send a new verification link; the same answer whether or not the address "
        "has an unverified account.",
    )
    async def resend_verification(
        self, info: Info, input: i.ResendVerificationInput, tx: Tx
    ) -> p.ResendVerificationPayload:
        ctx = info.context
        await service.resend_verification(
            tx.session,
            redis=ctx.redis,
            settings=ctx.settings,
            ip=client_ip(ctx),
            **input.arguments(),
        )
        return p.ResendVerificationPayload(ok=True)

    @mutation(
        public=True,
        description="Sign in with e-mail and password (and the second factor when it is on).",
    )
    async def login(self, info: Info, input: i.LoginInput, tx: Tx) -> p.LoginPayload:
        ctx = info.context
        result = await sessions.login(
            tx.session,
            redis=ctx.redis,
            settings=ctx.settings,
            keyring=keyring_of(ctx),
            ip=client_ip(ctx),
            user_agent=user_agent(ctx),
            device=device_of(ctx),
            **input.arguments(),
        )
        return p.LoginPayload.of(signed_in(info, result))

    @mutation(
        public=True,
        description="Trade the refresh token for new tokens (it is rotated: each works once; "
        "reusing one signs that session out).",
    )
    async def refresh_token(self, info: Info, input: i.RefreshTokenInput) -> p.RefreshTokenPayload:
        ctx = info.context
        token = refresh_token_of(ctx, input.refresh_token)
        if token is None:
            raise Unauthenticated("No refresh token")
        # Its own transaction: a detected reuse must commit the revocation while failing.
        result = await sessions.refresh(
            ctx.db,
            redis=ctx.redis,
            settings=ctx.settings,
            keyring=keyring_of(ctx),
            refresh_token=token,
            ip=client_ip(ctx),
            user_agent=user_agent(ctx),
        )
        return p.RefreshTokenPayload.of(signed_in(info, result))

    @mutation(
        public=True,
        after_commit=[forget_cookies],
        description="Sign this device out (or every device) and clear the cookies.",
    )
    async def logout(self, info: Info, input: i.LogoutInput, tx: Tx) -> p.LogoutPayload:
        ctx = info.context
        claims = ctx.claims
        await sessions.logout(
            tx.session,
            redis=ctx.redis,
            settings=ctx.settings,
            user_id=claims.sub if claims else None,
            session_id=claims.sid if claims else None,
            refresh_token=refresh_token_of(ctx, input.refresh_token, strict=False),
            all_devices=input.all_devices,
        )
        return p.LogoutPayload(ok=True)

    @mutation(
        public=True,
        description="E-mail a password reset link; the same answer whether or not the address "
        "has an account.",
    )
    async def request_password_reset(
        self, info: Info, input: i.RequestPasswordResetInput, tx: Tx
    ) -> p.RequestPasswordResetPayload:
        ctx = info.context
        await credentials.request_password_reset(
            tx.session,
            redis=ctx.redis,
            settings=ctx.settings,
            ip=client_ip(ctx),
            **input.arguments(),
        )
        return p.RequestPasswordResetPayload(ok=True)

    @mutation(
        public=True,
        description="Set a new password with an e-mailed reset link; signs out everywhere.",
    )
    async def reset_password(
        self, info: Info, input: i.ResetPasswordInput, tx: Tx
    ) -> p.ResetPasswordPayload:
        ctx = info.context
        user = await credentials.reset_password(
            tx.session,
            redis=ctx.redis,
            settings=ctx.settings,
            ip=client_ip(ctx),
            **input.arguments(),
        )
        remember_device(ctx, user.id)  # the e-mailed link proves ownership: a known device
        return p.ResetPasswordPayload(ok=True)

    @mutation(
        description="Change my password: every other session ends, this device gets new tokens."
    )
    async def change_password(
        self, info: Info, input: i.ChangePasswordInput, tx: Tx
    ) -> p.ChangePasswordPayload:
        ctx = info.context
        result = await credentials.change_password(
            tx.session,
            redis=ctx.redis,
            settings=ctx.settings,
            keyring=keyring_of(ctx),
            user_id=tx.actor.id,
            ip=client_ip(ctx),
            user_agent=user_agent(ctx),
            amr=session_amr(ctx, await require_user(info)),
            **input.arguments(),
        )
        return p.ChangePasswordPayload.of(signed_in(info, result))

    @mutation(
        description="E-mail a confirmation link to the new address; it changes when the link is "
        "used (verifyEmail)."
    )
    async def change_email(
        self, info: Info, input: i.ChangeEmailInput, tx: Tx
    ) -> p.ChangeEmailPayload:
        ctx = info.context
        await credentials.change_email(
            tx.session,
            redis=ctx.redis,
            settings=ctx.settings,
            user_id=tx.actor.id,
            ip=client_ip(ctx),
            **input.arguments(),
        )
        return p.ChangeEmailPayload(ok=True)

    @mutation(description="Change my names, phone, profile, avatar, links or preferences.")
    async def update_profile(
        self, info: Info, input: i.UpdateProfileInput, tx: Tx
    ) -> p.UpdateProfilePayload:
        user = await profile.update_profile(tx.session, user_id=tx.actor.id, **input.arguments())
        return p.UpdateProfilePayload(user=User.from_model(user))

    @mutation(description="Start two-factor setup: a new secret to add to an authenticator app.")
    async def setup_totp(self, info: Info, input: i.SetupTotpInput, tx: Tx) -> p.SetupTotpPayload:
        ctx = info.context
        setup = await mfa.setup_totp(
            tx.session,
            redis=ctx.redis,
            settings=ctx.settings,
            user_id=tx.actor.id,
            ip=client_ip(ctx),
            **input.arguments(),
        )
        return p.SetupTotpPayload(secret=setup.secret, otpauth_uri=setup.otpauth_uri)

    @mutation(description="Turn two-factor authentication on with a first code from the app.")
    async def confirm_totp(
        self, info: Info, input: i.ConfirmTotpInput, tx: Tx
    ) -> p.ConfirmTotpPayload:
        codes = await mfa.confirm_totp(
            tx.session, settings=info.context.settings, user_id=tx.actor.id, **input.arguments()
        )
        return p.ConfirmTotpPayload(recovery_codes=codes)

    @mutation(description="Turn two-factor authentication off (password and a code).")
    async def disable_totp(
        self, info: Info, input: i.DisableTotpInput, tx: Tx
    ) -> p.DisableTotpPayload:
        ctx = info.context
        await mfa.disable_totp(
            tx.session,
            redis=ctx.redis,
            settings=ctx.settings,
            user_id=tx.actor.id,
            ip=client_ip(ctx),
            **input.arguments(),
        )
        return p.DisableTotpPayload(ok=True)

    @mutation(description="New recovery codes; the old ones stop working.")
    async def regenerate_recovery_codes(
        self, info: Info, input: i.RegenerateRecoveryCodesInput, tx: Tx
    ) -> p.RegenerateRecoveryCodesPayload:
        ctx = info.context
        codes = await mfa.regenerate_recovery_codes(
            tx.session,
            redis=ctx.redis,
            settings=ctx.settings,
            user_id=tx.actor.id,
            ip=client_ip(ctx),
            **input.arguments(),
        )
        return p.RegenerateRecoveryCodesPayload(recovery_codes=codes)

    @mutation(description="Sign one of my devices out; another user's session is NOT_FOUND.")
    async def revoke_session(
        self, info: Info, input: i.RevokeSessionInput, tx: Tx
    ) -> p.RevokeSessionPayload:
        ctx = info.context
        await sessions.revoke_session(
            tx.session,
            redis=ctx.redis,
            settings=ctx.settings,
            user_id=tx.actor.id,
            **input.arguments(),
        )
        return p.RevokeSessionPayload(ok=True)

    @mutation(description="Admins: change another user's role.", privileged=True)
    async def set_user_role(
        self, info: Info, input: i.SetUserRoleInput, tx: Tx
    ) -> p.SetUserRolePayload:
        user = await service.set_user_role(tx.session, actor=tx.actor, **input.arguments())
        return p.SetUserRolePayload(user=User.from_model(user))
