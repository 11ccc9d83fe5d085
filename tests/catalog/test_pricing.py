"""Pricing tiers basic/pro/premium, free courses, and prices that are refused."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.catalog import repo, service
from app.catalog.models import PricingTier
from app.catalog.service import TierInput
from app.errors import UserFacingError
from tests.support.authoring import actor, course, snapshot


async def _set(database, owner, course_id, **kwargs):
    async with database.transaction() as session:
        return await service.set_course_pricing(session, actor=owner, course_id=course_id, **kwargs)


async def test_paid_course_gets_tiers_and_its_cheapest_price(database) -> None:
    owner = await actor(database)
    created = await course(database, owner)
    tiers = [
        TierInput(PricingTier.PRO, 4900, 9900, ["Quizzes", "Certificate"]),
        TierInput(PricingTier.BASIC, 1900),
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
    tiers = [TierInput(PricingTier.BASIC, 2900), TierInput(PricingTier.PREMIUM, 9900)]
    priced = await _set(database, owner, created.id, is_free=False, tiers=tiers)
    async with database.session() as session:
        stored = (await repo.tiers_by_course_ids(session, [created.id]))[0]
    assert [(t.tier, t.price_minor) for t in stored] == [
        (PricingTier.BASIC, 2900),
        (PricingTier.PREMIUM, 9900),
    ]
    assert stored[0].id == kept_id
    assert priced.min_price_minor == 2900


async def test_making_a_course_free_drops_its_tiers(database) -> None:
    owner = await actor(database)
    created = await course(database, owner)
    await _set(database, owner, created.id, is_free=False, tiers=[TierInput(PricingTier.PRO, 10)])
    free = await _set(database, owner, created.id, is_free=True)
    assert (free.is_free, free.min_price_minor) == (True, 0)
    async with database.session() as session:
        assert (await repo.tiers_by_course_ids(session, [created.id])) == [[]]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {"is_free": False, "tiers": [TierInput(PricingTier.BASIC, -1)]},
            {("tiers[0].price", "NEGATIVE_PRICE")},
        ),
        (
            {"is_free": False, "tiers": [TierInput(PricingTier.BASIC, 500, 400)]},
            {("tiers[0].originalPrice", "ORIGINAL_BELOW_PRICE")},
        ),
        (
            {
                "is_free": False,
                "tiers": [TierInput(PricingTier.PRO, 5), TierInput(PricingTier.PRO, 6)],
            },
            {("tiers[1].tier", "DUPLICATE_TIER")},
        ),
        ({"is_free": False, "tiers": []}, {("tiers", "PRICING_REQUIRED")}),
        (
            {"is_free": True, "tiers": [TierInput(PricingTier.BASIC, 5)]},
            {("tiers", "FREE_WITH_TIERS")},
        ),
        (
            {"is_free": False, "tiers": [TierInput(PricingTier.BASIC, 0, None, ["f" * 201])]},
            {("tiers[0].price", "ZERO_PRICE"), ("tiers[0].features[0]", "TOO_LONG")},
        ),
        (
            {"is_free": False, "tiers": [TierInput(PricingTier.BASIC, 5)], "currency": "usd"},
            {("currency", "INVALID")},
        ),
    ],
)
async def test_bad_pricing_is_rejected_and_changes_nothing(database, kwargs, expected) -> None:
    owner = await actor(database)
    created = await course(database, owner)
    await _set(database, owner, created.id, is_free=False, tiers=[TierInput(PricingTier.PRO, 99)])
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
    tiers = [TierInput(tier, price) for tier, price in prices.items()]
    if all(p > 0 for p in prices.values()):
        priced = await _set(database, owner, created.id, is_free=False, tiers=tiers)
        assert priced.min_price_minor == min(prices.values())
    else:
        with pytest.raises(UserFacingError):
            await _set(database, owner, created.id, is_free=False, tiers=tiers)
