"""Instructors: applying to teach, the admins' decision, and the instructor's public profile.

- A signed-in student applies (`apply_as_instructor`) with a headline, a bio, expertise, years of
  experience, social links and a note; at most one application waits at a time (a partial unique
  index settles a race: APPLICATION_PENDING). Instructors and admins already teach
  (ALREADY_INSTRUCTOR).
- An admin (users.manage) approves it — the user becomes an instructor (their tokens are re-issued,
  `app.accounts.service.set_user_role`), the application's texts become their public profile
  (created, or updated if one exists) with a unique slug derived from their name — or rejects it
  with a reason. Either way the applicant is notified (in the app and by e-mail) and the decision
  is in the audit log (the API records privileged mutations). A rejected applicant may apply again.
- The instructor edits the profile (`update_instructor_profile`): the given fields only; the
  avatar is one of their finished AVATAR uploads; `regenerate_slug` derives a new slug from the
  current name. A change re-renders the catalog pages that show them (COURSE_CHANGED for every
  course they teach: the search index and the public response cache follow).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app import db
from app.accounts import service as accounts
from app.accounts.models import User, UserRole
from app.catalog import instructor_fields as fields
from app.catalog import repo
from app.catalog.errors import CatalogCode
from app.catalog.instructor_fields import SocialLink
from app.catalog.models import (
    InstructorApplication,
    InstructorApplicationStatus,
    InstructorProfile,
)
from app.catalog.repo import instructors as instructors_repo
from app.catalog.rules import UNSET, Unset, course_changed, text
from app.catalog.slugs import next_free, slugify
from app.clock import utcnow
from app.errors import Common, Conflict, FieldError, NotFound, collect
from app.ids import new_id
from app.media import FilePurpose, claimed_upload_id
from app.notifications.models import NotificationCategory, NotificationType
from app.notifications.service import notify
from app.pagination import Page, PageRequest
from app.security.permissions import Actor, Permission, require_permission

MAX_REASON = 2000


# --- applying ------------------------------------------------------------------------------------


async def apply_as_instructor(
    session: AsyncSession,
    *,
    actor: Actor,
    headline: str,
    bio: str,
    expertise: Sequence[str] = (),
    experience_years: int | None = None,
    social_links: Sequence[SocialLink] = (),
    motivation: str | None = None,
) -> InstructorApplication:
    """A pending application of the signed-in student."""
    if actor.role != UserRole.STUDENT:
        raise Conflict(None, "You already teach", CatalogCode.ALREADY_INSTRUCTOR)
    errors: list[FieldError] = []
    values = {
        "headline": fields.headline(errors, headline, required=True),
        "bio": fields.bio(errors, bio, required=True),
        "expertise": fields.expertise(errors, expertise),
        "experience_years": fields.experience_years(errors, experience_years),
        "social_links": fields.social_links(errors, social_links),
        "motivation": fields.motivation(errors, motivation),
    }
    collect(errors)
    if await instructors_repo.pending_application(session, actor.id) is not None:
        raise _pending()
    application = InstructorApplication(id=new_id(), user_id=actor.id, **values)
    try:
        async with session.begin_nested():
            session.add(application)
            await session.flush()
    except IntegrityError as exc:  # a concurrent application of the same user won
        raise _pending() from exc
    return application


def _pending() -> Conflict:
    return Conflict(
        None, "Your application is waiting for a decision", CatalogCode.APPLICATION_PENDING
    )


async def list_instructor_applications(
    session: AsyncSession,
    *,
    actor: Actor,
    status: InstructorApplicationStatus | None = InstructorApplicationStatus.PENDING,
    request: PageRequest,
    with_total: bool = False,
) -> Page[InstructorApplication]:
    """Admins: the applications of a status (pending by default; None: all), oldest first."""
    require_permission(actor, Permission.USERS_MANAGE)
    return await instructors_repo.list_applications(
        session, status=status, request=request, with_total=with_total
    )


# --- deciding ------------------------------------------------------------------------------------


async def _pending_for_decision(
    session: AsyncSession, actor: Actor, application_id: uuid.UUID
) -> InstructorApplication:
    require_permission(actor, Permission.USERS_MANAGE)
    application = await instructors_repo.get_application(session, application_id, for_update=True)
    if application is None:
        raise NotFound("Instructor application")
    if application.status != InstructorApplicationStatus.PENDING:
        raise Conflict(
            "application_id",
            "This application was already decided",
            CatalogCode.APPLICATION_DECIDED,
        )
    return application


async def approve_instructor(
    session: AsyncSession, *, actor: Actor, application_id: uuid.UUID
) -> InstructorApplication:
    """The applicant becomes an instructor with a public profile made of the application."""
    application = await _pending_for_decision(session, actor, application_id)
    user = await accounts.set_user_role(
        session, actor=actor, user_id=application.user_id, role=UserRole.INSTRUCTOR
    )
    profile = await instructors_repo.profile_of(session, user.id, for_update=True)
    values = {
        "title": application.headline,
        "bio": application.bio,
        "expertise": list(application.expertise),
        "experience_years": application.experience_years,
        "social_links": dict(application.social_links),
        "is_public": True,
    }
    if profile is None:
        await create_profile(session, user, **values)
    else:
        for name, value in values.items():
            setattr(profile, name, value)
        if profile.slug is None:
            await _move_slug(session, profile, user)
        await db.save(session, profile)
    _decide(application, actor, InstructorApplicationStatus.APPROVED)
    await db.save(session, application)
    await notify(
        session,
        recipient_id=user.id,
        type=NotificationType.SYSTEM,
        category=NotificationCategory.SYSTEM,
        title="You are now an instructor",
        body="Your application to teach was approved: create your first course.",
        metadata={"application_id": str(application.id)},
    )
    await _profile_changed(session, user.id)
    return application


async def reject_instructor(
    session: AsyncSession, *, actor: Actor, application_id: uuid.UUID, reason: str
) -> InstructorApplication:
    """Rejected with the reason the applicant reads; they may apply again."""
    errors: list[FieldError] = []
    cleaned = text(errors, "reason", reason, max_length=MAX_REASON)
    collect(errors)
    application = await _pending_for_decision(session, actor, application_id)
    _decide(application, actor, InstructorApplicationStatus.REJECTED)
    application.rejection_reason = cleaned
    await db.save(session, application)
    await notify(
        session,
        recipient_id=application.user_id,
        type=NotificationType.SYSTEM,
        category=NotificationCategory.SYSTEM,
        title="Your application to teach was not approved",
        body=cleaned or "",
        metadata={"application_id": str(application.id)},
    )
    return application


def _decide(
    application: InstructorApplication, actor: Actor, status: InstructorApplicationStatus
) -> None:
    application.status = status
    application.decided_by_id = actor.id
    application.decided_at = utcnow()


# --- the profile ---------------------------------------------------------------------------------


async def create_profile(session: AsyncSession, user: User, **values: object) -> InstructorProfile:
    """A profile with the first free slug for the user's name."""

    def build(slug: str) -> InstructorProfile:
        return InstructorProfile(id=new_id(), user_id=user.id, slug=slug, **values)

    return await repo.insert_with_free_slug(session, InstructorProfile, _slug_base(user), build)


