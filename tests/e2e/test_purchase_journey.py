"""SPEC §4, the paid path, against a real `easyways serve` process on the embedded servers:
browse → cart → coupon → idempotent order → a signed payment webhook (local provider) → the worker
enrolls the student → receipt e-mail in the outbox → the PDF invoice downloads.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.catalog.slugs import slugify
from tests.support.server import Client, Server, wait_for_eml_with_subject

pytestmark = pytest.mark.slow

STUDENT = {"email": "maria@easyways.example", "password": "Learn!Easyways2026"}
PAID_COURSE = slugify("Data Analysis with pandas")
ENROLLMENT_TIMEOUT_SECONDS = 60


def _order_fields() -> str:
    return (
        "order { id number status subtotal { amountMinor } discount { amountMinor } "
        "tax { amountMinor } total { amount amountMinor currency } }"
    )


def _wait_until_paid(student: Client, order_id: str) -> dict[str, Any]:
    query = "query($id: ID!) { order(id: $id) { status invoiceUrl items { course { slug } } } }"
    deadline = time.monotonic() + ENROLLMENT_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        order: dict[str, Any] = student.run(query, id=order_id)["order"]
        if order["status"] == "PAID" and order["invoiceUrl"]:
            return order
        time.sleep(0.5)
    raise AssertionError(f"order {order_id} not paid after {ENROLLMENT_TIMEOUT_SECONDS} s")


def test_a_student_buys_a_course_with_a_coupon_and_is_enrolled_by_the_webhook(
    server: Server,
    data_dir: Path,
) -> None:
    student = Client(server)
    student.token = student.mutate("login", STUDENT, "accessToken")["accessToken"]
    course = student.run(
        "query($slug: String!) { course(slug: $slug) { id isFree pricingTiers { tier } } }",
        slug=PAID_COURSE,
    )["course"]
    assert course["isFree"] is False

    student.mutate(
        "addToCart", {"courseId": course["id"], "tier": "PRO"}, "cart { total { amount } }"
    )
    cart = student.mutate(
        "applyCoupon",
        {"code": "welcome10"},
        "cart { subtotal { amountMinor } discount { amountMinor } "
        "total { amount amountMinor currency } }",
    )["cart"]
    subtotal, discount = cart["subtotal"]["amountMinor"], cart["discount"]["amountMinor"]
    assert discount == (subtotal * 10 + 50) // 100  # half-up
    assert cart["total"]["amountMinor"] == subtotal - discount

    checkout = {
        "idempotencyKey": "checkout-maria-1",
        "expectedTotal": {k: cart["total"][k] for k in ("amount", "currency")},
    }
    first = student.mutate("createOrder", checkout, f"{_order_fields()} clientSecret")
    replay = student.mutate("createOrder", checkout, f"{_order_fields()} clientSecret")
    assert replay["order"]["id"] == first["order"]["id"]
    assert replay["clientSecret"] == first["clientSecret"]
    order = first["order"]
    assert order["status"] in {"PENDING", "REQUIRES_PAYMENT"}
    assert order["total"]["amountMinor"] == cart["total"]["amountMinor"]
    assert order["total"]["amount"] == cart["total"]["amount"]  # the same decimal, major units

    # the local provider signs a payment_intent.succeeded event and delivers it to /webhooks/stripe
    student.mutate(
        "confirmTestPayment", {"orderId": order["id"], "outcome": "SUCCEEDED"}, "eventId"
    )
    paid = _wait_until_paid(student, order["id"])  # relay → Redis → worker → handler → receipt
    assert [item["course"]["slug"] for item in paid["items"]] == [PAID_COURSE]

    enrolled = student.run("{ myEnrollments { edges { node { course { slug } status } } } }")
    statuses = {
        e["node"]["course"]["slug"]: e["node"]["status"] for e in enrolled["myEnrollments"]["edges"]
    }
    assert statuses[PAID_COURSE] == "ACTIVE"

    receipt = wait_for_eml_with_subject(
        data_dir / "outbox", STUDENT["email"], f"Your receipt for order #{order['number']}"
    )
    assert "pandas" in receipt
    assert "application/pdf" in receipt  # the invoice travels as an attachment too
    invoice = httpx.get(paid["invoiceUrl"], timeout=30)
    assert invoice.status_code == 200
    assert invoice.content.startswith(b"%PDF")
