"""Money is one type (amount in major units, the minor-unit integer, an ISO 4217 enum, a display
string for the caller's locale); date-times must carry their time zone."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.errors import FieldError
from app.money import currencies, from_minor, minor_or_error

PRICE = """query($m: Int!, $c: String!) {
  price(minor: $m, currency: $c) { amount amountMinor currency formatted }
}"""


async def _price(
    client: httpx.AsyncClient, minor: int, currency: str, language: str | None = None
) -> dict[str, Any]:
    headers = {"Accept-Language": language} if language else {}
    response = await client.post(
        "/graphql", json={"query": PRICE, "variables": {"m": minor, "c": currency}}, headers=headers
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["price"]


async def test_money_has_major_units_minor_units_a_currency_code_and_a_display_string(
    client: httpx.AsyncClient,
) -> None:
    assert await _price(client, 1999, "USD") == {
        "amount": "19.99",
        "amountMinor": 1999,
        "currency": "USD",
        "formatted": "$19.99",
    }
    assert (await _price(client, 500, "JPY"))["amount"] == "500"
    assert (await _price(client, 1234, "BHD"))["amount"] == "1.234"


async def test_the_display_string_follows_accept_language(client: httpx.AsyncClient) -> None:
    assert (await _price(client, 123456, "EUR", "de-DE,de;q=0.9"))["formatted"] == "1.234,56\xa0€"
    assert (await _price(client, 123456, "EUR", "fr-FR"))["formatted"] == "1\u202f234,56\xa0€"
    assert (await _price(client, 123456, "EUR", "xx-unknown"))["formatted"] == "€1,234.56"


@given(st.sampled_from(currencies()), st.integers(min_value=0, max_value=10**12 - 1))
def test_minor_units_round_trip_through_major_units(currency: str, minor: int) -> None:
    assert minor_or_error(from_minor(minor, currency), currency, "price") == minor


@given(st.sampled_from(currencies()), st.integers(min_value=12, max_value=40))
def test_amounts_of_10_to_the_12_major_units_and_more_are_out_of_range(
    currency: str, digits: int
) -> None:
    """Beyond any price or coupon, and what keeps minor units far inside int64 (the fuzzer
    reached the database with 1e20)."""
    refused = minor_or_error(Decimal(10) ** digits, currency, "price")
    assert isinstance(refused, FieldError)
    assert refused.code == "OUT_OF_RANGE"


def test_more_decimals_than_the_currency_has_is_refused() -> None:
    too_precise = minor_or_error(Decimal("19.999"), "USD", "tiers[0].price")
    unknown = minor_or_error(Decimal("1"), "XYZ", "price")
    assert isinstance(too_precise, FieldError)
    assert too_precise.code == "TOO_PRECISE"
    assert too_precise.field == "tiers[0].price"
    assert isinstance(unknown, FieldError)
    assert unknown.code == "UNKNOWN_CURRENCY"


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("2026-12-02T09:30:00Z", True),
        ("2026-12-02T09:30:00+01:00", True),
        ("2026-12-02T09:30:00", False),
        ("2026-12-02", False),
        ("tomorrow", False),
    ],
)
async def test_date_times_need_a_time_zone(
    client: httpx.AsyncClient, value: str, accepted: bool
) -> None:
    response = await client.post(
        "/graphql",
        json={"query": "query($at: DateTime!) { moment(at: $at) }", "variables": {"at": value}},
    )
    body = response.json()
    if accepted:
        assert body["data"]["moment"].replace("+00:00", "Z") == value
    else:
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
