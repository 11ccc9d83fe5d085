"""GDPR test helpers: a user with a footprint in as many areas as the platform has (through the
services where a flow exists, as plain rows where the row is the whole story), and a generic
scan of every text, varchar and jsonb column of the whole schema."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from redis.asyncio import Redis
from sqlalchemy import select, text, update

from app.accounts.models import AuthSession, LinkedIdentity, User, UserProfile, UserRole
from app.admin import audit
from app.admin.models import ApiKey, ContentReport, FailedJob
from app.analytics.models import AnalyticsEvent
from app.analytics.rollup_models import SearchMissDaily, StudentDailyActivity
from app.assessments import assignments
from app.catalog.models import Course, InstructorProfile
from app.clock import utcnow
from app.cms import testimonials
from app.commerce.invoices import send_receipt
from app.commerce.models import Order, PaymentEvent, PaymentProvider
from app.communication import messaging
from app.db import Database
from app.ids import new_id
from app.integrations.payments_local import LocalGateway
from app.integrations.storage import Storage
from app.learning.certificates import issue_certificate
from app.learning.models import Certificate, Enrollment, EnrollmentSource, EnrollmentStatus
from app.media.models import FilePurpose
from app.notifications.models import (
    NewsletterStatus,
    NewsletterSubscriber,
    PushDevice,
    PushPlatform,
)
from app.search import service as search
from app.security.permissions import Actor
from app.settings import get_settings
from app.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery
from tests.support import assignments as homework
from tests.support import discussions, quizzes, reviews
from tests.support.accounts import make_user
from tests.support.catalog import course, enroll, instructor, person
from tests.support.coupons import paid_course
from tests.support.orders import checkout, fill_cart, pay

FIRST, LAST = "Zelindra", "Quortwell"
EMAIL = "zelindra.quortwell@example.com"
FULL = f"{FIRST} {LAST}"


@dataclass
class Footprint:
    user: User
    other: User
    order_ids: list[uuid.UUID] = field(default_factory=list)
    certificate_codes: list[str] = field(default_factory=list)
    taught_course_id: uuid.UUID | None = None


async def subject(database: Database) -> User:
    """The user to export and erase: an instructor who also learns (unusual names, so that
    the scan cannot meet them by chance)."""
    return await make_user(
        database, email=EMAIL, first_name=FIRST, last_name=LAST, role=UserRole.INSTRUCTOR
    )


async def _profiles(database: Database, user: User) -> uuid.UUID:
    """Personal profile, instructor profile and a published course of theirs, indexed."""
    async with database.transaction() as session:
        await session.execute(
            update(UserProfile)
            .where(UserProfile.user_id == user.id)
            .values(
                bio=f"I am {FULL}, write to {EMAIL}",
                website_url="https://zelindra.example",
                preferences={"signature": FULL},
            )
        )
        session.add(
            InstructorProfile(
                user_id=user.id,
                slug="zelindra-quortwell",
                title=f"{FULL}, teacher",
                bio=f"<p>{FULL} teaches.</p>",
                social_links={"website": "https://zelindra.example"},
                is_public=True,
            )
        )
        session.add(
            AuthSession(
                user_id=user.id,
                last_used_at=utcnow(),
                expires_at=utcnow(),
                ip_address="203.0.113.7",
                user_agent=f"{FULL}'s laptop",
                device="Firefox on Linux",
            )
        )
    taught = await course(database, user.id, title=f"Gardening with {FULL}", tiers=())
    await search.reindex_course(database, get_settings(), taught.id)
    return taught.id


async def _learning(database: Database, storage: Storage, user: User) -> list[str]:
    """An enrollment in someone's course, completed, with its certificate (PDF in storage)."""
    teacher = await instructor(database)
    taught = await course(database, teacher.id, tiers=())
    async with database.transaction() as session:
        enrollment = Enrollment(
            student_id=user.id,
            course_id=taught.id,
            source=EnrollmentSource.FREE,
            status=EnrollmentStatus.COMPLETED,
            completed_at=utcnow(),
        )
        session.add(enrollment)
    cert = await issue_certificate(database, storage, get_settings(), enrollment_id=enrollment.id)
    return [cert.verification_code]


