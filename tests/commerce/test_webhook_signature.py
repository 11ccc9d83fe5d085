"""Property 52: every webhook signature is validated; invalid ones are rejected, nothing stored."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import select

from app.clock import frozen
from app.commerce.models import PaymentEvent, PaymentProvider
from app.db import Database
from app.http.webhooks import MAX_BODY_BYTES
from app.integrations.payments import InvalidWebhook, verify_webhook
from app.outbox import OutboxEvent
from app.settings import Settings
from tests.support.payments import event_body, signed_headers, stored_counts

URL = "/webhooks/stripe"


async def test_property_52_a_correctly_signed_event_is_stored_with_one_outbox_message(
    http: httpx.AsyncClient, settings: Settings, database: Database
) -> None:
    body = event_body(id="pi_local_1", amount=4900)
    response = await http.post(URL, content=body, headers=signed_headers(settings, body))
    assert response.status_code == 200
    assert response.json() == {"received": True, "duplicate": False}
    async with database.session() as session:
        event = (await session.scalars(select(PaymentEvent))).one()
        outbox = (await session.scalars(select(OutboxEvent))).one()
    sent = json.loads(body)
    assert (event.provider_event_id, event.type) == (sent["id"], "payment_intent.succeeded")
    assert event.provider == PaymentProvider.LOCAL
    assert event.payload == sent
    assert event.processed_at is None
    assert outbox.topic == "commerce.payment_event"
    assert outbox.payload == {"payment_event_id": str(event.id)}


@hsettings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
async def test_property_52_any_tampering_with_a_signed_body_is_rejected_and_nothing_stored(
    http: httpx.AsyncClient, settings: Settings, database: Database, data: st.DataObject
) -> None:
    body = event_body(id="pi_local_2", amount=4900, metadata={"order_id": "o-1"})
    headers = signed_headers(settings, body)
    at = data.draw(st.integers(min_value=0, max_value=len(body) - 1), label="position")
    change = data.draw(
        st.one_of(
            st.tuples(st.just("replace"), st.integers(0, 255).filter(lambda b: b != body[at])),
            st.tuples(st.just("insert"), st.integers(0, 255)),
            st.tuples(st.just("delete"), st.just(0)),
        ),
        label="change",
    )
    kind, byte = change
    if kind == "replace":
        tampered = body[:at] + bytes([byte]) + body[at + 1 :]
    elif kind == "insert":
        tampered = body[:at] + bytes([byte]) + body[at:]
    else:
        tampered = body[:at] + body[at + 1 :]
    response = await http.post(URL, content=tampered, headers=headers)
    assert response.status_code == 400
    assert await stored_counts(database) == (0, 0)


async def test_property_52_a_signature_made_with_another_secret_is_rejected(
    http: httpx.AsyncClient, settings: Settings, database: Database
) -> None:
    body = event_body(id="pi_local_3")
    other = settings.model_copy(update={"stripe_webhook_secret": "whsec_someone_else"})
    response = await http.post(URL, content=body, headers=signed_headers(other, body))
    assert response.status_code == 400
    assert await stored_counts(database) == (0, 0)


async def test_property_52_a_signature_older_than_the_tolerance_is_rejected(
    http: httpx.AsyncClient, settings: Settings, database: Database
) -> None:
    body = event_body(id="pi_local_4")
    stale = int(time.time()) - settings.webhook_tolerance_seconds - 5
    response = await http.post(
        URL, content=body, headers=signed_headers(settings, body, timestamp=stale)
    )
    assert response.status_code == 400
    assert "tolerance" in response.json()["error"]
    assert await stored_counts(database) == (0, 0)


async def test_a_signature_within_the_tolerance_is_accepted(
    http: httpx.AsyncClient, settings: Settings, database: Database
) -> None:
    body = event_body(id="pi_local_5")
    recent = int(time.time()) - settings.webhook_tolerance_seconds + 30
    response = await http.post(
        URL, content=body, headers=signed_headers(settings, body, timestamp=recent)
    )
    assert response.status_code == 200
    assert await stored_counts(database) == (1, 1)


async def test_property_52_a_delivery_without_a_signature_header_is_rejected(
    http: httpx.AsyncClient, database: Database
) -> None:
    response = await http.post(URL, content=event_body(id="pi_local_6"))
    assert response.status_code == 400
    assert await stored_counts(database) == (0, 0)


async def test_a_signed_body_that_is_not_an_event_is_rejected(
    http: httpx.AsyncClient, settings: Settings, database: Database
) -> None:
    body = json.dumps({"object": "event", "type": "payment_intent.succeeded"}).encode()
    response = await http.post(URL, content=body, headers=signed_headers(settings, body))
    assert response.status_code == 400
    assert await stored_counts(database) == (0, 0)


async def test_an_oversized_body_is_refused_before_verification(
    http: httpx.AsyncClient, settings: Settings, database: Database
) -> None:
    body = b"{" + b" " * MAX_BODY_BYTES + b"}"
    response = await http.post(URL, content=body, headers=signed_headers(settings, body))
    assert response.status_code == 413
    assert await stored_counts(database) == (0, 0)


def test_the_development_secret_is_derived_from_the_secret_key(settings: Settings) -> None:
    body = event_body(id="pi_local_7")
    header = signed_headers(settings, body)["Stripe-Signature"]
    rotated = settings.model_copy(update={"secret_key": settings.secret_key + "-rotated"})
    assert verify_webhook(settings, body, header)["type"] == "payment_intent.succeeded"
    try:
        verify_webhook(rotated, body, header)
    except InvalidWebhook:
        return
    raise AssertionError("a different SECRET_KEY must not verify")


async def test_a_signed_body_that_is_not_a_json_object_is_rejected(
    http: httpx.AsyncClient, settings: Settings, database: Database
) -> None:
    for body in (b"[1, 2]", b"null", b"not json"):
        response = await http.post(URL, content=body, headers=signed_headers(settings, body))
        assert response.status_code == 400
    assert await stored_counts(database) == (0, 0)


async def test_a_signature_further_in_the_future_than_the_tolerance_is_rejected(
    http: httpx.AsyncClient, settings: Settings, database: Database
) -> None:
    body = event_body(id="pi_local_8")
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    ahead = int(now.timestamp()) + settings.webhook_tolerance_seconds + 1
    with frozen(now):
        response = await http.post(
            URL, content=body, headers=signed_headers(settings, body, timestamp=ahead)
        )
    assert response.status_code == 400
    assert response.json() == {"error": "the timestamp is outside the tolerance"}
    assert await stored_counts(database) == (0, 0)


@hsettings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(offset=st.integers(min_value=-300, max_value=300))
def test_a_signature_within_the_tolerance_either_way_verifies(
    settings: Settings, offset: int
) -> None:
    body = event_body(id="pi_local_9")
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    header = signed_headers(settings, body, timestamp=int(now.timestamp()) + offset)
    with frozen(now):
        assert verify_webhook(settings, body, header["Stripe-Signature"]) == json.loads(body)


NOT_EVENTS = [
    b"[1, 2]",
    b"null",
    b'"text"',
    b"not json",
    b'{"id": {"a": 1}, "type": "payment_intent.succeeded", "data": {"object": {}}}',
    b'{"id": "evt_1", "type": ["x"], "data": {"object": {}}}',
    b'{"id": "evt_1", "type": "payment_intent.succeeded", "data": []}',
    b'{"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": "pi_1"}}',
    b'{"id": "", "type": "payment_intent.succeeded", "data": {"object": {}}}',
]


@pytest.mark.parametrize("body", NOT_EVENTS)
async def test_a_signed_body_that_is_not_an_event_gets_a_clean_400(
    http: httpx.AsyncClient, settings: Settings, database: Database, body: bytes
) -> None:
    response = await http.post(URL, content=body, headers=signed_headers(settings, body))
    assert response.status_code == 400
    assert response.json() == {"error": "the body is not an event"}
    assert await stored_counts(database) == (0, 0)


async def test_a_bad_signature_names_no_python_internals(
    http: httpx.AsyncClient, settings: Settings, database: Database
) -> None:
    body = event_body(id="pi_local_10")
    for header in (
        "t=abc,v1=00",
        "garbage",
        "t=1,v0=00",
        signed_headers(settings, b"{}")["Stripe-Signature"],
    ):
        response = await http.post(URL, content=body, headers={"Stripe-Signature": header})
        assert response.status_code == 400
        assert response.json() == {"error": "the signature does not verify"}
    assert await stored_counts(database) == (0, 0)
