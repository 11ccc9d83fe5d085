"""The one sanitiser for user-written HTML (messages, discussion posts, announcements): nh3.

Only formatting survives — paragraphs, emphasis, lists, quotes, code, links. Scripts, styles,
event handlers, iframes, images and every attribute but a link's `href` are removed; links may
only be http(s) or mailto and get `rel="noopener noreferrer nofollow"`. Plain text (no tags) comes
out with `<`, `>` and `&` escaped, so it displays as typed.
"""

from __future__ import annotations

import html

import nh3

ALLOWED_TAGS = frozenset(
    {
        "a",
        "b",
        "blockquote",
        "br",
        "code",
        "del",
        "em",
        "h3",
        "h4",
        "hr",
        "i",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "strong",
        "sub",
        "sup",
        "u",
        "ul",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


def sanitize_html(value: str) -> str:
    """`value` with only safe formatting left (see the module docstring), trimmed."""
    return nh3.clean(
        value,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()


def plain_text(value: str) -> str:
    """The text of sanitised HTML, without tags or entities (for e-mails, previews, push)."""
    return " ".join(html.unescape(nh3.clean(value, tags=set())).split())


def has_text(value: str) -> bool:
    """Whether sanitised HTML shows anything but whitespace."""
    return bool(plain_text(value))
