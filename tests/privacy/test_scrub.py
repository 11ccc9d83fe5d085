"""Scrubbing a person's e-mail address and full name out of what other people hold (their
notifications, e-mails, payloads): whatever the characters of the name, text and JSON columns no
longer contain it, and rows that never named the person are left exactly as they were."""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import String, cast, select

from app.db import Database
from app.notifications.models import Notification, NotificationType
from app.privacy import DELETED_USER, ErasureSubject, scrub_json, scrub_text
from tests.support.catalog import person

NAME = st.text(alphabet=st.sampled_from("abcxyzABQÉéßøł'-%_\"\\ "), min_size=2, max_size=12).filter(
    lambda s: s.strip() == s and len(s.strip()) >= 2
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=NAME, last=NAME, email=st.emails())
async def test_a_scrubbed_name_or_address_is_gone_from_text_and_json_and_nothing_else_moves(
    database: Database, first: str, last: str, email: str
) -> None:
    subject = ErasureSubject(uuid.uuid4(), email, first, last, keep_certificates_verifiable=False)
    reader = await person(database)
    unrelated = {"from": "Somebody Else", "count": 2}
    async with database.transaction() as session:
        naming = Notification(
            recipient_id=reader.id,
            type=NotificationType.NEW_MESSAGE,
            title=f"New message from {subject.full_name} <{email}>",
            body="Hello",
            metadata_={"from": subject.full_name, "nested": [{"mail": email}]},
        )
        other = Notification(
            recipient_id=reader.id,
            type=NotificationType.SYSTEM,
            title="Announcement for everyone",
            body="Nothing personal",
            metadata_=unrelated,
        )
        session.add_all([naming, other])

    async with database.transaction() as session:
        await scrub_text(session, Notification.title, subject)
        await scrub_json(session, Notification.metadata_, subject)

    async with database.session() as session:
        scrubbed = await session.get(Notification, naming.id)
        kept = await session.get(Notification, other.id)
        as_text = await session.scalar(
            select(cast(Notification.metadata_, String)).where(Notification.id == naming.id)
        )
    assert scrubbed is not None
    assert kept is not None
    for needle in subject.needles():
        assert needle not in scrubbed.title
        assert needle not in (as_text or "")
    assert DELETED_USER in scrubbed.title
    assert scrubbed.metadata_["from"] == DELETED_USER
    assert (kept.title, kept.metadata_) == ("Announcement for everyone", unrelated)
