"""Receipts (issue 5): a paid order gets a PDF invoice in storage and one `order_receipt` e-mail;
and the whole paid path through the worker: webhook event → outbox relay → broker → actors."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import pypdf
import pytest

from app.commerce import invoices
from app.commerce.events import handle_payment_event
from app.commerce.models import Order, OrderStatus
from app.db import Database
from app.integrations.payments import PaymentGateway
from app.integrations.storage import LocalStorage, make_storage
from app.learning.models import Enrollment
from app.notifications.email import render_email
from app.notifications.models import EmailLog
from app.outbox import relay_once
from app.settings import get_settings
from tests.support.orders import checkout, count, order_row, paid_event, pending_order, rows


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(
        tmp_path / "storage", secret_key="k" * 40, public_url="http://api.test", download_ttl=60
    )


async def paid_order(database: Database, gateway: PaymentGateway) -> Order:
    order, _, _ = await pending_order(database, gateway)
    await handle_payment_event(
        database, payment_event_id=await paid_event(database, gateway, order)
    )
    return await order_row(database, order.id)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


async def test_a_paid_order_gets_a_pdf_invoice_with_its_number_lines_and_total(
    database: Database, gateway: PaymentGateway, storage: LocalStorage
) -> None:
    order = await paid_order(database, gateway)

    assert await invoices.send_receipt(database, storage, get_settings(), order_id=order.id)

    text = pdf_text(await storage.read(invoices.invoice_key(order.id)))
    assert f"Invoice {order.number}" in text
    items = await invoices_items(database, order)
    for title in items:
        assert title[:20] in text
    assert "USD 55.00" in text
    head = await storage.head(invoices.invoice_key(order.id))
    assert head is not None
    assert head.content_type == "application/pdf"


async def invoices_items(database: Database, order: Order) -> list[str]:
    from app.commerce.models import OrderItem

    return [i.title for i in await rows(database, OrderItem, OrderItem.order_id == order.id)]


async def test_the_receipt_email_is_queued_once_per_order(
    database: Database, gateway: PaymentGateway, storage: LocalStorage
) -> None:
    order = await paid_order(database, gateway)

    first = await invoices.send_receipt(database, storage, get_settings(), order_id=order.id)
    second = await invoices.send_receipt(database, storage, get_settings(), order_id=order.id)

    assert (first, second) == (True, False)
    [mail] = await rows(database, EmailLog, EmailLog.template == "order_receipt")
    assert mail.context["order_number"] == str(order.number)
    assert mail.context["total"] == "USD 55.00"
    assert mail.context["order_url"].endswith(f"/account/orders/{order.id}")


async def test_the_receipt_email_carries_the_pdf_invoice_as_an_attachment(
    database: Database, gateway: PaymentGateway, storage: LocalStorage, tmp_path: Path
) -> None:
    from email import message_from_bytes
    from email.policy import default as default_policy

    from app.integrations.mail import FileMailer
    from app.notifications.service import deliver_email

    order = await paid_order(database, gateway)
    await invoices.send_receipt(database, storage, get_settings(), order_id=order.id)
    [mail] = await rows(database, EmailLog, EmailLog.template == "order_receipt")

    await deliver_email(
        database, mail.id, mailer=FileMailer(tmp_path, sender="a@b.c"), storage=storage
    )

    [eml] = list(tmp_path.glob("*.eml"))  # noqa: ASYNC240 - a test reading one small file
    message = message_from_bytes(eml.read_bytes(), policy=default_policy)
    [pdf] = [
        part for part in message.iter_attachments() if part.get_content_type() == "application/pdf"
    ]
    assert pdf.get_filename() == f"invoice-{order.number}.pdf"
    text = pypdf.PdfReader(io.BytesIO(pdf.get_content())).pages[0].extract_text()
    assert str(order.number) in text
    assert message.get_body(preferencelist=("plain",)) is not None


async def test_concurrent_receipts_queue_one_email(
    database: Database, gateway: PaymentGateway, storage: LocalStorage
) -> None:
    order = await paid_order(database, gateway)

    done = await asyncio.gather(
        *(
            invoices.send_receipt(database, storage, get_settings(), order_id=order.id)
            for _ in range(3)
        )
    )

    assert sorted(done) == [False, False, True]
    assert await count(database, EmailLog, EmailLog.template == "order_receipt") == 1


async def test_an_unpaid_order_gets_no_receipt(
    database: Database, gateway: PaymentGateway, storage: LocalStorage
) -> None:
    order, _, _ = await pending_order(database, gateway)

    assert not await invoices.send_receipt(database, storage, get_settings(), order_id=order.id)

    assert await storage.head(invoices.invoice_key(order.id)) is None
    assert await count(database, EmailLog, EmailLog.template == "order_receipt") == 0


def test_the_receipt_template_renders_lines_and_totals() -> None:
    rendered = render_email(
        "order_receipt",
        {
            "order_id": "x",
            "first_name": "Ada",
            "order_number": "100001",
            "lines": [{"title": "Python <Basics>", "amount": "USD 20.00"}],
            "discount": "USD 0.00",
            "tax": "USD 0.00",
            "total": "USD 20.00",
            "order_url": "https://learn.example/account/orders/x",
        },
    )
    assert rendered.subject == "Your receipt for order #100001"
    assert "Python <Basics>: USD 20.00" in rendered.text
    assert "Python &lt;Basics&gt;" in rendered.html
    assert "Total paid: USD 20.00" in rendered.text
    assert "https://learn.example/account/orders/x" in rendered.html


@pytest.mark.parametrize(
    ("amount", "shown"), [(0, "USD 0.00"), (5, "USD 0.05"), (123456, "USD 1,234.56")]
)
def test_money_is_shown_with_two_decimals(amount: int, shown: str) -> None:
    assert invoices.format_money(amount, "USD") == shown


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [(1500, "JPY", "JPY 1,500"), (12345, "BHD", "BHD 12.345"), (-150, "EUR", "-EUR 1.50")],
)
def test_money_is_shown_with_the_decimals_of_its_currency(
    amount: int, currency: str, shown: str
) -> None:
    assert invoices.format_money(amount, currency) == shown


# --- the worker path ---------------------------------------------------------------------------


async def test_property_53_an_event_travels_relay_broker_and_actors_to_enrollment_and_receipt(
    database: Database, gateway: PaymentGateway, worker: Any
) -> None:
    from workers.broker import broker
    from workers.relay import dispatch

    broker.flush_all()
    order, buyer, courses = await pending_order(database, gateway)
    await paid_event(database, gateway, order)  # stored + outbox "commerce.payment_event"

    assert await relay_once(database, dispatch) == 1
    await asyncio.to_thread(broker.join, "default", timeout=20_000)
    assert (await order_row(database, order.id)).status == OrderStatus.PAID
    enrolled = await rows(database, Enrollment, Enrollment.student_id == buyer.id)
    assert {e.course_id for e in enrolled} == {c.id for c in courses}

    await relay_once(database, dispatch)  # "commerce.order_paid" (and enrollment e-mails)
    await asyncio.to_thread(broker.join, "default", timeout=20_000)
    [mail] = await rows(database, EmailLog, EmailLog.template == "order_receipt")
    assert mail.recipient == buyer.email
    assert await make_storage(get_settings()).head(invoices.invoice_key(order.id)) is not None


async def test_a_free_order_is_receipted_too(
    database: Database, gateway: PaymentGateway, storage: LocalStorage
) -> None:
    from tests.support.coupons import coupon
    from tests.support.orders import buyer_with_cart

    await coupon(database, "FREE", percent_off=100)
    buyer, _ = await buyer_with_cart(database, code="FREE")
    result = await checkout(database, gateway, buyer)

    assert await invoices.send_receipt(database, storage, get_settings(), order_id=result.order.id)

    assert "USD 0.00" in pdf_text(await storage.read(invoices.invoice_key(result.order.id)))
