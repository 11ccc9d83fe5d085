"""Demo data: the demo instructors' public profiles (headline, bio, expertise, links, avatar) and
the demo courses' images, written through the services the API uses; images are rendered by the
ffmpeg that ships with `imageio-ffmpeg` and go through the real upload flow (request → storage →
finalize). Idempotent: a profile that is already public and a course that has an image are left
alone, so seeding twice creates them once and users' own edits are never overwritten. Without a
working ffmpeg the images are skipped (logged) and the profiles are still written."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import User
from app.accounts.service import get_user, get_user_by_email
from app.catalog import reads, service
from app.catalog.instructor_fields import SocialKind, SocialLink
from app.catalog.instructors import update_instructor_profile
from app.catalog.models import Course
from app.catalog.repo import instructors as instructors_repo
from app.catalog.slugs import slugify
from app.integrations.storage import make_storage
from app.media import ffmpeg
from app.media import service as media
from app.media.models import FilePurpose
from app.security.permissions import Actor
from app.settings import get_settings

logger = structlog.get_logger("easyways.seed")
DEMO_DOMAIN = "easyways.example"


@dataclass(frozen=True)
class DemoProfile:
    email: str
    headline: str
    bio: str
    expertise: tuple[str, ...]
    experience_years: int
    links: tuple[tuple[SocialKind, str], ...]
    avatar: str  # an ffmpeg lavfi source


DEMO_PROFILES: tuple[DemoProfile, ...] = (
    DemoProfile(
        f"grace@{DEMO_DOMAIN}",
        "Software engineer and teacher of programming languages",
        "<p>I have written compilers and taught programming for <b>twenty years</b>. My courses "
        "start from what you already know and build one small, working step at a time.</p>",
        ("Python", "Compilers", "GraphQL APIs"),
        20,
        (
            (SocialKind.WEBSITE, "https://grace.easyways.example"),
            (SocialKind.GITHUB, "https://github.com/easyways-grace"),
        ),
        "color=c=0x3776AB:s=256x256,drawbox=x=64:y=64:w=128:h=128:color=0xFFD43B:t=fill",
    ),
    DemoProfile(
        f"alan@{DEMO_DOMAIN}",
        "Data scientist: statistics, pandas and clear charts",
        "<p>I analyse data for a living and teach how to ask it good questions: clean it, "
        "reshape it, and show the answer so that anyone can read it.</p>",
        ("Data analysis", "pandas", "Statistics"),
        12,
        (
            (SocialKind.LINKEDIN, "https://www.linkedin.com/in/easyways-alan"),
            (SocialKind.YOUTUBE, "https://www.youtube.com/@easyways-alan"),
        ),
        "color=c=0xE8743B:s=256x256,drawbox=x=32:y=96:w=192:h=64:color=0xFFFFFF:t=fill",
    ),
)
COURSE_IMAGE_SOURCES = (
    "testsrc=size=640x360:rate=1",
    "testsrc2=size=640x360:rate=1",
    "smptebars=size=640x360:rate=1",
)


async def seed_instructors(session: AsyncSession) -> int:
    """Profiles of the demo instructors and images of the demo courses; the number created."""
    created = 0
    for demo in DEMO_PROFILES:
        user = await get_user_by_email(session, demo.email)
        if user is None or await _public(session, user):
            continue
        avatar = await _upload(session, user, FilePurpose.AVATAR, demo.avatar)
        await update_instructor_profile(
            session,
            actor=Actor.of(user),
            headline=demo.headline,
            bio=demo.bio,
            expertise=list(demo.expertise),
            experience_years=demo.experience_years,
            social_links=[SocialLink(kind, url) for kind, url in demo.links],
            avatar_upload_id=avatar,
        )
        created += 1
    for index, course in enumerate(await _demo_courses(session)):
        if course.image_asset_id is not None:
            continue
        owner = await get_user(session, course.instructor_id)
        source = COURSE_IMAGE_SOURCES[index % len(COURSE_IMAGE_SOURCES)]
        if owner is None:
            continue
        image = await _upload(session, owner, FilePurpose.COURSE_IMAGE, source)
        if image is None:
            continue
        await service.update_course(
            session, actor=Actor.of(owner), course_id=course.id, image_upload_id=image
        )
        created += 1
    return created


async def _public(session: AsyncSession, user: User) -> bool:
    profile = await instructors_repo.profile_of(session, user.id)
    return profile is not None and profile.is_public


async def _demo_courses(session: AsyncSession) -> list[Course]:
    from app.seed import DEMO_COURSES  # the catalog seeder's list (app.seed imports this module)

    slugs = [slugify(c.title, fallback="course") for c in DEMO_COURSES]
    return [c for c in await reads.courses_by_slugs(session, slugs) if c is not None]


async def _upload(
    session: AsyncSession, owner: User, purpose: FilePurpose, source: str
) -> uuid.UUID | None:
    """A PNG drawn from the lavfi `source`, uploaded and finalized as `owner`'s; None when ffmpeg
    cannot draw it."""
    try:
        body = await ffmpeg.still_png(source)
    except (ffmpeg.FfmpegError, ffmpeg.FfmpegUnavailable) as exc:
        logger.warning("demo image skipped", reason=str(exc), purpose=purpose.value)
        return None
    storage = make_storage(get_settings())
    asset = await media.upload_bytes(
        session,
        storage,
        owner_id=owner.id,
        purpose=purpose,
        file_name=f"{purpose.value}.png",
        content_type="image/png",
        data=body,
    )
    return asset.id
