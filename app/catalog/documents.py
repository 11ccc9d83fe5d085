"""Course documents: the JSON of courses with their relations, built by one SQL statement.

A *shape* says which attributes of a course to write and under which keys, recursively for its
relations (modules → lessons, category, instructor, tags, pricing tiers, prices). `course_documents`
turns a shape into one statement that returns, per course, the finished JSON text — keys in the
shape's order, values written exactly as the API writes them — so reading a page of courses with
everything beneath it costs one round trip and almost no Python. The GraphQL layer's planned read
path (`resolvers/catalog/planned.py`) builds shapes from selections; this module knows no GraphQL.

What it writes follows the rules the general path follows: only active pricing tiers, cheapest
first; modules and lessons in order; tags by slug; a lesson's `content` only where the lesson is a
preview or the viewer teaches or is enrolled in its course; a course the viewer may not see is not
written at all (the rules of `app.catalog.visibility`, in SQL: tests hold the two to the same
answers). The reader is checked in the same statement — the user's row still allows the access
token that came with the request (`WHO`) — so a signed-in page costs no separate caller
statement. `image_url` is left as a marker (`IMAGE_MARKER`) the caller replaces: where an image is
served is the storage's business.

A shape is a tuple of `(key, attribute, sub-shape | None)`; keys come from a GraphQL document,
so they are checked to be GraphQL names before they are written into SQL text.
"""

from __future__ import annotations

import enum
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import Integer, String, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from app.catalog.models import CourseLevel, CourseStatus, LessonType, PricingTier
from app.catalog.teaching_sql import stat_select
from app.catalog.visibility import ACCESS_STATUSES
from app.db import Database, DriverStatement
from app.learning.models import EnrollmentSource, EnrollmentStatus, ProgressStatus
from app.money import currencies, precision

Shape = tuple[tuple[str, str, "Shape | None"], ...]
# the JSON text written in place of a course's image URL; PostgreSQL text never holds NUL, so no
# stored string can produce it
IMAGE_MARKER = b'"\\u0000image_url"'
# the JSON written in place of a formatted amount (`"\u0000m1999:USD"`): the caller writes it for
# the reader's locale (MONEY_MARKER matches it)
MONEY_MARKER = re.compile(rb'"\\u0000m(-?[0-9]+):([A-Z]{3})"')
TYPENAME = "__typename"
_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]*$")

Expression = Callable[[str], str]  # alias of the row → SQL yielding JSON text (never NULL)


# --- values -------------------------------------------------------------------------------------


def _string(column: str) -> Expression:
    return lambda a: f"coalesce(to_json({a}.{column}::text)::text, 'null')"


def _integer(column: str) -> Expression:
    return lambda a: f"coalesce({a}.{column}::text, 'null')"


def _boolean(column: str) -> Expression:
    return lambda a: (
        f"CASE WHEN {a}.{column} THEN 'true' WHEN NOT {a}.{column} THEN 'false' ELSE 'null' END"
    )


def _float(column: str) -> Expression:
    """A NUMERIC column written as Python writes `float(value)`: `4.0`, `4.5`."""
    return lambda a: _float_of(f"{a}.{column}")


def _float_of(value: str) -> str:
    return (
        f"CASE WHEN {value} IS NULL THEN 'null' "
        f"WHEN {value} = trunc({value}) THEN trunc({value})::bigint::text || '.0' "
        f"ELSE ({value})::float8::text END"
    )


def _progress(a: str) -> str:
    """`Enrollment.progressPercentage`: completed / all lessons of the course * 100, rounded
    half up to 2 decimals, 0 without lessons (app.learning.progress.percentage)."""
    completed = f"'{ProgressStatus.COMPLETED.value}'"
    return (
        f"(SELECT {_float_of('p.v')} FROM (SELECT CASE WHEN count(*) = 0 THEN 0::numeric "
        f"ELSE round(count(lp.lesson_id) FILTER (WHERE lp.status = {completed}) * 100::numeric "
        "/ count(*), 2) END AS v FROM lessons x LEFT JOIN lesson_progress lp "
        f"ON lp.lesson_id = x.id AND lp.enrollment_id = {a}.id "
        f"WHERE x.course_id = {a}.course_id) p)"
    )


