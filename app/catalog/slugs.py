"""URL slugs: lower-case ASCII words joined by hyphens, with numbered variants for equal titles."""

from __future__ import annotations

import re
import unicodedata

_SYMBOLS = {"+": " plus ", "#": " sharp ", "&": " and ", "@": " at "}
_NON_WORD = re.compile(r"[^a-z0-9]+")
_NUMBERED = re.compile(r"^(?P<base>.+)-(?P<n>[0-9]+)$")


def slugify(text: str, *, max_length: int = 200, fallback: str = "item") -> str:
    """`"Intro to C++ & Café"` → `"intro-to-c-plus-plus-and-cafe"`; never empty."""
    for symbol, word in _SYMBOLS.items():
        text = text.replace(symbol, word)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NON_WORD.sub("-", ascii_text.lower()).strip("-")
    slug = slug[:max_length].rstrip("-")
    return slug or fallback


def next_free(base: str, taken: set[str]) -> str:
    """`base` itself when free, else `base-2`, `base-3`, … — the first number not taken."""
    if base not in taken:
        return base
    used = {
        int(m["n"]) for s in taken if (m := _NUMBERED.match(s)) is not None and m["base"] == base
    }
    n = 2
    while n in used:
        n += 1
    return f"{base}-{n}"
