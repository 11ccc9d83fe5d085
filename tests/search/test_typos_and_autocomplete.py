"""Edit distances of typo tolerance (the searches themselves are in
tests/search/contract/test_typos_and_autocomplete.py, on every backend)."""

from __future__ import annotations

from app.search.text import edit_distance, prefix_distance


def test_edit_distances_count_a_swap_of_neighbours_as_one_typo() -> None:
    assert edit_distance("pyhton", "python") == 1
    assert edit_distance("machne", "machine") == 1
    assert edit_distance("kitten", "sitting") == 3
    assert prefix_distance("machne", "machine") == 1
    assert prefix_distance("pyt", "python") == 0