def _slug_base(user: User) -> str:
    return slugify(user.full_name, max_length=100, fallback="instructor")


async def _move_slug(session: AsyncSession, profile: InstructorProfile, user: User) -> None:
    base = _slug_base(user)
    if profile.slug is not None and (
        profile.slug == base or profile.slug.removeprefix(f"{base}-").isdigit()
    ):
        return
    for _ in range(25):
        slug = next_free(base, await repo.slugs_taken(session, InstructorProfile, base))
        try:
            async with session.begin_nested():
                profile.slug = slug
                await session.flush()
        except IntegrityError as exc:
            if "uq_instructor_profiles_slug" not in str(exc.orig):
                raise
            continue
        return
    raise Conflict("slug", "Could not find a free slug, try again", CatalogCode.SLUG_TAKEN)


async def update_instructor_profile(
    session: AsyncSession,
    *,
    actor: Actor,
    headline: str | Unset | None = UNSET,
    bio: str | Unset | None = UNSET,
    expertise: Sequence[str] | Unset = UNSET,
    experience_years: int | Unset | None = UNSET,
    social_links: Sequence[SocialLink] | Unset = UNSET,
    avatar_upload_id: uuid.UUID | Unset | None = UNSET,
    regenerate_slug: bool = False,
) -> InstructorProfile:
    """The caller's own profile (instructors and admins: FORBIDDEN for students); the given
    fields change, null clears an optional one."""
    require_permission(actor, Permission.COURSES_CREATE)
    user = await accounts.get_user(session, actor.id)
    if user is None:
        raise NotFound("User")
    errors: list[FieldError] = []
    changes: dict[str, object] = {}
    if not isinstance(headline, Unset):
        changes["title"] = fields.headline(errors, headline, required=False)
    if not isinstance(bio, Unset):
        changes["bio"] = fields.bio(errors, bio, required=False)
    if not isinstance(expertise, Unset):
        changes["expertise"] = fields.expertise(errors, expertise)
    if not isinstance(experience_years, Unset):
        changes["experience_years"] = fields.experience_years(errors, experience_years)
    if not isinstance(social_links, Unset):
        changes["social_links"] = fields.social_links(errors, social_links)
    if not isinstance(avatar_upload_id, Unset):
        changes["avatar_asset_id"] = await _avatar(session, errors, actor, avatar_upload_id)
    collect(errors)
    profile = await instructors_repo.profile_of(session, actor.id, for_update=True)
    if profile is None:
        try:
            profile = await create_profile(session, user, is_public=True, **changes)
        except IntegrityError as exc:  # a concurrent first edit made the profile
            raise Conflict(None, "Your profile changed meanwhile: retry", Common.CONFLICT) from exc
    else:
        for name, value in changes.items():
            setattr(profile, name, value)
        if regenerate_slug or profile.slug is None:
            await _move_slug(session, profile, user)
        await db.save(session, profile)
    await _profile_changed(session, actor.id)
    return profile


async def _avatar(
    session: AsyncSession, errors: list[FieldError], actor: Actor, upload_id: uuid.UUID | None
) -> uuid.UUID | None:
    return await claimed_upload_id(
        session,
        errors,
        owner_id=actor.id,
        upload_id=upload_id,
        purpose=FilePurpose.AVATAR,
        field="avatar_upload_id",
    )


async def _profile_changed(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Catalog pages show the instructor: every course they teach changed for the cache and
    the search index."""
    for course_id in await instructors_repo.courses_taught_by(session, user_id):
        await course_changed(session, course_id, "instructor")


__all__ = [
    "apply_as_instructor",
    "approve_instructor",
    "create_profile",
    "list_instructor_applications",
    "reject_instructor",
    "update_instructor_profile",
]
