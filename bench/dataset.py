"""The bench data set as rows: deterministic (seeded), built in memory, no database involved.

`build(scale, seed)` returns a `Dataset`: for each table, its column names and row tuples, in an
order that satisfies the foreign keys. Identifiers are UUIDv7 values made from a fixed clock and
the seeded generator, so the same scale and seed give byte-identical rows (and ids that sort in
creation order, like the application's). Counters such as `enrollment_count`, ratings and the
popularity/trending scores are synthetic (skewed like a real catalogue), not derived from the
few enrollments that are inserted.
"""

from __future__ import annotations

import itertools
import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from app.catalog.slugs import slugify
from bench import vocabulary as words

# One Argon2id hash of BENCH_PASSWORD, computed once (argon2 is deliberately slow: 20,000 hashes
# would take minutes). Every bench user signs in with this password.
BENCH_PASSWORD = "Bench!Easyways2026"  # noqa: S105 - a published bench-only password
BENCH_PASSWORD_HASH = (
    "$argon2id$v=19$m=19456,t=2,p=1$HNS+nJE4xdLoq2OQ0auvSQ$"  # noqa: S105 - of BENCH_PASSWORD
    "UDjklJBbUmQ7AzJGempE4X29ZSZZLErfmytsqLXNr4M"
)
EMAIL_DOMAIN = "bench.easyways.example"
ANCHOR = datetime(2026, 11, 1, tzinfo=UTC)  # "now" of the data set
LESSON_TYPES = (("video", 60), ("text", 25), ("quiz", 10), ("assignment", 5))
TIERS = ("basic", "pro", "premium")


@dataclass(frozen=True)
class Scale:
    courses: int = 1000  # published
    drafts: int = 20  # unpublished courses on top (must stay invisible to the public)
    categories: int = 50
    instructors: int = 200
    students: int = 20_000
    tags: int = 300
    modules_per_course: int = 8
    lessons_per_module: int = 6
    enrollments: int = 5_000
    search_queries: int = 40

    @classmethod
    def tiny(cls) -> Scale:
        return cls(
            courses=5,
            drafts=1,
            categories=3,
            instructors=2,
            students=10,
            tags=8,
            modules_per_course=3,
            lessons_per_module=2,
            enrollments=6,
            search_queries=3,
        )


@dataclass
class Table:
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]] = field(default_factory=list)

    def add(self, **values: Any) -> None:
        self.rows.append(tuple(values[c] for c in self.columns))


@dataclass
class Dataset:
    tables: dict[str, Table]

    def counts(self) -> dict[str, int]:
        return {name: len(table.rows) for name, table in self.tables.items()}


