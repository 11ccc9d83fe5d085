"""Planned reads of the catalog: `courses` and `course` answered by one documents statement.

A selection over `Course` and what hangs beneath it (modules → lessons, category, instructor,
tags, pricing tiers, prices, the viewer's enrollment, `__typename` anywhere) becomes a shape for
`app.catalog.documents`, prepared once per selection of a document; one statement writes each
course's JSON, which goes into the response as bytes. The course list itself (filter, sort,
cursors, `totalCount`) is read by the very function its resolver calls, in the same session as the
documents statement; a single course is looked up, and the visibility of courses and lesson
content decided, in the documents statement (the rules of `app.catalog.visibility`, for the
caller checked as resolvers check them). Anything else — a field the documents do not cover
(`Lesson.resources`, `Instructor.user`, `Enrollment.nextLesson`, …), a course that is missing or
hidden, a bad argument — falls back to the executor, which answers exactly as it always has (see
schema/core/planned.py).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

import orjson
from graphql import FieldNode, GraphQLField, GraphQLObjectType, get_named_type
from strawberry.types.arguments import convert_arguments

from app.accounts.models import User, UserRole
from app.catalog import documents, reads
from app.catalog.documents import IMAGE_MARKER, MONEY_MARKER, TYPENAME, Shape
from app.catalog.visibility import manages_courses
from app.media import attached_url
from app.pagination import Page, PageRequest
from schema.core.auth import actor_of, row_check_only, user_of
from schema.core.context import Context
from schema.core.money import formatted
from schema.core.planned import FALLBACK, Plan, RootPlanner, SelectionMemo, Unplannable
from schema.core.relay import node_uuid

# GraphQL type → the documents entity that writes it
ENTITY_OF_TYPE = {
    "Course": "course",
    "CourseModule": "module",
    "Lesson": "lesson",
    "LessonContent": "content",
    "Category": "category",
    "Instructor": "instructor",
    "Tag": "tag",
    "PricingTier": "tier",
    "Money": "money",
    "Enrollment": "enrollment",
}


@lru_cache(maxsize=512)
def python_name(graphql_name: str) -> str:
    """strawberry's naming, backwards: `averageRating` → `average_rating`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", graphql_name).lower()


def shape_of(plan: Plan, parent: GraphQLObjectType, nodes: Sequence[FieldNode]) -> Shape:
    """The documents shape of the selection under `nodes` on `parent` (Unplannable when it asks
    for anything the documents do not write)."""
    entity = ENTITY_OF_TYPE.get(parent.name)
    if entity is None:
        raise Unplannable(parent.name)
    shape: list[tuple[str, str, Shape | None]] = []
    for key, field_nodes in plan.fields(parent, nodes).items():
        name = field_nodes[0].name.value
        if name == TYPENAME:
            shape.append((key, TYPENAME, None))
            continue
        definition = parent.fields.get(name)
        attribute = python_name(name)
        if definition is None or definition.args or not documents.covers(entity, attribute):
            raise Unplannable(f"{parent.name}.{name}")
        child = documents.relation_entity(entity, attribute)
        if child is None:
            shape.append((key, attribute, None))
            continue
        child_type = get_named_type(definition.type)
        if not isinstance(child_type, GraphQLObjectType) or (
            ENTITY_OF_TYPE.get(child_type.name) != child
        ):
            raise Unplannable(f"{parent.name}.{name}")
        shape.append((key, attribute, shape_of(plan, child_type, field_nodes)))
    return tuple(shape)


# per selection (its field nodes, kept alive here so their ids are not reused): the prepared
# shape; a selection whose @skip/@include read variables is prepared per request
_PREPARED: SelectionMemo[documents.Prepared] = SelectionMemo()


