"""Property 49: the e-mail of a notification uses its type's template, with its data in it."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.db import Database
from app.notifications.email import render_email
from app.notifications.models import EmailLog, NotificationType
from app.notifications.preferences import POLICIES
from app.notifications.service import notify
from tests.support.catalog import person

EMAILING = sorted(
    t for t, p in POLICIES.items() if p.template and t != NotificationType.CERTIFICATE_ISSUED
)
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=3, max_size=20)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(type=st.sampled_from(EMAILING), title=WORDS, body=WORDS, path=WORDS, name=WORDS)
async def test_property_49_the_types_template_renders_with_the_notifications_data(
    database: Database, type: NotificationType, title: str, body: str, path: str, name: str
) -> None:
    """Property 49 (e-mail template selection): for any notification that e-mails at once, the
    e-mail log names the type's template, and rendering it shows the recipient's name, the title,
    the body and the absolute action link in the subject / text / HTML."""
    user = await person(database, first_name=name)
    async with database.transaction() as session:
        await notify(
            session,
            recipient_id=user.id,
            type=type,
            title=title,
            body=body,
            action_url=f"/x/{path}",
            metadata={},
        )
    async with database.session() as session:
        logs = list(await session.scalars(select(EmailLog).where(EmailLog.user_id == user.id)))
    if (
        POLICIES[type].defaults.email_digest.value != "immediate"
        and not POLICIES[type].transactional
    ):
        assert logs == []  # waits for the digest by default
        return
    [log] = logs
    assert log.template == POLICIES[type].template
    rendered = render_email(log.template, log.context)
    assert title in rendered.subject
    for part in (rendered.text, rendered.html):
        assert name in part
        assert title in part
        assert body in part
        assert f"/x/{path}" in part