class Ids:
    """UUIDv7 from a fixed clock: 1 ms per id from 2024-01-01, random bits from `rng`."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._ms = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp() * 1000)

    def __call__(self) -> uuid.UUID:
        self._ms += 1
        value = (self._ms << 80) | (0x7 << 76) | (self._rng.getrandbits(12) << 64)
        value |= (0b10 << 62) | self._rng.getrandbits(62)
        return uuid.UUID(int=value)


def _columns(spec: str) -> tuple[str, ...]:
    return tuple(spec.split())


SCHEMA: dict[str, str] = {
    "users": "id email first_name last_name password_hash role is_active email_verified_at "
    "token_version created_at updated_at",
    "instructor_profiles": "id user_id title bio expertise experience_years created_at updated_at",
    "categories": "id slug name description icon color sort_order is_active created_at updated_at",
    "tags": "id slug name created_at",
    "courses": "id instructor_id category_id title slug subtitle description level language "
    "status submitted_at published_at reviewed_at is_free "
    "is_certified requires_final_exam enrollment_count average_rating review_count "
    "min_price_minor currency popularity_score trending_score created_at updated_at",
    "course_requirements": "course_id sort_order content",
    "course_objectives": "course_id sort_order content",
    "course_tags": "course_id tag_id",
    "course_pricing_tiers": "id course_id tier price_minor original_price_minor currency "
    "features is_active created_at updated_at",
    "course_modules": "id course_id title description order_number created_at updated_at",
    "file_assets": "id owner_id purpose storage_backend storage_key file_name content_type "
    "size_bytes status scan_status finalized_at created_at",
    "video_assets": "id file_asset_id status duration_seconds hls_manifest_key thumbnail_key "
    "ready_at created_at updated_at",
    "lessons": "id module_id course_id type title description content_text content_url "
    "video_asset_id duration_minutes order_number is_preview created_at updated_at",
    "enrollments": "id student_id course_id pricing_tier status source enrolled_at created_at "
    "updated_at",
    "search_queries": "id query count results_count first_searched_at last_searched_at",
}


@dataclass
class _Builder:
    scale: Scale
    rng: random.Random
    ids: Ids
    data: Dataset
    categories: list[tuple[uuid.UUID, str]] = field(default_factory=list)
    tags: list[tuple[uuid.UUID, str]] = field(default_factory=list)
    instructors: list[uuid.UUID] = field(default_factory=list)
    students: list[uuid.UUID] = field(default_factory=list)
    courses: list[tuple[uuid.UUID, bool]] = field(default_factory=list)  # (id, is_free)

    def table(self, name: str) -> Table:
        return self.data.tables[name]

    def pick(self, weighted: tuple[tuple[str, int], ...]) -> str:
        return self.rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]

    def days_ago(self, low: float, high: float) -> datetime:
        return ANCHOR - timedelta(days=self.rng.uniform(low, high))


def build(scale: Scale | None = None, seed: int = 42) -> Dataset:
    """Every row of the bench data set; the same `scale` and `seed` give the same rows."""
    scale = scale or Scale()
    rng = random.Random(seed)  # noqa: S311 - reproducible data, not secrets
    tables = {name: Table(_columns(spec)) for name, spec in SCHEMA.items()}
    b = _Builder(scale, rng, Ids(rng), Dataset(tables))
    _categories(b)
    _tags(b)
    _users(b)
    for n in range(scale.courses + scale.drafts):
        _course(b, n, published=n < scale.courses)
    _enrollments(b)
    _search_queries(b)
    return b.data


def _categories(b: _Builder) -> None:
    names = _cycle_unique(words.CATEGORIES, b.scale.categories)
    for n, name in enumerate(names):
        category_id, created = b.ids(), b.days_ago(900, 1100)
        b.categories.append((category_id, name))
        b.table("categories").add(
            id=category_id,
            slug=slugify(name),
            name=name,
            description=f"Courses about {name.lower()}.",
            icon=slugify(name)[:100],
            color=f"#{b.rng.randrange(0x1000000):06X}",
            sort_order=n,
            is_active=True,
            created_at=created,
            updated_at=created,
        )


def _tags(b: _Builder) -> None:
    combos = [f"{s} {a}".strip() for a in words.TAG_ASPECTS for s in words.SUBJECTS]
    for name in _cycle_unique(tuple(combos), b.scale.tags):
        tag_id = b.ids()
        b.tags.append((tag_id, name))
        b.table("tags").add(id=tag_id, slug=slugify(name), name=name, created_at=ANCHOR)


def _cycle_unique(names: tuple[str, ...], count: int) -> list[str]:
    """`count` distinct names: the list itself, then numbered repeats (`Name 2`, `Name 3`…)."""
    out: list[str] = []
    for round_ in itertools.count(1):
        for name in names:
            if len(out) == count:
                return out
            out.append(name if round_ == 1 else f"{name} {round_}")
    return out  # pragma: no cover - itertools.count never ends


def _person(b: _Builder) -> tuple[str, str]:
    return b.rng.choice(words.FIRST_NAMES), b.rng.choice(words.LAST_NAMES)


def _user(b: _Builder, role: str, email: str) -> uuid.UUID:
    user_id, created = b.ids(), b.days_ago(30, 1000)
    first, last = _person(b)
    b.table("users").add(
        id=user_id,
        email=email,
        first_name=first,
        last_name=last,
        password_hash=BENCH_PASSWORD_HASH,
        role=role,
        is_active=True,
        email_verified_at=created,
        token_version=0,
        created_at=created,
        updated_at=created,
    )
    return user_id


def student_email(n: int) -> str:
    return f"student{n:05d}@{EMAIL_DOMAIN}"


def instructor_email(n: int) -> str:
    return f"instructor{n:03d}@{EMAIL_DOMAIN}"


def _users(b: _Builder) -> None:
    for n in range(b.scale.instructors):
        user_id = _user(b, "instructor", instructor_email(n))
        b.instructors.append(user_id)
        created = b.days_ago(30, 900)
        b.table("instructor_profiles").add(
            id=b.ids(),
            user_id=user_id,
            title=b.rng.choice(words.INSTRUCTOR_TITLES),
            bio="I teach what I use at work every day, with plenty of practice.",
            expertise=b.rng.sample(words.SUBJECTS, 3),
            experience_years=b.rng.randint(2, 25),
            created_at=created,
            updated_at=created,
        )
    for n in range(b.scale.students):
        b.students.append(_user(b, "student", student_email(n)))


def _text(b: _Builder, template: str, subject: str, category: str) -> str:
    return template.format(subject=subject, category=category.lower())


def _course(b: _Builder, n: int, *, published: bool) -> None:
    rng = b.rng
    subject = words.SUBJECTS[n % len(words.SUBJECTS)]
    category_id, category = rng.choice(b.categories)
    title = f"{rng.choice(words.TITLE_PREFIXES)} {subject}{rng.choice(words.TITLE_SUFFIXES)}"
    course_id = b.ids()
    is_free = rng.random() < 0.1
    published_at = b.days_ago(0, 1000) if published else None
    created = (published_at or ANCHOR) - timedelta(days=rng.uniform(5, 60))
    reviews = int(rng.paretovariate(1.3) * 3) - 3 if rng.random() < 0.9 else 0
    enrolled = min(250_000, int(rng.paretovariate(1.1) * 40)) if published else 0
    rating = Decimal(f"{min(5.0, rng.gauss(4.3, 0.4)):.2f}") if reviews > 0 else None
    age_days = (ANCHOR - published_at).days if published_at else 0
    b.courses.append((course_id, is_free))
    _modules(b, course_id, subject, b.instructors[n % len(b.instructors)])
    b.table("courses").add(
        id=course_id,
        instructor_id=b.instructors[n % len(b.instructors)],
        category_id=category_id,
        title=title,
        slug=f"{slugify(title)}-{n + 1}",
        subtitle=rng.choice(words.SUBTITLES),
        description=" ".join(
            _text(b, s, subject, category) for s in rng.sample(words.DESCRIPTION_SENTENCES, 4)
        ),
        level=rng.choice(("beginner", "beginner", "intermediate", "advanced")),
        language=b.pick(words.LANGUAGES),
        status="published" if published else "draft",
        submitted_at=published_at - timedelta(days=2) if published_at else None,
        published_at=published_at,
        reviewed_at=published_at,
        is_free=is_free,
        is_certified=True,
        requires_final_exam=rng.random() < 0.2,
        enrollment_count=enrolled,
        average_rating=rating,
        review_count=max(0, reviews),
        min_price_minor=0 if is_free else _tiers(b, course_id, created),
        currency="USD",
        popularity_score=round(enrolled * float(rating or 3) / 5, 2),
        trending_score=round(enrolled / (1 + age_days / 30) * rng.uniform(0.5, 1.5), 3),
        created_at=created,
        updated_at=published_at or created,
    )
    _course_lists(b, course_id, subject, category)


def _course_lists(b: _Builder, course_id: uuid.UUID, subject: str, category: str) -> None:
    for i, req in enumerate(b.rng.sample(words.REQUIREMENTS, b.rng.randint(2, 3))):
        b.table("course_requirements").add(course_id=course_id, sort_order=i, content=req)
    for i, obj in enumerate(b.rng.sample(words.OBJECTIVES, b.rng.randint(3, 4))):
        content = _text(b, obj, subject, category)
        b.table("course_objectives").add(course_id=course_id, sort_order=i, content=content)
    related = [t for t in b.tags if t[1].split(" ")[0] == subject.split(" ")[0]]
    others = b.rng.sample(b.tags, min(len(b.tags), 6))
    chosen = {t[0]: t for t in (related[:1] + others)}
    for tag_id in list(chosen)[: b.rng.randint(3, 6)]:
        b.table("course_tags").add(course_id=course_id, tag_id=tag_id)


def _tiers(b: _Builder, course_id: uuid.UUID, created: datetime) -> int:
    """Basic + pro (+ premium for 80%); returns the cheapest price in minor units."""
    basic = b.rng.randrange(1999, 9999, 1000)
    prices = {"basic": basic, "pro": basic * 2, "premium": basic * 3}
    count = 3 if b.rng.random() < 0.8 else 2
    for tier in TIERS[:count]:
        price = prices[tier]
        b.table("course_pricing_tiers").add(
            id=b.ids(),
            course_id=course_id,
            tier=tier,
            price_minor=price,
            original_price_minor=price * 2 if b.rng.random() < 0.3 else None,
            currency="USD",
            features=json.dumps(words.TIER_FEATURES[tier]),
            is_active=True,
            created_at=created,
            updated_at=created,
        )
    return basic


def _modules(b: _Builder, course_id: uuid.UUID, subject: str, owner: uuid.UUID) -> None:
    """The course's modules and lessons."""
    topics = b.rng.sample(words.MODULE_TOPICS, min(len(words.MODULE_TOPICS), 8))
    for m in range(1, b.scale.modules_per_course + 1):
        module_id = b.ids()
        topic = topics[(m - 1) % len(topics)]
        for n in range(1, b.scale.lessons_per_module + 1):
            _lesson(b, course_id, module_id, subject, owner, m, n)
        b.table("course_modules").add(
            id=module_id,
            course_id=course_id,
            title=f"Module {m}: {topic}",
            description=f"{topic} with {subject}.",
            order_number=m,
            created_at=ANCHOR,
            updated_at=ANCHOR,
        )


