"""Root fields of the GDPR rights: export my data, delete my account (confirm, cancel), and the
admins' eraseUser."""

from __future__ import annotations

import strawberry

from app.accounts import data_export, erasure
from schema.accounts import privacy as t
from schema.commerce.payments import payment_gateway
from schema.core.auth import client_ip, require_user
from schema.core.context import Info
from schema.core.mutation import Tx, mutation


@strawberry.type
class Query:
    @strawberry.field(description="My data exports, newest first (the last 20).")
    async def my_data_exports(self, info: Info) -> list[t.DataExport]:
        user = await require_user(info)
        ctx = info.context
        async with ctx.db.session() as session:
            rows = await data_export.list_exports(session, user_id=user.id)
        return [t.DataExport(model=r, url=data_export.download_url(ctx.storage, r)) for r in rows]

    @strawberry.field(
        description="My account's scheduled erasure (after deleteMyAccount was confirmed); null "
        "when none is scheduled. cancelAccountDeletion calls it off."
    )
    async def pending_deletion(self, info: Info) -> t.AccountDeletion | None:
        user = await require_user(info)
        async with info.context.db.session() as session:
            row = await erasure.pending_deletion(session, user_id=user.id)
        return t.AccountDeletion(model=row) if row else None


@strawberry.type
class Mutation:
    @mutation(
        description="Ask for a copy of everything held about me; a worker builds a zip and "
        "e-mails a signed, expiring link (EXPORT_PENDING while one is being made)."
    )
    async def export_my_data(self, info: Info, tx: Tx) -> t.ExportMyDataPayload:
        row = await data_export.request_export(tx.session, user_id=tx.actor.id)
        return t.ExportMyDataPayload(export=t.DataExport(model=row))

    @mutation(
        description="Ask to delete my account: checks the password (INVALID_PASSWORD) and "
        "e-mails a confirmation link (DELETION_SCHEDULED when already scheduled)."
    )
    async def delete_my_account(
        self, info: Info, input: t.DeleteMyAccountInput, tx: Tx
    ) -> t.DeleteMyAccountPayload:
        ctx = info.context
        await erasure.request_account_deletion(
            tx.session,
            redis=ctx.redis,
            settings=ctx.settings,
            user_id=tx.actor.id,
            ip=client_ip(ctx),
            **input.arguments(),
        )
        return t.DeleteMyAccountPayload(ok=True)

    @mutation(
        public=True,
        description="Use the e-mailed link: the account is erased after the cool-off period and "
        "signed out everywhere now (INVALID_TOKEN). Signing in again during the cool-off is "
        "allowed; cancelAccountDeletion calls the erasure off.",
    )
    async def confirm_account_deletion(
        self, info: Info, input: t.ConfirmAccountDeletionInput, tx: Tx
    ) -> t.ConfirmAccountDeletionPayload:
        ctx = info.context
        row = await erasure.confirm_account_deletion(
            tx.session,
            redis=ctx.redis,
            settings=ctx.settings,
            ip=client_ip(ctx),
            **input.arguments(),
        )
        return t.ConfirmAccountDeletionPayload(deletion=t.AccountDeletion(model=row))

    @mutation(description="Call off my account's scheduled erasure (NO_DELETION_SCHEDULED).")
    async def cancel_account_deletion(self, info: Info, tx: Tx) -> t.CancelAccountDeletionPayload:
        await erasure.cancel_account_deletion(tx.session, user_id=tx.actor.id)
        return t.CancelAccountDeletionPayload(ok=True)

    @mutation(
        privileged=True,
        description="Admins: erase a user through the same path as deleteMyAccount — now, or "
        "after the cool-off; they are signed out everywhere at once and a renewing subscription "
        "is cancelled at its period's end (CANNOT_ERASE_SELF).",
    )
    async def erase_user(self, info: Info, input: t.EraseUserInput, tx: Tx) -> t.EraseUserPayload:
        row = await erasure.erase_user(
            tx.session,
            actor=tx.actor,
            settings=info.context.settings,
            gateway=payment_gateway(info),
            **input.arguments(),
        )
        return t.EraseUserPayload(deletion=t.AccountDeletion(model=row))