def prepared_of(
    plan: Plan, parent: GraphQLObjectType, nodes: Sequence[FieldNode]
) -> documents.Prepared:
    """`shape_of` the selection, prepared (statements built) once per selection of a document:
    parsed documents are kept by the parse cache, so a repeated query brings the same nodes."""
    return _PREPARED.get(plan, (), nodes, lambda: documents.Prepared(shape_of(plan, parent, nodes)))


async def viewer_of_documents(context: Context, prepared: documents.Prepared) -> documents.Viewer:
    """Who reads, as far as the documents care: anonymous unless the selection opens lesson
    content (then the caller is checked, as `Lesson.content` checks them: a rejected session is
    the executor's UNAUTHENTICATED). Courses that are not published need the caller too; for an
    anonymous reader they are simply not written, and the executor answers for them. A caller
    whose session Redis has already vouched for (or who has none) is checked by the documents
    statement itself (`documents.WHO`: no separate statement for the user's row)."""
    if not prepared.needs_viewer:
        return documents.ANONYMOUS
    claims = context.claims
    if claims is not None and row_check_only(context):
        return documents.Viewer(claims.sub, claims.ver, _manager_roles(context, claims.sub))
    return await signed_in_viewer(context)


def _manager_roles(context: Context, user_id: uuid.UUID) -> tuple[str, ...]:
    """The roles with which the caller would manage courses (the session's `amr`, the MFA
    policy and an API key's scopes count as well as the role: `actor_of`)."""
    return tuple(
        role.value
        for role in UserRole
        if manages_courses(actor_of(context, cast("User", _Principal(user_id, role))))
    )


@dataclass(frozen=True)
class _Principal:
    id: uuid.UUID
    role: UserRole


async def signed_in_viewer(context: Context) -> documents.Viewer:
    """The caller as a documents viewer, checked here (a rejected session raises, as it does
    for resolvers)."""
    user = await user_of(context)
    if user is None:
        return documents.ANONYMOUS
    managing = manages_courses(actor_of(context, user))
    return documents.Viewer(user.id, user.token_version, (str(user.role),) if managing else ())


async def checked_documents(
    context: Context,
    prepared: documents.Prepared,
    viewer: documents.Viewer,
    *,
    ids: Sequence[uuid.UUID] = (),
    slug: str | None = None,
) -> dict[uuid.UUID, documents.CourseDocument]:
    """The documents `viewer` may see (`documents.course_documents`), once the caller check the
    statement made has passed: a caller it refused is the executor's to answer
    (UNAUTHENTICATED); when nothing was written the statement said nothing of the caller, who is
    then checked here."""
    written = await documents.course_documents(
        context.db, prepared, ids=ids, slug=slug, viewer=viewer
    )
    if viewer.id is None or written.caller:
        return written.found
    if written.caller is False:
        raise Unplannable("the caller check failed")
    await user_of(context)
    return written.found


async def course_documents_of(
    context: Context, ids: Sequence[uuid.UUID], prepared: documents.Prepared
) -> list[orjson.Fragment]:
    """Each course's document, in order (Unplannable when one is not written)."""
    viewer = await viewer_of_documents(context, prepared)
    found = await checked_documents(context, prepared, viewer, ids=ids)
    return await _fragments(context, prepared, [found.get(id_) for id_ in ids])


async def _fragments(
    context: Context,
    prepared: documents.Prepared,
    found: Sequence[documents.CourseDocument | None],
) -> list[orjson.Fragment]:
    """The documents as response bytes, markers replaced: an image by its URL, an amount by its
    text for the caller's locale. Unplannable when a document is missing (deleted meanwhile,
    or hidden: the executor says which)."""
    written = [document for document in found if document is not None]
    if len(written) != len(found):
        raise Unplannable("course not written")
    images = [i for document in written if (i := document.image_asset_id) is not None]
    urls: dict[uuid.UUID, bytes] = {}
    if images:
        assets = await context.loaders.media.assets.load_many(images)
        for asset_id, asset in zip(images, assets, strict=True):
            urls[asset_id] = orjson.dumps(attached_url(context.storage, asset))
    out = []
    for document in written:
        body = document.json
        if document.image_asset_id is not None:
            body = body.replace(IMAGE_MARKER, urls[document.image_asset_id])
        if prepared.formats_money:
            body = MONEY_MARKER.sub(lambda m: _formatted(m, context.locale), body)
        out.append(orjson.Fragment(body))
    return out