async def _assessments(database: Database, storage: Storage, user: User) -> None:
    setup = await quizzes.quiz_course(database)
    await quizzes.enroll(database, user.id, setup.course.id)
    quiz, questions = await quizzes.objective_quiz(database, setup)
    attempt = await quizzes.start(database, user, quiz)
    await quizzes.save(database, user, attempt.id, questions[0], quizzes.right(questions[0]))
    await quizzes.submit(database, user, attempt.id)
    room = await homework.classroom(database)
    await enroll(database, user.id, room.course.id)
    task = await homework.assignment_in(room, database)
    file_id = await homework.upload(database, user, homework.PDF, name="quortwell-essay.pdf")
    async with database.transaction() as session:
        await assignments.submit_assignment(
            session,
            storage,
            student_id=user.id,
            assignment_id=task.id,
            text=f"Essay by {FULL} ({EMAIL})",
            file_ids=[file_id],
        )


async def _social(
    database: Database, redis: Redis, user: User, other: User, taught_id: uuid.UUID
) -> None:
    """Messages both ways (the other learner takes the user's course), a thread with replies,
    a review and a testimonial."""
    await enroll(database, other.id, taught_id)
    async with database.transaction() as session:
        convo = await messaging.start_conversation(
            session, redis, actor=Actor.of(user), recipient_id=other.id, body=f"Hi, {FULL} here"
        )
    conversation_id = convo.conversation.id
    async with database.transaction() as session:
        await messaging.send_message(
            session,
            redis,
            actor=Actor.of(other),
            conversation_id=conversation_id,
            body=f"Hello {FULL}!",
        )
    room = await reviews.classroom(database)
    for who in (user, other):
        await enroll(database, who.id, room.course.id)
    topic = await discussions.thread(
        database, redis, user, room.course, title=f"Question from {FULL}"
    )
    mine = await discussions.reply(database, redis, user, topic.id, body=f"<p>{FULL} again</p>")
    await discussions.reply(database, redis, other, topic.id, mine.id, body=f"<p>Sure {FULL}</p>")
    await reviews.review(database, user, room.course, rating=2, body=f"Signed, {FULL}")
    await reviews.review(database, other, room.course, rating=4, body="Good course")
    async with database.transaction() as session:
        await testimonials.submit_testimonial(
            session, actor=Actor.of(user), content=f"Loved it — {FULL}", rating=5
        )


async def _commerce(
    database: Database, redis: Redis, storage: Storage, user: User
) -> list[uuid.UUID]:
    gateway = LocalGateway(get_settings(), redis)
    bought = await paid_course(database, prices=(2500,))
    await fill_cart(database, user, [bought])
    result = await checkout(database, gateway, user, key="gdpr-1")
    await pay(database, gateway, result.order)
    await send_receipt(database, storage, get_settings(), order_id=result.order.id)
    async with database.transaction() as session:
        session.add(
            PaymentEvent(
                provider=PaymentProvider.LOCAL,
                provider_event_id=f"evt_{uuid.uuid4().hex}",
                type="charge.succeeded",
                payload={"billing_details": {"name": FULL, "email": EMAIL}},
            )
        )
    return [result.order.id]


async def _platform(database: Database, user: User, other: User) -> None:
    """Rows of the platform's own records that carry the address or the name."""
    async with database.transaction() as session:
        session.add(
            NewsletterSubscriber(
                email=EMAIL, name=FULL, user_id=user.id, status=NewsletterStatus.SUBSCRIBED
            )
        )
        session.add(
            PushDevice(
                user_id=user.id,
                token=f"https://push.example/{uuid.uuid4().hex}",
                platform=PushPlatform.WEB,
            )
        )
        for who, kind in ((user, "lesson.viewed"), (other, "lesson.viewed")):
            session.add(
                AnalyticsEvent(
                    user_id=who.id,
                    event_type=kind,
                    properties={"who": str(who.id)},
                    occurred_at=utcnow(),
                )
            )
        for who in (user, other):
            session.add(
                StudentDailyActivity(
                    user_id=who.id, day=utcnow().date(), seconds_learned=60, learned=True
                )
            )
        session.add(
            LinkedIdentity(
                user_id=user.id,
                provider="google",
                subject=uuid.uuid4().hex,
                email=EMAIL,
                last_used_at=utcnow(),
            )
        )
        session.add(SearchMissDaily(day=utcnow().date(), query=EMAIL.lower(), searches=1))
        session.add(
            ApiKey(
                name=f"{FULL}'s integration",
                key_prefix=uuid.uuid4().hex[:12],
                key_hash=b"\0" * 32,
                owner_id=user.id,
            )
        )
        hook = Webhook(
            owner_id=other.id,
            url="https://hooks.example/in",
            events=["user.registered"],
            subscription_query="{ x }",
            secret_encrypted=b"secret",
        )
        session.add(hook)
        await session.flush()
        session.add(
            WebhookDelivery(
                webhook_id=hook.id,
                event="user.registered",
                event_id=new_id(),
                event_data={"user": {"email": EMAIL, "name": FULL}},
                body=f'{{"email": "{EMAIL}"}}',
                status=DeliveryStatus.SUCCEEDED,
            )
        )
        session.add(
            ContentReport(
                target_type="message",
                target_id=new_id(),
                reporter_id=user.id,
                reason="spam",
                details=f"Reported by {FULL}",
            )
        )
        session.add(
            FailedJob(
                message_id=uuid.uuid4().hex,
                queue="default",
                actor="send_email",
                args=[EMAIL],
                kwargs={"to": EMAIL},
                error=f"could not mail {EMAIL}",
            )
        )
        await audit.record(
            session,
            action="user.update",
            entity_type="User",
            entity_id=str(user.id),
            actor_id=other.id,
            changes={"email": EMAIL, "name": FULL},
        )
    await homework.upload(
        database,
        user,
        homework.PNG,
        name="zelindra.png",
        content_type="image/png",
        purpose=FilePurpose.AVATAR,
    )


