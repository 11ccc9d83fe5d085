"""The floor: a bare Starlette app answering a small JSON document, served with the same uvicorn
flags as the API (`uvicorn floor:app --app-dir bench`). It reads the request body like the API
does, so the table's "ratio to floor" compares the API with HTTP + JSON and nothing else.

`POST /payload` is the payload floor: it answers the bytes of the file BENCH_FLOOR_PAYLOAD names
(the runner writes there the anonymous catalogue page the API answered, before starting the
floor), read once at start and sent as they are — the least a server can do to return the cached
page: no GraphQL, no cache look-up, no serialisation."""

from __future__ import annotations

import os
from pathlib import Path

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


app = Starlette(
    routes=[
        Route("/", answer, methods=["GET", "POST"]),
        Route("/payload", payload, methods=["POST"]),
    ]
)
