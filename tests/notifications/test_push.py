"""Web Push: subscriptions are validated and kept per browser; a notification reaches each of the
recipient's browsers once, encrypted and VAPID-signed (checked by a local push service stand-in);
a subscription the push service says is gone is forgotten; other failures are retried."""

from __future__ import annotations

import asyncio
import base64
import os
import stat
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from app.accounts.models import User
from app.db import Database
from app.errors import NotFound, UserFacingError
from app.notifications.errors import NotificationsCode
from app.notifications.models import Notification, NotificationType, PushDevice, PushPlatform
from app.notifications.push import (
    PUSH_TOPIC,
    PushNotSent,
    WebPushSender,
    deliver_push,
    register_push_device,
    remove_push_device,
)
from app.notifications.vapid import VapidKeyError, VapidKeys, load_vapid
from app.security.permissions import Actor
from app.settings import Settings
from tests.support.catalog import person
from tests.support.webpush import Browser, PushService, push_service

P256DH = base64.urlsafe_b64encode(b"\x04" + os.urandom(64)).decode().rstrip("=")
AUTH = base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")


@pytest.fixture
async def service(settings: Settings) -> AsyncIterator[PushService]:
    async with push_service(load_vapid(settings).public_key) as running:
        yield running


async def register(
    database: Database, settings: Settings, user: User, **subscription: str
) -> PushDevice:
    async with database.transaction() as session:
        return await register_push_device(
            session, actor=Actor.of(user), settings=settings, **subscription
        )


async def subscribe(
    database: Database, settings: Settings, service: PushService, user: User, status: int = 201
) -> tuple[Browser, PushDevice]:
    browser = service.browser(status)
    return browser, await register(database, settings, user, **service.subscription(browser))


async def a_notification(database: Database, user: User, **values: Any) -> Notification:
    async with database.transaction() as session:
        row = Notification(
            recipient_id=user.id,
            type=NotificationType.GRADE_POSTED,
            title=values.pop("title", "Your quiz was graded"),
            body=values.pop("body", "You scored 9/10 in Rust basics."),
            action_url=values.pop("action_url", "/courses/rust/grades"),
            **values,
        )
        session.add(row)
    return row


async def deliver(
    database: Database, redis: Redis, settings: Settings, notification: Notification
) -> Any:
    return await deliver_push(
        database,
        notification.id,
        sender=WebPushSender(load_vapid(settings)),
        redis=redis,
        settings=settings,
    )


async def devices_of(database: Database, user: User) -> list[PushDevice]:
    async with database.session() as session:
        return list(await session.scalars(select(PushDevice).where(PushDevice.user_id == user.id)))


def codes(exc: UserFacingError) -> list[tuple[str | None, str]]:
    return [(e.field, str(e.code)) for e in exc.errors]


# --- subscriptions --------------------------------------------------------------------------------


async def test_a_browser_subscription_is_kept_as_a_web_device_of_its_user(
    database: Database, settings: Settings
) -> None:
    user = await person(database)
    endpoint = "https://fcm.googleapis.com/fcm/send/abc123"
    device = await register(database, settings, user, endpoint=endpoint, p256dh=P256DH, auth=AUTH)
    assert (device.user_id, device.token, device.platform) == (user.id, endpoint, PushPlatform.WEB)
    assert (device.p256dh, device.auth_secret, device.failure_count) == (P256DH, AUTH, 0)


async def test_subscribing_the_same_endpoint_again_updates_the_one_device(
    database: Database, settings: Settings
) -> None:
    first, second = await person(database), await person(database)
    endpoint = "https://updates.push.services.mozilla.com/wpush/v2/xyz"
    old = await register(database, settings, first, endpoint=endpoint, p256dh=P256DH, auth=AUTH)
    new_auth = base64.urlsafe_b64encode(os.urandom(16)).decode()  # padded is accepted too
    again = await register(
        database, settings, second, endpoint=endpoint, p256dh=P256DH, auth=new_auth
    )
    assert again.id == old.id
    assert (again.user_id, again.auth_secret) == (second.id, new_auth.rstrip("="))
    assert await devices_of(database, first) == []


