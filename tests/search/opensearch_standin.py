"""A local stand-in of an OpenSearch node for the index-management calls the backend makes
(create / get / delete indices, aliases, bulk writes with external versions, refresh), served
over HTTP to the real opensearch-py client. Searches are answered crudely: every document the
index holds is a hit (the query is not evaluated), scored 1.0, in the requested order of the
stored fields, from `search_after`, `size` of them, without aggregations; `_msearch` answers
each search so. Relevance, filters and facets are checked on a real node by
tests/search/contract (OPENSEARCH_URL).

It keeps what a node would: indices with their aliases and strict mappings, documents with
their versions and deletion tombstones, and refuses what a node refuses (an index that exists,
a field the strict mapping lacks, a version older than the stored one); a write to a name that
is neither an index nor an alias creates an index, as `action.auto_create_index` does.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Index:
    aliases: dict[str, dict[str, Any]] = field(default_factory=dict)
    properties: set[str] | None = None  # strict mapping's fields; None: created by a write
    docs: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    tombstones: dict[str, int] = field(default_factory=dict)


@dataclass
class Node:
    indices: dict[str, Index] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)

    def alias_of(self, name: str) -> dict[str, Index]:
        return {n: i for n, i in self.indices.items() if name in i.aliases}

    def write_index(self, name: str) -> str:
        if name in self.indices:
            return name
        behind = self.alias_of(name)
        if not behind:
            self.indices[name] = Index()
            return name
        writers = [n for n, i in behind.items() if i.aliases[name].get("is_write_index")]
        (target,) = writers or list(behind)
        return target

    def matching(self, expression: str) -> list[str]:
        found: list[str] = []
        for part in expression.split(","):
            found += [n for n in self.indices if fnmatch.fnmatchcase(n, part)]
            found += list(self.alias_of(part)) if "*" not in part else []
        return sorted(set(found))

    def documents(self, name: str) -> dict[str, dict[str, Any]]:
        return {i: source for i, (_, source) in self.indices[name].docs.items()}


def _error(status: int, kind: str, reason: str) -> web.Response:
    body = {"error": {"type": kind, "reason": reason}, "status": status}
    return web.json_response(body, status=status)


def _app(node: Node) -> web.Application:
    routes = web.RouteTableDef()

    @web.middleware
    async def record(request: web.Request, handler: Any) -> web.StreamResponse:
        node.requests.append((request.method, request.path))
        response: web.StreamResponse = await handler(request)
        return response

    @routes.route("HEAD", "/_alias/{name}")
    async def has_alias(request: web.Request) -> web.Response:
        return web.Response(status=200 if node.alias_of(request.match_info["name"]) else 404)

    @routes.get("/_alias/{name}", allow_head=False)
    async def get_alias(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        behind = node.alias_of(name)
        if not behind:
            return web.json_response(
                {"error": f"alias [{name}] missing", "status": 404}, status=404
            )
        return web.json_response({n: {"aliases": {name: {}}} for n in behind})

    @routes.post("/_aliases")
    async def update_aliases(request: web.Request) -> web.Response:
        actions = (await request.json())["actions"]
        for action in actions:  # checked first: the call is atomic
            ((kind, spec),) = action.items()
            if spec["index"] not in node.indices:
                return _error(404, "index_not_found_exception", spec["index"])
            if kind == "remove" and spec["alias"] not in node.indices[spec["index"]].aliases:
                return _error(404, "aliases_not_found_exception", spec["alias"])
        for action in actions:
            ((kind, spec),) = action.items()
            aliases = node.indices[spec["index"]].aliases
            if kind == "add":
                aliases[spec["alias"]] = {k: v for k, v in spec.items() if k == "is_write_index"}
            else:
                del aliases[spec["alias"]]
        return web.json_response({"acknowledged": True})

    @routes.post("/_bulk")
    async def bulk(request: web.Request) -> web.Response:
        lines = [json.loads(line) for line in (await request.text()).splitlines() if line]
        items, position = [], 0
        while position < len(lines):
            ((kind, meta),) = lines[position].items()
            source = lines[position + 1] if kind == "index" else None
            position += 2 if kind == "index" else 1
            items.append({kind: _write(node, kind, meta, source)})
        errors = any(item[k]["status"] >= 300 for item in items for k in item)
        return web.json_response({"took": 1, "errors": errors, "items": items})

    @routes.post("/{index}/_search")
    async def search(request: web.Request) -> web.Response:
        return web.json_response(_search(node, request.match_info["index"], await request.json()))

    @routes.post("/_msearch")
    async def msearch(request: web.Request) -> web.Response:
        lines = [json.loads(line) for line in (await request.text()).splitlines() if line]
        pairs = zip(lines[::2], lines[1::2], strict=True)
        return web.json_response({"responses": [_search(node, h["index"], b) for h, b in pairs]})

    @routes.post("/{index}/_refresh")
    async def refresh(request: web.Request) -> web.Response:
        return web.json_response({"_shards": {"total": 1, "successful": 1, "failed": 0}})

    @routes.put("/{index}")
    async def create(request: web.Request) -> web.Response:
        name = request.match_info["index"]
        if name in node.indices:
            return _error(400, "resource_already_exists_exception", f"index [{name}] exists")
        body = await request.json()
        properties = set(body["mappings"]["properties"])
        node.indices[name] = Index(dict(body.get("aliases", {})), properties)
        return web.json_response({"acknowledged": True, "index": name})

    @routes.get("/{index}", allow_head=False)
    async def get(request: web.Request) -> web.Response:
        names = node.matching(request.match_info["index"])
        return web.json_response(
            {n: {"aliases": node.indices[n].aliases, "mappings": {}, "settings": {}} for n in names}
        )

    @routes.delete("/{index}")
    async def delete(request: web.Request) -> web.Response:
        for name in node.matching(request.match_info["index"]):
            del node.indices[name]
        return web.json_response({"acknowledged": True})

    app = web.Application(middlewares=[record])
    app.add_routes(routes)
    return app


def _write(node: Node, kind: str, meta: dict[str, Any], source: Any) -> dict[str, Any]:
    name = node.write_index(meta["_index"])
    index, doc_id = node.indices[name], meta["_id"]
    result = {"_index": name, "_id": doc_id}
    stored = index.docs[doc_id][0] if doc_id in index.docs else index.tombstones.get(doc_id)
    version = meta.get("version")
    external = version is not None and meta.get("version_type") == "external_gte"
    if external and stored is not None and version < stored:
        reason = f"current version [{stored}] is higher than the one provided [{version}]"
        kind_ = "version_conflict_engine_exception"
        return {**result, "status": 409, "error": {"type": kind_, "reason": reason}}
    if kind == "delete":
        if doc_id not in index.docs:
            index.tombstones[doc_id] = version or 1
            return {**result, "result": "not_found", "status": 404}
        del index.docs[doc_id]
        index.tombstones[doc_id] = version or 1
        return {**result, "result": "deleted", "status": 200}
    unknown = set(source) - index.properties if index.properties is not None else set()
    if unknown:
        reason = f"mapping set to strict, dynamic introduction of {sorted(unknown)} not allowed"
        return {
            **result,
            "status": 400,
            "error": {"type": "strict_dynamic_mapping_exception", "reason": reason},
        }
    index.docs[doc_id] = (version or 1, source)
    return {**result, "result": "created", "status": 201}


def _search(node: Node, name: str, body: dict[str, Any]) -> dict[str, Any]:
    docs = [d for index in node.matching(name) for d in node.documents(index).values()]
    keys = [next(iter(clause.items())) for clause in body.get("sort", [])]

    def values(doc: dict[str, Any]) -> list[Any]:
        return [1.0 if name == "_score" else doc[name] for name, _ in keys]

    for position, (_, direction) in reversed(list(enumerate(keys))):
        docs.sort(key=lambda d, i=position: values(d)[i], reverse=direction == "desc")
    total = {"value": len(docs), "relation": "eq"}
    after = body.get("search_after")
    if after is not None:
        docs = [d for d in docs if _past(values(d), after, [k[1] for k in keys])]
    hits = [
        {"_index": name, "_id": d["id"], "_score": 1.0, "sort": values(d)}
        for d in docs[: body.get("size", 10)]
    ]
    return {"took": 1, "timed_out": False, "hits": {"total": total, "hits": hits}}


def _past(values: list[Any], mark: list[Any], directions: list[str]) -> bool:
    for value, bound, direction in zip(values, mark, directions, strict=True):
        if value != bound:
            return bool(value > bound) if direction == "asc" else bool(value < bound)
    return False


@asynccontextmanager
async def standin() -> AsyncIterator[tuple[Node, str]]:
    """A running stand-in node and its URL."""
    node = Node()
    runner = web.AppRunner(_app(node))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield node, f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