def _timestamp(column: str) -> Expression:
    """As `datetime.isoformat()` writes a UTC time: microseconds only when there are any."""

    def expression(a: str) -> str:
        utc = f"({a}.{column} AT TIME ZONE 'UTC')"
        return (
            f"CASE WHEN {a}.{column} IS NULL THEN 'null' ELSE "
            f"'\"' || to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
            f"CASE WHEN extract(microseconds FROM {utc})::bigint % 1000000 = 0 THEN '' "
            f"ELSE to_char({utc}, '.US') END || '+00:00\"' END"
        )

    return expression


def _enum(column: str, values: type[enum.Enum]) -> Expression:
    cases = " ".join(f"WHEN '{m.value}' THEN '\"{m.name}\"'" for m in values)
    return lambda a: f"CASE {a}.{column}::text {cases} ELSE 'null' END"


def _global_id(type_name: str) -> Expression:
    # relay's global id: base64 of "Type:uuid" (under 57 bytes, so encode() adds no line break)
    return lambda a: (
        f"'\"' || encode(convert_to('{type_name}:' || {a}.id::text, 'UTF8'), 'base64') || '\"'"
    )


def _constant(json_text: str) -> Expression:
    literal = json_text.replace("'", "''")
    return lambda a: f"'{literal}'"


@lru_cache(maxsize=1)
def _scale_cases() -> str:
    """CASE arms for the currencies whose minor unit is not 1/100."""
    return " ".join(f"WHEN '{c}' THEN {precision(c)}" for c in currencies() if precision(c) != 2)


def _amount(minor: str, currency: str) -> Expression:
    """`from_minor` as a JSON string: 1999 USD → "19.99", 1999 JPY → "1999"."""

    def expression(a: str) -> str:
        scale = f"(CASE {a}.{currency}::text {_scale_cases()} ELSE 2 END)"
        return (
            f"'\"' || round({a}.{minor}::numeric / (10::numeric ^ {scale}), {scale})::text || '\"'"
        )

    return expression


def _string_list(table: str, column: str, order: str, key: str) -> Expression:
    return lambda a: (
        f"coalesce((SELECT '[' || string_agg(to_json(x.{column}::text)::text, ',' "
        f"ORDER BY x.{order}) || ']' FROM {table} x WHERE x.{key} = {a}.id), '[]')"
    )


def _features(a: str) -> str:
    return (
        "coalesce((SELECT '[' || string_agg(to_json(f.value #>> '{}')::text, ',' ORDER BY f.n) "
        f"|| ']' FROM jsonb_array_elements({a}.features) WITH ORDINALITY AS f(value, n)), '[]')"
    )


def _lesson_sum(key: str, aggregate: str) -> Expression:
    return lambda a: f"(SELECT {aggregate}::text FROM lessons x WHERE x.{key} = {a}.id)"


def _stat(column: str) -> Expression:
    """One of the instructor's counts (app.catalog.teaching_sql) as JSON text."""
    return lambda a: f"(SELECT st.{column}::text FROM ({stat_select(column, f'{a}.id')}) st)"


def _open(a: str) -> str:
    # `access.opened`: the viewer teaches the document's course or is enrolled in it (see SQL)
    return f"({a}.is_preview OR access.opened)"


# --- entities -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Relation:
    """An attribute that is an object or a list of objects of `entity`.

    `source(parent, child)` is the FROM … WHERE of the related rows (`None`: the same row, an
    inline value object such as a price); `order` orders a list; `present(parent)`, for an
    inline object, is the SQL condition under which it is not null.
    """

    entity: str
    many: bool = False
    source: Callable[[str, str], str] | None = None
    order: Callable[[str], str] | None = None
    present: Callable[[str], str] | None = None
    # inline objects read their columns through the parent's alias with these column names
    columns: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Entity:
    type_name: str
    values: dict[str, Expression]
    relations: dict[str, Relation] = field(default_factory=dict)


