"""Autocomplete: what the typed prefix may become, from published courses only.

The last typed word is a prefix; the words before it are complete. The prefix is completed from
the vocabulary (most used words first); if no word starts with it, the closest spelling is tried
("machne" → "machine"). Suggestions come in four kinds, taken in turn so each kind shows up:
TERM (the typed words with the completed last word), COURSE (titles containing every word, most
enrolled first), TAG (tag names, most used first) and INSTRUCTOR (names of teaching instructors).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import zip_longest
from typing import Any

from sqlalchemy import ColumnElement, exists, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import User
from app.catalog.models import Course, CourseStatus, CourseTag, Tag
from app.search.interface import Suggestion, SuggestionKind
from app.search.models import SearchTerm
from app.search.spelling import closest_prefix, closest_word, unknown_words
from app.search.text import max_edits, words

COMPLETIONS = 10


async def suggest(session: AsyncSession, prefix: str, limit: int) -> list[Suggestion]:
    typed = words(prefix)[:8]
    if not typed:
        return []
    head = await _corrected_words(session, typed[:-1])
    completions = await _complete(session, typed[-1])
    if not completions and max_edits(typed[-1]):
        fixed = await closest_prefix(session, typed[-1])
        completions = await _complete(session, fixed) if fixed else []
    if not completions:
        return []
    groups = [
        [Suggestion(" ".join([*head, c]), SuggestionKind.TERM) for c in completions[:limit]],
        await _courses(session, head, completions, limit),
        await _tags(session, head, completions, limit),
        await _instructors(session, head, completions, limit),
    ]
    return _interleave(groups, limit)


async def _corrected_words(session: AsyncSession, typed: list[str]) -> list[str]:
    unknown = await unknown_words(session, [w for w in typed if max_edits(w)])
    fixed = []
    for word in typed:
        closest = await closest_word(session, word) if word in unknown else None
        fixed.append(closest or word)
    return fixed


async def _complete(session: AsyncSession, prefix: str) -> list[str]:
    rows = await session.scalars(
        select(SearchTerm.term)
        .where(SearchTerm.term.startswith(prefix, autoescape=True))
        .order_by(SearchTerm.frequency.desc(), func.length(SearchTerm.term), SearchTerm.term)
        .limit(COMPLETIONS)
    )
    return list(rows)


def _tsquery(head: Sequence[str], completions: Sequence[str], weight: str = "") -> str:
    """`a & b & (c1 | c2)` over words made of letters and digits only (safe in to_tsquery)."""
    label = f":{weight}" if weight else ""
    last = " | ".join(f"{c}{label}" for c in completions)
    return " & ".join([*(f"{w}{label}" for w in head), f"({last})"])


def _matches(vector: ColumnElement[Any], config: str, query: str) -> ColumnElement[bool]:
    tsquery = func.to_tsquery(literal_column(f"'{config}'::regconfig"), query)
    return vector.bool_op("@@")(tsquery)


async def _courses(
    session: AsyncSession, head: list[str], completions: list[str], limit: int
) -> list[Suggestion]:
    query = _tsquery(head, completions, weight="A")
    rows = await session.execute(
        select(Course.title, Course.slug)
        .where(
            Course.status == CourseStatus.PUBLISHED,
            _matches(Course.search_vector.expression, "english", query),
        )
        .order_by(Course.enrollment_count.desc(), Course.title, Course.id)
        .limit(limit)
    )
    return [Suggestion(r.title, SuggestionKind.COURSE, r.slug) for r in rows]


async def _tags(
    session: AsyncSession, head: list[str], completions: list[str], limit: int
) -> list[Suggestion]:
    used = (
        select(func.count())
        .select_from(CourseTag)
        .join(Course, Course.id == CourseTag.course_id)
        .where(CourseTag.tag_id == Tag.id, Course.status == CourseStatus.PUBLISHED)
        .scalar_subquery()
    )
    vector = func.to_tsvector(literal_column("'simple'::regconfig"), Tag.name)
    rows = await session.execute(
        select(Tag.name, used.label("used"))
        .where(_matches(vector, "simple", _tsquery(head, completions)), used > 0)
        .order_by(used.desc(), Tag.name)
        .limit(limit)
    )
    return [Suggestion(r.name, SuggestionKind.TAG) for r in rows]


async def _instructors(
    session: AsyncSession, head: list[str], completions: list[str], limit: int
) -> list[Suggestion]:
    name = func.concat_ws(" ", User.first_name, User.last_name)
    vector = func.to_tsvector(literal_column("'simple'::regconfig"), name)
    teaches = exists().where(
        Course.instructor_id == User.id, Course.status == CourseStatus.PUBLISHED
    )
    rows = await session.execute(
        select(name.label("name"))
        .where(teaches, _matches(vector, "simple", _tsquery(head, completions)))
        .order_by(name, User.id)
        .limit(limit)
    )
    return [Suggestion(r.name, SuggestionKind.INSTRUCTOR) for r in rows]


def _interleave(groups: list[list[Suggestion]], limit: int) -> list[Suggestion]:
    seen: set[str] = set()
    merged: list[Suggestion] = []
    for row in zip_longest(*groups):
        for item in row:
            if item is not None and item.text.casefold() not in seen:
                seen.add(item.text.casefold())
                merged.append(item)
    return merged[:limit]
