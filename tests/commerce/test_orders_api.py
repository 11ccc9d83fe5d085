"""The orders API: createOrder (input key or Idempotency-Key header), myOrders, order(id)."""

from __future__ import annotations

from typing import Any

from app.accounts.models import User, UserRole
from app.commerce.models import Order, OrderStatus
from app.db import Database
from tests.support.catalog import gid, person, token_for
from tests.support.graphql import GraphQLClient
from tests.support.orders import buyer_with_cart, count

ORDER_FIELDS = (
    "order { id number status subtotal { amount currency } discount { amountMinor } "
    "tax { amountMinor } total { amount amountMinor currency formatted } "
    "refunded { amountMinor } "
    "items { title tier unitPrice { amount } discount { amount } total { amount } "
    "course { id } } invoiceUrl } clientSecret"
)
MY_ORDERS = (
    "query($after: String) { myOrders(first: 1, after: $after) "
    "{ edges { node { id status } } pageInfo { hasNextPage endCursor } } }"
)
ORDER = "query($id: ID!) { order(id: $id) { id total { amountMinor } items { title } } }"


async def create(
    client: GraphQLClient, user: User, input_: dict[str, Any], **kw: Any
) -> dict[str, Any]:
    outcome = await client.mutate(
        "createOrder", input_, ORDER_FIELDS, token=token_for(client, user), **kw
    )
    return outcome.payload("createOrder")


async def test_create_order_returns_the_order_and_client_secret(
    client: GraphQLClient, database: Database
) -> None:
    buyer, courses = await buyer_with_cart(database)

    payload = await create(client, buyer, {"idempotencyKey": "checkout-1"})

    assert payload["errors"] == []
    order = payload["order"]
    assert order["status"] == "REQUIRES_PAYMENT"
    assert order["total"] == {
        "amount": "55.00",
        "amountMinor": 5500,
        "currency": "USD",
        "formatted": "$55.00",
    }
    assert order["subtotal"] == {"amount": "55.00", "currency": "USD"}
    assert order["refunded"] == {"amountMinor": 0}
    assert [i["title"] for i in order["items"]] == [c.title for c in courses]
    assert [i["unitPrice"]["amount"] for i in order["items"]] == ["20.00", "35.00"]
    assert order["items"][0]["course"]["id"] == gid("Course", courses[0].id)
    assert order["invoiceUrl"] is None
    assert payload["clientSecret"]


async def test_the_idempotency_key_header_is_honoured(
    client: GraphQLClient, database: Database
) -> None:
    buyer, _ = await buyer_with_cart(database)

    first = await create(client, buyer, {}, headers={"Idempotency-Key": "hdr-1"})
    again = await create(client, buyer, {}, headers={"Idempotency-Key": "hdr-1"})

    assert first["order"]["id"] == again["order"]["id"]
    assert first["clientSecret"] == again["clientSecret"]
    assert await count(database, Order) == 1


async def test_a_used_key_with_another_input_is_a_conflict_error(
    client: GraphQLClient, database: Database
) -> None:
    buyer, _ = await buyer_with_cart(database)
    await create(client, buyer, {"idempotencyKey": "k"})

    payload = await create(
        client,
        buyer,
        {"idempotencyKey": "k", "expectedTotal": {"amount": "55.00", "currency": "USD"}},
    )

    assert payload["order"] is None
    assert payload["errors"] == [
        {
            "field": "idempotencyKey",
            "message": "This idempotency key was used for a different request",
            "code": "CONFLICT",
        }
    ]


async def test_the_expected_total_is_money_in_the_carts_currency(
    client: GraphQLClient, database: Database
) -> None:
    buyer, _ = await buyer_with_cart(database)
    expected = {"amount": "55.00", "currency": "USD"}

    changed = await create(
        client, buyer, {"idempotencyKey": "k", "expectedTotal": {**expected, "amount": "50"}}
    )
    precise = await create(
        client, buyer, {"idempotencyKey": "k", "expectedTotal": {**expected, "amount": "55.001"}}
    )
    euro = await create(
        client, buyer, {"idempotencyKey": "k", "expectedTotal": {**expected, "currency": "EUR"}}
    )
    right = await create(client, buyer, {"idempotencyKey": "k", "expectedTotal": expected})
    replay = await create(
        client, buyer, {"idempotencyKey": "k", "expectedTotal": {**expected, "amount": "55"}}
    )

    assert [(e["field"], e["code"]) for e in changed["errors"]] == [
        ("expectedTotal", "TOTAL_CHANGED")
    ]
    assert [(e["field"], e["code"]) for e in precise["errors"]] == [
        ("expectedTotal", "TOO_PRECISE")
    ]
    assert [(e["field"], e["code"]) for e in euro["errors"]] == [
        ("expectedTotal", "CURRENCY_MISMATCH")
    ]
    assert right["errors"] == []
    assert right["order"]["total"]["amountMinor"] == 5500
    assert replay["order"]["id"] == right["order"]["id"]
    assert await count(database, Order) == 1


