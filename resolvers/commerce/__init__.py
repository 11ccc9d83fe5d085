"""Commerce root fields, by feature (cart, coupons, orders, checkout, payments, refunds,
subscriptions, revenue), merged into one `Query` and one `Mutation`; live order status in
`Subscription`."""

from __future__ import annotations

from strawberry.tools import merge_types

from resolvers.commerce import (
    cart,
    checkout,
    coupons,
    order_status,
    orders,
    payments,
    refunds,
    revenue,
    subscriptions,
)

Query = merge_types(
    "CommerceQuery",
    (cart.Query, coupons.Query, orders.Query, subscriptions.Query, revenue.Query),
)
Mutation = merge_types(
    "CommerceMutation",
    (
        cart.Mutation,
        coupons.Mutation,
        orders.Mutation,
        checkout.Mutation,
        payments.Mutation,
        refunds.Mutation,
        subscriptions.Mutation,
    ),
)

Subscription = merge_types("CommerceSubscription", (order_status.Subscription,))

__all__ = ["Mutation", "Query", "Subscription"]