def _children(entity: str, table: str, parent_key: str, order: str, where: str = "") -> Relation:
    """The rows of `table` whose `parent_key` is the parent's id (and `where`), in `order`."""
    return Relation(
        entity,
        many=True,
        source=lambda p, c: f"{table} {c} WHERE {c}.{parent_key} = {p}.id{where.format(c=c)}",
        order=lambda c: ", ".join(f"{c}.{column}" for column in order.split(", ")),
    )


def _money(minor: str, currency: str) -> dict[str, Expression]:
    return {
        "amount": _amount(minor, currency),
        "amount_minor": _integer(minor),
        "currency": lambda a: f"to_json({a}.{currency}::text)::text",
        "formatted": lambda a: (
            f"'\"\\u0000m' || {a}.{minor}::text || ':' || {a}.{currency}::text || '\"'"
        ),
    }


def _money_relation(minor: str, currency: str, *, nullable: bool = False) -> Relation:
    return Relation(
        entity="money",
        columns={"minor": minor, "currency": currency},
        present=(lambda a: f"{a}.{minor} IS NOT NULL") if nullable else None,
    )


ENTITIES: dict[str, Entity] = {
    "course": Entity(
        "Course",
        {
            "id": _global_id("Course"),
            "title": _string("title"),
            "slug": _string("slug"),
            "subtitle": _string("subtitle"),
            "description": _string("description"),
            "level": _enum("level", CourseLevel),
            "language": _string("language"),
            "status": _enum("status", CourseStatus),
            "trailer_url": _string("trailer_url"),
            "is_free": _boolean("is_free"),
            "is_certified": _boolean("is_certified"),
            "enrollment_limit": _integer("enrollment_limit"),
            "enrollment_count": _integer("enrollment_count"),
            "average_rating": _float("average_rating"),
            "review_count": _integer("review_count"),
            "published_at": _timestamp("published_at"),
            "created_at": _timestamp("created_at"),
            "updated_at": _timestamp("updated_at"),
            "duration_minutes": _lesson_sum("course_id", "coalesce(sum(x.duration_minutes), 0)"),
            "lesson_count": _lesson_sum("course_id", "count(*)"),
            "image_url": lambda a: (
                f"CASE WHEN {a}.image_asset_id IS NULL THEN 'null' "
                f"ELSE '{IMAGE_MARKER.decode()}' END"
            ),
            "requirements": _string_list(
                "course_requirements", "content", "sort_order", "course_id"
            ),
            "objectives": _string_list("course_objectives", "content", "sort_order", "course_id"),
        },
        {
            "price": _money_relation("min_price_minor", "currency"),
            "category": Relation(
                "category", source=lambda p, c: f"categories {c} WHERE {c}.id = {p}.category_id"
            ),
            "instructor": Relation(
                "instructor",
                source=lambda p, c: (
                    f"users {c} LEFT JOIN instructor_profiles {c}p ON {c}p.user_id = {c}.id "
                    f"WHERE {c}.id = {p}.instructor_id"
                ),
            ),
            "tags": Relation(
                "tag",
                many=True,
                source=lambda p, c: (
                    f"course_tags {c}j JOIN tags {c} ON {c}.id = {c}j.tag_id "
                    f"WHERE {c}j.course_id = {p}.id"
                ),
                order=lambda c: f"{c}.slug",
            ),
            "pricing_tiers": _children(
                "tier",
                "course_pricing_tiers",
                "course_id",
                "price_minor, tier",
                where=" AND {c}.is_active",
            ),
            "modules": _children("module", "course_modules", "course_id", "order_number"),
            # the viewer's own enrollment in the course, in any status (null when anonymous)
            "viewer_enrollment": Relation(
                "enrollment",
                source=lambda p, c: (
                    f"enrollments {c} WHERE {c}.course_id = {p}.id AND {c}.student_id = {VIEWER}"
                ),
            ),
        },
    ),
    "enrollment": Entity(
        "Enrollment",
        {
            "id": _global_id("Enrollment"),
            "status": _enum("status", EnrollmentStatus),
            "source": _enum("source", EnrollmentSource),
            "pricing_tier": _enum("pricing_tier", PricingTier),
            "enrolled_at": _timestamp("enrolled_at"),
            "completed_at": _timestamp("completed_at"),
            "withdrawn_at": _timestamp("withdrawn_at"),
            "last_accessed_at": _timestamp("last_accessed_at"),
            "final_exam_passed_at": _timestamp("final_exam_passed_at"),
            "progress_percentage": _progress,
        },
    ),
    "module": Entity(
        "CourseModule",
        {
            "id": _global_id("CourseModule"),
            "title": _string("title"),
            "description": _string("description"),
            "order_number": _integer("order_number"),
            "duration_minutes": _lesson_sum("module_id", "coalesce(sum(x.duration_minutes), 0)"),
        },
        {"lessons": _children("lesson", "lessons", "module_id", "order_number")},
    ),
    "lesson": Entity(
        "Lesson",
        {
            "id": _global_id("Lesson"),
            "type": _enum("type", LessonType),
            "title": _string("title"),
            "description": _string("description"),
            "duration_minutes": _integer("duration_minutes"),
            "order_number": _integer("order_number"),
            "is_preview": _boolean("is_preview"),
            "locked": lambda a: f"CASE WHEN {_open(a)} THEN 'false' ELSE 'true' END",
        },
        {"content": Relation("content", present=_open)},
    ),
    "content": Entity(
        "LessonContent", {"text": _string("content_text"), "url": _string("content_url")}
    ),
    "category": Entity(
        "Category",
        {
            "id": _global_id("Category"),
            "name": _string("name"),
            "slug": _string("slug"),
            "description": _string("description"),
            "icon": _string("icon"),
            "color": _string("color"),
            "sort_order": _integer("sort_order"),
            "is_active": _boolean("is_active"),
        },
    ),
    "instructor": Entity(
        "Instructor",
        {
            # User.full_name: first and last name, stripped
            "full_name": lambda a: (
                f"to_json(btrim({a}.first_name || ' ' || {a}.last_name, "
                "E' \\t\\n\\r\\x0b\\x0c'))::text"
            ),
            "id": _global_id("Instructor"),
            "slug": lambda a: (
                f"CASE WHEN {a}p.is_public THEN {_string('slug')(f'{a}p')} ELSE 'null' END"
            ),
            "headline": lambda a: _string("title")(f"{a}p"),
            "title": lambda a: _string("title")(f"{a}p"),
            "bio": lambda a: _string("bio")(f"{a}p"),
            "expertise": lambda a: f"coalesce(to_json({a}p.expertise)::text, '[]')",
            "experience_years": lambda a: _integer("experience_years")(f"{a}p"),
            # computed from the courses they teach, as the loaders compute them
            "total_students": _stat("student_count"),
            "total_courses": _stat("course_count"),
            "rating": lambda a: (
                f"(SELECT {_float_of('st.rating')} FROM ({stat_select('rating', f'{a}.id')}) st)"
            ),
            "review_count": _stat("review_count"),
        },
    ),
    "tag": Entity("Tag", {"name": _string("name"), "slug": _string("slug")}),
    "tier": Entity(
        "PricingTier",
        {"tier": _enum("tier", PricingTier), "features": _features},
        {
            "price": _money_relation("price_minor", "currency"),
            "original_price": _money_relation("original_price_minor", "currency", nullable=True),
        },
    ),
    "money": Entity("Money", {}),  # inline: its values depend on the columns (see `_inline`)
}


