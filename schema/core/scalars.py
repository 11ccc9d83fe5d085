"""Scalars that differ from strawberry's defaults.

- `DateTime`: date-times carry their time zone, and stay within the supported range once
  converted to UTC (years 1-9999): `9999-12-31T23:59:59-14:00` is a value the API cannot take,
  nor are the very first and last instants of that range (PostgreSQL drivers store them as
  ±infinity and read them back without a time zone).
- `Decimal`: a finite decimal (a string, or a number) below 10^15 in size with at most 12
  decimals: amounts, prices and refunds stay exact and within what the database stores.
- `JSON`: a value within the limits of `schema.core.values.check_json` on the way in; on the way
  out, whatever a row holds is made encodable (`readable_json`), so a read never fails.

A value a scalar refuses is a BAD_USER_INPUT error (`ScalarValueError`), as a variable and as a
literal alike.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import dateutil.parser
from strawberry.scalars import JSON
from strawberry.types.scalar import scalar

from schema.core.values import check_json, readable_json

EDGES = (datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC))
OUT_OF_RANGE = "DateTime values lie between years 1 and 9999 in UTC (not at their very edges)"


class ScalarValueError(ValueError):
    """A value a scalar of ours refuses: BAD_USER_INPUT, whether a variable or a literal."""


def parse_aware_datetime(value: object) -> datetime:
    """An ISO 8601 date-time with an offset (`2026-12-02T09:30:00Z`, `…+01:00`); a time without
    a zone is ambiguous and refused."""
    if not isinstance(value, str):
        raise ScalarValueError("DateTime values are ISO 8601 strings")
    try:
        parsed: datetime = dateutil.parser.isoparse(value)
    except (ValueError, OverflowError) as exc:
        raise ScalarValueError(f"Not an ISO 8601 date-time: {exc}") from exc
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ScalarValueError("DateTime values need a time zone offset, e.g. 2026-12-02T09:30:00Z")
    try:
        utc = parsed.astimezone(UTC)
    except OverflowError as exc:
        raise ScalarValueError(OUT_OF_RANGE) from exc
    if utc in EDGES:  # the driver stores these two as ±infinity and reads them back naive
        raise ScalarValueError(OUT_OF_RANGE)
    return parsed


MAX_DECIMAL_DIGITS = 15  # integer digits: below 10^15
MAX_DECIMAL_PLACES = 12


def parse_decimal(value: object) -> Decimal:
    """A finite decimal within the supported size and precision (exact: never via a float)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ScalarValueError('Decimal values are strings ("19.99") or numbers')
    try:
        parsed = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ScalarValueError("Not a decimal number") from exc
    if not parsed.is_finite():
        raise ScalarValueError("Decimal values are finite numbers")
    if parsed != 0 and parsed.adjusted() >= MAX_DECIMAL_DIGITS:
        raise ScalarValueError(f"Decimal values are below 10^{MAX_DECIMAL_DIGITS} in size")
    exponent = parsed.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMAL_PLACES:
        parsed = parsed.normalize()  # 1.5000000000000000 is fine: trailing zeros say nothing
        exponent = parsed.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -MAX_DECIMAL_PLACES:
            raise ScalarValueError(f"Decimal values have at most {MAX_DECIMAL_PLACES} decimals")
    return parsed


def parse_json(value: object) -> object:
    try:
        return check_json(value)
    except ValueError as exc:
        raise ScalarValueError(str(exc)) from exc


AwareDateTime: Any = scalar(
    name="DateTime",
    description="An ISO 8601 date-time with its time zone offset (2026-12-02T09:30:00Z).",
    serialize=datetime.isoformat,
    parse_value=parse_aware_datetime,
)
BoundedDecimal: Any = scalar(
    name="Decimal",
    description='An exact decimal number, written as a string ("19.99"): finite, below 10^15 '
    "in size, at most 12 decimals.",
    serialize=str,
    parse_value=parse_decimal,
)
BoundedJSON: Any = scalar(
    name="JSON",
    description="A JSON value: at most 10 levels deep and 16 KiB encoded; numbers within the "
    "64-bit integer range.",
    serialize=readable_json,
    parse_value=parse_json,
)
SCALAR_OVERRIDES: dict[object, Any] = {
    datetime: AwareDateTime,
    Decimal: BoundedDecimal,
    JSON: BoundedJSON,
}
