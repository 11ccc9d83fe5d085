"""What each notification type does by default, and the user's channel choices per type.

One table (`POLICIES`) says, per type, the default channels (a missing preference row means these),
the e-mail template, whether its e-mail is transactional (sent immediately whatever the user
chose: payments and refunds), and the metadata key that groups bursts of it into one
notification. `DIGEST` is not a type a user receives or chooses: it is the digest e-mail itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Common, FieldError, UserFacingError
from app.notifications import repo
from app.notifications.errors import NotificationsCode
from app.notifications.models import DigestFrequency, NotificationType
from app.security.permissions import Actor

IMMEDIATE, DAILY = DigestFrequency.IMMEDIATE, DigestFrequency.DAILY


@dataclass(frozen=True)
class Channels:
    in_app: bool
    email: bool
    push: bool
    email_digest: DigestFrequency


@dataclass(frozen=True)
class TypePolicy:
    defaults: Channels
    # the e-mail template; None: notify() never e-mails this type (its e-mail is a document the
    # calling domain sends itself: the order receipt with the invoice PDF)
    template: str | None
    # the e-mail ignores opt-outs and digests (payments, refunds)
    transactional: bool = False
    # bursts with the same value of this metadata key fold into one notification
    group_by: str | None = None
    # the title of a folded burst ("{count}" is replaced)
    burst_title: str = "{count} new notifications"


def _on(digest: DigestFrequency = IMMEDIATE) -> Channels:
    return Channels(in_app=True, email=True, push=False, email_digest=digest)


POLICIES: dict[NotificationType, TypePolicy] = {
    NotificationType.NEW_MESSAGE: TypePolicy(
        _on(DAILY), "new_message", group_by="conversation_id", burst_title="{count} new messages"
    ),
    NotificationType.DISCUSSION_REPLY: TypePolicy(
        _on(DAILY), "discussion_reply", group_by="thread_id", burst_title="{count} new replies"
    ),
    NotificationType.SOLUTION_ACCEPTED: TypePolicy(_on(), "solution_accepted"),
    NotificationType.ANNOUNCEMENT: TypePolicy(_on(), "announcement"),
    NotificationType.COURSE_UPDATE: TypePolicy(
        _on(DAILY), "notification", group_by="course_id", burst_title="{count} course updates"
    ),
    NotificationType.ASSIGNMENT_DUE: TypePolicy(_on(), "notification"),
    NotificationType.GRADE_POSTED: TypePolicy(_on(), "grade_posted"),
    NotificationType.ENROLLMENT_CONFIRMED: TypePolicy(_on(), "enrollment_confirmed"),
    NotificationType.CERTIFICATE_ISSUED: TypePolicy(_on(), "certificate_issued"),
    NotificationType.VIDEO_READY: TypePolicy(_on(), "video_ready"),
    NotificationType.PAYMENT_SUCCEEDED: TypePolicy(_on(), None, transactional=True),
    NotificationType.PAYMENT_FAILED: TypePolicy(_on(), "payment_failed", transactional=True),
    NotificationType.REFUND_PROCESSED: TypePolicy(_on(), "refund_processed", transactional=True),
    NotificationType.SYSTEM: TypePolicy(_on(), "notification"),
}

CHOOSABLE: tuple[NotificationType, ...] = tuple(POLICIES)  # every type but DIGEST


def policy_of(type: NotificationType) -> TypePolicy:
    return POLICIES.get(type) or TypePolicy(_on(), "notification")


def effective(type: NotificationType, chosen: Channels | None) -> Channels:
    """The channels a notification of `type` goes through: the user's choice or the defaults;
    a transactional e-mail always goes out at once."""
    policy = policy_of(type)
    channels = chosen or policy.defaults
    if policy.transactional:
        channels = replace(channels, email=True, email_digest=IMMEDIATE)
    return channels


async def channels_for(
    session: AsyncSession, *, user_id: uuid.UUID, type: NotificationType
) -> Channels:
    return effective(type, await repo.preference(session, user_id=user_id, type=type))


async def list_preferences(
    session: AsyncSession, *, actor: Actor
) -> list[tuple[NotificationType, Channels]]:
    """Every type the caller may choose for, with their choice or its defaults."""
    chosen = await repo.preferences_of(session, user_id=actor.id)
    return [(t, effective(t, chosen.get(t))) for t in CHOOSABLE]


@dataclass(frozen=True)
class PreferenceChange:
    type: NotificationType
    in_app: bool | None = None
    email: bool | None = None
    push: bool | None = None
    email_digest: DigestFrequency | None = None


async def update_preferences(
    session: AsyncSession, *, actor: Actor, preferences: Sequence[PreferenceChange]
) -> list[tuple[NotificationType, Channels]]:
    """Apply the changes (omitted channels keep their value); every type afterwards."""
    _check(preferences)
    chosen = await repo.preferences_of(session, user_id=actor.id)
    for change in preferences:
        now = chosen.get(change.type) or policy_of(change.type).defaults
        new = Channels(
            in_app=now.in_app if change.in_app is None else change.in_app,
            email=now.email if change.email is None else change.email,
            push=now.push if change.push is None else change.push,
            email_digest=now.email_digest if change.email_digest is None else change.email_digest,
        )
        await repo.save_preference(session, user_id=actor.id, type=change.type, channels=new)
        chosen[change.type] = new
    return [(t, effective(t, chosen.get(t))) for t in CHOOSABLE]


def _check(preferences: Sequence[PreferenceChange]) -> None:
    errors: list[FieldError] = []
    seen: set[NotificationType] = set()
    for i, change in enumerate(preferences):
        path = f"preferences[{i}]"
        if change.type not in POLICIES:
            errors.append(
                FieldError(f"{path}.type", "Not a type you choose", NotificationsCode.NOT_CHOOSABLE)
            )
            continue
        if change.type in seen:
            errors.append(
                FieldError(f"{path}.type", "Listed twice", NotificationsCode.DUPLICATE_TYPE)
            )
        seen.add(change.type)
        transactional = POLICIES[change.type].transactional
        if transactional and (
            change.email is False
            or (change.email_digest is not None and change.email_digest != IMMEDIATE)
        ):
            errors.append(
                FieldError(
                    f"{path}.email",
                    "Payment and refund e-mails are always sent",
                    NotificationsCode.TRANSACTIONAL_EMAIL,
                )
            )
    if len(preferences) > len(POLICIES):
        errors.append(FieldError("preferences", "Too many changes", Common.TOO_MANY))
    if errors:
        raise UserFacingError(errors)