def _formatted(marker: re.Match[bytes], locale: str) -> bytes:
    return orjson.dumps(formatted(int(marker[1]), marker[2].decode(), locale))


def query_arguments(
    plan: Plan, field_name: str, definition: GraphQLField, node: FieldNode
) -> dict[str, Any]:
    """The field's arguments as its resolver receives them (strawberry's input objects, enums)."""
    strawberry_schema = plan.schema._strawberry_schema  # type: ignore[attr-defined]
    field = strawberry_schema.get_field_for_type(field_name=field_name, type_name="Query")
    return convert_arguments(
        plan.arguments(definition, node),
        field.arguments,
        scalar_registry=strawberry_schema.schema_converter.scalar_registry,
        config=strawberry_schema.config,
    )


def _page_info(
    plan: Plan, parent: GraphQLObjectType, nodes: list[FieldNode], page: Page[Any]
) -> dict[str, Any]:
    values = {
        "hasNextPage": page.has_next,
        "hasPreviousPage": page.has_previous,
        "startCursor": page.cursors[0] if page.cursors else None,
        "endCursor": page.cursors[-1] if page.cursors else None,
        TYPENAME: parent.name,
    }
    out = {}
    for key, field_nodes in plan.fields(parent, nodes).items():
        name = field_nodes[0].name.value
        if name not in values:
            raise Unplannable(f"PageInfo.{name}")
        out[key] = values[name]
    return out


# what a connection's reader returns: the page of course ids, and whatever the extras read from
PageRead = tuple[Page[uuid.UUID], Any]
# a connection field beside edges/pageInfo/totalCount: (what the reader returned, the field's
# type, its nodes) → its value
Extra = Callable[[Any, GraphQLObjectType | None, list[FieldNode]], Any]


async def course_connection(
    plan: Plan,
    definition: GraphQLField,
    nodes: list[FieldNode],
    read: Callable[[frozenset[str]], Awaitable[PageRead]],
    extras: dict[str, Extra] | None = None,
) -> Any:
    """A connection of courses: `edges { cursor node }`, `pageInfo`, `totalCount`, `__typename`
    and the `extras`. `read(selected field names)` reads the page, then one documents
    statement per node shape writes its nodes; every selection is checked, and every node shape
    built, before anything runs."""
    if len(nodes) != 1:
        return FALLBACK
    extras = extras or {}
    connection = cast(GraphQLObjectType, get_named_type(definition.type))
    edge_type = cast(GraphQLObjectType, get_named_type(connection.fields["edges"].type))
    parts: list[tuple[str, str, Any]] = []
    for key, field_nodes in plan.fields(connection, nodes).items():
        name = field_nodes[0].name.value
        if name == "edges":
            parts.append((key, name, _edge_fields(plan, edge_type, field_nodes)))
        elif name in ("totalCount", "pageInfo", TYPENAME) or name in extras:
            parts.append((key, name, field_nodes))
        else:
            raise Unplannable(f"{connection.name}.{name}")
    context: Context = plan.context
    page, found = await read(frozenset(name for _, name, _ in parts))
    written: dict[int, list[orjson.Fragment]] = {}
    for _, name, edge_fields in parts:
        for _, _, prepared in edge_fields if name == "edges" else ():
            if prepared is not None and id(prepared) not in written:
                written[id(prepared)] = await course_documents_of(context, page.items, prepared)
    out: dict[str, Any] = {}
    for key, name, extra in parts:
        if name == TYPENAME:
            out[key] = connection.name
        elif name == "totalCount":
            out[key] = page.total_count
        elif name == "pageInfo":
            info_type = cast(GraphQLObjectType, get_named_type(connection.fields["pageInfo"].type))
            out[key] = _page_info(plan, info_type, extra, page)
        elif name == "edges":
            out[key] = [
                {
                    edge_key: written[id(prepared)][index]
                    if prepared is not None
                    else cursor
                    if edge_name == "cursor"
                    else edge_type.name
                    for edge_key, edge_name, prepared in extra
                }
                for index, cursor in enumerate(page.cursors)
            ]
        else:
            named = get_named_type(connection.fields[name].type)
            object_type = named if isinstance(named, GraphQLObjectType) else None
            out[key] = extras[name](found, object_type, extra)
    return out


