"""Account deletion (GDPR erasure): asked for, confirmed by e-mail, cancellable during a
cool-off, then carried out by a worker.

- `request_account_deletion` checks the password (INVALID_PASSWORD changes nothing; an account
  made by an OIDC sign-in has none and proves itself by the e-mailed link alone) and e-mails a
  one-time confirmation link (`delete_account` token; the user's certificate choice rides in
  the token's payload).
- `confirm_account_deletion` uses the token: the account is scheduled for erasure after
  ACCOUNT_DELETION_COOL_OFF_SECONDS and every session and access token ends at once (token
  version bump). The user may sign in again during the cool-off: `pendingDeletion` shows the
  schedule and `cancel_account_deletion` calls it off.
- Admins schedule the same erasure (`erase_user`, now or after the cool-off).
- `erase_account` (the actor's and the periodic job's work) runs every domain's eraser of the
  registry (app.accounts.privacy_registry) in one transaction, then deletes the files they
  named from storage and moves the catalog cache on. It is idempotent: an erased, cancelled or
  not yet due deletion is left alone, and every eraser is safe to run twice.
"""

from __future__ import annotations

import contextlib
import uuid
from datetime import datetime, timedelta

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import onetime, throttle
from app.accounts import privacy_repo as repo
from app.accounts import repo as accounts_repo
from app.accounts.identities import has_usable_password
from app.accounts.models import TokenPurpose, User
from app.accounts.privacy_errors import PrivacyCode
from app.accounts.privacy_models import AccountDeletion, DeletionState
from app.accounts.privacy_registry import ERASERS
from app.accounts.sessions import revoke_all_sessions
from app.clock import utcnow
from app.commerce import privacy as commerce
from app.commerce.subscriptions import SubscriptionGateway
from app.db import Database
from app.errors import Conflict, Invalid, NotFound, collect
from app.integrations.cache import bump_catalog_version
from app.integrations.storage import Storage, StorageError
from app.notifications.service import queue_email
from app.outbox import OutboxEvent, emit
from app.privacy import ErasureSubject, scrub_json
from app.security.permissions import Actor, Permission, require_permission
from app.settings import Settings

ERASE_TOPIC = "privacy.erase_account"
DUE_BATCH = 20


def scheduled_error() -> Conflict:
    return Conflict(
        None, "This account is already scheduled for erasure", PrivacyCode.DELETION_SCHEDULED
    )


async def _active_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await accounts_repo.get_user(session, user_id, for_update=True)
    if user is None or user.deleted_at is not None:
        raise NotFound("User")
    return user


def _cool_off(settings: Settings) -> timedelta:
    return timedelta(seconds=settings.account_deletion_cool_off_seconds)


async def request_account_deletion(
    session: AsyncSession,
    *,
    redis: Redis,
    settings: Settings,
    user_id: uuid.UUID,
    password: str | None,
    keep_certificates_verifiable: bool = False,
    ip: str | None = None,
) -> None:
    """Check the password (when the account has one), then e-mail the confirmation link
    (nothing is scheduled yet)."""
    user = await _active_user(session, user_id)
    if has_usable_password(user):
        collect(
            await throttle.check_current_password(
                redis,
                settings,
                email=user.email,
                password_hash=user.password_hash,
                password=password or "",
                ip=ip,
                field="password",
            )
        )
    if await repo.scheduled_deletion(session, user.id) is not None:
        raise scheduled_error()
    if await commerce.has_renewing_subscription(session, user.id):
        raise Conflict(
            None,
            "Cancel your subscription before deleting the account",
            PrivacyCode.SUBSCRIPTION_ACTIVE,
        )
    link = await onetime.issue(
        session,
        settings,
        user_id=user.id,
        purpose=TokenPurpose.DELETE_ACCOUNT,
        payload={"keep_certificates_verifiable": keep_certificates_verifiable},
    )
    await queue_email(
        session,
        to=user.email,
        template="confirm_account_deletion",
        user_id=user.id,
        context={
            "first_name": user.first_name,
            "link": link,
            "until": f"{utcnow() + _cool_off(settings):%d %B %Y}",
        },
    )


async def _schedule(
    session: AsyncSession,
    user: User,
    *,
    erase_after: datetime,
    keep_certificates_verifiable: bool,
    requested_by_id: uuid.UUID | None = None,
) -> AccountDeletion:
    """The user's scheduled deletion (an existing one is kept, brought forward when this one is
    earlier); every session and access token of theirs ends now."""
    deletion = await repo.scheduled_deletion(session, user.id, for_update=True)
    if deletion is None:
        deletion = AccountDeletion(
            user_id=user.id,
            state=DeletionState.SCHEDULED,
            erase_after=erase_after,
            keep_certificates_verifiable=keep_certificates_verifiable,
            requested_by_id=requested_by_id,
        )
        try:
            async with session.begin_nested():
                session.add(deletion)
                await session.flush()
        except IntegrityError as exc:  # a concurrent confirmation scheduled it first
            raise scheduled_error() from exc
    elif erase_after < deletion.erase_after:
        deletion.erase_after = erase_after
    await revoke_all_sessions(session, user=user, reason="account_deletion")
    if deletion.erase_after <= utcnow():
        await emit(session, ERASE_TOPIC, {"deletion_id": str(deletion.id)})
    return deletion