@pytest.mark.parametrize(
    ("subscription", "field"),
    [
        ({"endpoint": "http://push.example.com/x"}, "endpoint"),
        ({"endpoint": "ftp://push.example.com/x"}, "endpoint"),
        ({"endpoint": "not a url"}, "endpoint"),
        ({"endpoint": "https://push.example.com/" + "x" * 600}, "endpoint"),
        ({"p256dh": "not+base64/"}, "p256dh"),
        ({"p256dh": base64.urlsafe_b64encode(b"\x04" + bytes(31)).decode()}, "p256dh"),
        ({"p256dh": base64.urlsafe_b64encode(b"\x02" + bytes(64)).decode()}, "p256dh"),
        ({"auth": base64.urlsafe_b64encode(bytes(8)).decode()}, "auth"),
        ({"auth": ""}, "auth"),
    ],
)
async def test_a_subscription_that_is_not_web_push_is_refused(
    database: Database, settings: Settings, subscription: dict[str, str], field: str
) -> None:
    user = await person(database)
    values = {"endpoint": "https://push.example.com/ok", "p256dh": P256DH, "auth": AUTH}
    with pytest.raises(UserFacingError) as excinfo:
        await register(database, settings, user, **{**values, **subscription})
    assert codes(excinfo.value) == [(field, NotificationsCode.INVALID_PUSH_SUBSCRIPTION.value)]
    assert await devices_of(database, user) == []


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://127.0.0.1:9/push",
        "https://localhost/push",
        "https://127.0.0.1/push",
        "https://10.1.2.3/push",
        "https://192.168.0.7/push",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/push",
        "https://[fd00::1]/push",
        "https://push.internal/x",
        "https://intranet/x",
    ],
)
async def test_production_refuses_endpoints_on_private_or_local_addresses(
    database: Database, settings: Settings, endpoint: str
) -> None:
    production = settings.model_copy(update={"env": "production"})
    user = await person(database)
    with pytest.raises(UserFacingError) as excinfo:
        await register(database, production, user, endpoint=endpoint, p256dh=P256DH, auth=AUTH)
    assert codes(excinfo.value) == [("endpoint", NotificationsCode.INVALID_PUSH_SUBSCRIPTION.value)]


async def test_outside_production_a_loopback_http_endpoint_is_allowed_for_local_testing(
    database: Database, settings: Settings
) -> None:
    user = await person(database)
    device = await register(
        database, settings, user, endpoint="http://127.0.0.1:9/push/1", p256dh=P256DH, auth=AUTH
    )
    assert device.token == "http://127.0.0.1:9/push/1"


async def test_a_user_removes_their_own_device_only(database: Database, settings: Settings) -> None:
    owner, other = await person(database), await person(database)
    device = await register(
        database, settings, owner, endpoint="https://push.example.com/d1", p256dh=P256DH, auth=AUTH
    )
    with pytest.raises(NotFound):
        async with database.transaction() as session:
            await remove_push_device(session, actor=Actor.of(other), device_id=device.id)
    async with database.transaction() as session:
        assert await remove_push_device(session, actor=Actor.of(owner), device_id=device.id)
    assert await devices_of(database, owner) == []


# --- delivery -------------------------------------------------------------------------------------


async def test_a_notification_reaches_every_browser_of_its_recipient_encrypted_and_signed(
    database: Database, redis_client: Redis, settings: Settings, service: PushService
) -> None:
    user, other = await person(database), await person(database)
    laptop, _ = await subscribe(database, settings, service, user)
    phone, _ = await subscribe(database, settings, service, user)
    strangers, _ = await subscribe(database, settings, service, other)
    notification = await a_notification(database, user)

    await deliver(database, redis_client, settings, notification)

    assert service.rejections == []
    for browser in (laptop, phone):
        [push] = service.received(browser)
        assert push.payload == {
            "title": "Your quiz was graded",
            "body": "You scored 9/10 in Rust basics.",
            "url": settings.frontend_url.rstrip("/") + "/courses/rust/grades",
            "notificationId": base64.b64encode(f"Notification:{notification.id}".encode()).decode(),
        }
        assert push.claims["sub"] == settings.vapid_subject
        assert int(push.headers["ttl"]) > 0
    assert service.received(strangers) == []


async def test_a_notification_is_pushed_to_a_browser_once_however_often_it_is_delivered(
    database: Database, redis_client: Redis, settings: Settings, service: PushService
) -> None:
    user = await person(database)
    browser, _ = await subscribe(database, settings, service, user)
    notification = await a_notification(database, user)
    await deliver(database, redis_client, settings, notification)
    report = await deliver(database, redis_client, settings, notification)
    assert len(service.received(browser)) == 1
    assert report.sent == []
    assert len(report.already_sent) == 1


async def test_a_subscription_the_push_service_says_is_gone_is_forgotten(
    database: Database, redis_client: Redis, settings: Settings, service: PushService
) -> None:
    user = await person(database)
    _, kept = await subscribe(database, settings, service, user)
    _, gone = await subscribe(database, settings, service, user, status=410)
    await deliver(database, redis_client, settings, await a_notification(database, user))
    assert [d.id for d in await devices_of(database, user)] == [kept.id]
    assert gone.id not in [d.id for d in await devices_of(database, user)]


