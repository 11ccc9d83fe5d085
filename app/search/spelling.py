"""Typo tolerance without pg_trgm: vocabulary words sharing trigrams with the typed word are
fetched through the GIN index (ordered by trigram overlap, then how many courses use them), and
the closest by edit distance within the word's typo budget wins."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.search.text import (
    WORD,
    edit_distance,
    max_edits,
    prefix_distance,
    prefix_trigrams,
    trigrams,
    words,
)

CANDIDATES = 60
MAX_CORRECTED_WORDS = 6

_CANDIDATES = text(
    """
SELECT term, frequency, shared::float / (cardinality(trigrams) + :size - shared) AS overlap
  FROM (SELECT term, frequency, trigrams,
               (SELECT count(*) FROM unnest(trigrams) AS g
                 WHERE g = ANY(CAST(:grams AS text[]))) AS shared
          FROM search_terms
         WHERE trigrams && CAST(:grams AS text[])
           AND length(term) BETWEEN :shortest AND :longest) AS candidates
 ORDER BY overlap DESC, frequency DESC, term
 LIMIT :limit
"""
)


_UNKNOWN = text(
    """
SELECT w FROM unnest(CAST(:words AS text[])) AS w
 WHERE NOT EXISTS (SELECT 1 FROM search_terms WHERE term = w)
   AND to_tsvector('english', w) <> ''::tsvector
"""
)


async def unknown_words(session: AsyncSession, candidates: list[str]) -> set[str]:
    """The candidates that are neither vocabulary words nor English stop words."""
    if not candidates:
        return set()
    return set(await session.scalars(_UNKNOWN, {"words": candidates}))


async def _closest(
    session: AsyncSession,
    word: str,
    grams: list[str],
    longest: int,
    distance: Callable[[str, str], int],
) -> str | None:
    budget = max_edits(word)
    if budget == 0:
        return None
    params = {
        "grams": grams,
        "size": len(grams),
        "shortest": max(2, len(word) - budget),
        "longest": longest,
        "limit": CANDIDATES,
    }
    best: tuple[int, int, str] | None = None
    for position, row in enumerate(await session.execute(_CANDIDATES, params)):
        edits = distance(word, row.term)
        if edits <= budget and (best is None or (edits, position) < best[:2]):
            best = (edits, position, row.term)
    return best[2] if best else None


async def closest_word(session: AsyncSession, word: str) -> str | None:
    """The vocabulary word `word` most likely misspells, or None."""
    longest = len(word) + max_edits(word)
    return await _closest(session, word, trigrams(word), longest, edit_distance)


async def closest_prefix(session: AsyncSession, prefix: str) -> str | None:
    """A vocabulary word that starts like `prefix` would without its typos, or None."""
    return await _closest(session, prefix, prefix_trigrams(prefix), 64, prefix_distance)


async def correct_query(session: AsyncSession, query: str) -> str | None:
    """`query` with its unknown words replaced by the closest known ones; None if nothing
    changed. Operators, quotes and the other words are kept as typed."""
    unique = list(dict.fromkeys(w for w in words(query) if max_edits(w) and not w.isdigit()))
    unknown = await unknown_words(session, unique)
    fixes: dict[str, str] = {}
    for word in [w for w in unique if w in unknown][:MAX_CORRECTED_WORDS]:
        fixed = await closest_word(session, word)
        if fixed is not None:
            fixes[word] = fixed
    if not fixes:
        return None
    return WORD.sub(lambda m: fixes.get(m.group(0).lower(), m.group(0)), query)
