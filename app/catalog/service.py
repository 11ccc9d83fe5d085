"""Course authoring: create, edit, delete, the review workflow and pricing.

Every function takes the caller's session and keyword arguments, checks who may act, validates
all input before writing (reporting every bad field at once), never commits, and records a
`catalog.course_changed` outbox event in the same transaction. Errors name fields in snake_case
(`tiers[1].price`). Prices come in major units (19.99) and are stored in minor units (1999).
Modules and lessons live in `app.catalog.structure`, categories in `app.catalog.categories`,
resources in `app.catalog.resources`, reads in `app.catalog.reads`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app import db, media, webhooks
from app.catalog import repo
from app.catalog.errors import CatalogCode
from app.catalog.models import Course, CourseLevel, CourseStatus, PricingTier
from app.catalog.rules import (
    UNSET,
    Unset,
    course_changed,
    course_for_author,
    course_for_owner,
    deny,
    text,
    text_list,
    url,
)
from app.catalog.slugs import slugify
from app.clock import utcnow
from app.errors import Common, Conflict, FieldError, NotFound, collect
from app.media import FilePurpose, claimed_upload_id
from app.media.models import VideoStatus
from app.money import is_currency, minor_or_error
from app.security.permissions import Actor, Permission, has_permission, require_permission

_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
MAX_PRICE = Decimal(100_000)  # in major units of the course's currency
MIN_MODULES = 3


@dataclass(frozen=True)
class TierInput:
    """One pricing tier as an author writes it: amounts in major units (19.99)."""

    tier: PricingTier
    price: Decimal
    original_price: Decimal | None = None
    features: Sequence[str] = field(default_factory=tuple)


# --- create / update / delete -----------------------------------------------------------------


async def create_course(
    session: AsyncSession,
    *,
    actor: Actor,
    title: str,
    description: str,
    level: CourseLevel = CourseLevel.BEGINNER,
    language: str = "en",
    category_id: uuid.UUID | None = None,
    subtitle: str | None = None,
    image_upload_id: uuid.UUID | None = None,
    trailer_url: str | None = None,
    requirements: Sequence[str] = (),
    objectives: Sequence[str] = (),
    tags: Sequence[str] = (),
    enrollment_limit: int | None = None,
) -> Course:
    """A draft course owned by the actor (an instructor or an admin), with a unique slug. The
    image is one of the actor's finished COURSE_IMAGE uploads."""
    require_permission(actor, Permission.COURSES_CREATE)
    errors: list[FieldError] = []
    values = {
        "title": text(errors, "title", title, max_length=220),
        "subtitle": text(errors, "subtitle", subtitle, max_length=300, required=False),
        "description": text(errors, "description", description, max_length=20_000),
        "language": _language(errors, language),
        "image_asset_id": await _image(session, errors, actor, image_upload_id),
        "trailer_url": url(errors, "trailer_url", trailer_url),
        "enrollment_limit": _limit(errors, enrollment_limit),
    }
    reqs = text_list(errors, "requirements", list(requirements), max_items=30, max_length=255)
    objs = text_list(errors, "objectives", list(objectives), max_items=30, max_length=255)
    tag_pairs = _tags(errors, tags)
    await _check_category(session, errors, category_id)
    collect(errors)

    def build(slug: str) -> Course:
        return Course(
            instructor_id=actor.id,
            category_id=category_id,
            slug=slug,
            level=level,
            status=CourseStatus.DRAFT,
            **values,
        )

    course = await repo.insert_with_free_slug(
        session, Course, slugify(title, fallback="course"), build
    )
    await repo.replace_requirements(session, course.id, reqs)
    await repo.replace_objectives(session, course.id, objs)
    await repo.set_course_tags(session, course.id, await repo.upsert_tags(session, tag_pairs))
    await course_changed(session, course.id, "created")
    return course