async def test_a_failed_push_is_counted_and_retried_without_pushing_the_others_again(
    database: Database, redis_client: Redis, settings: Settings, service: PushService
) -> None:
    user = await person(database)
    healthy, _ = await subscribe(database, settings, service, user)
    flaky, flaky_device = await subscribe(database, settings, service, user, status=503)
    notification = await a_notification(database, user)

    with pytest.raises(PushNotSent):
        await deliver(database, redis_client, settings, notification)
    [device] = [d for d in await devices_of(database, user) if d.id == flaky_device.id]
    assert device.failure_count == 1

    flaky.status = 201  # the push service recovers; the actor's retry runs
    await deliver(database, redis_client, settings, notification)
    assert len(service.received(healthy)) == 1
    assert len(service.received(flaky)) == 1
    [device] = [d for d in await devices_of(database, user) if d.id == flaky_device.id]
    assert device.failure_count == 0


async def test_an_unreachable_push_service_is_a_failure_to_retry(
    database: Database, redis_client: Redis, settings: Settings
) -> None:
    user = await person(database)
    await register(
        database, settings, user, endpoint="http://127.0.0.1:9/push/x", p256dh=P256DH, auth=AUTH
    )
    with pytest.raises(PushNotSent):
        await deliver(database, redis_client, settings, await a_notification(database, user))
    [device] = await devices_of(database, user)
    assert device.failure_count == 1


async def test_an_expired_or_deleted_notification_is_not_pushed(
    database: Database, redis_client: Redis, settings: Settings, service: PushService
) -> None:
    from datetime import timedelta

    from app.clock import utcnow

    user = await person(database)
    browser, _ = await subscribe(database, settings, service, user)
    expired = await a_notification(database, user, expires_at=utcnow() - timedelta(minutes=1))
    await deliver(database, redis_client, settings, expired)
    report = await deliver_push(
        database,
        uuid.uuid4(),
        sender=WebPushSender(load_vapid(settings)),
        redis=redis_client,
        settings=settings,
    )
    assert report.sent == []
    assert service.received(browser) == []


async def test_the_worker_pushes_a_notification_handed_over_by_the_outbox_relay(
    database: Database, redis_client: Redis, settings: Settings, service: PushService, worker: Any
) -> None:
    from app.outbox import OutboxEvent
    from workers.broker import broker
    from workers.push import send_push
    from workers.relay import ROUTES

    user = await person(database)
    browser, _ = await subscribe(database, settings, service, user)
    notification = await a_notification(database, user, title="Certificate issued")
    event = OutboxEvent(
        id=uuid.uuid4(), topic=PUSH_TOPIC, payload={"notification_id": str(notification.id)}
    )
    await asyncio.to_thread(ROUTES[PUSH_TOPIC], event)
    await asyncio.to_thread(broker.join, send_push.queue_name, timeout=30_000)
    [push] = service.received(browser)
    assert push.payload["title"] == "Certificate issued"


# --- keys -----------------------------------------------------------------------------------------


def test_development_generates_one_vapid_key_pair_and_keeps_it_private(
    settings: Settings, tmp_path: Any
) -> None:
    local = settings.model_copy(update={"data_dir": tmp_path, "vapid_subject": "mailto:a@b.co"})
    keys = load_vapid(local)
    path = tmp_path / "keys" / "vapid.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(base64.urlsafe_b64decode(keys.public_key + "==")) == 65
    other = local.model_copy(update={"vapid_subject": "mailto:c@d.co"})  # not the cached entry
    assert load_vapid(other).public_key == keys.public_key


def test_configured_keys_are_used_and_a_mismatched_public_key_is_refused(
    settings: Settings,
) -> None:
    pair, stranger = VapidKeys.generate("mailto:x@y.z"), VapidKeys.generate("mailto:x@y.z")
    configured = settings.model_copy(
        update={"vapid_private_key": pair.private_key, "vapid_public_key": pair.public_key}
    )
    assert load_vapid(configured).public_key == pair.public_key
    wrong = configured.model_copy(update={"vapid_public_key": stranger.public_key})
    with pytest.raises(VapidKeyError):
        load_vapid(wrong)


def test_production_refuses_to_run_without_vapid_keys(settings: Settings) -> None:
    production = settings.model_copy(update={"env": "production"})
    assert any(r.startswith("VAPID_PRIVATE_KEY") for r in production.unsafe_reasons())
    with pytest.raises(VapidKeyError):
        load_vapid(production.model_copy(update={"data_dir": settings.data_dir / "prod"}))
    pair = VapidKeys.generate("mailto:x@y.z")
    configured = production.model_copy(
        update={"vapid_private_key": pair.private_key, "vapid_public_key": pair.public_key}
    )
    assert not any(r.startswith("VAPID") for r in configured.unsafe_reasons())