async def footprint(database: Database, redis: Redis, storage: Storage) -> Footprint:
    user = await subject(database)
    other = await person(database, first_name="Other", last_name="Learner")
    found = Footprint(user=user, other=other)
    found.taught_course_id = await _profiles(database, user)
    found.certificate_codes = await _learning(database, storage, user)
    await _assessments(database, storage, user)
    await _social(database, redis, user, other, found.taught_course_id)
    found.order_ids = await _commerce(database, redis, storage, user)
    await _platform(database, user, other)
    return found


# --- the scan -----------------------------------------------------------------------------------

_TEXT_COLUMNS = """
SELECT c.table_name, c.column_name, c.data_type
FROM information_schema.columns c
JOIN information_schema.tables t
  ON t.table_schema = c.table_schema AND t.table_name = c.table_name
WHERE c.table_schema = current_schema()
  AND t.table_type = 'BASE TABLE'
  AND c.data_type IN ('text', 'character varying', 'character', 'jsonb', 'json', 'ARRAY')
ORDER BY c.table_name, c.ordinal_position
"""


async def text_columns(database: Database) -> list[tuple[str, str]]:
    """Every text-like column of every table of the schema (tables added later included)."""
    async with database.session() as session:
        rows = (await session.execute(text(_TEXT_COLUMNS))).all()
    return [(row.table_name, row.column_name) for row in rows]


async def tables_holding(database: Database, needles: list[str]) -> dict[str, list[str]]:
    """For each needle (case-insensitive), the `table.column`s whose value contains it."""
    found: dict[str, list[str]] = {needle: [] for needle in needles}
    columns = await text_columns(database)
    async with database.session() as session:
        for table, column in columns:
            for needle in needles:
                stmt = text(
                    f'SELECT EXISTS (SELECT 1 FROM "{table}" '  # noqa: S608 - names from the catalog
                    f'WHERE strpos(lower("{column}"::text), lower(:needle)) > 0)'
                )
                if await session.scalar(stmt, {"needle": needle}):
                    found[needle].append(f"{table}.{column}")
    return {needle: where for needle, where in found.items() if where}


async def certificate_rows(database: Database, user_id: uuid.UUID) -> list[Certificate]:
    async with database.session() as session:
        return list(
            await session.scalars(select(Certificate).where(Certificate.user_id == user_id))
        )


async def order_rows(database: Database, order_ids: list[uuid.UUID]) -> list[Order]:
    async with database.session() as session:
        return list(await session.scalars(select(Order).where(Order.id.in_(order_ids))))


async def course_row(database: Database, course_id: uuid.UUID) -> Course:
    async with database.session() as session:
        found = await session.get(Course, course_id)
    assert found is not None
    return found


_USER_REFERENCES = """
SELECT cl.relname AS table_name, att.attname AS column_name
FROM pg_constraint con
JOIN pg_class cl ON cl.oid = con.conrelid
JOIN pg_namespace ns ON ns.oid = cl.relnamespace
JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = ANY (con.conkey)
WHERE con.contype = 'f'
  AND con.confrelid = 'users'::regclass
  AND ns.nspname = current_schema()
ORDER BY 1, 2
"""


async def tables_pointing_at(database: Database, user_id: uuid.UUID) -> set[str]:
    """`table.column` of every foreign key to users (read from pg_catalog) holding `user_id`."""
    async with database.session() as session:
        references = (await session.execute(text(_USER_REFERENCES))).all()
        found: set[str] = set()
        for table, column in references:
            stmt = text(f'SELECT EXISTS (SELECT 1 FROM "{table}" WHERE "{column}" = :id)')  # noqa: S608
            if await session.scalar(stmt, {"id": user_id}):
                found.add(f"{table}.{column}")
    return found
