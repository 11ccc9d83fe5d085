"""The floor: a bare Starlette app answering a small JSON document, served with the same uvicorn
flags as the API (`uvicorn floor:app --app-dir bench`). It reads the request body like the API
does, so the table's "ratio to floor" compares the API with HTTP + JSON and nothing else."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def answer(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse({"data": {"ping": "pong"}})


app = Starlette(routes=[Route("/", answer, methods=["GET", "POST"])])
