"""Relevance (Property 38), on every backend: every published course whose title, tags,
instructor name or description holds the query is found, best field first; nothing else is."""

from __future__ import annotations

import string
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.catalog.models import CourseStatus
from app.db import Database
from tests.search.contract.conftest import Backend
from tests.support.search import course, found_ids, person, search

FIELDS = ("title", "tags", "instructor", "description")  # in ranking order


def _fresh(word: str) -> str:
    """`word` behind a random 8-letter prefix: unique per example and too far from the words
    of earlier examples for spelling correction to confuse them (letters only: one token)."""
    nonce = "".join(string.ascii_lowercase[b % 26] for b in uuid.uuid4().bytes[:8])
    return f"{nonce}{word}"


PLANTS = st.lists(
    st.tuples(st.sets(st.sampled_from(FIELDS)), st.booleans()),  # (fields holding it, published)
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(word=st.text(alphabet=string.ascii_lowercase, min_size=3, max_size=8), plants=PLANTS)
async def test_property_38_search_finds_exactly_the_published_courses_holding_the_word(
    backend: Backend, database: Database, word: str, plants: list[tuple[set[str], bool]]
) -> None:
    word = _fresh(word)
    best_field = {}
    for fields, published in plants:
        owner = await person(
            database, last=word.capitalize() if "instructor" in fields else "Smith"
        )
        created = await course(
            database,
            owner,
            title=f"{word.capitalize()} basics" if "title" in fields else "Basics",
            tags=[f"{word} tricks"] if "tags" in fields else ["misc"],
            description=f"All about {word} and more." if "description" in fields else "Words.",
            status=CourseStatus.PUBLISHED if published else CourseStatus.DRAFT,
        )
        if published and fields:
            best_field[created.id] = min(FIELDS.index(f) for f in fields)
    await backend.reindex()

    result = await search(database, word)
    found = [c.id for c in result.page.items]

    assert result.corrected_query is None
    assert set(found) == set(best_field)
    ranks = [best_field[i] for i in found]
    assert ranks == sorted(ranks), (
        "a better field (title > tags > instructor > description) ranks higher"
    )


async def test_words_match_in_any_form_the_english_stemmer_knows(
    backend: Backend, database: Database
) -> None:
    owner = await person(database)
    learn = await course(database, owner, title="Learn to program", description="Programs.")
    await course(database, owner, title="Cooking", description="Recipes.")
    await backend.reindex()

    assert await found_ids(database, "learning programming") == [learn.id]


async def test_every_word_of_the_query_must_match_unless_or_is_used(
    backend: Backend, database: Database
) -> None:
    owner = await person(database)
    both = await course(database, owner, title="Python for data science")
    python = await course(database, owner, title="Python web apps")
    await backend.reindex()

    assert await found_ids(database, "python data") == [both.id]
    assert set(await found_ids(database, "data or web")) == {both.id, python.id}
    assert await found_ids(database, "python -data") == [python.id]


async def test_unpublished_and_archived_courses_are_never_found(
    backend: Backend, database: Database
) -> None:
    owner = await person(database)
    for status in (CourseStatus.DRAFT, CourseStatus.PENDING_REVIEW, CourseStatus.ARCHIVED):
        await course(database, owner, title="Rust systems", status=status)
    await backend.reindex()

    result = await search(database, "rust")
    assert result.page.items == []
    assert result.page.total_count == 0