async def update_course(
    session: AsyncSession,
    *,
    actor: Actor,
    course_id: uuid.UUID,
    title: str | Unset = UNSET,
    regenerate_slug: bool = False,
    subtitle: str | Unset | None = UNSET,
    description: str | Unset = UNSET,
    level: CourseLevel | Unset = UNSET,
    language: str | Unset = UNSET,
    category_id: uuid.UUID | Unset | None = UNSET,
    image_upload_id: uuid.UUID | Unset | None = UNSET,
    trailer_url: str | Unset | None = UNSET,
    requirements: Sequence[str] | Unset = UNSET,
    objectives: Sequence[str] | Unset = UNSET,
    tags: Sequence[str] | Unset = UNSET,
    enrollment_limit: int | Unset | None = UNSET,
) -> Course:
    """Change the given fields only (the owner, a co-instructor or an admin); a new title keeps
    the slug (links stay valid) unless `regenerate_slug` asks for one derived from the new title.
    A null image removes it."""
    course = await course_for_author(session, actor, course_id)
    errors: list[FieldError] = []
    changes: dict[str, object] = {}
    if not isinstance(title, Unset):
        changes["title"] = text(errors, "title", title, max_length=220)
    if not isinstance(subtitle, Unset):
        changes["subtitle"] = text(errors, "subtitle", subtitle, max_length=300, required=False)
    if not isinstance(description, Unset):
        changes["description"] = text(errors, "description", description, max_length=20_000)
    if not isinstance(level, Unset):
        changes["level"] = level
    if not isinstance(language, Unset):
        changes["language"] = _language(errors, language)
    if not isinstance(category_id, Unset):
        await _check_category(session, errors, category_id)
        changes["category_id"] = category_id
    if not isinstance(image_upload_id, Unset):
        changes["image_asset_id"] = await _image(session, errors, actor, image_upload_id)
    if not isinstance(trailer_url, Unset):
        changes["trailer_url"] = url(errors, "trailer_url", trailer_url)
    if not isinstance(enrollment_limit, Unset):
        changes["enrollment_limit"] = _limit(errors, enrollment_limit)
    reqs = objs = None
    if not isinstance(requirements, Unset):
        reqs = text_list(errors, "requirements", list(requirements), max_items=30, max_length=255)
    if not isinstance(objectives, Unset):
        objs = text_list(errors, "objectives", list(objectives), max_items=30, max_length=255)
    tag_pairs = None if isinstance(tags, Unset) else _tags(errors, tags)
    collect(errors)

    for name, value in changes.items():
        setattr(course, name, value)
    await db.save(session, course)
    if regenerate_slug:
        await repo.move_to_free_slug(session, course, slugify(course.title, fallback="course"))
        await db.save(session, course)
    if reqs is not None:
        await repo.replace_requirements(session, course.id, reqs)
    if objs is not None:
        await repo.replace_objectives(session, course.id, objs)
    if tag_pairs is not None:
        tag_ids = await repo.upsert_tags(session, tag_pairs)
        await repo.set_course_tags(session, course.id, tag_ids)
    await course_changed(session, course.id, "updated")
    return course


async def delete_course(session: AsyncSession, *, actor: Actor, course_id: uuid.UUID) -> None:
    """Removes the course and, through the database cascades, everything beneath it. Owners may
    delete only courses never published; published/archived ones are archived or left to admins."""
    course = await course_for_owner(session, actor, course_id)
    live = course.status in (CourseStatus.PUBLISHED, CourseStatus.ARCHIVED)
    if live and not has_permission(actor, Permission.COURSES_MANAGE):
        raise Conflict(
            None, "A published course can only be archived", CatalogCode.COURSE_PUBLISHED
        )
    await db.delete_row(session, course)  # the database cascades beneath it
    await course_changed(session, course_id, "deleted")


# --- review workflow --------------------------------------------------------------------------


async def publication_problems(session: AsyncSession, course: Course) -> list[FieldError]:
    """Every rule (Property 16) the course breaks right now, all at once."""
    shape = await repo.course_shape(session, course.id)
    problems: list[FieldError] = []
    if course.category_id is None:
        problems.append(
            FieldError("category_id", "Choose a category", CatalogCode.CATEGORY_REQUIRED)
        )
    if not course.description.strip():
        problems.append(
            FieldError("description", "Add a description", CatalogCode.DESCRIPTION_REQUIRED)
        )
    if not course.is_free and shape.active_tiers == 0:
        problems.append(
            FieldError(
                "pricing", "Set a price or make the course free", CatalogCode.PRICING_REQUIRED
            )
        )
    if len(shape.modules) < MIN_MODULES:
        problems.append(
            FieldError(
                "modules", f"Add at least {MIN_MODULES} modules", CatalogCode.TOO_FEW_MODULES
            )
        )
    for index, (title, lessons) in enumerate(shape.modules):
        if lessons == 0:
            problems.append(
                FieldError(
                    f"modules[{index}]",
                    f"Module “{title}” has no lessons",
                    CatalogCode.EMPTY_MODULE,
                )
            )
    ready = await media.video_statuses(session, [v for _, v in shape.videos if v is not None])
    problems.extend(
        FieldError(
            "lessons", f"The video of “{title}” is not processed yet", CatalogCode.VIDEO_NOT_READY
        )
        for title, video in shape.videos
        if video is None or ready.get(video) != VideoStatus.READY
    )
    return problems