def _lesson(
    b: _Builder,
    course_id: uuid.UUID,
    module_id: uuid.UUID,
    subject: str,
    owner: uuid.UUID,
    m: int,
    n: int,
) -> None:
    kind = b.pick(LESSON_TYPES)
    minutes = b.rng.randint(3, 25)
    title = f"{b.rng.choice(words.LESSON_VERBS)} {subject}: part {m}.{n}"
    b.table("lessons").add(
        id=b.ids(),
        module_id=module_id,
        course_id=course_id,
        type=kind,
        title=title,
        description=f"In this lesson you practise {subject}." if kind != "text" else None,
        content_text=f"{title}. Read the notes and try the examples." if kind == "text" else None,
        content_url=None,
        video_asset_id=_video(b, owner, minutes) if kind == "video" else None,
        duration_minutes=minutes,
        order_number=n,
        is_preview=m == 1 and n == 1,
        created_at=ANCHOR,
        updated_at=ANCHOR,
    )


def _video(b: _Builder, owner: uuid.UUID, minutes: int) -> uuid.UUID:
    file_id, video_id = b.ids(), b.ids()
    b.table("file_assets").add(
        id=file_id,
        owner_id=owner,
        purpose="lesson_video",
        storage_backend="local",
        storage_key=f"bench/videos/{file_id}.mp4",
        file_name="lesson.mp4",
        content_type="video/mp4",
        size_bytes=minutes * 12_000_000,
        status="ready",
        scan_status="clean",
        finalized_at=ANCHOR,
        created_at=ANCHOR,
    )
    b.table("video_assets").add(
        id=video_id,
        file_asset_id=file_id,
        status="ready",
        duration_seconds=minutes * 60,
        hls_manifest_key=f"bench/hls/{video_id}/index.m3u8",
        thumbnail_key=f"bench/thumbs/{video_id}.jpg",
        ready_at=ANCHOR,
        created_at=ANCHOR,
        updated_at=ANCHOR,
    )
    return video_id


