"""Index maintenance of the PostgreSQL backend: `courses.search_vector` and the vocabulary.

The vector weights where a word occurs: title A, tags B, instructor names (owner and
co-instructors) C, subtitle and description D. It uses the `english` text-search configuration:
stemming lets "learning" find "Learn", stop words do not dilute ranking, and queries are parsed
with the same configuration so both sides always agree. The vocabulary (app.search.models) keeps
the *unstemmed* words (`simple` configuration) of the titles, tags and instructor names of
published courses, because corrections and completions must be real words, not stems.

Vocabulary updates take one transaction-level advisory lock, so concurrent reindexes (of the same
or different courses) apply their +1/-1 word counts one after another, never deadlocking.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog.models import Course
from app.search.models import SearchDocument, SearchTerm
from app.search.text import is_vocabulary_word, trigrams

VOCABULARY_LOCK = 0x5EA2C4  # pg_advisory_xact_lock key of vocabulary writers

_INDEX = """
WITH d AS (
    SELECT c.id,
        (SELECT string_agg(t.name, ' ' ORDER BY t.name)
           FROM course_tags ct JOIN tags t ON t.id = ct.tag_id
          WHERE ct.course_id = c.id) AS tags,
        (SELECT string_agg(concat_ws(' ', u.first_name, u.last_name), ' ' ORDER BY u.id)
           FROM users u
          WHERE u.id = c.instructor_id
             OR u.id IN (SELECT ci.user_id FROM course_instructors ci
                          WHERE ci.course_id = c.id)) AS people
      FROM courses c
     WHERE {where}
)
UPDATE courses c SET search_vector =
       setweight(to_tsvector('english', c.title), 'A')
    || setweight(to_tsvector('english', coalesce(d.tags, '')), 'B')
    || setweight(to_tsvector('english', coalesce(d.people, '')), 'C')
    || setweight(to_tsvector('english', concat_ws(' ', c.subtitle, c.description)), 'D')
  FROM d
 WHERE c.id = d.id
RETURNING c.id, c.status,
    tsvector_to_array(to_tsvector('simple', concat_ws(' ', c.title, d.tags, d.people))) AS words
"""
INDEX_ONE = text(_INDEX.format(where="c.id = :course_id"))
INDEX_ALL = text(_INDEX.format(where="TRUE"))
PUBLISHED = "published"


def vocabulary_of(status: str, words: Iterable[str]) -> set[str]:
    """The words a course contributes to the vocabulary: none unless it is published."""
    if status != PUBLISHED:
        return set()
    return {w for w in words if is_vocabulary_word(w)}


async def lock_vocabulary(session: AsyncSession) -> None:
    await session.execute(select(func.pg_advisory_xact_lock(VOCABULARY_LOCK)))


async def index_course(session: AsyncSession, course_id: uuid.UUID) -> bool:
    """Recompute one course's vector and vocabulary share; False when the course is gone (its
    share is then removed)."""
    await lock_vocabulary(session)
    row = (await session.execute(INDEX_ONE, {"course_id": course_id})).one_or_none()
    new = vocabulary_of(row.status, row.words) if row is not None else set()
    await _replace_document(session, course_id, new)
    return row is not None


async def remove_course(session: AsyncSession, course_id: uuid.UUID) -> None:
    """Take the course out of search (clear its vector, if the row still exists) and drop its
    vocabulary share; the next `index_course` brings it back."""
    await lock_vocabulary(session)
    await session.execute(update(Course).where(Course.id == course_id).values(search_vector=None))
    await _replace_document(session, course_id, set())


async def _replace_document(session: AsyncSession, course_id: uuid.UUID, new: set[str]) -> None:
    old_terms = await session.scalar(
        select(SearchDocument.terms).where(SearchDocument.course_id == course_id)
    )
    old = set(old_terms or ())
    await _count_words(session, added=new - old, removed=old - new)
    if not new:
        await session.execute(delete(SearchDocument).where(SearchDocument.course_id == course_id))
        return
    stmt = insert(SearchDocument).values(course_id=course_id, terms=sorted(new))
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[SearchDocument.course_id], set_={"terms": stmt.excluded.terms}
        )
    )


async def _count_words(session: AsyncSession, *, added: set[str], removed: set[str]) -> None:
    if added:
        rows = [{"term": w, "trigrams": trigrams(w), "frequency": 1} for w in sorted(added)]
        stmt = insert(SearchTerm).values(rows)
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=[SearchTerm.term], set_={"frequency": SearchTerm.frequency + 1}
            )
        )
    if removed:
        gone = sorted(removed)
        await session.execute(
            update(SearchTerm)
            .where(SearchTerm.term.in_(gone))
            .values(frequency=func.greatest(SearchTerm.frequency - 1, 0))
        )
        await session.execute(
            delete(SearchTerm).where(SearchTerm.term.in_(gone), SearchTerm.frequency == 0)
        )


async def reindex_all(session: AsyncSession) -> int:
    """Rebuild every course's vector and the whole vocabulary; returns the courses indexed."""
    await lock_vocabulary(session)
    rows = (await session.execute(INDEX_ALL)).all()
    documents = {row.id: vocabulary_of(row.status, row.words) for row in rows}
    await session.execute(delete(SearchDocument))
    await session.execute(delete(SearchTerm))
    counts: Counter[str] = Counter()
    for words in documents.values():
        counts.update(words)
    batch = 1000
    docs = [{"course_id": cid, "terms": sorted(t)} for cid, t in documents.items() if t]
    for start in range(0, len(docs), batch):
        await session.execute(insert(SearchDocument), docs[start : start + batch])
    vocabulary = [
        {"term": w, "trigrams": trigrams(w), "frequency": n} for w, n in sorted(counts.items())
    ]
    for start in range(0, len(vocabulary), batch):
        await session.execute(insert(SearchTerm), vocabulary[start : start + batch])
    return len(rows)