def covers(entity: str, attribute: str) -> bool:
    """Whether `attribute` of `entity` can be written by a course document."""
    known = ENTITIES[entity]
    if entity == "money":
        return attribute in ("amount", "amount_minor", "currency", "formatted", TYPENAME)
    return attribute == TYPENAME or attribute in known.values or attribute in known.relations


def relation_entity(entity: str, attribute: str) -> str | None:
    relation = ENTITIES[entity].relations.get(attribute)
    return relation.entity if relation is not None else None


# --- compiling ----------------------------------------------------------------------------------


class UnknownAttribute(ValueError):
    pass


class _Compiler:
    def __init__(self) -> None:
        self.aliases = 0

    def alias(self) -> str:
        self.aliases += 1
        return f"t{self.aliases}"

    def document(
        self, entity: str, alias: str, shape: Shape, columns: dict[str, str] | None = None
    ) -> str:
        """SQL yielding the JSON object of `entity` (row `alias`) with the fields of `shape`."""
        known = ENTITIES[entity]
        values = _money(columns["minor"], columns["currency"]) if columns else known.values
        parts: list[str] = []
        literal = "{"
        for index, (key, attribute, sub) in enumerate(shape):
            if not _NAME.match(key):
                raise UnknownAttribute(f"not a GraphQL name: {key[:40]!r}")
            literal += ("," if index else "") + f'"{key}":'
            if attribute == TYPENAME:
                literal += f'"{known.type_name}"'
                continue
            parts.append(f"'{literal}'")
            literal = ""
            if attribute in values and sub is None:
                parts.append(values[attribute](alias))
            elif attribute in known.relations and sub is not None:
                parts.append(self.relation(known.relations[attribute], alias, sub))
            else:
                raise UnknownAttribute(f"{entity}.{attribute}")
        parts.append(f"'{literal}}}'")
        return " || ".join(parts)

    def relation(self, relation: Relation, parent: str, shape: Shape) -> str:
        if relation.source is None:  # an inline object over the parent's row
            body = self.document(relation.entity, parent, shape, relation.columns or None)
            if relation.present is None:
                return body
            return f"CASE WHEN {relation.present(parent)} THEN {body} ELSE 'null' END"
        child = self.alias()
        body = self.document(relation.entity, child, shape)
        source = relation.source(parent, child)
        if relation.many:
            order = f" ORDER BY {relation.order(child)}" if relation.order else ""
            return (
                f"coalesce((SELECT '[' || string_agg({body}, ','{order}) || ']' "
                f"FROM {source}), '[]')"
            )
        return f"coalesce((SELECT {body} FROM {source}), 'null')"