def _enrollments(b: _Builder) -> None:
    published = b.courses[: b.scale.courses]
    pairs: set[tuple[int, int]] = set()
    limit = min(b.scale.enrollments, len(b.students) * len(published))
    while len(pairs) < limit:
        pairs.add((b.rng.randrange(len(b.students)), b.rng.randrange(len(published))))
    for s, c in sorted(pairs):
        course_id, is_free = published[c]
        when = b.days_ago(0, 300)
        b.table("enrollments").add(
            id=b.ids(),
            student_id=b.students[s],
            course_id=course_id,
            pricing_tier="basic",
            status=b.rng.choice(("active", "active", "active", "completed")),
            source="free" if is_free else "purchase",
            enrolled_at=when,
            created_at=when,
            updated_at=when,
        )


def _search_queries(b: _Builder) -> None:
    for query in search_terms(b.scale.search_queries):
        last = b.days_ago(0, 7)
        b.table("search_queries").add(
            id=b.ids(),
            query=query,
            count=b.rng.randint(1, 500),
            results_count=b.rng.randint(1, 80),
            first_searched_at=last - timedelta(days=30),
            last_searched_at=last,
        )


def search_terms(count: int) -> list[str]:
    """Lower-case search strings users type: subjects and subject + aspect."""
    terms = [s.lower() for s in words.SUBJECTS] + [
        f"{s} {a}".lower() for a in words.TAG_ASPECTS[1:] for s in words.SUBJECTS
    ]
    return terms[:count]
