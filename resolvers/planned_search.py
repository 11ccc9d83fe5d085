"""Planned reads of search: `searchCourses` answered without the general executor.

The search results page (bench/scenarios/searchCourses.graphql) is a course connection with
`correctedQuery` and `facets` beside it. The search itself is the resolver's own
(`resolvers.search.run_search`): the same service call with the same arguments, the same decision
to count the total and the facets, the same trending count (a first page) and the same effect
noted for the response cache, which replays it on every hit (`note_search`). The courses are
written by the catalog's documents statement (`course_connection`); `correctedQuery` and `facets`
by `Plan.plain` from the very values the executor reads (`SearchFacets.from_facets`).

The resolver decides on the total and the facets with `schema.core.relay.selects`, which looks
through fragments but not at @skip/@include: a skipped `facets` still computes the facets, and so
changes the result count recorded for trending. `_asks_for` decides the same way, so both paths
count the same. Every selection is checked before the search runs: a search counts once, so
nothing may fall back to the executor after it (short of a course deleted meanwhile).
"""

from __future__ import annotations

from typing import Any, cast

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLObjectType,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
)

from app.search.interface import SearchResult
from resolvers.catalog.planned import PageRead, course_connection, query_arguments
from resolvers.search import note_search, run_search
from schema.core.context import Context
from schema.core.planned import FALLBACK, Plan, RootPlanner, Unplannable
from schema.search import SearchFacets

_PLAIN_FIELDS = ("correctedQuery", "facets")  # written by `Plan.plain`


def _asks_for(plan: Plan, nodes: list[FieldNode], name: str) -> bool:
    """Whether the selection under `nodes` names the field `name`, directly or in fragments,
    whatever their directives say (as `schema.core.relay.selects` decides)."""
    return any(
        node.selection_set is not None and _names(plan, node.selection_set, name) for node in nodes
    )


def _names(plan: Plan, selection_set: SelectionSetNode, name: str) -> bool:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value == name:
                return True
        elif isinstance(selection, InlineFragmentNode):
            if _names(plan, selection.selection_set, name):
                return True
        elif isinstance(selection, FragmentSpreadNode):
            fragment = plan.fragments.get(selection.name.value)
            if fragment is not None and _names(plan, fragment.selection_set, name):
                return True
    return False


def _check_plain_fields(plan: Plan, connection: GraphQLObjectType, nodes: list[FieldNode]) -> None:
    """Unplannable unless `Plan.plain` can write what is selected under `correctedQuery` and
    `facets` (checked before the search counts)."""
    for field_nodes in plan.fields(connection, nodes).values():
        name = field_nodes[0].name.value
        if name in _PLAIN_FIELDS:
            plan.check_plain(connection.fields[name].type, field_nodes)


async def plan_search_courses(plan: Plan, definition: GraphQLField, nodes: list[FieldNode]) -> Any:
    """`searchCourses(query, filter, sort, first, after)` over covered selections."""
    if len(nodes) != 1:
        return FALLBACK
    connection = cast(GraphQLObjectType, get_named_type(definition.type))
    _check_plain_fields(plan, connection, nodes)
    arguments = query_arguments(plan, "searchCourses", definition, nodes[0])
    context: Context = plan.context
    searched: list[SearchResult] = []

    async def read(selected: frozenset[str]) -> PageRead:
        # `selected` (after @skip/@include) is not what the resolver decides by: see the module
        # docstring
        result = await run_search(
            context,
            query=arguments["query"],
            filter=arguments.get("filter"),
            sort=arguments["sort"],
            first=arguments.get("first"),
            after=arguments.get("after"),
            with_total=_asks_for(plan, nodes, "totalCount"),
            with_facets=_asks_for(plan, nodes, "facets"),
            ids_only=True,
        )
        searched.append(result)
        return result.page, result

    def corrected_query(result: SearchResult, _: Any, field_nodes: list[FieldNode]) -> Any:
        field_type = connection.fields["correctedQuery"].type
        return plan.plain(result.corrected_query, field_type, field_nodes)

    def facets(result: SearchResult, _: Any, field_nodes: list[FieldNode]) -> Any:
        if result.facets is None:  # cannot happen: selected facets are always computed
            raise Unplannable("search without facets")
        value = SearchFacets.from_facets(result.facets)
        return plan.plain(value, connection.fields["facets"].type, field_nodes)

    value = await course_connection(
        plan, definition, nodes, read, {"correctedQuery": corrected_query, "facets": facets}
    )
    for result in searched:  # noted once the answer is complete, as the executor's would be
        note_search(context, result)
    return value


ROOTS: dict[str, RootPlanner] = {"searchCourses": plan_search_courses}
