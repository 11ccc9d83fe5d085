"""A provider event is stored and handed to the worker once, however often it is delivered."""

from __future__ import annotations

import asyncio

import httpx

from app.db import Database
from app.http.webhooks import receive_webhook
from app.settings import Settings
from tests.support.payments import event_body, signed_headers, stored_counts

URL = "/webhooks/stripe"


async def test_a_redelivered_event_is_acknowledged_without_new_work(
    http: httpx.AsyncClient, settings: Settings, database: Database
) -> None:
    body = event_body(id="pi_local_dup")
    first = await http.post(URL, content=body, headers=signed_headers(settings, body))
    again = await http.post(URL, content=body, headers=signed_headers(settings, body))
    assert first.json() == {"received": True, "duplicate": False}
    assert again.status_code == 200
    assert again.json() == {"received": True, "duplicate": True}
    assert await stored_counts(database) == (1, 1)


async def test_concurrent_deliveries_of_one_event_store_one_row_and_one_outbox_event(
    settings: Settings, database: Database
) -> None:
    body = event_body(id="pi_local_race")
    header = signed_headers(settings, body)["Stripe-Signature"]
    receipts = await asyncio.gather(
        *(receive_webhook(database, settings, body, header) for _ in range(6))
    )
    assert sorted(r.outcome for r in receipts) == ["accepted"] + ["duplicate"] * 5
    assert await stored_counts(database) == (1, 1)


async def test_concurrent_http_deliveries_all_get_200(
    http: httpx.AsyncClient, settings: Settings, database: Database
) -> None:
    body = event_body(id="pi_local_race_http")
    headers = signed_headers(settings, body)
    responses = await asyncio.gather(
        *(http.post(URL, content=body, headers=headers) for _ in range(4))
    )
    assert [r.status_code for r in responses] == [200] * 4
    assert sum(not r.json()["duplicate"] for r in responses) == 1
    assert await stored_counts(database) == (1, 1)
