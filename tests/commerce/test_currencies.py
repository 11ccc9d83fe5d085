"""Only money one can be charged in: codes that are not legal tender (XXX, XTS, gold, SDR, bond
units, funds codes) are refused by prices, coupons, expected totals and the CurrencyCode enum."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.catalog import service as catalog
from app.catalog.models import PricingTier
from app.catalog.service import TierInput
from app.commerce.coupon_admin import CouponDraft, create_coupon
from app.commerce.models import DiscountType
from app.db import Database
from app.errors import FieldError, UserFacingError
from app.money import NOT_TENDER, Amount, currencies, is_currency, minor_or_error
from app.security.permissions import Actor
from schema.core.money import CurrencyCode
from tests.support.authoring import actor, course
from tests.support.coupons import admin
from tests.support.graphql import GraphQLClient

NOT_MONEY = sorted(NOT_TENDER)


@given(code=st.sampled_from(NOT_MONEY))
def test_a_code_that_is_not_tender_is_no_currency(code: str) -> None:
    assert not is_currency(code)
    assert code not in currencies()
    assert code not in CurrencyCode.__members__
    refused = minor_or_error(Decimal("10"), code, "price")
    assert isinstance(refused, FieldError)
    assert refused.code == "UNKNOWN_CURRENCY"


def test_the_currencies_of_the_world_stay_accepted() -> None:
    assert {"USD", "EUR", "JPY", "BHD", "XAF", "XOF", "XCD", "XPF", "CHF", "CLP"} <= set(
        currencies()
    )


@pytest.mark.parametrize("code", ["XXX", "XTS", "XAU", "XDR", "XBA", "CLF", "BOV"])
async def test_a_course_cannot_be_priced_in_a_code_that_is_not_tender(
    database: Database, code: str
) -> None:
    owner = await actor(database)
    created = await course(database, owner)
    tier = TierInput(PricingTier.BASIC, Decimal("10"), None, ())

    with pytest.raises(UserFacingError) as caught:
        async with database.transaction() as session:
            await catalog.set_course_pricing(
                session,
                actor=owner,
                course_id=created.id,
                is_free=False,
                tiers=[tier],
                currency=code,
            )

    assert [(e.field, e.code) for e in caught.value.errors] == [("currency", "UNKNOWN_CURRENCY")]


@pytest.mark.parametrize("code", ["XXX", "XAG", "XPT", "COU"])
async def test_a_coupon_cannot_take_an_amount_in_a_code_that_is_not_tender(
    database: Database, code: str
) -> None:
    manager = Actor.of(await admin(database))
    draft = CouponDraft(
        code="NOTMONEY",
        discount_type=DiscountType.FIXED,
        amount_off=Amount(Decimal("5"), code),
        min_order=Amount(Decimal("20"), code),
    )

    with pytest.raises(UserFacingError) as caught:
        async with database.transaction() as session:
            await create_coupon(session, actor=manager, draft=draft)

    assert {(e.field, e.code) for e in caught.value.errors} == {
        ("amount_off", "UNKNOWN_CURRENCY"),
        ("min_order", "UNKNOWN_CURRENCY"),
    }


async def test_money_input_refuses_xxx_before_anything_runs(client: GraphQLClient) -> None:
    outcome = await client.execute(
        'mutation { createOrder(input: {idempotencyKey: "k", expectedTotal: '
        '{amount: "10", currency: XXX}}) { errors { code } } }'
    )
    assert outcome.data is None
    assert outcome.codes == ["GRAPHQL_VALIDATION_FAILED"]
