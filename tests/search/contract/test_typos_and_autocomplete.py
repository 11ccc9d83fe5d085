"""Typo tolerance and autocomplete on every backend, from the words of published courses only."""

from __future__ import annotations

import pytest

from app.catalog.filters import CourseFilterArgs
from app.catalog.models import Course, CourseStatus
from app.db import Database
from app.search import service
from app.search.interface import SuggestionKind
from app.settings import get_settings
from tests.search.contract.conftest import Backend
from tests.support.search import course, person, search


@pytest.fixture
async def catalog(backend: Backend, database: Database) -> dict[str, Course]:
    owner = await person(database, first="Andrew", last="Ngwenya")
    made = [
        await course(
            database, owner, title="Python for beginners", tags=["programming"], enrollment_count=50
        ),
        await course(
            database, owner, title="Advanced Python", tags=["programming"], enrollment_count=10
        ),
        await course(database, owner, title="Machine learning A-Z", tags=["Machine Learning"]),
        await course(database, owner, title="Machinery maintenance", status=CourseStatus.DRAFT),
    ]
    await backend.reindex()
    return {c.title: c for c in made}


async def suggest(
    database: Database, prefix: str, limit: int = 8
) -> list[tuple[str, SuggestionKind]]:
    found = await service.autocomplete(database, get_settings(), prefix=prefix, limit=limit)
    return [(s.text, s.kind) for s in found]


async def test_a_misspelled_query_finds_the_courses_of_the_word_it_misspells(
    database: Database, catalog: dict[str, Course]
) -> None:
    result = await search(database, "pyhton")

    assert result.corrected_query == "python"
    assert {c.title for c in result.page.items} == {"Python for beginners", "Advanced Python"}


async def test_only_the_unknown_words_are_corrected_and_the_rest_is_kept_as_typed(
    database: Database, catalog: dict[str, Course]
) -> None:
    result = await search(database, "Advanced Pyhton")

    assert result.corrected_query == "Advanced python"
    assert [c.title for c in result.page.items] == ["Advanced Python"]


async def test_a_query_with_results_is_never_corrected(
    database: Database, catalog: dict[str, Course]
) -> None:
    result = await search(database, "python")
    assert result.corrected_query is None
    assert len(result.page.items) == 2


async def test_a_word_too_far_from_every_known_word_finds_nothing(
    database: Database, catalog: dict[str, Course]
) -> None:
    result = await search(database, "xylophone")
    assert result.corrected_query is None
    assert result.page.items == []


async def test_autocomplete_completes_a_prefix_into_words_tags_and_course_titles(
    database: Database, catalog: dict[str, Course]
) -> None:
    found = await suggest(database, "machin")

    assert ("machine", SuggestionKind.TERM) in found
    assert ("Machine Learning", SuggestionKind.TAG) in found
    assert ("Machine learning A-Z", SuggestionKind.COURSE) in found
    assert all("machinery" not in text.lower() for text, _ in found)  # a draft's words


async def test_autocomplete_tolerates_a_typo_in_the_prefix(
    database: Database, catalog: dict[str, Course]
) -> None:
    found = await suggest(database, "machne lear")

    assert ("machine learning", SuggestionKind.TERM) in found
    assert ("Machine learning A-Z", SuggestionKind.COURSE) in found


async def test_autocomplete_names_instructors_and_links_courses_by_slug(
    database: Database, catalog: dict[str, Course]
) -> None:
    found = await service.autocomplete(database, get_settings(), prefix="ngw", limit=8)
    assert ("Andrew Ngwenya", SuggestionKind.INSTRUCTOR) in [(s.text, s.kind) for s in found]

    courses = await service.autocomplete(database, get_settings(), prefix="pyth", limit=8)
    titles = [(s.text, s.course_slug) for s in courses if s.kind is SuggestionKind.COURSE]
    assert titles == [  # the most enrolled first
        (title, catalog[title].slug) for title in ("Python for beginners", "Advanced Python")
    ]


async def test_autocomplete_returns_at_most_limit_suggestions(
    database: Database, catalog: dict[str, Course]
) -> None:
    assert len(await suggest(database, "p", limit=2)) <= 2
    assert await suggest(database, "   ") == []
    assert await suggest(database, "qqqqqqqq") == []


async def test_english_stop_words_are_never_corrected_into_other_words(
    backend: Backend, database: Database, catalog: dict[str, Course]
) -> None:
    owner = await person(database)
    await course(database, owner, title="She sells")  # "she" is one edit from "the"
    await backend.reindex()
    result = await search(database, "the")
    assert result.corrected_query is None
    assert result.page.items == []


async def test_known_words_that_the_filters_exclude_are_not_corrected_into_look_alikes(
    backend: Backend, database: Database
) -> None:
    owner = await person(database)
    await course(database, owner, title="Python basics", level="beginner")
    await course(database, owner, title="Pylons in depth", level="advanced")  # 2 edits away
    await backend.reindex()

    result = await search(database, "python", CourseFilterArgs(level="advanced"))

    assert result.corrected_query is None
    assert result.page.items == []
