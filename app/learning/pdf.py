"""The certificate PDF (reportlab): one landscape A4 page with the student's name, the course
title, the completion date, the certificate number and the public verification URL, printed and
as a QR code (vector, reportlab.graphics.barcode.qr).

Text is set in the Bitstream Vera TrueType font bundled with reportlab and embedded in the
file, so names outside ASCII print and stay extractable; long titles wrap and shrink to fit.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import reportlab
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

BRAND = "EasywaysSkills"
REGULAR, BOLD = "Vera", "VeraBd"
INK = HexColor("#1f2933")
MUTED = HexColor("#52606d")
ACCENT = HexColor("#2d5bd7")
PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
QR_SIZE = 120.0
MARGIN = 36.0


@dataclass(frozen=True)
class CertificateContent:
    student_name: str
    course_title: str
    completed_on: date
    certificate_number: str
    verification_url: str


@lru_cache(maxsize=1)
def _register_fonts() -> None:
    fonts = Path(reportlab.__file__).parent / "fonts"
    pdfmetrics.registerFont(TTFont(REGULAR, str(fonts / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(fonts / "VeraBd.ttf")))


def format_date(day: date) -> str:
    """`March 5, 2025` (English month names, independent of the process locale)."""
    months = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
    return f"{months[day.month - 1]} {day.day}, {day.year}"


def render_certificate(content: CertificateContent) -> bytes:
    """The certificate as PDF bytes (CPU-bound: call it off the event loop)."""
    _register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1)
    canvas.setTitle(f"Certificate {content.certificate_number}")
    canvas.setAuthor(BRAND)
    canvas.setSubject(f"{content.student_name} — {content.course_title}")
    _frame(canvas)
    _body(canvas, content)
    _footer(canvas, content)
    _qr_code(canvas, content.verification_url)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _frame(canvas: Canvas) -> None:
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(4)
    canvas.rect(MARGIN / 2, MARGIN / 2, PAGE_WIDTH - MARGIN, PAGE_HEIGHT - MARGIN)
    canvas.setLineWidth(1)
    canvas.rect(MARGIN, MARGIN, PAGE_WIDTH - 2 * MARGIN, PAGE_HEIGHT - 2 * MARGIN)


def _centred(canvas: Canvas, text: str, y: float, font: str, size: float) -> None:
    canvas.setFont(font, size)
    canvas.drawCentredString(PAGE_WIDTH / 2, y, text)


def _fitting_lines(text: str, font: str, size: float, width: float) -> tuple[list[str], float]:
    """`text` wrapped to `width`, shrinking the font until it takes at most two lines."""
    while True:
        lines: list[str] = simpleSplit(text, font, size, width)
        if len(lines) <= 2 or size <= 14:
            return lines, size
        size -= 2


def _body(canvas: Canvas, content: CertificateContent) -> None:
    width = PAGE_WIDTH - 4 * MARGIN
    canvas.setFillColor(ACCENT)
    _centred(canvas, BRAND.upper(), PAGE_HEIGHT - 90, BOLD, 14)
    canvas.setFillColor(INK)
    _centred(canvas, "Certificate of Completion", PAGE_HEIGHT - 140, BOLD, 34)
    canvas.setFillColor(MUTED)
    _centred(canvas, "This certifies that", PAGE_HEIGHT - 190, REGULAR, 14)
    canvas.setFillColor(INK)
    names, size = _fitting_lines(content.student_name, BOLD, 30, width)
    y = PAGE_HEIGHT - 232
    for line in names:
        _centred(canvas, line, y, BOLD, size)
        y -= size + 6
    canvas.setFillColor(MUTED)
    _centred(canvas, "has successfully completed the course", y - 8, REGULAR, 14)
    canvas.setFillColor(INK)
    titles, size = _fitting_lines(content.course_title, BOLD, 22, width)
    y -= 46
    for line in titles:
        _centred(canvas, line, y, BOLD, size)
        y -= size + 6
    canvas.setFillColor(MUTED)
    _centred(canvas, f"Completed on {format_date(content.completed_on)}", y - 14, REGULAR, 13)


def _footer(canvas: Canvas, content: CertificateContent) -> None:
    left = MARGIN + 24
    canvas.setFillColor(INK)
    canvas.setFont(BOLD, 11)
    canvas.drawString(left, MARGIN + 58, f"Certificate number: {content.certificate_number}")
    canvas.setFillColor(MUTED)
    canvas.setFont(REGULAR, 9)
    canvas.drawString(left, MARGIN + 42, "Verify this certificate at:")
    canvas.drawString(left, MARGIN + 28, content.verification_url)


def _qr_code(canvas: Canvas, url: str) -> None:
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(
        QR_SIZE, QR_SIZE, transform=[QR_SIZE / (x1 - x0), 0, 0, QR_SIZE / (y1 - y0), 0, 0]
    )
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, PAGE_WIDTH - MARGIN - 12 - QR_SIZE, MARGIN + 12)
