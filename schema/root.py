"""Stitches the root Query / Mutation / Subscription types of every domain into one schema.

Adding a domain is one line in the lists below (its `resolvers/<domain>.py` root types).
`build_schema` adds the protections: parse and validation caches, token, depth, alias and
directive limits, valid text in every string, cost limit, rate limits, error codes (see
schema/core/limits.py, values.py, extensions.py).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from functools import lru_cache, partial
from typing import Any

import strawberry
from graphql import ASTValidationRule, GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from app.settings import Settings, get_settings
from resolvers import planned_accounts as accounts_planned
from resolvers import planned_search as search_planned
from resolvers.accounts import Mutation as AccountsMutation
from resolvers.accounts import Query as AccountsQuery
from resolvers.admin import Mutation as AdminMutation
from resolvers.admin import Query as AdminQuery
from resolvers.analytics.dashboards import Mutation as DashboardsMutation
from resolvers.analytics.dashboards import Query as DashboardsQuery
from resolvers.analytics.events import Mutation as AnalyticsEventsMutation
from resolvers.analytics.events import Query as AnalyticsEventsQuery
from resolvers.assessments import Mutation as AssessmentsMutation
from resolvers.assessments import Query as AssessmentsQuery
from resolvers.catalog import Mutation as CatalogMutation
from resolvers.catalog import Query as CatalogQuery
from resolvers.catalog import planned as catalog_planned
from resolvers.cms import Mutation as CmsMutation
from resolvers.cms import Query as CmsQuery
from resolvers.commerce import Mutation as CommerceMutation
from resolvers.commerce import Query as CommerceQuery
from resolvers.commerce import Subscription as CommerceSubscription
from resolvers.communication import Mutation as CommunicationMutation
from resolvers.communication import Query as CommunicationQuery
from resolvers.communication import Subscription as CommunicationSubscription
from resolvers.learning import Mutation as LearningMutation
from resolvers.learning import Query as LearningQuery
from resolvers.media import Mutation as MediaMutation
from resolvers.notifications import Mutation as NotificationsMutation
from resolvers.notifications import Query as NotificationsQuery
from resolvers.notifications import Subscription as NotificationsSubscription
from resolvers.oidc import Mutation as OidcMutation
from resolvers.oidc import Query as OidcQuery
from resolvers.partners import Mutation as PartnersMutation
from resolvers.partners import Query as PartnersQuery
from resolvers.privacy import Mutation as PrivacyMutation
from resolvers.privacy import Query as PrivacyQuery
from resolvers.search import Query as SearchQuery
from resolvers.webhooks import Mutation as WebhooksMutation
from resolvers.webhooks import Query as WebhooksQuery
from resolvers.webhooks import Subscription as WebhooksSubscription
from schema.core.errors import ErrorCode, normalise_errors
from schema.core.extensions import OperationGuard
from schema.core.fanout import SharedEventExecutor
from schema.core.limits import alias_rule, depth_rule
from schema.core.planned import PlannedReads
from schema.core.relay import BadUserInput, NodeQuery
from schema.core.runner import LeanExtensionsRunner
from schema.core.scalars import SCALAR_OVERRIDES
from schema.core.values import ValidTextRule

CACHE_SIZE = 512
MAX_PINGS = 100


@strawberry.type
class SystemQuery:
    @strawberry.field(description="Liveness of the GraphQL layer.")
    def ping(self) -> str:
        return "pong"


@strawberry.type
class SystemSubscription:
    @strawberry.subscription(
        description="Connectivity check for live clients: yields `pong` `count` times "
        f"(1-{MAX_PINGS}), then completes."
    )
    async def ping(self, count: int = 1) -> AsyncGenerator[str, None]:
        if not 1 <= count <= MAX_PINGS:
            raise BadUserInput(f"`count` must be between 1 and {MAX_PINGS}")
        for _ in range(count):
            yield "pong"


# --- the domains' root types: one line per domain --------------------------------------------

QUERIES: list[type] = [
    SystemQuery,
    NodeQuery,
    AccountsQuery,
    CatalogQuery,
    LearningQuery,
    SearchQuery,
    AssessmentsQuery,
    CommerceQuery,
    CommunicationQuery,
    CmsQuery,
    NotificationsQuery,
    PartnersQuery,
    AdminQuery,
    WebhooksQuery,
    DashboardsQuery,
    PrivacyQuery,
    OidcQuery,
    AnalyticsEventsQuery,
]
MUTATIONS: list[type] = [
    AccountsMutation,
    CatalogMutation,
    MediaMutation,
    LearningMutation,
    AssessmentsMutation,
    CommerceMutation,
    CommunicationMutation,
    CmsMutation,
    NotificationsMutation,
    PartnersMutation,
    AdminMutation,
    WebhooksMutation,
    DashboardsMutation,
    PrivacyMutation,
    OidcMutation,
    AnalyticsEventsMutation,
]
SUBSCRIPTIONS: list[type] = [
    SystemSubscription,
    CommunicationSubscription,
    NotificationsSubscription,
    CommerceSubscription,
    WebhooksSubscription,
]


class EasywaysSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Give every error its code and request id (in place), log unexpected ones."""
        normalise_errors(errors, execution_context)

    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        return LeanExtensionsRunner(execution_context, extensions)


def _merge(name: str, types: Sequence[type]) -> Any:
    return merge_types(name, tuple(types)) if types else None


def build_schema(
    settings: Settings | None = None,
    *,
    queries: Sequence[type] = (),
    mutations: Sequence[type] = (),
    subscriptions: Sequence[type] = (),
    types: Sequence[type] = (),
) -> EasywaysSchema:
    """The schema with every domain plus `queries`/`mutations`/`subscriptions` (used by tests)."""
    settings = settings or get_settings()
    rules: tuple[type[ASTValidationRule], ...] = (
        depth_rule(settings.graphql_max_depth),
        alias_rule(settings.graphql_max_aliases),
        ValidTextRule,
    )
    return EasywaysSchema(
        query=_merge("Query", [*QUERIES, *queries]),
        mutation=_merge("Mutation", [*MUTATIONS, *mutations]),
        subscription=_merge("Subscription", [*SUBSCRIPTIONS, *subscriptions]),
        types=[ErrorCode, *types],
        scalar_overrides=SCALAR_OVERRIDES,
        execution_context_class=SharedEventExecutor,
        # one extension: token limit, parse cache, extra rules, validation cache, guard
        extensions=[
            partial(
                OperationGuard,
                settings.graphql_max_tokens,
                rules,
                CACHE_SIZE,
                PlannedReads(
                    {**catalog_planned.ROOTS, **search_planned.ROOTS, **accounts_planned.ROOTS}
                ),
            )
        ],
    )


@lru_cache(maxsize=8)
def _schema_for(max_depth: int, max_aliases: int, max_tokens: int) -> EasywaysSchema:
    settings = get_settings().model_copy(
        update={
            "graphql_max_depth": max_depth,
            "graphql_max_aliases": max_aliases,
            "graphql_max_tokens": max_tokens,
        }
    )
    return build_schema(settings)


def schema_for(settings: Settings) -> EasywaysSchema:
    """The (shared) production schema for these limits."""
    return _schema_for(
        settings.graphql_max_depth, settings.graphql_max_aliases, settings.graphql_max_tokens
    )


schema = schema_for(get_settings())
