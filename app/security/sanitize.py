"""The one sanitiser for user-written HTML: nh3, with two named policies.

- `MESSAGE` (messages, discussion posts, announcements): only formatting survives — paragraphs,
  emphasis, lists, quotes, code, links. Scripts, styles, event handlers, iframes, images and every
  attribute but a link's `href`/`title` are removed.
- `BLOG` (blog post bodies, Markdown rendered by `render_markdown` or HTML as written): the same
  plus headings `h1`-`h6`, tables, images whose `src` is `https://` (with `alt`, `title`, `width`,
  `height`) and a `language-*` class on `code` (syntax highlighting by the client).

Under both, links may only be http(s) or mailto and get `rel="noopener noreferrer nofollow"`,
comments are dropped, and plain text (no tags) comes out with `<`, `>` and `&` escaped, so it
displays as typed. Every caller stores what `sanitize_html` returns; nothing else cleans HTML.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt

URL_SCHEMES = frozenset({"http", "https", "mailto"})
_CODE_CLASS = re.compile(r"^language-[A-Za-z0-9_+-]{1,40}$")
_DIMENSION = re.compile(r"^[0-9]{1,4}$")


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    tags: frozenset[str]
    attributes: dict[str, frozenset[str]]


_FORMATTING = frozenset(
    {
        "a", "b", "blockquote", "br", "code", "del", "em", "h3", "h4", "hr", "i", "li", "ol",
        "p", "pre", "s", "strong", "sub", "sup", "u", "ul",
    }
)  # fmt: skip

MESSAGE = Policy("message", _FORMATTING, {"a": frozenset({"href", "title"})})
BLOG = Policy(
    "blog",
    _FORMATTING | {"h1", "h2", "h5", "h6", "img", "table", "thead", "tbody", "tr", "th", "td"},
    {
        "a": frozenset({"href", "title"}),
        "img": frozenset({"src", "alt", "title", "width", "height"}),
        "code": frozenset({"class"}),
        "th": frozenset({"align"}),
        "td": frozenset({"align"}),
    },
)


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    """Values the allow-lists cannot express: https-only images, sizes, code languages."""
    if tag == "img" and attribute == "src":
        return value if value.lower().startswith("https://") else None
    if tag == "img" and attribute in ("width", "height"):
        return value if _DIMENSION.match(value) else None
    if tag == "code" and attribute == "class":
        return value if _CODE_CLASS.match(value) else None
    if attribute == "align":
        return value if value in ("left", "right", "center") else None
    return value


_CLEANERS = {
    policy.name: nh3.Cleaner(
        tags=set(policy.tags),
        # "*": nothing on every tag (nh3 would otherwise keep `title` and `lang` anywhere)
        attributes={"*": set(), **{tag: set(attrs) for tag, attrs in policy.attributes.items()}},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=_attribute_filter,
    )
    for policy in (MESSAGE, BLOG)
}
_MARKDOWN = MarkdownIt("commonmark", {"html": False})


def sanitize_html(value: str, policy: Policy = MESSAGE) -> str:
    """`value` with only what `policy` allows left (see the module docstring), trimmed."""
    return _CLEANERS[policy.name].clean(value).strip()


def render_markdown(value: str) -> str:
    """CommonMark (raw HTML in it is shown as text) rendered and sanitised with `BLOG`."""
    return sanitize_html(_MARKDOWN.render(value), BLOG)


def plain_text(value: str) -> str:
    """The text of sanitised HTML, without tags or entities (for e-mails, previews, push)."""
    return " ".join(html.unescape(nh3.clean(value, tags=set())).split())


def has_text(value: str) -> bool:
    """Whether sanitised HTML shows anything but whitespace."""
    return bool(plain_text(value))
