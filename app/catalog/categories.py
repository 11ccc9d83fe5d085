"""Categories: admin-managed, ordered by `sort_order`, switched off with `is_active`.

A position is 0..MAX_SORT_ORDER; a category created without one goes last (the highest position
plus one, capped at MAX_SORT_ORDER — ties are ordered by name), so no stored position can make
the next one overflow the column.
"""

from __future__ import annotations

import re
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app import db
from app.catalog import repo
from app.catalog.errors import CatalogCode
from app.catalog.models import Category
from app.catalog.rules import CATEGORY_CHANGED, UNSET, Unset, text
from app.catalog.slugs import slugify
from app.errors import Common, FieldError, NotFound, collect
from app.outbox import emit
from app.security.permissions import Actor, Permission, require_permission

MAX_SORT_ORDER = 1_000_000
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


async def create_category(
    session: AsyncSession,
    *,
    actor: Actor,
    name: str,
    slug: str | None = None,
    description: str | None = None,
    icon: str | None = None,
    color: str | None = None,
    parent_id: uuid.UUID | None = None,
    sort_order: int | None = None,
    is_active: bool = True,
) -> Category:
    """Admins only. Without a slug one is derived from the name; without a position the
    category goes last."""
    require_permission(actor, Permission.COURSES_MANAGE)
    errors: list[FieldError] = []
    clean_name = text(errors, "name", name, max_length=120)
    clean_slug = _slug(errors, slug if slug is not None else slugify(name, max_length=150))
    category = Category(
        name=clean_name,
        slug=clean_slug,
        description=text(errors, "description", description, max_length=5000, required=False),
        icon=text(errors, "icon", icon, max_length=100, required=False),
        color=_color(errors, color),
        parent_id=parent_id,
        is_active=is_active,
    )
    await _check_unique(session, errors, None, clean_name, clean_slug)
    if parent_id is not None and await repo.get_category(session, parent_id) is None:
        errors.append(_unknown_parent())
    if sort_order is not None:
        _check_position(errors, sort_order)
    collect(errors)
    category.sort_order = (
        sort_order
        if sort_order is not None
        else await repo.next_category_sort_order(session, ceiling=MAX_SORT_ORDER)
    )
    await db.add(session, category)
    await emit(session, CATEGORY_CHANGED, {"category_id": str(category.id)})
    return category


async def find_category(session: AsyncSession, *, slug: str, name: str) -> uuid.UUID | None:
    """The id of the category with this slug, else of the one with this name."""
    found = await repo.category_with(session, slug=slug)
    return found if found is not None else await repo.category_with(session, name=name)


async def update_category(
    session: AsyncSession,
    *,
    actor: Actor,
    category_id: uuid.UUID,
    name: str | Unset = UNSET,
    slug: str | Unset = UNSET,
    description: str | Unset | None = UNSET,
    icon: str | Unset | None = UNSET,
    color: str | Unset | None = UNSET,
    parent_id: uuid.UUID | Unset | None = UNSET,
    sort_order: int | Unset = UNSET,
    is_active: bool | Unset = UNSET,
) -> Category:
    """Admins only; a parent may not be the category itself or one of its descendants."""
    require_permission(actor, Permission.COURSES_MANAGE)
    category = await repo.get_category(session, category_id)
    if category is None:
        raise NotFound("Category")
    errors: list[FieldError] = []
    changes: dict[str, object] = {}
    if not isinstance(name, Unset):
        changes["name"] = text(errors, "name", name, max_length=120)
    if not isinstance(slug, Unset):
        changes["slug"] = _slug(errors, slug)
    if not isinstance(description, Unset):
        changes["description"] = text(
            errors, "description", description, max_length=5000, required=False
        )
    if not isinstance(icon, Unset):
        changes["icon"] = text(errors, "icon", icon, max_length=100, required=False)
    if not isinstance(color, Unset):
        changes["color"] = _color(errors, color)
    if not isinstance(sort_order, Unset):
        _check_position(errors, sort_order)
        changes["sort_order"] = sort_order
    if not isinstance(is_active, Unset):
        changes["is_active"] = is_active
    if not isinstance(parent_id, Unset):
        await _check_parent(session, errors, category.id, parent_id)
        changes["parent_id"] = parent_id
    new_name = changes.get("name", category.name)
    new_slug = changes.get("slug", category.slug)
    await _check_unique(session, errors, category.id, new_name, new_slug)  # type: ignore[arg-type]
    collect(errors)
    for key, value in changes.items():
        setattr(category, key, value)
    await db.save(session, category)
    await emit(session, CATEGORY_CHANGED, {"category_id": str(category.id)})
    return category


async def _check_unique(
    session: AsyncSession,
    errors: list[FieldError],
    own_id: uuid.UUID | None,
    name: str | None,
    slug: str | None,
) -> None:
    if name is not None and await repo.category_with(session, name=name) not in (None, own_id):
        errors.append(
            FieldError("name", "A category with this name exists", CatalogCode.DUPLICATE_NAME)
        )
    if slug is not None and await repo.category_with(session, slug=slug) not in (None, own_id):
        errors.append(
            FieldError("slug", "A category with this slug exists", CatalogCode.DUPLICATE_SLUG)
        )


async def _check_parent(
    session: AsyncSession,
    errors: list[FieldError],
    category_id: uuid.UUID,
    parent_id: uuid.UUID | None,
) -> None:
    if parent_id is None:
        return
    parents = await repo.category_parents(session)
    if parent_id not in parents:
        errors.append(_unknown_parent())
        return
    current: uuid.UUID | None = parent_id
    seen: set[uuid.UUID] = set()
    while current is not None and current not in seen:
        if current == category_id:
            errors.append(
                FieldError(
                    "parent_id", "A category cannot sit below itself", CatalogCode.PARENT_CYCLE
                )
            )
            return
        seen.add(current)
        current = parents.get(current)


def _slug(errors: list[FieldError], value: str) -> str:
    if len(value) > 150:
        errors.append(FieldError("slug", "At most 150 characters are allowed", Common.TOO_LONG))
    elif not _SLUG.match(value):
        errors.append(
            FieldError(
                "slug", "Use lower-case letters, digits and hyphens", CatalogCode.INVALID_SLUG
            )
        )
    return value


def _color(errors: list[FieldError], value: str | None) -> str | None:
    if value is not None and not _COLOR.match(value):
        errors.append(FieldError("color", "Use a colour like #1A2B3C", CatalogCode.INVALID_COLOR))
    return value


def _unknown_parent() -> FieldError:
    return FieldError("parent_id", "Unknown parent category", CatalogCode.PARENT_NOT_FOUND)


def _check_position(errors: list[FieldError], sort_order: int) -> None:
    if not 0 <= sort_order <= MAX_SORT_ORDER:
        errors.append(FieldError("sort_order", f"Use 0 to {MAX_SORT_ORDER}", Common.OUT_OF_RANGE))
