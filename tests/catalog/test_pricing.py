"""Pricing tiers basic/pro/premium in major units, free courses, and prices that are refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.catalog import repo, service
from app.catalog.models import PricingTier
from app.catalog.service import TierInput
from app.errors import UserFacingError
from tests.support.authoring import actor, course, snapshot


def _tier(tier: PricingTier, price: str, original: str | None = None, *features: str) -> TierInput:
    return TierInput(
        tier, Decimal(price), None if original is None else Decimal(original), features
    )


async def _set(database, owner, course_id, **kwargs):
    async with database.transaction() as session:
        return await service.set_course_pricing(session, actor=owner, course_id=course_id, **kwargs)


async def test_paid_course_gets_tiers_and_its_cheapest_price(database) -> None:
    owner = await actor(database)
    created = await course(database, owner)
    tiers = [
        _tier(PricingTier.PRO, "49", "99.00", "Quizzes", "Certificate"),
        _tier(PricingTier.BASIC, "19.00"),
    ]
    priced = await _set(database, owner, created.id, is_free=False, tiers=tiers, currency="EUR")
    assert (priced.is_free, priced.min_price_minor, priced.currency) == (False, 1900, "EUR")
    async with database.session() as session:
        stored = (await repo.tiers_by_course_ids(session, [created.id]))[0]
    assert [(t.tier, t.price_minor, t.original_price_minor, t.features) for t in stored] == [
        (PricingTier.BASIC, 1900, None, []),
        (PricingTier.PRO, 4900, 9900, ["Quizzes", "Certificate"]),
    ]
    kept_id = stored[0].id
    # replacing: basic stays (same row), pro goes, premium arrives
    tiers = [_tier(PricingTier.BASIC, "29"), _tier(PricingTier.PREMIUM, "99")]
    priced = await _set(database, owner, created.id, is_free=False, tiers=tiers)
    async with database.session() as session:
        stored = (await repo.tiers_by_course_ids(session, [created.id]))[0]
    assert [(t.tier, t.price_minor) for t in stored] == [
        (PricingTier.BASIC, 2900),
        (PricingTier.PREMIUM, 9900),
    ]
    assert stored[0].id == kept_id
    assert priced.min_price_minor == 2900


async def test_prices_are_stored_in_the_minor_units_of_their_currency(database) -> None:
    owner = await actor(database)
    created = await course(database, owner)
    yen = await _set(
        database,
        owner,
        created.id,
        is_free=False,
        tiers=[_tier(PricingTier.BASIC, "1500"), _tier(PricingTier.PRO, "3000", "4500")],
        currency="JPY",
    )
    assert (yen.min_price_minor, yen.currency) == (1500, "JPY")
    dinar = await _set(
        database,
        owner,
        created.id,
        is_free=False,
        tiers=[_tier(PricingTier.BASIC, "1.234")],
        currency="BHD",
    )
    assert (dinar.min_price_minor, dinar.currency) == (1234, "BHD")


async def test_making_a_course_free_drops_its_tiers(database) -> None:
    owner = await actor(database)
    created = await course(database, owner)
    await _set(database, owner, created.id, is_free=False, tiers=[_tier(PricingTier.PRO, "0.10")])
    free = await _set(database, owner, created.id, is_free=True)
    assert (free.is_free, free.min_price_minor) == (True, 0)
    async with database.session() as session:
        assert (await repo.tiers_by_course_ids(session, [created.id])) == [[]]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {"is_free": False, "tiers": [_tier(PricingTier.BASIC, "-0.01")]},
            {("tiers[0].price", "NEGATIVE_PRICE")},
        ),
        (
            {"is_free": False, "tiers": [_tier(PricingTier.BASIC, "5", "4.99")]},
            {("tiers[0].original_price", "ORIGINAL_BELOW_PRICE")},
        ),
        (
            {"is_free": False, "tiers": [_tier(PricingTier.BASIC, "100000.01")]},
            {("tiers[0].price", "PRICE_TOO_HIGH")},
        ),
        (
            {
                "is_free": False,
                "tiers": [_tier(PricingTier.PRO, "5"), _tier(PricingTier.PRO, "6")],
            },
            {("tiers[1].tier", "DUPLICATE_TIER")},
        ),
        ({"is_free": False, "tiers": []}, {("tiers", "PRICING_REQUIRED")}),
        (
            {"is_free": True, "tiers": [_tier(PricingTier.BASIC, "5")]},
            {("tiers", "FREE_WITH_TIERS")},
        ),
        (
            {"is_free": False, "tiers": [_tier(PricingTier.BASIC, "0", None, "f" * 201)]},
            {("tiers[0].price", "ZERO_PRICE"), ("tiers[0].features[0]", "TOO_LONG")},
        ),
        (
            {"is_free": False, "tiers": [_tier(PricingTier.BASIC, "19.999", "29.999")]},
            {("tiers[0].price", "TOO_PRECISE"), ("tiers[0].original_price", "TOO_PRECISE")},
        ),
        (
            {"is_free": False, "tiers": [_tier(PricingTier.BASIC, "19.5")], "currency": "JPY"},
            {("tiers[0].price", "TOO_PRECISE")},
        ),
        (
            {"is_free": False, "tiers": [_tier(PricingTier.BASIC, "5")], "currency": "usd"},
            {("currency", "UNKNOWN_CURRENCY")},
        ),
    ],
)
async def test_bad_pricing_is_rejected_and_changes_nothing(database, kwargs, expected) -> None:
    owner = await actor(database)
    created = await course(database, owner)
    await _set(database, owner, created.id, is_free=False, tiers=[_tier(PricingTier.PRO, "0.99")])
    before = await snapshot(database, created.id)
    with pytest.raises(UserFacingError) as caught:
        await _set(database, owner, created.id, **kwargs)
    assert {(e.field, e.code) for e in caught.value.errors} == expected
    assert await snapshot(database, created.id) == before


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    prices=st.dictionaries(st.sampled_from(list(PricingTier)), st.integers(-5, 10**7), min_size=1)
)
async def test_min_price_is_the_cheapest_tier_and_any_negative_price_is_refused(
    database, prices
) -> None:
    owner = await actor(database)
    created = await course(database, owner)
    tiers = [TierInput(tier, Decimal(price).scaleb(-2)) for tier, price in prices.items()]
    if all(p > 0 for p in prices.values()):
        priced = await _set(database, owner, created.id, is_free=False, tiers=tiers)
        assert priced.min_price_minor == min(prices.values())
    else:
        with pytest.raises(UserFacingError):
            await _set(database, owner, created.id, is_free=False, tiers=tiers)