def _edge_fields(
    plan: Plan, edge_type: GraphQLObjectType, nodes: list[FieldNode]
) -> list[tuple[str, str, documents.Prepared | None]]:
    """(key, field, prepared node shape or None) of each selection of an edge."""
    fields: list[tuple[str, str, documents.Prepared | None]] = []
    for key, edge_nodes in plan.fields(edge_type, nodes).items():
        name = edge_nodes[0].name.value
        if name == "node":
            course_type = cast(GraphQLObjectType, get_named_type(edge_type.fields["node"].type))
            fields.append((key, name, prepared_of(plan, course_type, edge_nodes)))
        elif name in ("cursor", TYPENAME):
            fields.append((key, name, None))
        else:
            raise Unplannable(f"{edge_type.name}.{name}")
    return fields


async def plan_courses(plan: Plan, definition: GraphQLField, nodes: list[FieldNode]) -> Any:
    """`courses(filter, sort, first, after, last, before)` over covered node selections."""
    arguments = query_arguments(plan, "courses", definition, nodes[0])
    request = PageRequest.create(
        first=arguments.get("first"),
        after=arguments.get("after"),
        last=arguments.get("last"),
        before=arguments.get("before"),
    )
    filter_ = arguments.get("filter")

    async def read(selected: frozenset[str]) -> PageRead:
        page = await reads.list_course_ids(
            plan.context.db,
            filter_args=filter_.to_args() if filter_ is not None else None,
            sort=arguments["sort"].value,
            request=request,
            with_total="totalCount" in selected,
        )
        return page, None

    return await course_connection(plan, definition, nodes, read)


async def plan_course(plan: Plan, definition: GraphQLField, nodes: list[FieldNode]) -> Any:
    """`course(id | slug)` of a course the viewer may see, over a covered selection: the lookup,
    visibility and content access are in the documents statement; a course it does not write
    (missing, hidden) is the executor's NOT_FOUND."""
    if len(nodes) != 1:
        return FALLBACK
    arguments = plan.arguments(definition, nodes[0])
    id_, slug = arguments.get("id"), arguments.get("slug")
    if (id_ is None) == (slug is None):
        return FALLBACK  # the executor's BAD_USER_INPUT
    course_type = cast(GraphQLObjectType, get_named_type(definition.type))
    prepared = prepared_of(plan, course_type, nodes)
    context: Context = plan.context
    viewer = await viewer_of_documents(context, prepared)
    ids = [node_uuid(id_, "Course")] if id_ is not None else ()
    key = slug.strip().lower() if slug is not None else None
    found = await checked_documents(context, prepared, viewer, ids=ids, slug=key)
    if not found and viewer is documents.ANONYMOUS and context.claims is not None:
        # not published: whether a signed-in caller may see it depends on who they are
        viewer = await signed_in_viewer(context)
        found = await checked_documents(context, prepared, viewer, ids=ids, slug=key)
    return (await _fragments(context, prepared, [next(iter(found.values()), None)]))[0]


ROOTS: dict[str, RootPlanner] = {"courses": plan_courses, "course": plan_course}