# The reader, checked in the statement (`who`): the user `:viewer` if they can still sign in
# (active, not deleted) with the token version `:version`, and whether their role manages courses
# (`:manager_roles`); no row for an anonymous reader or a caller who failed the check — who then
# reads as anonymous, and the statement says so (`caller`): the same check as
# schema.core.auth.check_caller (whose session-revocation half is read with the rate limit).
WHO = (
    "WITH who AS (SELECT u.id, u.role = ANY(:manager_roles) AS manager FROM users u "
    "WHERE u.id = :viewer AND u.is_active AND u.deleted_at IS NULL "
    "AND u.token_version = :version) "
)
VIEWER = "(SELECT who.id FROM who)"
MANAGER = "coalesce((SELECT who.manager FROM who), false)"


def _access_sql() -> str:
    """Per course `t0`, for the reader (`who`: none when anonymous): `teaches` (owner,
    co-instructor or course manager) and `enrolled` (an enrollment that grants access) — the
    rules of app.catalog.visibility, in SQL."""
    statuses = ", ".join(f"'{s.value}'" for s in ACCESS_STATUSES)
    teaches = (
        f"({MANAGER} OR t0.instructor_id = {VIEWER} OR EXISTS (SELECT 1 FROM "
        f"course_instructors ci WHERE ci.course_id = t0.id AND ci.user_id = {VIEWER}))"
    )
    enrolled = (
        "EXISTS (SELECT 1 FROM enrollments en WHERE en.course_id = t0.id "
        f"AND en.student_id = {VIEWER} AND en.status IN ({statuses}))"
    )
    return f"SELECT {teaches} AS teaches, {enrolled} AS enrolled"


