"""Autocomplete and spelling correction of the OpenSearch backend, from response bodies in the
shape OpenSearch returns: completions, the four kinds taken in turn, the closest word."""

from __future__ import annotations

from typing import Any

from app.search.interface import Suggestion, SuggestionKind
from app.search.opensearch.autocomplete import (
    completions_of,
    completions_request,
    suggestions_of,
    suggestions_request,
)
from app.search.opensearch.spelling import candidates_request, closest, correctable


def _terms(*pairs: tuple[str, int]) -> dict[str, Any]:
    return {
        "doc_count_error_upper_bound": 0,
        "sum_other_doc_count": 0,
        "buckets": [{"key": k, "doc_count": n} for k, n in pairs],
    }


def test_a_prefix_completes_into_the_most_used_words_then_the_shortest() -> None:
    body = completions_request("mach")
    assert body["aggs"]["words"]["terms"]["include"] == "mach.*"
    response = {"aggregations": {"words": _terms(("machinery", 2), ("machines", 3), ("mach", 2))}}
    assert completions_of(response) == ["machines", "mach", "machinery"]


def test_suggestions_take_each_kind_in_turn_and_keep_only_names_holding_the_typed_words() -> None:
    request = suggestions_request(["machine"], ["learning", "learn"], 6)
    assert request["post_filter"]["bool"]["filter"][0] == {
        "match": {"title": {"query": "learning learn"}}
    }
    assert request["sort"][0] == {"enrollment_count": "desc"}
    response = {
        "hits": {
            "total": {"value": 2, "relation": "eq"},
            "hits": [
                {"_id": "a", "_source": {"title": "Machine learning A-Z", "slug": "ml-az"}},
                {"_id": "b", "_source": {"title": "Learning machines", "slug": "lm"}},
            ],
        },
        "aggregations": {
            "tags": {"doc_count": 3, "names": _terms(("Machine Learning", 2), ("learning", 5))},
            "instructors": {"doc_count": 1, "names": _terms(("Andrew Ngwenya", 1))},
        },
    }

    found = suggestions_of(response, ["machine"], ["learning", "learn"], 6)

    assert found == [
        Suggestion("machine learning", SuggestionKind.TERM),
        Suggestion("Machine learning A-Z", SuggestionKind.COURSE, "ml-az"),
        # "Machine Learning" (the tag) is the same text as the term: shown once
        Suggestion("machine learn", SuggestionKind.TERM),
        Suggestion("Learning machines", SuggestionKind.COURSE, "lm"),
    ]
    assert all(s.text != "Andrew Ngwenya" for s in found)  # holds neither typed word
    assert len(suggestions_of(response, ["machine"], ["learning", "learn"], 2)) == 2


def test_the_closest_candidate_within_the_typo_budget_corrects_a_word() -> None:
    request = candidates_request("pyhton")
    assert request["query"] == {"fuzzy": {"words": {"value": "pyhton", "fuzziness": 2}}}
    response = {
        "aggregations": {
            "known": {"doc_count": 0},
            "words": _terms(("programming", 9), ("pylons", 4), ("python", 3)),
        }
    }
    assert closest("pyhton", response) == "python"  # one swap beats pylons' two edits


def test_a_word_the_index_knows_is_never_corrected() -> None:
    response = {"aggregations": {"known": {"doc_count": 2}, "words": _terms(("pythons", 5))}}
    assert closest("python", response) is None


def test_a_prefix_is_corrected_to_a_word_that_starts_like_it() -> None:
    response = {"aggregations": {"words": _terms(("learning", 4), ("machine", 1))}}
    assert closest("machne", response, prefix=True) == "machine"
    assert candidates_request("machne", prefix=True)["query"]["fuzzy"]["words.prefix"]


def test_stop_words_numbers_and_short_words_are_never_corrected() -> None:
    assert correctable(["the", "with", "2026", "ab", "pyhton", "pyhton"]) == ["pyhton"]
