"""Course filters and sorts shared by the course list and course search (app.search).

    args = course_filter(level="beginner", max_price=Amount(Decimal(50), "USD"), tag="python")
    validate_filter(args)                       # raises InvalidFilter before any SQL runs
    stmt = apply_course_filter(published_only(select(Course)), args)
    page = await paginate(session, stmt, order_by=course_sort_keys("rating"), tiebreaker=Course.id,
                          request=request)

Every filter is a WHERE clause over `app.catalog.models.Course` (the tag filter an EXISTS over
`course_tags`), so the statement keeps one row per course and composes with COUNTs and facets.
Prices are compared in one currency: a price bound (major units and a currency, converted to
minor units by `course_filter`) matches the courses priced in that currency whose cheapest active
tier (`courses.min_price_minor`) is within it, and free courses (0 in any currency). Sort keys
are NOT NULL expressions (nullable columns are coalesced) as keyset pagination requires; the
caller adds `Course.id` as the tie-breaker.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, literal, or_, select

from app.catalog.errors import CatalogCode
from app.catalog.models import Course, CourseLevel, CourseStatus, CourseTag, Tag
from app.catalog.slugs import slugify
from app.errors import Common, FieldError, UserFacingError
from app.money import Amount, minor_or_error
from app.pagination import SortKey

MAX_RATING = 5.0
MAX_TEXT = 120


class InvalidFilter(UserFacingError):
    """A filter value no course can be asked for; a BAD_USER_INPUT error, no SQL is run."""


@dataclass(frozen=True)
class CourseFilterArgs:
    """A course filter in plain Python; None means "do not filter on this". Prices are minor
    units of `price_currency` (any currency when None)."""

    category_id: uuid.UUID | None = None
    level: CourseLevel | str | None = None
    language: str | None = None
    min_price_minor: int | None = None
    max_price_minor: int | None = None
    price_currency: str | None = None
    free: bool | None = None
    min_rating: float | None = None
    tag: str | None = None
    instructor_id: uuid.UUID | None = None


SORTS = ("popularity", "rating", "newest", "price_asc", "price_desc", "trending")


def course_filter(
    *, min_price: Amount | None = None, max_price: Amount | None = None, **fields: Any
) -> CourseFilterArgs:
    """A filter whose price bounds are given in major units and a currency (both bounds in the
    same one); InvalidFilter for an amount the currency cannot hold."""
    errors: list[FieldError] = []
    bounds: dict[str, int | None] = {}
    for name, bound in (("min_price", min_price), ("max_price", max_price)):
        minor = None if bound is None else minor_or_error(bound.amount, bound.currency, name)
        if isinstance(minor, FieldError):
            errors.append(minor)
            minor = None
        bounds[name] = minor
    currencies = {b.currency for b in (min_price, max_price) if b is not None}
    if len(currencies) > 1:
        errors.append(
            FieldError("max_price", "Use the same currency for both prices", Common.INVALID)
        )
    if errors:
        raise InvalidFilter(errors)
    return CourseFilterArgs(
        min_price_minor=bounds["min_price"],
        max_price_minor=bounds["max_price"],
        price_currency=next(iter(currencies), None),
        **fields,
    )


def validate_filter(args: CourseFilterArgs) -> None:
    """Report every bad value at once (field names in snake_case)."""
    errors: list[FieldError] = []
    _check_prices(errors, args.min_price_minor, args.max_price_minor)
    if args.min_rating is not None and not 0 <= args.min_rating <= MAX_RATING:
        errors.append(FieldError("min_rating", "Use a rating between 0 and 5", Common.OUT_OF_RANGE))
    if args.level is not None and str(args.level) not in {level.value for level in CourseLevel}:
        errors.append(FieldError("level", "Unknown course level", Common.INVALID))
    for name, value in (("language", args.language), ("tag", args.tag)):
        if value is not None and not 0 < len(value.strip()) <= MAX_TEXT:
            errors.append(FieldError(name, f"Use 1 to {MAX_TEXT} characters", Common.INVALID))
    if errors:
        raise InvalidFilter(errors)


def _check_prices(errors: list[FieldError], low: int | None, high: int | None) -> None:
    for name, value in (("min_price", low), ("max_price", high)):
        if value is not None and value < 0:
            errors.append(
                FieldError(name, "A price cannot be negative", CatalogCode.NEGATIVE_PRICE)
            )
    if low is not None and high is not None and 0 <= high < low:
        errors.append(
            FieldError(
                "min_price", "The minimum price is above the maximum", CatalogCode.PRICE_RANGE
            )
        )


def published_only(stmt: Select[Any]) -> Select[Any]:
    """Only courses students and anonymous callers may discover."""
    return stmt.where(Course.status == CourseStatus.PUBLISHED)


def course_filter_values(args: CourseFilterArgs) -> dict[str, Any]:
    """What `args` compares with, by parameter name: only the filters it sets, each value as the
    SQL compares it (a trimmed lower-case language, a tag as its slug and its lower-case name)."""
    values: dict[str, Any] = {}
    if args.category_id is not None:
        values["category_id"] = args.category_id
    if args.level is not None:
        values["level"] = CourseLevel(str(args.level))
    if args.language is not None:
        values["language"] = args.language.strip().lower()
    if args.price_currency is not None:
        values["price_currency"] = args.price_currency
    if args.min_price_minor is not None:
        values["min_price_minor"] = args.min_price_minor
    if args.max_price_minor is not None:
        values["max_price_minor"] = args.max_price_minor
    if args.free is not None:
        values["free"] = args.free
    if args.min_rating is not None:
        values["min_rating"] = Decimal(str(args.min_rating))
    if args.tag is not None:
        text = args.tag.strip()
        values["tag_slug"], values["tag_name"] = slugify(text), text.lower()
    if args.instructor_id is not None:
        values["instructor_id"] = args.instructor_id
    return values


def _has_tag(values: Mapping[str, Any]) -> ColumnElement[bool]:
    """The course carries the tag, named by its slug or its name (case-insensitive)."""
    return exists(
        select(literal(1))
        .select_from(CourseTag)
        .join(Tag, Tag.id == CourseTag.tag_id)
        .where(
            CourseTag.course_id == Course.id,
            or_(Tag.slug == values["tag_slug"], func.lower(Tag.name) == values["tag_name"]),
        )
    )


def _rated_at_least(values: Mapping[str, Any]) -> ColumnElement[bool]:
    return and_(Course.average_rating.is_not(None), Course.average_rating >= values["min_rating"])


# each filter's WHERE clause over `Course`, by the first of its parameter names
_CLAUSES: dict[str, Callable[[Mapping[str, Any]], ColumnElement[bool]]] = {
    "category_id": lambda v: Course.category_id == v["category_id"],
    "level": lambda v: Course.level == v["level"],
    "language": lambda v: func.lower(Course.language) == v["language"],
    "price_currency": lambda v: or_(Course.currency == v["price_currency"], Course.is_free),
    "min_price_minor": lambda v: Course.min_price_minor >= v["min_price_minor"],
    "max_price_minor": lambda v: Course.min_price_minor <= v["max_price_minor"],
    "free": lambda v: Course.is_free == v["free"],
    "min_rating": _rated_at_least,
    "tag_slug": _has_tag,
    "instructor_id": lambda v: Course.instructor_id == v["instructor_id"],
}


def filter_clauses(values: Mapping[str, Any]) -> list[ColumnElement[bool]]:
    """The WHERE clauses of the filters named in `values` (`course_filter_values`), comparing
    with its values: Python values, or bound parameters of a statement compiled once per set of
    filters (the search's driver statement)."""
    return [clause(values) for name, clause in _CLAUSES.items() if name in values]


def course_filter_clauses(args: CourseFilterArgs) -> list[ColumnElement[bool]]:
    """The WHERE clauses of `args` over `Course` (empty when nothing is filtered)."""
    return filter_clauses(course_filter_values(args))


def apply_course_filter(stmt: Select[Any], args: CourseFilterArgs) -> Select[Any]:
    """`stmt` (selecting from `courses`) narrowed to the courses matching `args`."""
    clauses = course_filter_clauses(args)
    return stmt.where(*clauses) if clauses else stmt


def course_sort_keys(sort: str) -> list[SortKey]:
    """Keyset sort keys for a sort name of `SORTS` (case-insensitive); tie-break on Course.id."""
    match sort.lower():
        case "popularity":  # scores kept by the recompute_course_scores job
            return [
                SortKey(Course.popularity_score.expression, descending=True),
                SortKey(Course.enrollment_count.expression, descending=True),
            ]
        case "rating":
            return [
                SortKey(func.coalesce(Course.average_rating, Decimal(0)), descending=True),
                SortKey(Course.review_count.expression, descending=True),
            ]
        case "newest":
            return [SortKey(func.coalesce(Course.published_at, Course.created_at), descending=True)]
        case "price_asc":
            return [SortKey(Course.min_price_minor.expression)]
        case "price_desc":
            return [SortKey(Course.min_price_minor.expression, descending=True)]
        case "trending":
            return [SortKey(Course.trending_score.expression, descending=True)]
    raise InvalidFilter([FieldError("sort", f"Unknown sort `{sort[:40]}`", Common.INVALID)])
