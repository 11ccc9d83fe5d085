"""Pricing is integer arithmetic that never goes negative or gives away more than it may."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.commerce.pricing import DiscountTerms, PriceLine, allocate, price_lines, round_half_up
from app.errors import Conflict

COURSES = [uuid.UUID(int=i + 1) for i in range(6)]

lines_st = st.lists(
    st.builds(
        PriceLine,
        course_id=st.sampled_from(COURSES),
        unit_price_minor=st.integers(0, 500_000),
        currency=st.just("USD"),
    ),
    max_size=6,
    unique_by=lambda line: line.course_id,
)
terms_st = st.one_of(
    st.none(),
    st.builds(
        DiscountTerms,
        percent_off=st.integers(1, 100),
        course_ids=st.one_of(st.none(), st.frozensets(st.sampled_from(COURSES), min_size=1)),
        min_order_minor=st.integers(0, 100_000),
    ),
    st.builds(
        DiscountTerms,
        amount_off_minor=st.integers(1, 1_000_000),
        currency=st.sampled_from(["USD", "EUR"]),
        course_ids=st.one_of(st.none(), st.frozensets(st.sampled_from(COURSES), min_size=1)),
        min_order_minor=st.integers(0, 100_000),
    ),
)


@settings(max_examples=50)
@given(lines=lines_st, terms=terms_st, rate=st.integers(0, 10_000))
def test_property_totals_add_up_and_never_go_negative(
    lines: list[PriceLine], terms: DiscountTerms | None, rate: int
) -> None:
    """Property (money): discount within the discountable subtotal, totals add up, non-negative,
    the per-line discounts add up to the order discount and stay within each line."""
    totals = price_lines(lines, terms=terms, tax_rate_bps=rate)
    discountable = sum(
        line.unit_price_minor
        for line in lines
        if terms is not None and terms.covers(line.course_id)
    )
    assert totals.subtotal_minor == sum(line.unit_price_minor for line in lines)
    assert 0 <= totals.discount_minor <= discountable
    assert totals.tax_minor >= 0
    assert totals.total_minor >= 0
    assert totals.total_minor == totals.subtotal_minor - totals.discount_minor + totals.tax_minor
    assert sum(line.discount_minor for line in totals.lines) == totals.discount_minor
    for line in totals.lines:
        assert 0 <= line.discount_minor <= line.unit_price_minor
        assert line.total_minor == line.unit_price_minor - line.discount_minor
    if terms is None or totals.subtotal_minor < terms.min_order_minor:
        assert totals.discount_minor == 0


@settings(max_examples=50)
@given(amount=st.integers(0, 10**9), weights=st.lists(st.integers(0, 10**6), max_size=8))
def test_property_allocation_is_exact_and_within_each_weight(
    amount: int, weights: list[int]
) -> None:
    amount = min(amount, sum(weights))
    shares = allocate(amount, weights)
    assert sum(shares) == amount
    assert all(0 <= s <= w for s, w in zip(shares, weights, strict=True))


def test_percentage_is_rounded_half_up() -> None:
    line = PriceLine(COURSES[0], 1005, "USD")
    assert price_lines([line], terms=DiscountTerms(percent_off=10)).discount_minor == 101
    assert round_half_up(5, 10) == 1
    assert round_half_up(4, 10) == 0


def test_tax_applies_after_the_discount_rounded_half_up() -> None:
    line = PriceLine(COURSES[0], 10_000, "USD")
    totals = price_lines([line], terms=DiscountTerms(percent_off=15), tax_rate_bps=825)
    assert (totals.discount_minor, totals.tax_minor, totals.total_minor) == (1500, 701, 9201)


def test_a_fixed_amount_never_exceeds_the_courses_it_covers() -> None:
    lines = [PriceLine(COURSES[0], 1000, "USD"), PriceLine(COURSES[1], 5000, "USD")]
    terms = DiscountTerms(amount_off_minor=3000, currency="USD", course_ids=frozenset(COURSES[:1]))
    totals = price_lines(lines, terms=terms)
    assert totals.discount_minor == 1000
    assert [line.discount_minor for line in totals.lines] == [1000, 0]


def test_a_fixed_amount_in_another_currency_discounts_nothing() -> None:
    line = PriceLine(COURSES[0], 1000, "USD")
    terms = DiscountTerms(amount_off_minor=300, currency="EUR")
    assert price_lines([line], terms=terms).discount_minor == 0


def test_lines_in_two_currencies_are_refused() -> None:
    lines = [PriceLine(COURSES[0], 1000, "USD"), PriceLine(COURSES[1], 1000, "EUR")]
    with pytest.raises(Conflict) as raised:
        price_lines(lines)
    assert raised.value.errors[0].code == "CURRENCY_MISMATCH"
