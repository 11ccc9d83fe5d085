"""Admin root fields over users: the user list and the account mutations (admins only)."""

from __future__ import annotations

import strawberry

from app.admin import users as service
from app.pagination import PageRequest
from schema.accounts.types import User
from schema.admin import users as t
from schema.core.admin_only import admin_field
from schema.core.auth import require_actor
from schema.core.context import Info
from schema.core.mutation import Tx, mutation
from schema.core.relay import Connection, selects_total_count


@strawberry.type
class Query:
    @admin_field(
        description="Admins: every account (deactivated and deleted ones too), newest first, "
        "by role, status and a text in the name or e-mail address."
    )
    async def users(
        self,
        info: Info,
        filter: t.UserFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[User]:
        actor = await require_actor(info)
        args = filter.arguments() if filter is not None else {}
        request = PageRequest.create(first=first, after=after)
        async with info.context.db.session() as session:
            page = await service.list_users(
                session,
                actor=actor,
                request=request,
                with_total=selects_total_count(info),
                **args,
            )
        return Connection[User].from_page(page, User.from_model)


@strawberry.type
class Mutation:
    @mutation(
        privileged=True,
        description="Admins: the user can no longer sign in and every session of theirs ends at "
        "once (CANNOT_DEACTIVATE_SELF, ALREADY_DEACTIVATED).",
    )
    async def deactivate_user(
        self, info: Info, input: t.DeactivateUserInput, tx: Tx
    ) -> t.DeactivateUserPayload:
        row = await service.deactivate_user(tx.session, actor=tx.actor, **input.arguments())
        return t.DeactivateUserPayload(user=User.from_model(row))

    @mutation(
        privileged=True,
        description="Admins: a deactivated user may sign in again (NOT_DEACTIVATED).",
    )
    async def reactivate_user(
        self, info: Info, input: t.ReactivateUserInput, tx: Tx
    ) -> t.ReactivateUserPayload:
        row = await service.reactivate_user(tx.session, actor=tx.actor, **input.arguments())
        return t.ReactivateUserPayload(user=User.from_model(row))

    @mutation(
        privileged=True,
        description="Admins: sign a user out everywhere: every access token and refresh token "
        "of theirs stops working (CANNOT_FORCE_LOGOUT_SELF).",
    )
    async def force_logout(
        self, info: Info, input: t.ForceLogoutInput, tx: Tx
    ) -> t.ForceLogoutPayload:
        row = await service.force_logout(tx.session, actor=tx.actor, **input.arguments())
        return t.ForceLogoutPayload(user=User.from_model(row))

    @mutation(
        privileged=True,
        description="Admins: e-mail a new verification link to a user whose address is not "
        "verified (ALREADY_VERIFIED, ACCOUNT_DEACTIVATED).",
    )
    async def resend_verification_for(
        self, info: Info, input: t.ResendVerificationForInput, tx: Tx
    ) -> t.ResendVerificationForPayload:
        row = await service.resend_verification_for(
            tx.session, actor=tx.actor, settings=info.context.settings, **input.arguments()
        )
        return t.ResendVerificationForPayload(user=User.from_model(row))
