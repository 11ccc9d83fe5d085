"""The course index's analyzers and mapping, the documents read from the catalog, the dual
write of the indexing job and the alias swap of `easyways reindex` (no server needed)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from app.catalog.models import CourseInstructor, CourseInstructorRole, CourseStatus
from app.db import Database
from app.search.opensearch.documents import Document, read_documents
from app.search.opensearch.index import bulk_actions, failures
from app.search.opensearch.mapping import (
    ANALYSIS,
    MAPPING,
    alias_name,
    building_alias,
    index_body,
    is_versioned,
    swap_actions,
    versioned_name,
)
from tests.support.search import category, course, person

PROPERTIES = MAPPING["properties"]


def test_text_is_stemmed_as_english_and_titles_also_hold_edge_ngrams_for_autocomplete() -> None:
    for name in ("title", "tags", "instructors", "description", "all_text"):
        assert PROPERTIES[name]["analyzer"] == "english"
    for name in ("title", "tags", "instructors", "description"):
        assert PROPERTIES[name]["copy_to"] == "all_text"
    completion = PROPERTIES["title"]["fields"]["autocomplete"]
    assert completion["analyzer"] == "autocomplete"
    assert "edge" in ANALYSIS["analyzer"]["autocomplete"]["filter"]
    assert ANALYSIS["filter"]["edge"]["type"] == "edge_ngram"
    assert "edge" not in ANALYSIS["analyzer"][completion["search_analyzer"]]["filter"]


def test_filters_facets_and_sorts_read_keyword_and_numeric_fields() -> None:
    for name in ("id", "category_id", "level", "language", "price_band", "instructor_id"):
        assert PROPERTIES[name]["type"] == "keyword"
    assert PROPERTIES["tag_names"]["normalizer"] == "lower"
    for name in ("min_price_minor", "review_count", "enrollment_count"):
        assert PROPERTIES[name]["type"] == "long"
    assert PROPERTIES["sort_date"]["type"] == "date"


def test_an_index_has_one_shard_so_scores_and_the_cursors_holding_them_are_stable() -> None:
    body = index_body()
    assert body["settings"]["index"]["number_of_shards"] == 1
    assert body["mappings"]["dynamic"] == "strict"


def test_indices_are_versioned_by_time_behind_the_alias() -> None:
    name = versioned_name("shop", datetime(2026, 12, 6, 7, 8, 9, 123456))
    assert name == "shop-courses-20261206070809123456"
    assert is_versioned("shop", name)
    assert not is_versioned("shop", alias_name("shop"))
    assert not is_versioned("shop", building_alias("shop"))
    assert not is_versioned("shop", "shop-courses-old")


def test_the_swap_moves_the_alias_from_every_old_index_and_ends_the_dual_write_in_one_call() -> (
    None
):
    actions = swap_actions("shop", "shop-courses-2", ["shop-courses-1", "shop-courses-0"])
    assert actions == [
        {"remove": {"index": "shop-courses-1", "alias": "shop-courses"}},
        {"remove": {"index": "shop-courses-0", "alias": "shop-courses"}},
        {"add": {"index": "shop-courses-2", "alias": "shop-courses", "is_write_index": True}},
        {"remove": {"index": "shop-courses-2", "alias": "shop-courses-building"}},
    ]
    first = swap_actions("shop", "shop-courses-1", [])
    assert [next(iter(a)) for a in first] == ["add", "remove"]


def _document(published: bool, version: int) -> Document:
    course_id = uuid.UUID(int=version)
    return Document(course_id, published, version, {"id": str(course_id)})


def test_a_write_goes_to_the_live_alias_and_every_index_being_built_with_its_version() -> None:
    live, hidden = _document(True, 7), _document(False, 8)
    gone = (uuid.UUID(int=9), 9)
    lines = bulk_actions(["shop-courses", "shop-courses-2"], [live, hidden], [gone])

    operations = [(next(iter(line)), line) for line in lines if "id" not in line]
    written = [
        (op, meta["_index"], meta["_id"], meta["version"], meta["version_type"])
        for op, line in operations
        for meta in [line[op]]
    ]
    expected = []
    for target in ("shop-courses", "shop-courses-2"):
        expected += [
            ("index", target, str(live.course_id), 7, "external_gte"),
            ("delete", target, str(hidden.course_id), 8, "external_gte"),
            ("delete", target, str(gone[0]), 9, "external_gte"),
        ]
    assert written == expected
    assert lines[1] == live.source


def test_an_older_version_or_a_missing_document_is_not_a_failure_but_a_refusal_is() -> None:
    path = Path(__file__).parent / "opensearch_responses" / "bulk_with_conflicts.json"
    response: dict[str, Any] = json.loads(path.read_text())
    bad = failures(response)
    assert [item["status"] for item in bad] == [400]
    assert failures({"errors": False, "items": response["items"]}) == []


async def test_a_document_holds_what_search_filters_facets_and_sorts_read(
    database: Database,
) -> None:
    owner = await person(database, first="Grace", last="Hopper")
    helper = await person(database, first="Alan", last="Kay")
    cat = await category(database, "Programming")
    row = await course(
        database,
        owner,
        title="Learning COBOL",
        description="Mainframes.",
        tags=["Legacy systems", "cobol"],
        category_id=cat.id,
        language="EN",
        min_price_minor=1999,
        currency="USD",
        average_rating=4.5,
        subtitle="From punch cards",
    )
    async with database.transaction() as session:
        session.add(
            CourseInstructor(
                course_id=row.id, user_id=helper.id, role=CourseInstructorRole.CO_INSTRUCTOR
            )
        )

    async with database.session() as session:
        (document,) = await read_documents(session, [row.id, uuid.uuid4()])

    source = document.source
    assert document.published
    assert set(source) == set(PROPERTIES) - {"all_text"}  # a strict mapping refuses others
    assert source["title"] == "Learning COBOL"
    assert source["tags"] == ["Legacy systems", "cobol"]
    assert source["tag_names"] == ["legacy systems", "cobol"]
    by_id = sorted([(owner.id, "Grace Hopper"), (helper.id, "Alan Kay")])
    assert source["instructors"] == " ".join(name for _, name in by_id)
    assert source["instructor_name"] == "Grace Hopper"
    assert source["description"] == "From punch cards Mainframes."
    assert {"learning", "cobol", "legacy", "grace", "kay"} <= set(source["words"])
    assert (source["category_id"], source["category_name"]) == (str(cat.id), "Programming")
    assert (source["language"], source["price_band"], source["average_rating"]) == (
        "en",
        "under_20",
        4.5,
    )


async def test_an_unpublished_course_reads_as_one_to_delete_and_a_later_read_has_a_later_version(
    database: Database,
) -> None:
    owner = await person(database)
    draft = await course(database, owner, title="Draft", status=CourseStatus.DRAFT)
    async with database.session() as session:
        (first,) = await read_documents(session, [draft.id])
    async with database.session() as session:
        (second,) = await read_documents(session, [draft.id])
    assert not first.published
    assert second.version > first.version
