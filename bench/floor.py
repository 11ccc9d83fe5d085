"""The floor: a bare Starlette app answering a small JSON document, served with the same uvicorn
flags as the API (`uvicorn floor:app --app-dir bench`). It reads the request body like the API
does, so the table's "ratio to floor" compares the API with HTTP + JSON and nothing else.

`POST /payload` is the payload floor: it answers the bytes of the file BENCH_FLOOR_PAYLOAD names
(the runner writes there the anonymous catalogue page the API answered, before starting the
floor), read once at start and sent as they are — the least a server can do to return the cached
page: no GraphQL, no cache look-up, no serialisation.

Two more floors say what the parts the API cannot do without cost on their own, served the same
way: `POST /graphql-core` executes `{ ping }` with graphql-core (the executor under Strawberry) —
a document parsed and validated once at start, a plain resolver, no context, no limits;
`POST /one-read` answers after one round trip to PostgreSQL through an asyncpg pool (the
`SELECT` by primary key that a signed-in `me` needs at the least; BENCH_FLOOR_DATABASE_URL) — no
GraphQL at all. A ratio goal below what these reach cannot be met by any server built on them."""

from __future__ import annotations

import os
from collections.abc import Awaitable
from pathlib import Path

import asyncpg
import orjson
from graphql import (
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    execute,
    parse,
    validate,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

_PAYLOAD_FILE = os.environ.get("BENCH_FLOOR_PAYLOAD")
PAYLOAD = Path(_PAYLOAD_FILE).read_bytes() if _PAYLOAD_FILE else b""


async def answer(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse({"data": {"ping": "pong"}})


async def payload(request: Request) -> Response:
    await request.body()
    if not PAYLOAD:
        return JSONResponse({"errors": [{"message": "no BENCH_FLOOR_PAYLOAD"}]}, status_code=503)
    return Response(PAYLOAD, media_type="application/json")


_SCHEMA = GraphQLSchema(
    GraphQLObjectType(
        "Query",
        {"ping": GraphQLField(GraphQLNonNull(GraphQLString), resolve=lambda *_: "pong")},
    )
)
_PING = parse("{ ping }")
assert not validate(_SCHEMA, _PING)
_DATABASE_URL = os.environ.get("BENCH_FLOOR_DATABASE_URL")
_pool: asyncpg.Pool | None = None
_user_id: object = None


async def graphql_core(request: Request) -> Response:
    orjson.loads(await request.body())
    result = execute(_SCHEMA, _PING)
    assert not isinstance(result, Awaitable)
    return Response(orjson.dumps({"data": result.data}), media_type="application/json")


async def one_read(request: Request) -> Response:
    global _pool, _user_id
    orjson.loads(await request.body())
    if _DATABASE_URL is None:
        missing = {"errors": [{"message": "no BENCH_FLOOR_DATABASE_URL"}]}
        return JSONResponse(missing, status_code=503)
    if _pool is None:
        _pool = await asyncpg.create_pool(_DATABASE_URL, min_size=8, max_size=8)
        _user_id = await _pool.fetchval("SELECT id FROM users ORDER BY id LIMIT 1")
    row = await _pool.fetchrow("SELECT id, email FROM users WHERE id = $1", _user_id)
    data = {"data": {"me": {"id": str(row[0]), "email": row[1]}}} if row else {"data": None}
    return Response(orjson.dumps(data), media_type="application/json")


app = Starlette(
    routes=[
        Route("/", answer, methods=["GET", "POST"]),
        Route("/payload", payload, methods=["POST"]),
        Route("/graphql-core", graphql_core, methods=["POST"]),
        Route("/one-read", one_read, methods=["POST"]),
    ]
)