async def submit_course_for_review(
    session: AsyncSession, *, actor: Actor, course_id: uuid.UUID
) -> Course:
    """draft → pending_review; the publication rules are checked here already so the author
    hears about every problem before an admin does."""
    course = await course_for_owner(session, actor, course_id)
    _require_status(course, CourseStatus.DRAFT)
    collect(await publication_problems(session, course))
    course.status = CourseStatus.PENDING_REVIEW
    course.submitted_at = utcnow()
    await db.save(session, course)
    await course_changed(session, course.id, "submitted")
    return course


async def publish_course(
    session: AsyncSession, *, actor: Actor, course_id: uuid.UUID, notes: str | None = None
) -> Course:
    """pending_review → published, by a reviewer (admin) only; re-checks every rule."""
    course = await _course_for_reviewer(session, actor, course_id)
    _require_status(course, CourseStatus.PENDING_REVIEW)
    errors: list[FieldError] = []
    cleaned = text(errors, "notes", notes, max_length=5000, required=False)
    collect(errors + await publication_problems(session, course))
    now = utcnow()
    course.status = CourseStatus.PUBLISHED
    course.published_at = course.published_at or now
    course.reviewed_by_id, course.reviewed_at, course.review_notes = actor.id, now, cleaned
    await db.save(session, course)
    await course_changed(session, course.id, "published")
    await webhooks.course_published(session, course_id=course.id)
    return course


async def reject_course(
    session: AsyncSession, *, actor: Actor, course_id: uuid.UUID, notes: str
) -> Course:
    """pending_review → draft with the reviewer's notes for the author."""
    course = await _course_for_reviewer(session, actor, course_id)
    _require_status(course, CourseStatus.PENDING_REVIEW)
    errors: list[FieldError] = []
    cleaned = text(errors, "notes", notes, max_length=5000)
    collect(errors)
    course.status = CourseStatus.DRAFT
    course.reviewed_by_id, course.reviewed_at, course.review_notes = actor.id, utcnow(), cleaned
    await db.save(session, course)
    await course_changed(session, course.id, "rejected")
    return course


async def archive_course(session: AsyncSession, *, actor: Actor, course_id: uuid.UUID) -> Course:
    """published → archived (owner or admin): no longer listed, enrolled students keep access."""
    course = await course_for_owner(session, actor, course_id)
    _require_status(course, CourseStatus.PUBLISHED)
    course.status = CourseStatus.ARCHIVED
    course.archived_at = utcnow()
    await db.save(session, course)
    await course_changed(session, course.id, "archived")
    return course


# --- pricing -----------------------------------------------------------------------------------


async def set_course_pricing(
    session: AsyncSession,
    *,
    actor: Actor,
    course_id: uuid.UUID,
    is_free: bool,
    tiers: Sequence[TierInput] = (),
    currency: str = "USD",
) -> Course:
    """Free (no tiers) or paid with one to three distinct tiers in `currency` (an ISO 4217 code);
    replaces the previous pricing and keeps `min_price_minor` (the cheapest tier, 0 when free)
    for price filters."""
    course = await course_for_owner(session, actor, course_id)
    errors: list[FieldError] = []
    known_currency = is_currency(currency)
    if not known_currency:
        errors.append(
            FieldError("currency", "Use an ISO 4217 currency code", Common.UNKNOWN_CURRENCY)
        )
    if is_free and tiers:
        errors.append(
            FieldError("tiers", "A free course has no pricing tiers", CatalogCode.FREE_WITH_TIERS)
        )
    if not is_free and not tiers:
        errors.append(
            FieldError("tiers", "Add at least one pricing tier", CatalogCode.PRICING_REQUIRED)
        )
    seen: set[PricingTier] = set()
    rows = []
    for i, tier in enumerate(tiers):
        if tier.tier in seen:
            errors.append(
                FieldError(f"tiers[{i}].tier", "Each tier once", CatalogCode.DUPLICATE_TIER)
            )
        seen.add(tier.tier)
        features = text_list(
            errors, f"tiers[{i}].features", list(tier.features), max_items=20, max_length=200
        )
        if known_currency:
            price, original = _prices(errors, f"tiers[{i}]", tier, currency)
            rows.append(repo.TierRow(tier.tier, price, original, features))
    collect(errors)
    await repo.replace_tiers(session, course.id, currency, rows)
    course.is_free = is_free
    course.currency = currency
    course.min_price_minor = min((t.price_minor for t in rows), default=0)
    await db.save(session, course)
    await course_changed(session, course.id, "pricing")
    return course


