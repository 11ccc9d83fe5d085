"""Receipts: a PDF invoice (reportlab) stored per paid order, and the `order_receipt` e-mail.

`send_receipt` runs in the worker on `commerce.order_paid` (emitted when an order is paid). It is
idempotent: the invoice is stored under the deterministic key `invoices/<order id>.pdf` (a retry
overwrites it with the same document), and the e-mail is queued once per order — the order row
is locked and an existing `order_receipt` e-mail for it ends the job. The PDF is attached to the
e-mail (read from storage when it is sent) and the e-mail links to the order page, where
the order's invoice link (signed, expiring) downloads the same PDF.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import reportlab
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import User
from app.accounts.service import get_user
from app.commerce.models import Order, OrderItem, OrderStatus
from app.commerce.repo import items_of_order
from app.db import Database
from app.integrations.storage import Storage
from app.learning.pdf import format_date
from app.money import from_minor, precision
from app.notifications.models import EmailLog
from app.notifications.service import StoredAttachment, queue_email
from app.settings import Settings

RECEIPT_TEMPLATE = "order_receipt"
PDF_CONTENT_TYPE = "application/pdf"
BRAND = "EasywaysSkills"
REGULAR, BOLD = "Vera", "VeraBd"  # bundled with reportlab, embedded: any script prints
INK, MUTED, ACCENT = HexColor("#1f2933"), HexColor("#52606d"), HexColor("#2d5bd7")
PAGE_WIDTH, PAGE_HEIGHT = float(A4[0]), float(A4[1])
MARGIN = 56.0
RECEIPT_STATUSES = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED)


@dataclass(frozen=True)
class InvoiceLine:
    title: str
    tier: str
    unit_price_minor: int
    discount_minor: int
    total_minor: int


@dataclass(frozen=True)
class InvoiceContent:
    number: int
    issued_on: date
    customer_name: str
    customer_email: str
    currency: str
    lines: tuple[InvoiceLine, ...]
    subtotal_minor: int
    discount_minor: int
    tax_minor: int
    total_minor: int


@lru_cache(maxsize=1)
def _register_fonts() -> None:
    fonts = Path(reportlab.__file__).parent / "fonts"
    pdfmetrics.registerFont(TTFont(REGULAR, str(fonts / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(fonts / "VeraBd.ttf")))


def invoice_key(order_id: uuid.UUID) -> str:
    return f"invoices/{order_id}.pdf"


def invoice_filename(order: Order) -> str:
    return f"invoice-{order.number}.pdf"


def order_url(settings: Settings, order_id: uuid.UUID) -> str:
    return f"{settings.frontend_url.rstrip('/')}/account/orders/{order_id}"


def format_money(amount_minor: int, currency: str) -> str:
    """`USD 1,234.56`, `JPY 1,500`: as many decimals as the currency has."""
    sign = "-" if amount_minor < 0 else ""
    return f"{sign}{currency} {from_minor(abs(amount_minor), currency):,.{precision(currency)}f}"


def render_invoice(content: InvoiceContent) -> bytes:
    """A one-page A4 invoice (more lines flow onto further pages)."""
    _register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    canvas.setTitle(f"Invoice {content.number}")
    canvas.setAuthor(BRAND)
    y = _header(canvas, content)
    y = _lines(canvas, content, y)
    _totals(canvas, content, y)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _text(
    canvas: Canvas, x: float, y: float, text: str, font: str = REGULAR, size: float = 10
) -> None:
    canvas.setFont(font, size)
    canvas.drawString(x, y, text)


def _right(
    canvas: Canvas, x: float, y: float, text: str, font: str = REGULAR, size: float = 10
) -> None:
    canvas.setFont(font, size)
    canvas.drawRightString(x, y, text)


def _header(canvas: Canvas, content: InvoiceContent) -> float:
    canvas.setFillColor(ACCENT)
    _text(canvas, MARGIN, PAGE_HEIGHT - MARGIN, BRAND.upper(), BOLD, 14)
    canvas.setFillColor(INK)
    _text(canvas, MARGIN, PAGE_HEIGHT - MARGIN - 40, f"Invoice {content.number}", BOLD, 22)
    canvas.setFillColor(MUTED)
    top = PAGE_HEIGHT - MARGIN - 64
    _text(canvas, MARGIN, top, f"Date: {format_date(content.issued_on)}")
    _text(canvas, MARGIN, top - 14, f"Billed to: {content.customer_name}")
    _text(canvas, MARGIN, top - 28, content.customer_email)
    return top - 64


def _lines(canvas: Canvas, content: InvoiceContent, y: float) -> float:
    right = PAGE_WIDTH - MARGIN
    canvas.setFillColor(INK)
    _text(canvas, MARGIN, y, "Course", BOLD)
    _right(canvas, right - 160, y, "Price", BOLD)
    _right(canvas, right - 80, y, "Discount", BOLD)
    _right(canvas, right, y, "Amount", BOLD)
    y -= 18
    for line in content.lines:
        wrapped: list[str] = simpleSplit(f"{line.title} ({line.tier})", REGULAR, 10, 250)
        for index, part in enumerate(wrapped):
            if y < MARGIN + 80:
                canvas.showPage()
                y = PAGE_HEIGHT - MARGIN
            _text(canvas, MARGIN, y, part)
            if index == 0:
                _right(
                    canvas, right - 160, y, format_money(line.unit_price_minor, content.currency)
                )
                _right(canvas, right - 80, y, format_money(-line.discount_minor, content.currency))
                _right(canvas, right, y, format_money(line.total_minor, content.currency))
            y -= 14
        y -= 4
    return y


def _totals(canvas: Canvas, content: InvoiceContent, y: float) -> None:
    right = PAGE_WIDTH - MARGIN
    rows = [
        ("Subtotal", content.subtotal_minor),
        ("Discount", -content.discount_minor),
        ("Tax", content.tax_minor),
    ]
    canvas.line(right - 240, y, right, y)
    y -= 18
    for label, amount in rows:
        _text(canvas, right - 240, y, label)
        _right(canvas, right, y, format_money(amount, content.currency))
        y -= 14
    _text(canvas, right - 240, y - 4, "Total paid", BOLD, 12)
    _right(canvas, right, y - 4, format_money(content.total_minor, content.currency), BOLD, 12)


def invoice_content(order: Order, items: Sequence[OrderItem], user: User) -> InvoiceContent:
    paid = order.paid_at or order.created_at
    return InvoiceContent(
        number=order.number,
        issued_on=paid.date(),
        customer_name=f"{user.first_name} {user.last_name}".strip() or user.email,
        customer_email=user.email,
        currency=order.currency,
        lines=tuple(
            InvoiceLine(i.title, str(i.tier), i.unit_price_minor, i.discount_minor, i.total_minor)
            for i in items
        ),
        subtotal_minor=order.subtotal_minor,
        discount_minor=order.discount_minor,
        tax_minor=order.tax_minor,
        total_minor=order.total_minor,
    )


async def _load(
    session: AsyncSession, order_id: uuid.UUID, *, lock: bool = False
) -> tuple[Order, list[OrderItem], User] | None:
    stmt = select(Order).where(Order.id == order_id)
    order = (await session.execute(stmt.with_for_update() if lock else stmt)).scalar_one_or_none()
    if order is None or order.user_id is None or order.status not in RECEIPT_STATUSES:
        return None
    user = await get_user(session, order.user_id)
    if user is None:
        return None
    return order, await items_of_order(session, order_id), user


async def _receipt_queued(session: AsyncSession, order_id: uuid.UUID) -> bool:
    stmt = select(EmailLog.id).where(
        EmailLog.template == RECEIPT_TEMPLATE, EmailLog.context["order_id"].astext == str(order_id)
    )
    return (await session.execute(stmt.limit(1))).first() is not None


async def send_receipt(
    db: Database, storage: Storage, settings: Settings, *, order_id: uuid.UUID
) -> bool:
    """Store the invoice PDF and queue the receipt e-mail once; False when there is nothing to
    do (unknown or unpaid order, user gone, receipt already queued)."""
    async with db.session() as session:
        loaded = await _load(session, order_id)
    if loaded is None:
        return False
    order, items, user = loaded
    pdf = render_invoice(invoice_content(order, items, user))
    await storage.put(invoice_key(order_id), pdf, PDF_CONTENT_TYPE)
    async with db.transaction() as session:
        if await _load(session, order_id, lock=True) is None:
            return False
        if await _receipt_queued(session, order_id):
            return False
        await queue_email(
            session,
            to=user.email,
            template=RECEIPT_TEMPLATE,
            context=receipt_context(settings, order, items, user),
            user_id=user.id,
            attachments=[
                StoredAttachment(
                    invoice_key(order_id), f"invoice-{order.number}.pdf", PDF_CONTENT_TYPE
                )
            ],
        )
    return True


def receipt_context(
    settings: Settings, order: Order, items: Sequence[OrderItem], user: User
) -> dict[str, object]:
    return {
        "order_id": str(order.id),
        "first_name": user.first_name,
        "order_number": str(order.number),
        "lines": [
            {"title": i.title, "amount": format_money(i.total_minor, order.currency)} for i in items
        ],
        "discount": format_money(order.discount_minor, order.currency),
        "tax": format_money(order.tax_minor, order.currency),
        "total": format_money(order.total_minor, order.currency),
        "order_url": order_url(settings, order.id),
    }