async def test_a_checkout_without_any_key_is_refused(
    client: GraphQLClient, database: Database
) -> None:
    buyer, _ = await buyer_with_cart(database)

    payload = await create(client, buyer, {})

    assert [e["code"] for e in payload["errors"]] == ["REQUIRED"]
    assert await count(database, Order) == 0


async def test_checkout_needs_a_signed_in_buyer(client: GraphQLClient, database: Database) -> None:
    outcome = await client.mutate("createOrder", {"idempotencyKey": "k"}, ORDER_FIELDS)

    assert outcome.codes == ["UNAUTHENTICATED"]


async def test_my_orders_lists_the_buyers_orders_newest_first(
    client: GraphQLClient, database: Database
) -> None:
    buyer, _ = await buyer_with_cart(database, prices=(1000,))
    older = await create(client, buyer, {"idempotencyKey": "a"})
    await buyer_with_cart_again(database, buyer)
    newer = await create(client, buyer, {"idempotencyKey": "b"})
    other, _ = await buyer_with_cart(database, prices=(1000,))
    await create(client, other, {"idempotencyKey": "a"})

    token = token_for(client, buyer)
    page1 = (await client.execute(MY_ORDERS, token=token)).payload("myOrders")
    cursor = page1["pageInfo"]["endCursor"]
    page2 = (await client.execute(MY_ORDERS, {"after": cursor}, token=token)).payload("myOrders")

    assert [e["node"]["id"] for e in page1["edges"]] == [newer["order"]["id"]]
    assert [e["node"]["id"] for e in page2["edges"]] == [older["order"]["id"]]
    assert not page2["pageInfo"]["hasNextPage"]


async def buyer_with_cart_again(database: Database, buyer: User) -> None:
    from tests.support.coupons import paid_course
    from tests.support.orders import fill_cart

    await fill_cart(database, buyer, [await paid_course(database, prices=(700,))])


async def test_an_order_is_visible_to_its_buyer_and_admins_only(
    client: GraphQLClient, database: Database
) -> None:
    buyer, _ = await buyer_with_cart(database)
    order_id = (await create(client, buyer, {"idempotencyKey": "k"}))["order"]["id"]
    stranger = await person(database)
    admin = await person(database, UserRole.ADMIN)

    mine = await client.execute(ORDER, {"id": order_id}, token=token_for(client, buyer))
    theirs = await client.execute(ORDER, {"id": order_id}, token=token_for(client, stranger))
    admins = await client.execute(ORDER, {"id": order_id}, token=token_for(client, admin))

    assert mine.payload("order")["total"] == {"amountMinor": 5500}
    assert (theirs.data, theirs.codes) == ({"order": None}, ["NOT_FOUND"])
    assert theirs.errors[0].path == ["order"]
    assert admins.payload("order")["id"] == order_id


async def test_an_unknown_order_id_is_not_found(client: GraphQLClient, database: Database) -> None:
    buyer = await person(database)

    outcome = await client.execute(ORDER, {"id": "not-an-id"}, token=token_for(client, buyer))

    assert (outcome.data, outcome.codes) == ({"order": None}, ["NOT_FOUND"])


async def test_a_paid_order_offers_its_invoice(client: GraphQLClient, database: Database) -> None:
    from sqlalchemy import update

    buyer, _ = await buyer_with_cart(database)
    order_id = (await create(client, buyer, {"idempotencyKey": "k"}))["order"]["id"]
    async with database.transaction() as session:
        await session.execute(update(Order).values(status=OrderStatus.PAID))

    query = "query($id: ID!) { order(id: $id) { status invoiceUrl } }"
    found = (await client.execute(query, {"id": order_id}, token=token_for(client, buyer))).payload(
        "order"
    )

    assert found["status"] == "PAID"
    assert "/files/download/" in found["invoiceUrl"]
