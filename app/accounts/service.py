"""Accounts services: registration, e-mail verification, roles.

Sessions (login/refresh/logout) live in `app.accounts.sessions`, password and e-mail changes in
`app.accounts.credentials`, TOTP in `app.accounts.mfa`, the profile in `app.accounts.profile`.
Every function takes the caller's session and never commits.
"""

from __future__ import annotations

import uuid
from typing import TypedDict, Unpack

from redis.asyncio import Redis
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app import webhooks
from app.accounts import onetime, repo, throttle, validation
from app.accounts.errors import AccountsCode
from app.accounts.models import TokenPurpose, User, UserProfile, UserRole, UserStatus
from app.accounts.sessions import usable
from app.clock import utcnow
from app.errors import Conflict, FieldError, Invalid, NotFound, collect
from app.notifications.service import queue_email
from app.pagination import Page, PageRequest
from app.security.passwords import hash_password, password_errors
from app.security.permissions import Actor, Permission, require_permission
from app.settings import Settings


def email_taken_error(field: str = "email") -> Conflict:
    return Conflict(
        field, "An account with this e-mail address already exists", AccountsCode.EMAIL_TAKEN
    )


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    return await repo.get_user_by_email(session, validation.normalize_email(email))


async def get_user(
    session: AsyncSession, user_id: uuid.UUID, *, for_update: bool = False
) -> User | None:
    return await repo.get_user(session, user_id, for_update=for_update)


async def list_users(
    session: AsyncSession,
    *,
    request: PageRequest,
    role: UserRole | None = None,
    status: UserStatus | None = None,
    search: str | None = None,
    with_total: bool = False,
) -> Page[User]:
    """One page of users, newest first (no permission check: the caller's service checks)."""
    return await repo.list_users(
        session, request=request, role=role, status=status, search=search, with_total=with_total
    )


def registration_errors(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    phone: str | None = None,
    age: int | None = None,
) -> list[FieldError]:
    """Every rule the registration input breaks (cheap checks only: nothing is hashed)."""
    errors = [
        *validation.name_errors(first_name, "first_name"),
        *validation.name_errors(last_name, "last_name"),
        *validation.email_errors(email),
    ]
    if phone is not None:
        errors += validation.phone_errors(phone)
    if age is not None:
        errors += validation.age_errors(age)
    personal = [validation.normalize_email(email), first_name, last_name]
    return errors + password_errors(password, personal=personal)


class UserOptions(TypedDict, total=False):
    role: UserRole
    verified: bool
    phone: str | None
    age: int | None


def _new_user(
    *, email: str, password: str, first_name: str, last_name: str, **options: Unpack[UserOptions]
) -> User:
    """Check every registration rule (all broken ones at once), then build the user with its
    normalised address and hashed password (not yet added)."""
    phone, age = options.get("phone"), options.get("age")
    collect(
        registration_errors(
            email=email,
            password=password,
            first_name=first_name,
            last_name=last_name,
            phone=phone,
            age=age,
        )
    )
    return User(
        email=validation.normalize_email(email),
        first_name=validation.clean_name(first_name),
        last_name=validation.clean_name(last_name),
        phone=validation.clean_phone(phone) if phone else None,
        age=age,
        password_hash=hash_password(password),
        role=options.get("role", UserRole.STUDENT),
        email_verified_at=utcnow() if options.get("verified") else None,
    )


async def create_user(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    **options: Unpack[UserOptions],
) -> User:
    """Validate like `register` and insert the user (+ empty profile); EMAIL_TAKEN on duplicates,
    also when a concurrent registration wins the race (the CLI and the seed: they may tell)."""
    user = _new_user(
        email=email, password=password, first_name=first_name, last_name=last_name, **options
    )
    if await repo.email_taken(session, user.email, except_id=None):
        raise email_taken_error()
    try:
        await repo.add_user(session, user, UserProfile())
    except IntegrityError as exc:
        raise email_taken_error() from exc
    return user


async def send_verification(session: AsyncSession, settings: Settings, user: User) -> None:
    link = await onetime.issue(
        session, settings, user_id=user.id, purpose=TokenPurpose.VERIFY_EMAIL
    )
    await queue_email(
        session,
        to=user.email,
        template="verify_email",
        user_id=user.id,
        context={"first_name": user.first_name, "link": link},
    )


async def notify_address_in_use(session: AsyncSession, settings: Settings, owner: User) -> None:
    """Tell the owner of an address that someone tried to use it for an account (instead of
    telling whoever tried that it is taken)."""
    if usable(owner):
        await _mail_with_site_link(session, settings, owner, "email_in_use")


async def _mail_with_site_link(
    session: AsyncSession, settings: Settings, user: User, template: str
) -> None:
    await queue_email(
        session,
        to=user.email,
        template=template,
        user_id=user.id,
        context={"first_name": user.first_name, "link": settings.frontend_url},
    )


