"""Property 63: user-written HTML is sanitised wherever it is stored.

Generated hostile HTML — scripts, styles, iframes, SVG and MathML, event-handler attributes,
`javascript:` / `data:` / `vbscript:` URLs in every disguise, comments and CDATA, malformed and
mis-nested markup, Markdown links and images — goes through every place that stores user HTML:
blog posts (Markdown and HTML bodies), direct messages, discussion threads and replies, and
announcements. What is stored is parsed with `html.parser` (never string matching) and may hold
only the tags and attributes of its policy, no comment or declaration, and only http(s)/mailto
URLs (https only for images)."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Awaitable, Callable
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis
from sqlalchemy import select

from app.accounts.models import UserRole
from app.catalog import instructors
from app.catalog.models import InstructorProfile
from app.cms import blog, reviews
from app.cms.models import BlogPost, BodyFormat, CourseReview
from app.communication import announcements, discussions, messaging
from app.communication.models import Announcement, DiscussionPost, DiscussionThread, Message
from app.db import Database
from app.errors import UserFacingError
from app.security.permissions import Actor
from app.security.sanitize import BLOG, MESSAGE, Policy, render_markdown, sanitize_html
from schema.core.values import INVALID_TEXT
from tests.support.catalog import person
from tests.support.discussions import Forum, forum

TAGS = (
    "script", "style", "iframe", "frame", "svg", "math", "object", "embed", "img", "a", "form",
    "input", "button", "base", "meta", "link", "textarea", "template", "noscript", "video",
    "audio", "source", "body", "html", "title", "xmp", "plaintext", "select", "details",
    "marquee", "p", "b", "code", "pre", "h1", "h2", "table", "td", "ul", "li", "blockquote",
)  # fmt: skip
ATTRIBUTES = (
    "onerror", "onclick", "onload", "onmouseover", "OnFocus", "style", "href", "src", "srcdoc",
    "xlink:href", "formaction", "action", "data", "background", "poster", "srcset", "class",
    "id", "width", "height", "title", "alt", "align", "rel", "target",
)  # fmt: skip
URLS = (
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
    "java&#x09;script:alert(1)", "&#106;avascript:alert(1)", "javascript&colon;alert(1)",
    "data:text/html,<script>alert(1)</script>", "data:image/svg+xml;base64,PHN2Zz4=",
    "vbscript:msgbox(1)", "https://ok.example/x.png", "http://ok.example/", "mailto:a@b.example",
    "//evil.example/x", "/relative", "#frag", "language-python", "x\" onerror=\"alert(1)", "12",
)  # fmt: skip
RAW = (
    "<script>alert(1)</script>", "<!--<script>alert(1)</script>-->", "<![CDATA[<script>]]>",
    "</p><script>alert(1)</script>", "<<script>x", "<img src=x onerror=alert(1)//",
    "<svg><script>alert(1)</script></svg>", "<math><mi><style><img src=x onerror=1>",
    "<scr<script>ipt>alert(1)</script>", '"><script>alert(1)</script>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<style>*{background:url(javascript:alert(1))}</style>", "<a href=javascript:alert(1)>x",
    "[x](javascript:alert(1))", "![x](data:image/png;base64,AAAA)", "<javascript:alert(1)>",
    "[a]: javascript:alert(1)\n\n[a]", "```\n<script>\n```", "<!DOCTYPE html>", "<?php x ?>",
    "<table><td><form><input onfocus=alert(1) autofocus>", "&lt;script&gt;", "\n\n# Title\n\n",
)  # fmt: skip


def _attribute(name: str, value: str, quote: str) -> str:
    if quote == "":
        return f"{name}={value.replace(' ', '')}"
    return f"{name}={quote}{value.replace(quote, html.escape(quote))}{quote}"


attributes = st.builds(
    _attribute,
    st.sampled_from(ATTRIBUTES),
    st.sampled_from(URLS) | st.text(max_size=12),
    st.sampled_from(['"', "'", ""]),
)


def _element(tag: str, attrs: list[str], children: list[str], close: str) -> str:
    opening = "<" + " ".join([tag, *attrs]) + ">"
    closing = {"proper": f"</{tag}>", "missing": "", "wrong": "</div></p>", "self": ""}[close]
    if close == "self":
        opening = opening[:-1] + "/>"
    return opening + "".join(children) + closing


fragments = st.recursive(
    st.sampled_from(RAW) | st.text(max_size=20),
    lambda children: st.builds(
        _element,
        st.sampled_from(TAGS),
        st.lists(attributes, max_size=3),
        st.lists(children, max_size=3),
        st.sampled_from(["proper", "missing", "wrong", "self"]),
    ),
    max_leaves=12,
)
# as the API takes them: text free of NUL, control characters and lone surrogates
hostile = st.lists(fragments, min_size=1, max_size=5).map(
    lambda f: INVALID_TEXT.sub("", "".join(f))
)

_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


class _Audit(HTMLParser):
    def __init__(self, policy: Policy) -> None:
        super().__init__(convert_charrefs=True)
        self.policy = policy
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.policy.tags:
            self.problems.append(f"tag <{tag}>")
        allowed = self.policy.attributes.get(tag, frozenset()) | ({"rel"} if tag == "a" else set())
        for name, value in attrs:
            if name not in allowed or name.startswith("on"):
                self.problems.append(f"attribute {name} on <{tag}>")
            if name in ("href", "src") and value is not None:
                self._url(tag, name, value)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def _url(self, tag: str, name: str, value: str) -> None:
        url = _INVISIBLE.sub("", value).lower()
        scheme = _SCHEME.match(url)
        if tag == "img" and not url.startswith("https://"):
            self.problems.append(f"image source {value!r}")
        elif scheme is not None and scheme.group(1) not in ("http", "https", "mailto"):
            self.problems.append(f"{name}={value!r}")

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"comment {data!r}")

    def handle_decl(self, decl: str) -> None:
        self.problems.append(f"declaration {decl!r}")

    def handle_pi(self, data: str) -> None:
        self.problems.append(f"processing instruction {data!r}")

    def unknown_decl(self, data: str) -> None:
        self.problems.append(f"declaration {data!r}")


def assert_safe(stored: str, policy: Policy) -> None:
    audit = _Audit(policy)
    audit.feed(stored)
    audit.close()
    assert audit.problems == [], (audit.problems, stored)


# --- the sanitiser's policies, many examples ---------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(document=hostile)
def test_property_63_both_policies_leave_nothing_dangerous(document: str) -> None:
    """Property 63: hostile HTML through each policy (and Markdown through the blog's)."""
    assert_safe(sanitize_html(document), MESSAGE)
    assert_safe(sanitize_html(document, BLOG), BLOG)
    assert_safe(render_markdown(document), BLOG)


def test_the_audit_catches_what_it_looks_for() -> None:
    """The checker itself: it would see each kind of danger the property rules out."""
    for dangerous in (
        "<script>x</script>",
        '<b onclick="x">',
        '<a href=" javascript:x">',
        '<img src="data:image/png;base64,AA">',
        '<a href="http://ok">ok</a><!-- c -->',
    ):
        audit = _Audit(BLOG)
        audit.feed(dangerous)
        assert audit.problems, dangerous


# --- every place that stores user HTML ---------------------------------------------------------

Store = Callable[[Database, Redis, Forum, str], Awaitable[str]]


async def _blog(database: Database, body: str, body_format: BodyFormat) -> str:
    admin = Actor.of(await person(database, UserRole.ADMIN))
    async with database.transaction() as session:
        row = await blog.create_blog_post(
            session, actor=admin, title="t", body=body, body_format=body_format
        )
    return await _stored(database, BlogPost.body_html, BlogPost.id, row.id)


async def _stored(
    database: Database, column: object, key: object, id_: uuid.UUID, *, optional: bool = False
) -> str:
    """The stored HTML; an optional body (a review's) left empty when nothing showed is ''."""
    async with database.session() as session:
        value = await session.scalar(select(column).where(key == id_))  # type: ignore[call-overload,operator]
    if optional and value is None:
        return ""
    assert isinstance(value, str)
    return value


async def _markdown(database: Database, redis: Redis, f: Forum, body: str) -> str:
    return await _blog(database, body, BodyFormat.MARKDOWN)


async def _blog_html(database: Database, redis: Redis, f: Forum, body: str) -> str:
    return await _blog(database, body, BodyFormat.HTML)


async def _message(database: Database, redis: Redis, f: Forum, body: str) -> str:
    sender = Actor.of(await person(database, UserRole.ADMIN))
    async with database.transaction() as session:
        sent = await messaging.start_conversation(
            session, redis, actor=sender, recipient_id=f.student.id, body=body
        )
    return await _stored(database, Message.body, Message.id, sent.message.id)


async def _thread(database: Database, redis: Redis, f: Forum, body: str) -> str:
    author = Actor.of(await f.member(database))
    async with database.transaction() as session:
        made = await discussions.create_thread(
            session, redis, actor=author, course_id=f.course.id, title="t", body=body
        )
    return await _stored(database, DiscussionThread.body, DiscussionThread.id, made.id)


async def _reply(database: Database, redis: Redis, f: Forum, body: str) -> str:
    author = Actor.of(await f.member(database))
    async with database.transaction() as session:
        made = await discussions.create_thread(
            session, redis, actor=author, course_id=f.course.id, title="t", body="<p>q</p>"
        )
        post = await discussions.reply(session, redis, actor=author, thread_id=made.id, body=body)
    return await _stored(database, DiscussionPost.body, DiscussionPost.id, post.id)


async def _announcement(database: Database, redis: Redis, f: Forum, body: str) -> str:
    admin = Actor.of(await person(database, UserRole.ADMIN))
    async with database.transaction() as session:
        made = await announcements.create_announcement(
            session, actor=admin, redis=redis, title="t", body=body
        )
    return await _stored(database, Announcement.body, Announcement.id, made.id)


async def _review(database: Database, redis: Redis, f: Forum, body: str) -> str:
    author = Actor.of(await f.member(database))
    async with database.transaction() as session:
        made = await reviews.review_course(
            session, actor=author, course_id=f.course.id, rating=4, title="t", body=body
        )
    return await _stored(database, CourseReview.body, CourseReview.id, made.id, optional=True)


async def _review_reply(database: Database, redis: Redis, f: Forum, body: str) -> str:
    author = Actor.of(await f.member(database))
    async with database.transaction() as session:
        made = await reviews.review_course(
            session, actor=author, course_id=f.course.id, rating=4, body="<p>fine</p>"
        )
        await reviews.reply_to_review(
            session, actor=Actor.of(f.teacher), review_id=made.id, body=body
        )
    return await _stored(database, CourseReview.reply_body, CourseReview.id, made.id)


async def _instructor_bio(database: Database, redis: Redis, f: Forum, body: str) -> str:
    teacher = Actor.of(await person(database, UserRole.INSTRUCTOR))
    async with database.transaction() as session:
        profile = await instructors.update_instructor_profile(session, actor=teacher, bio=body)
    return await _stored(
        database, InstructorProfile.bio, InstructorProfile.id, profile.id, optional=True
    )


@pytest.fixture
async def course_forum(database: Database) -> Forum:
    return await forum(database)


PLACES: dict[str, tuple[Store, Policy]] = {
    "blog post (Markdown)": (_markdown, BLOG),
    "blog post (HTML)": (_blog_html, BLOG),
    "direct message": (_message, MESSAGE),
    "discussion thread": (_thread, MESSAGE),
    "discussion reply": (_reply, MESSAGE),
    "announcement": (_announcement, MESSAGE),
    "course review": (_review, MESSAGE),
    "instructor's reply to a review": (_review_reply, MESSAGE),
    "instructor bio": (_instructor_bio, MESSAGE),
}


@pytest.mark.parametrize("place", list(PLACES))
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(document=hostile)
async def test_property_63_every_place_that_stores_html_stores_it_sanitised(
    database: Database, redis_client: Redis, course_forum: Forum, place: str, document: str
) -> None:
    """Property 63: what each place stores (read back from the database) is safe."""
    store, policy = PLACES[place]
    f = course_forum
    try:
        stored = await store(database, redis_client, f, document + "<p>visible text</p>")
    except UserFacingError:
        return  # refused (e.g. nothing left to show): nothing stored
    assert_safe(stored, policy)
