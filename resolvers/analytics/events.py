"""Root fields of learning events (admins only): the list, the NDJSON export and its state."""

from __future__ import annotations

import uuid

import strawberry

from app.analytics import event_export, learning_events
from app.errors import NotFound
from app.pagination import PageRequest
from schema.analytics.events import (
    ExportLearningEventsInput,
    ExportLearningEventsPayload,
    LearningEvent,
    LearningEventExport,
    LearningEventFilter,
    filter_of,
)
from schema.core.admin_only import admin_field
from schema.core.auth import require_actor
from schema.core.context import Info
from schema.core.mutation import Tx, mutation
from schema.core.relay import Connection, selects_total_count


@strawberry.type
class Query:
    @admin_field(
        description="Admins: recorded learning events, newest first, each with its xAPI statement."
    )
    async def learning_events(
        self,
        info: Info,
        filter: LearningEventFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[LearningEvent]:
        actor = await require_actor(info)
        where = filter_of(filter)
        request = PageRequest.create(first=first, after=after)
        async with info.context.db.session() as session:
            page = await learning_events.list_learning_events(
                session,
                actor=actor,
                where=where,
                request=request,
                with_total=selects_total_count(info),
            )
        return Connection[LearningEvent].from_page(page, lambda row: LearningEvent(row=row))

    @admin_field(description="Admins: an export of learning events and, once ready, its file.")
    async def learning_event_export(
        self, info: Info, id: strawberry.ID
    ) -> LearningEventExport | None:
        actor = await require_actor(info)
        try:
            export_id = uuid.UUID(str(id))
        except ValueError:
            raise NotFound("Learning event export") from None
        async with info.context.db.session() as session:
            row = await event_export.get_event_export(session, actor=actor, export_id=export_id)
        return LearningEventExport(model=row)

    @admin_field(description="Admins: the exports of learning events, newest first.")
    async def learning_event_exports(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[LearningEventExport]:
        actor = await require_actor(info)
        request = PageRequest.create(first=first, after=after)
        async with info.context.db.session() as session:
            page = await event_export.list_event_exports(
                session, actor=actor, request=request, with_total=selects_total_count(info)
            )
        return Connection[LearningEventExport].from_page(
            page, lambda row: LearningEventExport(model=row)
        )


@strawberry.type
class Mutation:
    @mutation(
        description="Admins: write the matching learning events as xAPI statements to an "
        "NDJSON file (a worker builds it; follow it with learningEventExport).",
        privileged=True,
    )
    async def export_learning_events(
        self, info: Info, input: ExportLearningEventsInput, tx: Tx
    ) -> ExportLearningEventsPayload:
        where = filter_of(input.filter)
        row = await event_export.request_event_export(tx.session, actor=tx.actor, where=where)
        return ExportLearningEventsPayload(export=LearningEventExport(model=row))