# --- helpers -----------------------------------------------------------------------------------


def _prices(
    errors: list[FieldError], path: str, tier: TierInput, currency: str
) -> tuple[int, int | None]:
    """The tier's price and original price in minor units; records what is wrong with them."""
    price, original = tier.price, tier.original_price
    if price < 0:
        errors.append(
            FieldError(f"{path}.price", "A price cannot be negative", CatalogCode.NEGATIVE_PRICE)
        )
    elif price == 0:
        errors.append(
            FieldError(f"{path}.price", "Make the course free instead", CatalogCode.ZERO_PRICE)
        )
    elif price > MAX_PRICE:
        errors.append(
            FieldError(f"{path}.price", "The price is too high", CatalogCode.PRICE_TOO_HIGH)
        )
    if original is not None and (original < price or original > MAX_PRICE):
        errors.append(
            FieldError(
                f"{path}.original_price",
                "The original price is at least the price",
                CatalogCode.ORIGINAL_BELOW_PRICE,
            )
        )
    return _minor(errors, price, currency, f"{path}.price") or 0, (
        None if original is None else _minor(errors, original, currency, f"{path}.original_price")
    )


def _minor(errors: list[FieldError], amount: Decimal, currency: str, path: str) -> int | None:
    minor = minor_or_error(amount, currency, path)
    if isinstance(minor, FieldError):
        errors.append(minor)
        return None
    return minor


async def _image(
    session: AsyncSession, errors: list[FieldError], actor: Actor, upload_id: uuid.UUID | None
) -> uuid.UUID | None:
    """The asset of one of the actor's finished course-image uploads (None removes the image)."""
    return await claimed_upload_id(
        session,
        errors,
        owner_id=actor.id,
        upload_id=upload_id,
        purpose=FilePurpose.COURSE_IMAGE,
        field="image_upload_id",
    )


def _language(errors: list[FieldError], value: str) -> str:
    if not _LANGUAGE.match(value):
        errors.append(
            FieldError("language", "Use a language code like en or pt-BR", Common.INVALID)
        )
    return value


def _limit(errors: list[FieldError], value: int | None) -> int | None:
    if value is not None and not 0 < value <= 1_000_000:
        errors.append(
            FieldError("enrollment_limit", "Use 1 to 1,000,000 students", Common.OUT_OF_RANGE)
        )
    return value


def _tags(errors: list[FieldError], names: Sequence[str]) -> list[tuple[str, str]]:
    cleaned = text_list(errors, "tags", list(names), max_items=20, max_length=60)
    pairs: dict[str, str] = {}
    for name in cleaned:
        pairs.setdefault(slugify(name, max_length=120, fallback="tag"), name)
    return list(pairs.items())


async def _check_category(
    session: AsyncSession, errors: list[FieldError], category_id: uuid.UUID | None
) -> None:
    if category_id is None:
        return
    category = await repo.get_category(session, category_id)
    if category is None or not category.is_active:
        errors.append(
            FieldError("category_id", "Choose an active category", CatalogCode.CATEGORY_NOT_FOUND)
        )


def _require_status(course: Course, status: CourseStatus) -> None:
    if course.status != status:
        message = f"Only a {status.value.replace('_', ' ')} course can do this"
        raise Conflict("status", message, CatalogCode.INVALID_STATUS)


async def _course_for_reviewer(session: AsyncSession, actor: Actor, course_id: uuid.UUID) -> Course:
    course = await repo.get_course(session, course_id, for_update=True)
    if course is None:
        raise NotFound("Course")
    if not has_permission(actor, Permission.COURSES_REVIEW):
        raise deny(actor, course)
    return course


__all__ = [
    "TierInput",
    "archive_course",
    "create_course",
    "delete_course",
    "publication_problems",
    "publish_course",
    "reject_course",
    "set_course_pricing",
    "submit_course_for_review",
    "update_course",
]