async def confirm_account_deletion(
    session: AsyncSession,
    *,
    redis: Redis,
    settings: Settings,
    token: str,
    ip: str | None = None,
) -> AccountDeletion:
    """Use the e-mailed link: erasure is scheduled after the cool-off and the user is signed out
    everywhere at once. INVALID_TOKEN when the link is unknown, used or expired."""
    await throttle.take(
        redis,
        throttle.Bucket(
            throttle.ip_key("token", ip),
            settings.token_attempts_max_per_ip,
            settings.token_attempts_window_seconds,
        ),
    )
    row = await onetime.consume(session, token, [TokenPurpose.DELETE_ACCOUNT])
    user = await accounts_repo.get_user(session, row.user_id, for_update=True)
    if user is None or user.deleted_at is not None:
        raise onetime.invalid_token()
    return await _schedule(
        session,
        user,
        erase_after=utcnow() + _cool_off(settings),
        keep_certificates_verifiable=bool(row.payload.get("keep_certificates_verifiable")),
    )


async def pending_deletion(session: AsyncSession, *, user_id: uuid.UUID) -> AccountDeletion | None:
    """The caller's scheduled erasure, if any."""
    return await repo.scheduled_deletion(session, user_id)


async def cancel_account_deletion(session: AsyncSession, *, user_id: uuid.UUID) -> AccountDeletion:
    """Call off the caller's scheduled erasure (signed in again during the cool-off)."""
    deletion = await repo.scheduled_deletion(session, user_id, for_update=True)
    if deletion is None:
        raise Invalid(
            None, "This account is not scheduled for erasure", PrivacyCode.NO_DELETION_SCHEDULED
        )
    deletion.state = DeletionState.CANCELLED
    deletion.cancelled_at = utcnow()
    await session.flush()
    return deletion


async def erase_user(
    session: AsyncSession,
    *,
    actor: Actor,
    settings: Settings,
    user_id: uuid.UUID,
    gateway: SubscriptionGateway,
    immediate: bool = False,
    keep_certificates_verifiable: bool = True,
) -> AccountDeletion:
    """Admins (users.manage): schedule a user's erasure, now or after the cool-off; the user is
    signed out everywhere at once, and a renewing subscription is cancelled at the provider at
    its period's end (the user cannot be asked to). CANNOT_ERASE_SELF for the caller's own
    account."""
    require_permission(
        actor, Permission.USERS_MANAGE, await accounts_repo.list_permissions(session, actor.id)
    )
    if user_id == actor.id:
        raise Invalid(
            "user_id",
            "Erase your own account with deleteMyAccount",
            PrivacyCode.CANNOT_ERASE_SELF,
        )
    user = await _active_user(session, user_id)
    await commerce.stop_renewal(session, gateway, user_id=user.id)
    now = utcnow()
    return await _schedule(
        session,
        user,
        erase_after=now if immediate else now + _cool_off(settings),
        keep_certificates_verifiable=keep_certificates_verifiable,
        requested_by_id=actor.id,
    )


def subject_of(user: User, deletion: AccountDeletion) -> ErasureSubject:
    return ErasureSubject(
        user_id=user.id,
        email=user.email,
        first_name=user.first_name,
        last_name=user.last_name,
        keep_certificates_verifiable=deletion.keep_certificates_verifiable,
    )


async def _erase_in(session: AsyncSession, deletion_id: uuid.UUID) -> ErasureSubject | None:
    deletion = await repo.get_deletion(session, deletion_id, for_update=True)
    if deletion is None or deletion.state != DeletionState.SCHEDULED:
        return None
    if deletion.erase_after > utcnow():
        return None
    user = await accounts_repo.get_user(session, deletion.user_id, for_update=True)
    if user is None:
        return None
    subject = subject_of(user, deletion)
    for erase in ERASERS.values():
        await erase(session, subject)
    await scrub_json(session, OutboxEvent.payload, subject)
    deletion.state = DeletionState.ERASED
    deletion.erased_at = utcnow()
    return subject


async def erase_account(
    db: Database, storage: Storage, redis: Redis, *, deletion_id: uuid.UUID
) -> bool:
    """Erase the account of a due, scheduled deletion; False when there was nothing to do."""
    async with db.transaction() as session:
        subject = await _erase_in(session, deletion_id)
    if subject is None:
        return False
    for key in dict.fromkeys(subject.storage_keys):
        with contextlib.suppress(StorageError):
            await storage.delete(key)
    with contextlib.suppress(RedisError, OSError):
        await bump_catalog_version(redis)
    return True


async def erase_due_accounts(db: Database, storage: Storage, redis: Redis, *, now: datetime) -> int:
    """The periodic job: erase every account whose cool-off has ended (each in its own
    transaction); how many were erased."""
    async with db.session() as session:
        due = await repo.due_deletions(session, now, limit=DUE_BATCH)
    erased = 0
    for deletion_id in due:
        erased += await erase_account(db, storage, redis, deletion_id=deletion_id)
    return erased
