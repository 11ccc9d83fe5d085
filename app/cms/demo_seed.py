"""Demo data of the CMS: two published blog posts by the demo admin, each with a featured image
(a gradient drawn by the bundled ffmpeg and stored through the real upload flow: request →
storage put → finalize), and three approved testimonials by the demo students, two featured.

Idempotent: a post is looked up by its slug, a student's testimonial by its author; whatever
users changed since is left alone (a missing demo user skips what they would write)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.service import get_user_by_email
from app.cms import blog, testimonials
from app.cms.repo import blog as blog_repo
from app.cms.repo import testimonials as testimonial_repo
from app.integrations.storage import Storage, make_storage
from app.media import ffmpeg
from app.media.models import FilePurpose
from app.media.service import upload_bytes
from app.security.permissions import Actor
from app.settings import get_settings

DEMO_DOMAIN = "easyways.example"  # app.seed's demo users
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"


@dataclass(frozen=True)
class DemoPost:
    title: str
    slug: str
    category: str
    tags: tuple[str, ...]
    colors: tuple[str, str]
    body: str


DEMO_POSTS: tuple[DemoPost, ...] = (
    DemoPost(
        "Welcome to EasywaysSkills",
        "welcome-to-easywaysskills",
        "News",
        ("announcements", "platform"),
        ("0x3776AB", "0x2E86AB"),
        """## Learn at your own pace

EasywaysSkills brings **video lessons**, quizzes, assignments and certificates together in one
place. Here is what you can do today:

- browse the catalogue and preview the first lesson of every course for free;
- enroll, follow your progress and pick up where you left off;
- earn a certificate anyone can verify.

## Where to start

Open the [course catalogue](https://easyways.example/courses) and pick a free course: the
*Python for Absolute Beginners* course is a good first step.
""",
    ),
    DemoPost(
        "Five habits of people who finish online courses",
        "five-habits-of-people-who-finish-online-courses",
        "Study tips",
        ("study-skills", "productivity", "python"),
        ("0xE8743B", "0xA23B72"),
        """## Make it small and regular

1. Put a **25-minute** session in your calendar, three times a week.
2. Finish each session with one thing you can *run* or *explain*.
3. Keep notes in your own words.
4. Ask in the course discussions when you are stuck for more than 15 minutes.
5. Take the quizzes: retrieval beats re-reading.

## Practise with real code

Even a tiny program counts:

```python
for day in ("Mon", "Wed", "Fri"):
    print(f"{day}: 25 minutes of Python")
```

Read more about spaced practice in
[this article](https://en.wikipedia.org/wiki/Spaced_repetition).
""",
    ),
)

# (student e-mail, role, rating, featured, content)
DEMO_TESTIMONIALS: tuple[tuple[str, str, int, bool, str], ...] = (
    (
        f"lena@{DEMO_DOMAIN}",
        "Junior data analyst",
        5,
        True,
        "The Python course took me from zero to automating my spreadsheets in three weeks.",
    ),
    (
        f"omar@{DEMO_DOMAIN}",
        "Career changer",
        5,
        True,
        "Short lessons, quizzes right after them and a certificate my employer could verify.",
    ),
    (
        f"sofia@{DEMO_DOMAIN}",
        "Computer science student",
        4,
        False,
        "Clear explanations and helpful instructors in the discussions. I'll be back for more.",
    ),
)


async def _upload_image(
    session: AsyncSession, storage: Storage, owner: Actor, name: str, colors: tuple[str, str]
) -> uuid.UUID:
    c0, c1 = colors
    body = await ffmpeg.still_png(f"gradients=s=1200x630:c0={c0}:c1={c1}:seed=1")
    asset = await upload_bytes(
        session,
        storage,
        owner_id=owner.id,
        purpose=FilePurpose.BLOG_IMAGE,
        file_name=f"{name}.png",
        content_type="image/png",
        data=body,
    )
    return asset.id


async def seed_demo_blog(session: AsyncSession, storage: Storage | None = None) -> int:
    """The demo posts missing by slug, published now; returns how many were created."""
    admin = await get_user_by_email(session, ADMIN_EMAIL)
    if admin is None:
        return 0
    author = Actor.of(admin)
    store = storage or make_storage(get_settings())
    created = 0
    for demo in DEMO_POSTS:
        if await blog_repo.by_slug(session, demo.slug) is not None:
            continue
        image_id = await _upload_image(session, store, author, demo.slug, demo.colors)
        post = await blog.create_blog_post(
            session,
            actor=author,
            title=demo.title,
            slug=demo.slug,
            body=demo.body,
            category=demo.category,
            tags=demo.tags,
            featured_image_upload_id=image_id,
        )
        await blog.publish_blog_post(session, actor=author, post_id=post.id)
        created += 1
    return created


async def seed_demo_testimonials(session: AsyncSession) -> int:
    """An approved testimonial for each demo student without one; returns how many."""
    admin = await get_user_by_email(session, ADMIN_EMAIL)
    if admin is None:
        return 0
    reviewer = Actor.of(admin)
    created = 0
    for email, role, rating, featured, content in DEMO_TESTIMONIALS:
        student = await get_user_by_email(session, email)
        if student is None or await testimonial_repo.exists_for_user(session, student.id):
            continue
        row = await testimonials.submit_testimonial(
            session, actor=Actor.of(student), content=content, rating=rating, role=role
        )
        await testimonials.approve_testimonial(session, actor=reviewer, testimonial_id=row.id)
        if featured:
            await testimonials.feature_testimonial(
                session, actor=reviewer, testimonial_id=row.id, featured=True
            )
        created += 1
    return created


async def seed_demo_cms(session: AsyncSession) -> int:
    return await seed_demo_blog(session) + await seed_demo_testimonials(session)
