"""The real job path: outbox relay → Dramatiq (StubBroker + a real Worker) → actor → e-mail file."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from app.db import Database
from app.notifications.models import EmailLog, EmailStatus
from app.notifications.service import queue_email
from app.outbox import OutboxEvent, emit, relay_once
from app.settings import get_settings


@pytest.fixture
def broker(worker: Any) -> Iterator[Any]:
    from workers.broker import broker

    broker.flush_all()
    yield broker
    broker.flush_all()


def reset_actor_runtime() -> None:
    """Make the actors' event loop rebuild its runtime (engine, mailer) from fresh settings."""
    from dramatiq.asyncio import get_event_loop_thread

    from workers.runtime import close_runtime

    thread = get_event_loop_thread()
    assert thread is not None
    thread.run_coroutine(close_runtime())


@pytest.fixture
def unreachable_smtp(monkeypatch: pytest.MonkeyPatch, worker: Any) -> Iterator[None]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("MAIL_BACKEND", "smtp")
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMTP_STARTTLS", "false")
    get_settings.cache_clear()
    reset_actor_runtime()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()
    reset_actor_runtime()


async def queue_verification(db: Database) -> uuid.UUID:
    async with db.transaction() as session:
        return await queue_email(
            session,
            to="ada@example.com",
            template="verify_email",
            context={"first_name": "Ada", "link": "https://learn.example/v?token=t0k3n"},
        )


async def load(db: Database, email_id: uuid.UUID) -> EmailLog:
    async with db.session() as session:
        log = await session.get(EmailLog, email_id)
        assert log is not None
        return log


async def join(broker: Any) -> None:
    await asyncio.to_thread(broker.join, "default", timeout=20_000)


async def test_a_queued_email_travels_outbox_relay_broker_and_actor_into_an_eml_file(
    database: Database, broker: Any
) -> None:
    from workers.relay import dispatch

    email_id = await queue_verification(database)
    assert await relay_once(database, dispatch) == 1
    await join(broker)

    [path] = (get_settings().data_dir / "outbox").glob(f"*-{email_id}.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["Subject"] == "Confirm your e-mail address for EasywaysSkills"
    log = await load(database, email_id)
    assert (log.status, log.attempts) == (EmailStatus.SENT, 1)


async def test_the_worker_relay_loop_hands_on_emails_until_stopped(
    database: Database, broker: Any
) -> None:
    from workers.relay import relay_until

    stop = asyncio.Event()
    relay = asyncio.create_task(relay_until(stop, interval=0.05))
    email_id = await queue_verification(database)
    for _ in range(200):
        if (await load(database, email_id)).status is EmailStatus.SENT:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(relay, timeout=5)
    assert (await load(database, email_id)).status is EmailStatus.SENT


async def test_the_broker_message_carries_the_outbox_event_id(
    database: Database, broker: Any
) -> None:
    from workers.relay import ROUTES

    sent: list[Any] = []
    async with database.transaction() as session:
        event_id = await emit(session, "email.send", {"email_id": str(uuid.uuid4())})
    async with database.session() as session:
        event = await session.get(OutboxEvent, event_id)
    assert event is not None
    original = broker.enqueue
    broker.enqueue = lambda message, **kw: sent.append(message)
    try:
        ROUTES["email.send"](event)
    finally:
        broker.enqueue = original
    [message] = sent
    assert message.message_id == str(event_id)
    assert message.options["outbox_event_id"] == str(event_id)
    assert message.actor_name == "send_email"


async def test_an_event_with_an_unknown_topic_is_kept_and_backed_off(
    database: Database, broker: Any
) -> None:
    from workers.relay import dispatch

    async with database.transaction() as session:
        event_id = await emit(session, "nobody.listens", {})
    assert await relay_once(database, dispatch) == 0
    async with database.session() as session:
        event = await session.get(OutboxEvent, event_id)
    assert event is not None
    assert event.dispatched_at is None
    assert event.last_error == "UnknownTopic: no route for outbox topic 'nobody.listens'"


async def test_a_failing_send_is_retried_by_dramatiq_and_marked_failed_after_the_last_retry(
    database: Database, broker: Any, unreachable_smtp: None
) -> None:
    from workers.email import send_email

    email_id = await queue_verification(database)
    send_email.send_with_options(
        args=(str(email_id),), max_retries=2, min_backoff=10, max_backoff=20
    )
    await join(broker)

    log = await load(database, email_id)
    assert (log.status, log.attempts) == (EmailStatus.FAILED, 3)
    assert "SMTPConnect" in (log.error_message or "")
    assert log.context["link"] == "[redacted]"


async def test_sending_an_email_that_does_not_exist_is_dropped_without_retries(
    database: Database, broker: Any
) -> None:
    from app.errors import NotFound
    from workers.email import send_email

    send_email.send(str(uuid.uuid4()))
    with pytest.raises(NotFound):
        await join(broker)
    async with database.session() as session:
        assert (await session.scalars(select(EmailLog))).all() == []
