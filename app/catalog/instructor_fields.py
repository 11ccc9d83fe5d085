"""Checks of what an instructor writes about themself (an application, a profile): every field
has a limit, the bio is HTML cleaned by the one sanitiser, links are https URLs of a fixed set
of kinds. Each check records its failures in `errors` (snake_case paths) and returns the cleaned
value."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.catalog.errors import CatalogCode
from app.catalog.rules import text
from app.errors import Common, FieldError
from app.security.sanitize import has_text, sanitize_html

MAX_HEADLINE = 120
MAX_BIO = 5000
MAX_EXPERTISE = 10
MAX_TOPIC = 60
MAX_LINK = 500
MAX_YEARS = 80
MAX_MOTIVATION = 2000


class SocialKind(enum.StrEnum):
    WEBSITE = "website"
    LINKEDIN = "linkedin"
    X = "x"
    YOUTUBE = "youtube"
    GITHUB = "github"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"


# the hosts a link of each kind may point to (and their subdomains); a website may be anywhere
HOSTS: dict[SocialKind, tuple[str, ...]] = {
    SocialKind.LINKEDIN: ("linkedin.com",),
    SocialKind.X: ("x.com", "twitter.com"),
    SocialKind.YOUTUBE: ("youtube.com", "youtu.be"),
    SocialKind.GITHUB: ("github.com",),
    SocialKind.FACEBOOK: ("facebook.com",),
    SocialKind.INSTAGRAM: ("instagram.com",),
}


@dataclass(frozen=True)
class SocialLink:
    kind: SocialKind
    url: str


def headline(errors: list[FieldError], value: str | None, *, required: bool) -> str | None:
    return text(errors, "headline", value, max_length=MAX_HEADLINE, required=required)


def bio(errors: list[FieldError], value: str | None, *, required: bool) -> str | None:
    """Cleaned HTML; the limit counts what was sent. A bio that shows no text is empty."""
    if value is not None and len(value) > MAX_BIO:
        errors.append(
            FieldError("bio", f"At most {MAX_BIO} characters are allowed", Common.TOO_LONG)
        )
        return None
    cleaned = sanitize_html(value) if value is not None else ""
    if not has_text(cleaned):
        if required:
            errors.append(FieldError("bio", "Tell students about yourself", Common.REQUIRED))
        return None
    return cleaned


def expertise(errors: list[FieldError], values: Sequence[str]) -> list[str]:
    """Up to 10 topics of at most 60 characters, each once (compared case-insensitively)."""
    if len(values) > MAX_EXPERTISE:
        errors.append(FieldError("expertise", f"At most {MAX_EXPERTISE} topics", Common.TOO_MANY))
        return []
    topics: dict[str, str] = {}
    for i, value in enumerate(values):
        topic = text(errors, f"expertise[{i}]", value, max_length=MAX_TOPIC)
        if topic is not None:
            topics.setdefault(topic.casefold(), topic)
    return list(topics.values())


def experience_years(errors: list[FieldError], value: int | None) -> int | None:
    if value is not None and not 0 <= value <= MAX_YEARS:
        errors.append(
            FieldError("experience_years", f"Use 0 to {MAX_YEARS} years", Common.OUT_OF_RANGE)
        )
    return value


def motivation(errors: list[FieldError], value: str | None) -> str | None:
    return text(errors, "motivation", value, max_length=MAX_MOTIVATION, required=False)


def social_links(errors: list[FieldError], links: Sequence[SocialLink]) -> dict[str, str]:
    """kind → URL: https only, at most 500 characters, on the kind's own site, one per kind."""
    found: dict[str, str] = {}
    if len(links) > len(SocialKind):
        errors.append(FieldError("social_links", "At most one link of each kind", Common.TOO_MANY))
        return found
    for i, link in enumerate(links):
        path = f"social_links[{i}].url"
        url = text(errors, path, link.url, max_length=MAX_LINK)
        if url is None or len(url) > MAX_LINK:
            continue
        if link.kind.value in found:
            errors.append(
                FieldError(
                    f"social_links[{i}].kind", "One link per kind", CatalogCode.DUPLICATE_LINK
                )
            )
            continue
        problem = _link_problem(link.kind, url)
        if problem is not None:
            errors.append(FieldError(path, *problem))
            continue
        found[link.kind.value] = url
    return found


def _link_problem(kind: SocialKind, url: str) -> tuple[str, CatalogCode | Common] | None:
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return "Enter an https link", Common.INVALID_URL
    if parts.scheme != "https" or not host or "." not in host or any(c.isspace() for c in url):
        return "Enter an https link", Common.INVALID_URL
    allowed = HOSTS.get(kind)
    if allowed and not any(host == h or host.endswith(f".{h}") for h in allowed):
        return f"A {kind.value} link points to {' or '.join(allowed)}", CatalogCode.LINK_HOST
    return None
