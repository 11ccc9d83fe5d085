"""Root fields of the accounts domain: read the caller, call one service, map the result."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import credentials, mfa, service, sessions
from app.errors import NotFound, Unauthenticated
from app.security.tokens import verify_access_token
from schema import accounts as t
from schema.core.auth import (
    client_ip,
    current_user,
    require_actor,
    require_user,
    session_amr,
    user_agent,
)
from schema.core.cookies import clear_auth_cookies, refresh_token_of, set_auth_cookies
from schema.core.context import Info
from schema.core.mutation import run_mutation
from schema.core.relay import decode_uuid

R = TypeVar("R")


async def _write(info: Info, action: Callable[[AsyncSession], Awaitable[R]]) -> R:
    """Run one service call inside one committed transaction."""
    async with info.context.db.transaction() as session:
        return await action(session)


def _env(info: Info) -> dict[str, Any]:
    ctx = info.context
    return {"redis": ctx.redis, "settings": ctx.settings, "ip": client_ip(ctx)}


def _auth_env(info: Info) -> dict[str, Any]:
    return {**_env(info), "keyring": info.context.keyring, "user_agent": user_agent(info.context)}


def _signed_in(info: Info, result: sessions.AuthResult) -> dict[str, Any]:
    """Cookies, and the rest of this operation sees the caller as the signed-in user."""
    ctx = info.context
    set_auth_cookies(ctx, result)
    ctx._user, ctx._user_loaded = result.user, True
    ctx.claims = verify_access_token(ctx.keyring, ctx.settings, result.access_token)
    return t.AuthFields.fields_of(result)


async def _register(info: Info, i: t.RegisterInput) -> dict[str, Any]:
    result = await _write(
        info,
        lambda s: service.register(
            s,
            email=i.email,
            password=i.password,
            first_name=i.first_name,
            last_name=i.last_name,
            phone=i.phone,
            age=i.age,
            **_auth_env(info),
        ),
    )
    return _signed_in(info, result)


async def _login(info: Info, i: t.LoginInput) -> dict[str, Any]:
    result = await _write(
        info,
        lambda s: sessions.login(
            s, email=i.email, password=i.password, totp_code=i.totp_code, **_auth_env(info)
        ),
    )
    return _signed_in(info, result)


async def _refresh(info: Info, i: t.RefreshTokenInput) -> dict[str, Any]:
    token = refresh_token_of(info.context, i.refresh_token)
    if token is None:
        raise Unauthenticated("No refresh token")
    env = _auth_env(info)
    del env["redis"]
    result = await sessions.refresh(info.context.db, refresh_token=token, **env)
    return _signed_in(info, result)


async def _logout(info: Info, i: t.LogoutInput) -> dict[str, Any]:
    claims = info.context.claims
    token = refresh_token_of(info.context, i.refresh_token, strict=False)
    await _write(
        info,
        lambda s: sessions.logout(
            s,
            user_id=claims.sub if claims else None,
            session_id=claims.sid if claims else None,
            refresh_token=token,
            all_devices=i.all_devices,
        ),
    )
    clear_auth_cookies(info.context)
    return {"ok": True}


async def _ok(action: Awaitable[Any]) -> dict[str, Any]:
    await action
    return {"ok": True}


def _session_id(raw: str) -> Any:
    parsed = decode_uuid(raw)
    if parsed is None:
        raise NotFound("Session")
    return parsed


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in user; null when anonymous.")
    async def me(self, info: Info) -> t.User | None:
        user = await current_user(info)
        return t.User.from_model(user) if user else None

    @strawberry.field(description="A user's public profile (private fields for self/admin).")
    async def user(self, info: Info, id: strawberry.ID) -> t.User | None:
        found = await t.User.resolve_nodes(info=info, node_ids=[id])
        return found[0]

    @strawberry.field(description="Where I am signed in.")
    async def my_sessions(self, info: Info) -> list[t.Session]:
        user = await require_user(info)
        rows = await info.context.loaders.accounts.active_sessions.load(user.id)
        return [t.Session(model=row) for row in rows]


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def register(self, info: Info, input: t.RegisterInput) -> t.RegisterPayload:
        return await run_mutation(t.RegisterPayload, _register(info, input))

    @strawberry.mutation
    async def verify_email(self, info: Info, input: t.VerifyEmailInput) -> t.VerifyEmailPayload:
        async def action() -> dict[str, Any]:
            user = await _write(
                info, lambda s: service.verify_email(s, token=input.token, **_env(info))
            )
            return {"user": t.User.from_model(user)}

        return await run_mutation(t.VerifyEmailPayload, action())

    @strawberry.mutation
    async def resend_verification(
        self, info: Info, input: t.ResendVerificationInput
    ) -> t.ResendVerificationPayload:
        return await run_mutation(
            t.ResendVerificationPayload,
            _ok(
                _write(
                    info, lambda s: service.resend_verification(s, email=input.email, **_env(info))
                )
            ),
        )

    @strawberry.mutation
    async def login(self, info: Info, input: t.LoginInput) -> t.LoginPayload:
        return await run_mutation(t.LoginPayload, _login(info, input))

    @strawberry.mutation
    async def refresh_token(self, info: Info, input: t.RefreshTokenInput) -> t.RefreshTokenPayload:
        return await run_mutation(t.RefreshTokenPayload, _refresh(info, input))

    @strawberry.mutation
    async def logout(self, info: Info, input: t.LogoutInput) -> t.LogoutPayload:
        return await run_mutation(t.LogoutPayload, _logout(info, input))

    @strawberry.mutation
    async def request_password_reset(
        self, info: Info, input: t.RequestPasswordResetInput
    ) -> t.RequestPasswordResetPayload:
        return await run_mutation(
            t.RequestPasswordResetPayload,
            _ok(
                _write(
                    info,
                    lambda s: credentials.request_password_reset(
                        s, email=input.email, **_env(info)
                    ),
                )
            ),
        )

    @strawberry.mutation
    async def reset_password(
        self, info: Info, input: t.ResetPasswordInput
    ) -> t.ResetPasswordPayload:
        return await run_mutation(
            t.ResetPasswordPayload,
            _ok(
                _write(
                    info,
                    lambda s: credentials.reset_password(
                        s, token=input.token, new_password=input.new_password, **_env(info)
                    ),
                )
            ),
        )

    @strawberry.mutation
    async def change_password(
        self, info: Info, input: t.ChangePasswordInput
    ) -> t.ChangePasswordPayload:
        async def action() -> dict[str, Any]:
            user = await require_user(info)
            result = await _write(
                info,
                lambda s: credentials.change_password(
                    s,
                    user_id=user.id,
                    current_password=input.current_password,
                    new_password=input.new_password,
                    amr=session_amr(info.context, user),
                    **_auth_env(info),
                ),
            )
            return _signed_in(info, result)

        return await run_mutation(t.ChangePasswordPayload, action())

    @strawberry.mutation
    async def change_email(self, info: Info, input: t.ChangeEmailInput) -> t.ChangeEmailPayload:
        async def action() -> dict[str, Any]:
            user = await require_user(info)
            return await _ok(
                _write(
                    info,
                    lambda s: credentials.change_email(
                        s,
                        user_id=user.id,
                        new_email=input.new_email,
                        current_password=input.current_password,
                        **_env(info),
                    ),
                )
            )

        return await run_mutation(t.ChangeEmailPayload, action())

    @strawberry.mutation
    async def update_profile(
        self, info: Info, input: t.UpdateProfileInput
    ) -> t.UpdateProfilePayload:
        async def action() -> dict[str, Any]:
            user = await require_user(info)
            updated = await _write(
                info, lambda s: service.update_profile(s, user_id=user.id, changes=input.changes())
            )
            return {"user": t.User.from_model(updated)}

        return await run_mutation(t.UpdateProfilePayload, action())

    @strawberry.mutation
    async def setup_totp(self, info: Info, input: t.SetupTotpInput) -> t.SetupTotpPayload:
        async def action() -> dict[str, Any]:
            user = await require_user(info)
            setup = await _write(
                info,
                lambda s: mfa.setup_totp(
                    s, user_id=user.id, current_password=input.current_password, **_env(info)
                ),
            )
            return {"secret": setup.secret, "otpauth_uri": setup.otpauth_uri}

        return await run_mutation(t.SetupTotpPayload, action())

    @strawberry.mutation
    async def confirm_totp(self, info: Info, input: t.ConfirmTotpInput) -> t.ConfirmTotpPayload:
        async def action() -> dict[str, Any]:
            user = await require_user(info)
            codes = await _write(
                info,
                lambda s: mfa.confirm_totp(
                    s, settings=info.context.settings, user_id=user.id, code=input.code
                ),
            )
            return {"recovery_codes": codes}

        return await run_mutation(t.ConfirmTotpPayload, action())

    @strawberry.mutation
    async def disable_totp(self, info: Info, input: t.DisableTotpInput) -> t.DisableTotpPayload:
        async def action() -> dict[str, Any]:
            user = await require_user(info)
            return await _ok(
                _write(
                    info,
                    lambda s: mfa.disable_totp(
                        s,
                        user_id=user.id,
                        current_password=input.current_password,
                        code=input.code,
                        **_env(info),
                    ),
                )
            )

        return await run_mutation(t.DisableTotpPayload, action())

    @strawberry.mutation
    async def regenerate_recovery_codes(
        self, info: Info, input: t.RegenerateRecoveryCodesInput
    ) -> t.RegenerateRecoveryCodesPayload:
        async def action() -> dict[str, Any]:
            user = await require_user(info)
            codes = await _write(
                info,
                lambda s: mfa.regenerate_recovery_codes(
                    s, user_id=user.id, current_password=input.current_password, **_env(info)
                ),
            )
            return {"recovery_codes": codes}

        return await run_mutation(t.RegenerateRecoveryCodesPayload, action())

    @strawberry.mutation
    async def revoke_session(
        self, info: Info, input: t.RevokeSessionInput
    ) -> t.RevokeSessionPayload:
        async def action() -> dict[str, Any]:
            user = await require_user(info)
            return await _ok(
                _write(
                    info,
                    lambda s: sessions.revoke_session(
                        s, user_id=user.id, session_id=_session_id(input.session_id)
                    ),
                )
            )

        return await run_mutation(t.RevokeSessionPayload, action())

    @strawberry.mutation(description="Admin only: change another user's role.")
    async def set_user_role(self, info: Info, input: t.SetUserRoleInput) -> t.SetUserRolePayload:
        async def action() -> dict[str, Any]:
            actor = await require_actor(info)
            target_id = decode_uuid(input.user_id)
            if target_id is None:
                raise NotFound("User")
            user = await _write(
                info,
                lambda s: service.set_user_role(s, actor=actor, user_id=target_id, role=input.role),
            )
            return {"user": t.User.from_model(user)}

        return await run_mutation(t.SetUserRolePayload, action())
