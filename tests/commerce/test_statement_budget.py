"""Orders with their items and courses cost a fixed number of SQL statements, however many
orders a page or a `nodes` call holds (every relation goes through a batch loader)."""

from __future__ import annotations

import pytest

from app.accounts.models import User
from app.catalog.models import CourseStatus
from app.commerce.models import Order
from app.db import Database, count_statements
from tests.support import catalog as f
from tests.support.graphql import GraphQLClient
from tests.support.orders import paid_orders

ORDER = (
    "id number status total { amount currency formatted } refunded { amountMinor } "
    "invoiceUrl items { title unitPrice { amount } total { amountMinor } course { id title } }"
)
MY_ORDERS = "query($first: Int!) { myOrders(first: $first) { totalCount edges { node { %s } } } }"
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Order { %s } } }"

# viewer, page, COUNT, items, courses, the viewer's course access (a draft course is bought)
PAGE_BUDGET = 6
# viewer, orders, items, courses, the viewer's course access
NODES_BUDGET = 5


async def _buyer_with_orders(database: Database, count: int) -> tuple[User, list[Order]]:
    owner = await f.instructor(database)
    courses = await f.courses(database, owner.id, 5, modules=0, lessons=0)
    [draft] = await f.courses(
        database, owner.id, 1, modules=0, lessons=0, status=CourseStatus.DRAFT
    )
    buyer = await f.person(database)
    return buyer, await paid_orders(database, buyer, [draft, *courses], count)


async def _page(client: GraphQLClient, token: str, count: int) -> int:
    with count_statements(client.database.engine) as counter:
        outcome = await client.execute(MY_ORDERS % ORDER, {"first": count}, token=token)
    page = outcome.payload("myOrders")
    assert page["totalCount"] >= count
    assert len(page["edges"]) == count
    items = [i for e in page["edges"] for i in e["node"]["items"]]
    assert len(items) == 2 * count
    assert any(i["course"] is None for i in items)  # the draft is hidden from the buyer
    return counter.count


async def _nodes(client: GraphQLClient, token: str, orders: list[Order]) -> int:
    ids = [f.gid("Order", o.id) for o in orders]
    with count_statements(client.database.engine) as counter:
        outcome = await client.execute(NODES % ORDER, {"ids": ids}, token=token)
    found = outcome.payload("nodes")
    assert [n["id"] for n in found] == ids
    assert all(len(n["items"]) == 2 for n in found)
    return counter.count


@pytest.mark.parametrize("many", [20, 100])
async def test_my_orders_runs_the_same_statements_for_1_and_many_orders(
    client: GraphQLClient, database: Database, many: int
) -> None:
    buyer, _ = await _buyer_with_orders(database, many)
    token = f.token_for(client, buyer)

    one = await _page(client, token, 1)
    all_of_them = await _page(client, token, many)

    assert all_of_them == one, (one, all_of_them)
    assert one <= PAGE_BUDGET


@pytest.mark.parametrize("many", [20, 100])
async def test_orders_by_node_id_run_the_same_statements_for_1_and_many_orders(
    client: GraphQLClient, database: Database, many: int
) -> None:
    buyer, orders = await _buyer_with_orders(database, many)
    token = f.token_for(client, buyer)

    one = await _nodes(client, token, orders[:1])
    all_of_them = await _nodes(client, token, orders)

    assert all_of_them == one, (one, all_of_them)
    assert one <= NODES_BUDGET
