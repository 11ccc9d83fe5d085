"""A course is bought once (issue 9, item 1): a course the buyer owns, or has in an unpaid order,
cannot be added or checked out again — also when two checkouts race — and an idempotency key
reused for another cart is a CONFLICT."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import update

from app import catalog
from app.accounts.models import User
from app.catalog.models import Course, PricingTier
from app.commerce import orders
from app.commerce.cart import apply_coupon, get_or_create_cart
from app.commerce.models import CartItem, Order, OrderItem, OrderStatus
from app.db import Database
from app.errors import Conflict, UserFacingError
from app.integrations.payments import PaymentGateway
from tests.support.catalog import enroll, gid, person, token_for
from tests.support.coupons import coupon, paid_course, used_count
from tests.support.graphql import GraphQLClient
from tests.support.orders import add, checkout, count, rows, two_orders_for_one_course

TWO_TIERS = (2000, 3500)


async def _refusal(call: Any) -> tuple[str | None, str]:
    with pytest.raises(UserFacingError) as caught:
        await call
    [error] = caught.value.errors
    return error.field, str(error.code)


# --- the issue, step by step --------------------------------------------------------------------


async def test_another_tier_of_a_course_in_an_unpaid_order_cannot_be_added(
    database: Database, gateway: PaymentGateway
) -> None:
    buyer, course = await person(database), await paid_course(database, prices=TWO_TIERS)
    await add(database, buyer, course)
    await checkout(database, gateway, buyer, key="a")

    refused = await _refusal(add(database, buyer, course, PricingTier.PRO))

    assert refused == ("course_id", "ORDER_PENDING")
    assert await count(database, CartItem) == 0


async def test_checkout_refuses_a_course_held_by_an_unpaid_order_and_changes_nothing(
    database: Database, gateway: PaymentGateway
) -> None:
    """The state a checkout racing an addToCart leaves: the course in the cart again while the
    first order for it is unpaid. The second checkout must not pass."""
    deal = await coupon(database, "TEN")
    buyer, course = await person(database), await paid_course(database, prices=TWO_TIERS)
    await add(database, buyer, course)
    first = await checkout(database, gateway, buyer, key="a")
    await _put_in_cart(database, buyer, course, PricingTier.PRO)
    await _apply(database, buyer, "TEN")

    refused = await _refusal(checkout(database, gateway, buyer, key="b"))

    assert refused == (None, "ORDER_PENDING")
    assert [o.id for o in await rows(database, Order)] == [first.order.id]
    assert await count(database, CartItem) == 1
    assert await used_count(database, deal.id) == 0


async def test_checkout_refuses_a_course_the_buyer_owns(
    database: Database, gateway: PaymentGateway
) -> None:
    buyer, course = await person(database), await paid_course(database)
    await add(database, buyer, course)
    await enroll(database, buyer.id, course.id)

    assert await _refusal(checkout(database, gateway, buyer)) == (None, "ALREADY_OWNED")
    assert await count(database, Order) == 0


async def test_an_unpaid_order_holds_its_courses_only_until_it_expires(
    database: Database, gateway: PaymentGateway
) -> None:
    bought = await two_orders_for_one_course(database, gateway)

    assert bought.second.id != bought.first.id
    [item] = await rows(database, OrderItem, OrderItem.order_id == bought.second.id)
    assert (item.course_id, item.tier) == (bought.course.id, PricingTier.PRO)


async def test_a_failed_order_holds_nothing(database: Database, gateway: PaymentGateway) -> None:
    buyer, course = await person(database), await paid_course(database)
    await add(database, buyer, course)
    first = await checkout(database, gateway, buyer, key="a")
    await _set_status(database, first.order.id, OrderStatus.FAILED)

    await add(database, buyer, course)
    assert (await checkout(database, gateway, buyer, key="b")).order.id != first.order.id


async def test_other_courses_stay_buyable_while_one_is_held(
    database: Database, gateway: PaymentGateway
) -> None:
    buyer = await person(database)
    held, other = await paid_course(database), await paid_course(database)
    await add(database, buyer, held)
    await checkout(database, gateway, buyer, key="a")

    await add(database, buyer, other)
    result = await checkout(database, gateway, buyer, key="b")

    assert [i.course_id for i in result.items] == [other.id]


async def test_racing_checkouts_of_one_course_make_one_order(
    database: Database, gateway: PaymentGateway
) -> None:
    """Each racer adds the course in its own tier and checks out with its own key, all at once:
    whatever the interleaving, one order holds the course and every other racer is refused."""
    buyer, course = await person(database), await paid_course(database, prices=(1000, 2000, 3000))
    tiers = [PricingTier.BASIC, PricingTier.PRO, PricingTier.PREMIUM, PricingTier.PRO]

    async def racer(i: int) -> orders.CheckoutResult:
        await add(database, buyer, course, tiers[i])
        await asyncio.sleep(0)
        return await checkout(database, gateway, buyer, key=f"k{i}")

    results = await asyncio.gather(*(racer(i) for i in range(len(tiers))), return_exceptions=True)

    made = [r for r in results if isinstance(r, orders.CheckoutResult)]
    refused = [r for r in results if not isinstance(r, orders.CheckoutResult)]
    assert len(made) == 1
    assert all(isinstance(r, UserFacingError) for r in refused), refused
    codes = {str(e.errors[0].code) for e in refused if isinstance(e, UserFacingError)}
    assert codes <= {"ORDER_PENDING", "CART_EMPTY"}
    assert await count(database, OrderItem, OrderItem.course_id == course.id) == 1


# --- idempotency keys ---------------------------------------------------------------------------


async def test_a_key_reused_for_another_cart_is_a_conflict_and_keeps_the_cart(
    database: Database, gateway: PaymentGateway
) -> None:
    buyer = await person(database)
    first_course, second_course = await paid_course(database), await paid_course(database)
    await add(database, buyer, first_course)
    first = await checkout(database, gateway, buyer, key="a")
    await add(database, buyer, second_course)

    with pytest.raises(Conflict) as caught:
        await checkout(database, gateway, buyer, key="a")

    assert [(e.field, e.code) for e in caught.value.errors] == [("idempotency_key", "CONFLICT")]
    assert [o.id for o in await rows(database, Order)] == [first.order.id]
    [kept] = await rows(database, CartItem)
    assert kept.course_id == second_course.id


async def test_a_key_replayed_with_the_cart_it_emptied_returns_its_order(
    database: Database, gateway: PaymentGateway
) -> None:
    buyer, course = await person(database), await paid_course(database)
    await add(database, buyer, course)
    first = await checkout(database, gateway, buyer, key="a")

    again = await checkout(database, gateway, buyer, key="a")

    assert (again.order.id, again.replayed, again.client_secret) == (
        first.order.id,
        True,
        first.client_secret,
    )


# --- over GraphQL -------------------------------------------------------------------------------

ADD = "addToCart"
CREATE = "createOrder"


async def test_the_issue_over_graphql_second_tier_and_reused_key(client: GraphQLClient) -> None:
    database = client.database
    buyer, course = await person(database), await paid_course(database, prices=TWO_TIERS)
    other = await paid_course(database)
    token = token_for(client, buyer)

    async def call(name: str, input_: dict[str, Any], fields: str) -> dict[str, Any]:
        outcome = await client.mutate(name, input_, fields, token=token)
        return outcome.payload(name)

    added = await call(
        ADD,
        {"courseId": gid("Course", course.id), "tier": "BASIC"},
        "cart { total { amountMinor } }",
    )
    assert added["errors"] == []
    made = await call(CREATE, {"idempotencyKey": "a"}, "order { id status }")
    assert made["order"]["status"] == "REQUIRES_PAYMENT"

    again = await call(
        ADD, {"courseId": gid("Course", course.id), "tier": "PRO"}, "cart { total { amountMinor } }"
    )
    assert [(e["field"], e["code"]) for e in again["errors"]] == [("courseId", "ORDER_PENDING")]

    await call(
        ADD,
        {"courseId": gid("Course", other.id), "tier": "BASIC"},
        "cart { total { amountMinor } }",
    )
    reused = await call(CREATE, {"idempotencyKey": "a"}, "order { id }")
    assert reused["order"] is None
    assert [(e["field"], e["code"]) for e in reused["errors"]] == [("idempotencyKey", "CONFLICT")]
    assert await count(database, Order) == 1


# --- helpers ------------------------------------------------------------------------------------


async def _put_in_cart(database: Database, buyer: User, course: Course, tier: PricingTier) -> None:
    """Put a line in the cart as an addToCart that raced the first checkout would."""
    async with database.transaction() as session:
        cart = await get_or_create_cart(session, user_id=buyer.id)
        [tiers] = await catalog.tiers_by_course_ids(session, [course.id])
        price = next(t for t in tiers if t.tier == tier)
        session.add(
            CartItem(
                cart_id=cart.id,
                course_id=course.id,
                tier=tier,
                unit_price_minor=price.price_minor,
                currency=price.currency,
            )
        )


async def _apply(database: Database, buyer: User, code: str) -> None:
    async with database.transaction() as session:
        await apply_coupon(session, user_id=buyer.id, code=code)


async def _set_status(database: Database, order_id: uuid.UUID, status: OrderStatus) -> None:
    async with database.transaction() as session:
        await session.execute(update(Order).where(Order.id == order_id).values(status=status))
