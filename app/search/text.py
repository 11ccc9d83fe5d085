"""Words, trigrams and edit distances for spelling correction and autocomplete (pure Python).

Words are what PostgreSQL's `simple` text-search parser keeps of plain prose: runs of letters and
digits, lower-cased. Trigrams follow pg_trgm's convention (two spaces before, one after), so
"python" shares "  p", " py" and "on " with "pyhton" even though the middle is swapped.
"""

from __future__ import annotations

import re

WORD = re.compile(r"[^\W_]+")
MAX_TERM_LENGTH = 64
MIN_CORRECTABLE = 3


def words(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(text)]


def is_vocabulary_word(word: str) -> bool:
    """Words worth suggesting or correcting to: 2-64 characters, starting with a letter."""
    return (
        2 <= len(word) <= MAX_TERM_LENGTH and word[0].isalpha() and WORD.fullmatch(word) is not None
    )


def trigrams(word: str) -> list[str]:
    padded = f"  {word} "
    return sorted({padded[i : i + 3] for i in range(len(word) + 1)})


def prefix_trigrams(prefix: str) -> list[str]:
    """Trigrams a word starting with `prefix` shares with it (no end-of-word trigram)."""
    padded = f"  {prefix}"
    return sorted({padded[i : i + 3] for i in range(len(prefix))})


def max_edits(word: str) -> int:
    """How many typos a word of this length may carry and still be corrected."""
    if len(word) < MIN_CORRECTABLE:
        return 0
    return 1 if len(word) <= 5 else 2


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
    neighbouring letters ("pyhton" → "python" is one edit)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def prefix_distance(prefix: str, word: str) -> int:
    """Edits between `prefix` and the closest beginning of `word` (one letter longer or shorter
    than the prefix), i.e. how far the typed prefix is from starting `word`."""
    lengths = {max(1, len(prefix) + d) for d in (-1, 0, 1)}
    return min(edit_distance(prefix, word[:n]) for n in lengths)