@lru_cache(maxsize=256)
def statement(shape: Shape, by_slug: bool = False) -> DriverStatement:
    """The statement writing the documents of the courses `:ids` (or the one `:slug`) the reader
    may see, in `shape`, with whether the reader passed the caller check, compiled for the driver
    (kept per shape: the same few selections come again and again — also those prepared per
    request — and the driver prepares each once). Visible:
    published, or taught by the reader, or archived with the reader enrolled; a lesson's content
    is open where it is a preview or the reader teaches or is enrolled in its course."""
    compiler = _Compiler()
    body = compiler.document("course", "t0", shape)
    archived, published = CourseStatus.ARCHIVED.value, CourseStatus.PUBLISHED.value
    key = "t0.slug = :slug" if by_slug else "t0.id = ANY(:ids)"
    sql = (
        f"{WHO}SELECT t0.id, {body} AS document, t0.image_asset_id, "
        "EXISTS (SELECT 1 FROM who) AS caller "
        f"FROM courses t0 CROSS JOIN LATERAL (SELECT a.teaches, "
        "a.teaches OR a.enrolled AS opened, a.enrolled "
        f"FROM ({_access_sql()}) a) access "
        f"WHERE {key} AND (t0.status = '{published}' OR access.teaches "
        f"OR (t0.status = '{archived}' AND access.enrolled))"
    )
    binds = [
        bindparam("slug", type_=String()) if by_slug else bindparam("ids", type_=_UUIDS),
        bindparam("viewer", type_=UUID(as_uuid=True)),
        bindparam("version", type_=Integer()),
        bindparam("manager_roles", type_=ARRAY(String())),
    ]
    return DriverStatement.of(text(sql).bindparams(*binds))


_UUIDS = ARRAY(UUID(as_uuid=True))


@dataclass(frozen=True)
class Viewer:
    """Who reads: the user's id (None: anonymous), the version their access token carries and the
    roles that would make them a course manager; the statement checks them against the user's
    row (`WHO`)."""

    id: uuid.UUID | None = None
    version: int = 0
    manager_roles: tuple[str, ...] = ()


ANONYMOUS = Viewer()


# what depends on who reads: lesson content (`access.opened`) and the viewer's enrollment
_VIEWER_ATTRIBUTES = frozenset({"locked", "content", "viewer_enrollment"})


class Prepared:
    """A shape with what is derived from it once: its two statements (by ids, by slug) and
    whether it reads the viewer's access to lesson content. Callers keep one per selection."""

    __slots__ = ("by_ids", "by_slug", "formats_money", "needs_viewer", "shape")

    def __init__(self, shape: Shape) -> None:
        self.shape = shape
        self.by_ids = statement(shape)
        self.by_slug = statement(shape, by_slug=True)
        self.needs_viewer = _uses(shape, _VIEWER_ATTRIBUTES)
        self.formats_money = _uses(shape, frozenset({"formatted"}))


def _uses(shape: Shape, attributes: frozenset[str]) -> bool:
    return any(
        attribute in attributes or (sub is not None and _uses(sub, attributes))
        for _, attribute, sub in shape
    )


@dataclass(frozen=True)
class CourseDocument:
    json: bytes
    image_asset_id: uuid.UUID | None


@dataclass(frozen=True)
class Documents:
    """The written documents by course id, and whether the reader passed the caller check (None
    when no course was written: the statement then said nothing about the reader)."""

    found: dict[uuid.UUID, CourseDocument]
    caller: bool | None


async def course_documents(
    db: Database,
    prepared: Prepared,
    *,
    ids: Sequence[uuid.UUID] = (),
    slug: str | None = None,
    viewer: Viewer = ANONYMOUS,
) -> Documents:
    """The document of each course in `ids` (or of the course `slug`) that `viewer` may see,
    in one statement straight through the driver (`Database.fetch`); the others are missing.
    A signed-in viewer who fails the caller check reads as anonymous (`Documents.caller` is
    then False)."""
    parameters: dict[str, object] = {
        "viewer": viewer.id,
        "version": viewer.version,
        "manager_roles": list(viewer.manager_roles),
    }
    if slug is not None:
        parameters["slug"] = slug
    else:
        parameters["ids"] = list(ids)
    query = prepared.by_slug if slug is not None else prepared.by_ids
    rows = await db.fetch(query, parameters)
    found, caller = {}, None
    for course_id, document, image_asset_id, checked in rows:
        body = document.encode()
        found[course_id] = CourseDocument(body, image_asset_id if IMAGE_MARKER in body else None)
        caller = checked
    return Documents(found, caller)