async def register(
    session: AsyncSession,
    *,
    redis: Redis,
    settings: Settings,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    phone: str | None = None,
    age: int | None = None,
    ip: str | None = None,
) -> str:
    """Create a student account and e-mail its verification link; returns the normalised address.

    Nobody is signed in: the account signs in (login) once its address is verified. A taken
    address gets exactly the same answer and creates nothing: its owner is e-mailed that someone
    tried to register with it."""
    await throttle.take(
        redis,
        throttle.Bucket(
            throttle.ip_key("register", ip),
            settings.register_max_per_ip,
            settings.register_window_seconds,
        ),
    )
    user = _new_user(  # the password is hashed whether or not the address is taken
        email=email,
        password=password,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        age=age,
    )
    await charge_email_request(redis, settings, prefix="register-email", email=user.email, ip=ip)
    owner = await repo.get_user_by_email(session, user.email)
    if owner is None:
        try:
            await repo.add_user(session, user, UserProfile())
        except IntegrityError:  # a concurrent registration took the address first
            owner = await repo.get_user_by_email(session, user.email)
        else:
            await send_verification(session, settings, user)
            await webhooks.user_registered(session, user_id=user.id)
    if owner is not None:
        await notify_address_in_use(session, settings, owner)
    return user.email


async def _apply_email_change(session: AsyncSession, user: User, new_email: str) -> None:
    if await repo.email_taken(session, new_email, except_id=user.id):
        raise email_taken_error("token")
    user.email = new_email
    await repo.invalidate_tokens(
        session, user_id=user.id, purposes=list(TokenPurpose), now=utcnow()
    )
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise email_taken_error("token") from exc


async def verify_email(
    session: AsyncSession, *, redis: Redis, settings: Settings, token: str, ip: str | None = None
) -> User:
    """Use a verify_email or change_email link; the first verification sends the welcome."""
    await throttle.take(redis, _token_bucket(settings, ip))
    row = await onetime.consume(
        session, token, [TokenPurpose.VERIFY_EMAIL, TokenPurpose.CHANGE_EMAIL]
    )
    user = await repo.get_user(session, row.user_id, for_update=True)
    if user is None or not user.is_active or user.deleted_at is not None:
        raise onetime.invalid_token()
    first_verification = user.email_verified_at is None
    if row.purpose == TokenPurpose.CHANGE_EMAIL:
        await _apply_email_change(session, user, str(row.payload["new_email"]))
        user.email_verified_at = utcnow()
    elif first_verification:
        user.email_verified_at = utcnow()
    if first_verification:
        await _mail_with_site_link(session, settings, user, "welcome")
    return user


def _token_bucket(settings: Settings, ip: str | None) -> throttle.Bucket:
    return throttle.Bucket(
        throttle.ip_key("token", ip),
        settings.token_attempts_max_per_ip,
        settings.token_attempts_window_seconds,
    )


async def charge_email_request(
    redis: Redis, settings: Settings, *, prefix: str, email: str, ip: str | None
) -> None:
    """Per-address and per-IP budget, charged whether or not the account exists."""
    window = settings.email_requests_window_seconds
    await throttle.take(
        redis,
        throttle.Bucket(throttle.ip_key(prefix, ip), settings.email_requests_max_per_ip, window),
        throttle.Bucket(
            throttle.email_key(prefix, email), settings.email_requests_max_per_email, window
        ),
    )


async def resend_verification(
    session: AsyncSession, *, redis: Redis, settings: Settings, email: str, ip: str | None = None
) -> None:
    """Always the same answer: a link is sent only to an existing, unverified account."""
    normalized = validation.normalize_email(email)[:254]
    await charge_email_request(redis, settings, prefix="resend", email=normalized, ip=ip)
    user = await repo.get_user_by_email(session, normalized)
    if user is not None and user.is_active and user.email_verified_at is None:
        await send_verification(session, settings, user)


# --- roles and permissions ----------------------------------------------------------------------


async def permissions_of(session: AsyncSession, user_id: uuid.UUID) -> frozenset[str]:
    """Extra permissions granted to the user on top of their role."""
    return await repo.list_permissions(session, user_id)


async def set_user_role(
    session: AsyncSession, *, actor: Actor, user_id: uuid.UUID, role: UserRole
) -> User:
    """Admins (users.manage) change another user's role; the target's tokens are re-issued
    on their next refresh (token version bump), so an old role never outlives 15 minutes.
    With MFA_REQUIRED_FOR_ADMINS, the actor's session must have used a second factor."""
    require_permission(actor, Permission.USERS_MANAGE, await permissions_of(session, actor.id))
    if user_id == actor.id:
        raise Invalid(
            "user_id", "You cannot change your own role", AccountsCode.CANNOT_CHANGE_OWN_ROLE
        )
    target = await repo.get_user(session, user_id, for_update=True)
    if target is None or target.deleted_at is not None:
        raise NotFound("User")
    if target.role != role:
        target.role = role
        target.token_version += 1
    return target
