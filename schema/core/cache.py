"""Response cache for anonymous public catalog reads, with ETags and 304s.

A request is cacheable when CATALOG_CACHE_TTL_SECONDS is not 0, it carries no `Authorization`
header, and the selected operation is a query whose root fields (through fragments) are all in
`CACHEABLE_FIELDS` (`__typename` allowed; introspection, `node`, `nodes` are not). Its key is
sha256(normalised document + operation name + canonical JSON of the variables + the reader's
locale from `Accept-Language`, which writes `Money.formatted`).

Entries: one Redis string per key, `<catalog version> <ETag> <cost>\n<effects JSON>\n<body>`,
written with the TTL. The catalog version (app/integrations/cache.py) the entry was built under is
stored in it rather than in its key: a hit that asks Redis (no current local copy, below) reads
the current version and the entry, and charges the entry's cost to the caller's rate budget, in
ONE round trip (a Lua script sharing the rate limiter's charge: `_READ_AND_CHARGE`), and an entry
of an older version is a miss, so `bump_catalog_version` still invalidates everything at once (the
stale entry is overwritten by the rebuild, or expires). The strong ETag is computed once, when the
entry is written, and stored with it: a hit hashes nothing.

- Hit: the stored body is returned as is — nothing executes, no SQL — but the stored cost is still
  charged to the caller's rate budget (over budget: the request executes normally and gets the
  usual RATE_LIMITED answer).
- Miss: the request executes; a 200 without errors and without cookies is stored for the TTL.
- Local copies: each process keeps copies of the entries it stored or read, the most recently
  used up to LOCAL_BODY_BYTES (`LocalEntries`), each with the expiry Redis gave the entry. A copy
  answers a hit with no Redis round trip while it is current: of the catalog version the app's
  `CatalogVersionWatch` last heard (pushed by pub/sub; app/integrations/cache.py), kept under the
  watch's present epoch, before its expiry (CATALOG_CACHE_LOCAL_HITS, on by default). A catalog
  change is therefore seen at once by the process that made it and by the others within pub/sub
  delivery time; while the watch does not know the version (starting, connection lost) every hit
  asks Redis. Asking Redis, a hit names the ETag of its copy: when the entry still has that ETag,
  Redis sends it without its body (a 224 KB catalogue page is not moved again). An entry written
  in Redis by hand, behind the processes' backs, is not seen by a process holding a current copy
  until the next catalog change or the copy's expiry.
- Single flight: when the entry is missing (expired, never built, or of an older catalog
  version), one request rebuilds it — it takes a short Redis lock (`SET NX PX`,
  REBUILD_LOCK_MS, deleted as soon as its response is stored or refused; deleted without
  checking its token: a rebuild that outlived its lock at worst lets one more start) — and the
  others wait for the fresh entry, polling every REBUILD_POLL_SECONDS (one round trip) for at
  most REBUILD_WAIT_SECONDS, then are answered from it like any hit. When the rebuild stores nothing
  (an error, a cookie), the lock holder dies, or the wait runs out, the waiting requests execute
  themselves. (Entries are not kept past their TTL to be served stale: the TTL is a promise.)
- Bodies of cacheable requests carry `extensions.cost` with `remaining: null` (the caller's budget
  is per caller; it is in the `X-RateLimit-Remaining` header), so a hit and a miss return the very
  same bytes and the strong `ETag` (sha256 of the body) is stable while the data is.
- Headers: `ETag`, `X-Cache: HIT|MISS`; GET gets `Cache-Control: public, max-age=<ttl>` and
  `Vary: Accept, Accept-Language, Authorization, Origin`, POST `no-store`; GET with a matching
  `If-None-Match` gets 304 with no body. Authenticated requests get `private, no-store`, other
  requests `no-store`.
- Redis trouble never fails a request: the lookup error is logged, counted, and it executes.
- Side effects of a read (a search counted for trending) would be lost on hits: resolvers note
  them with `record_effect(request, kind, payload)`, the entry stores them beside the body, and a
  hit replays them through the handler registered for `kind` (`register_effect`).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import orjson
import structlog
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    parse,
    print_ast,
)
from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.responses import Response
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.types import ExecutionResult

from app.http.middleware import replaying, request_info
from app.integrations.cache import CATALOG_VERSION_KEY, PREFIX, CatalogVersionWatch
from app.metrics import CACHE_REQUESTS
from app.redis import registered
from app.security.ratelimit import (
    CHARGE_FUNCTION,
    RateLimitResult,
    Reserved,
    Window,
    hit,
)
from schema.core.context import locale_of
from schema.core.extensions import RATE_WINDOW_SECONDS, anonymous_bucket
from schema.core.limits import Fragments

CACHEABLE_FIELDS = frozenset(
    {
        "courses",
        "course",
        "categories",
        "category",
        "searchCourses",
        "autocomplete",
        "trendingSearches",
        "instructor",
    }
)
NAMESPACE = "graphql:v3"  # entry format: "version etag cost", effects (JSON), body
REBUILD_LOCK_MS = 10_000  # a rebuild taking longer than this lets another request start one
REBUILD_WAIT_SECONDS = 2.0  # the longest a request waits for another's rebuild
REBUILD_POLL_SECONDS = 0.02
MAX_DOCUMENT_CHARS = 20_000
MAX_ENTRY_BYTES = 2_000_000
LOCAL_BODY_BYTES = 32 * 1024 * 1024  # copies of entries kept per process (`LocalEntries`)
PRIVATE = "private, no-store"
NO_STORE = "no-store"
_STATE_PLAN = "response_cache_plan"
# set by the view's request parsing: the document is the request's own text
STATE_INLINE_DOCUMENT = "graphql_inline_document"
_PLANS = "response_cache_plans"  # app state: planned requests by their bytes
_PLANS_SIZE = 1024
_PLANNED_BYTES = 16_384  # larger requests are planned every time (not kept as keys)
_STATE_EFFECTS = "response_cache_effects"

Effect = tuple[str, dict[str, Any]]
EffectHandler = Callable[[Request, dict[str, Any]], Awaitable[None]]
_EFFECT_HANDLERS: dict[str, EffectHandler] = {}


def register_effect(kind: str, handler: EffectHandler) -> None:
    """`handler` replays an effect of `kind` when a response is served from the cache."""
    _EFFECT_HANDLERS[kind] = handler


def record_effect(request: Request | Any, kind: str, payload: dict[str, Any]) -> None:
    """Note a side effect of this (possibly cached) read, to be replayed on every cache hit."""
    if isinstance(request, Request):
        _effects_of(request).append((kind, payload))


def _effects_of(request: Request) -> list[Effect]:
    effects: list[Effect] | None = getattr(request.state, _STATE_EFFECTS, None)
    if effects is None:
        effects = []
        setattr(request.state, _STATE_EFFECTS, effects)
    return effects


async def _replay(request: Request, effects: list[Effect]) -> None:
    for kind, payload in effects:
        handler = _EFFECT_HANDLERS.get(kind)
        if handler is None:
            logger.warning("no handler for cached effect", kind=kind)
            continue
        try:
            await handler(request, payload)
        except Exception as exc:  # a lost counter must never fail a cached read
            logger.warning("cached effect failed", kind=kind, error=str(exc))


logger = structlog.get_logger("easyways.cache")
monotonic = time.monotonic  # the clock of local copies' expiry (a test may set its own)

Parse = Callable[[Request], Awaitable[GraphQLRequestData]]
Execute = Callable[[Request], Awaitable[Response]]


@dataclass
class Plan:
    """A cacheable request; `ok`/`cost` are filled in when its result is processed."""

    digest: str
    ttl: int
    conditional: bool  # GET: Cache-Control public and If-None-Match honoured
    operation_name: str | None
    ok: bool = False
    cost: int = 1


# --- deciding -----------------------------------------------------------------------------------


class _RootFields:
    """Names of the root fields a selection set selects, through fragments on Query (each
    fragment read once, so fragments spreading fragments twice over stay linear); None when
    unclear (another type, an unknown or cyclic fragment)."""

    def __init__(self, document: DocumentNode) -> None:
        self.fragments: Fragments[frozenset[str] | None] = Fragments(document, None)

    def of(self, selection_set: SelectionSetNode) -> frozenset[str] | None:
        names: set[str] = set()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                names.add(selection.name.value)
                continue
            if isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is not None and condition.name.value != "Query":
                    return None
                found = self.of(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                found = self.spread(selection.name.value)
            else:
                return None
            if found is None:
                return None
            names |= found
        return frozenset(names)

    def spread(self, name: str) -> frozenset[str] | None:
        return self.fragments.fold(name, self._fragment)

    def _fragment(self, fragment: FragmentDefinitionNode) -> frozenset[str] | None:
        if fragment.type_condition.name.value != "Query":
            return None
        return self.of(fragment.selection_set)


def _cacheable(operation: OperationDefinitionNode, document: DocumentNode) -> bool:
    if operation.operation is not OperationType.QUERY:
        return False
    names = _RootFields(document).of(operation.selection_set)
    if not names:
        return False
    fields = names - {"__typename"}
    return bool(fields) and fields <= CACHEABLE_FIELDS


@dataclass(frozen=True)
class _Document:
    normalised: str
    operations: dict[str | None, bool]  # operation name → cacheable


@lru_cache(maxsize=512)
def _analyse(query: str, max_tokens: int) -> _Document | None:
    try:
        document = parse(query, max_tokens=max_tokens)
    except GraphQLError:
        return None
    operations = {
        (d.name.value if d.name else None): _cacheable(d, document)
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    }
    return _Document(print_ast(document), operations)


def _selected(document: _Document, operation_name: str | None) -> bool:
    if operation_name is None:
        return len(document.operations) == 1 and next(iter(document.operations.values()))
    return document.operations.get(operation_name, False)


def _credentialed(request: Request) -> bool:
    """An access token or a partner API key came with the request: never a public read."""
    return "authorization" in request.headers or "x-api-key" in request.headers


async def plan_request(request: Request, parse_request: Parse) -> Plan | None:
    """The cache plan of an anonymous public catalog read; None for anything else. A request
    whose document is its own text (no persisted query, no trusted document) is planned once per
    method, bytes, content type and Accept-Language (`_PLANS`): the same request, the same plan."""
    settings = request.app.state.settings
    ttl = settings.catalog_cache_ttl_seconds
    if not ttl or request.method not in ("GET", "POST") or _credentialed(request):
        return None
    raw = (
        request.scope.get("query_string", b"") if request.method == "GET" else await request.body()
    )
    headers = request.headers
    key = (request.method, raw, headers.get("content-type"), headers.get("accept-language"))
    plans = _plans_of(request)
    if key in plans:
        plans.move_to_end(key)
        known = plans[key]
        return replace(known) if known is not None else None  # `ok`, `cost` are per request
    try:
        data = await parse_request(request)
    except Exception:  # malformed requests are answered (with their error) by the normal path
        return None
    plan = _plan(request, data, ttl, settings.graphql_max_tokens)
    if getattr(request.state, STATE_INLINE_DOCUMENT, False) and len(raw) <= _PLANNED_BYTES:
        plans[key] = replace(plan) if plan is not None else None
        if len(plans) > _PLANS_SIZE:
            plans.popitem(last=False)
    return plan


def _plans_of(request: Request) -> OrderedDict[tuple[Any, ...], Plan | None]:
    """The app's planned requests (an LRU of `_PLANS_SIZE`)."""
    state = request.app.state
    plans: OrderedDict[tuple[Any, ...], Plan | None] | None = getattr(state, _PLANS, None)
    if plans is None:
        plans = OrderedDict()
        setattr(state, _PLANS, plans)
    return plans


def _plan(request: Request, data: GraphQLRequestData, ttl: int, max_tokens: int) -> Plan | None:
    if not isinstance(data.query, str) or len(data.query) > MAX_DOCUMENT_CHARS:
        return None
    document = _analyse(data.query, max_tokens)
    if document is None or not _selected(document, data.operation_name):
        return None
    variables = orjson.dumps(data.variables or {}, option=orjson.OPT_SORT_KEYS)
    # the reader's locale writes `Money.formatted`: one entry per locale
    locale = locale_of(request.headers.get("accept-language"))
    material = b"\0".join(
        [
            document.normalised.encode(),
            (data.operation_name or "").encode(),
            variables,
            locale.encode(),
        ]
    )
    return Plan(
        digest=hashlib.sha256(material).hexdigest(),
        ttl=ttl,
        conditional=request.method == "GET",
        operation_name=data.operation_name,
    )


# --- the result hook (called by the view's process_result) --------------------------------------


def note_result(request: Request, result: ExecutionResult, data: GraphQLHTTPResponse) -> None:
    """Record the outcome of a cacheable request and make its body caller-independent."""
    plan: Plan | None = getattr(request.state, _STATE_PLAN, None)
    if plan is None:
        return
    plan.ok = not result.errors and result.data is not None
    extensions = data.get("extensions")
    cost = extensions.get("cost") if isinstance(extensions, dict) else None
    if isinstance(extensions, dict) and isinstance(cost, dict):
        plan.cost = int(cost.get("requested") or 1)
        data["extensions"] = {**extensions, "cost": {**cost, "remaining": None}}


# --- serving ------------------------------------------------------------------------------------


def etag_of(body: bytes) -> str:
    return f'"{hashlib.sha256(body).hexdigest()}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Weak comparison (RFC 9110 §13.1.2) against a list of entity tags or `*`."""
    for candidate in (if_none_match or "").split(","):
        tag = candidate.strip()
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False


@dataclass(frozen=True)
class Entry:
    """A stored response: built under catalog `version`, its `etag`, rate `cost` and effects."""

    version: int
    etag: str
    cost: int
    effects: list[Effect]
    body: bytes


def _encode(entry: Entry) -> bytes:
    head = b"%d %s %d\n" % (entry.version, entry.etag.encode(), entry.cost)
    return head + orjson.dumps(entry.effects) + b"\n" + entry.body


def _decode(raw: bytes | None) -> Entry | None:
    """The entry stored as `raw`; None when there is none (or it is not one of ours)."""
    if raw is None:
        return None
    try:
        head, _, rest = raw.partition(b"\n")
        version, etag, cost = head.split(b" ")
        effects, _, body = rest.partition(b"\n")
        replays = [(kind, payload) for kind, payload in orjson.loads(effects)]
        return Entry(int(version), etag.decode(), int(cost), replays, body)
    except ValueError:
        return None


def _public_headers(plan: Plan, etag: str, outcome: str) -> dict[str, str]:
    headers = {"ETag": etag, "X-Cache": outcome}
    if plan.conditional:
        headers["Cache-Control"] = f"public, max-age={plan.ttl}"
        headers["Vary"] = "Accept, Accept-Language, Authorization, Origin"
    else:
        headers["Cache-Control"] = NO_STORE
    return headers


def _not_modified(if_none_match: str | None, plan: Plan, etag: str) -> bool:
    return plan.conditional and etag_matches(if_none_match, etag)


def _bucket(state: Any, client: tuple[str, int] | None) -> tuple[str, int]:
    return anonymous_bucket(client[0] if client else None, state.settings)


async def _charge(state: Any, client: tuple[str, int] | None, cost: int) -> RateLimitResult | None:
    """Charge a hit like an execution (anonymous budget per client IP); None if Redis fails."""
    key, limit = _bucket(state, client)
    try:
        return await hit(
            state.redis,
            key,
            limit=limit,
            window_seconds=RATE_WINDOW_SECONDS,
            cost=cost,
            lease=True,
        )
    except (RedisError, OSError) as exc:
        logger.warning("rate limiter unavailable", error=str(exc))
        return None


@dataclass(frozen=True)
class Answer:
    """A hit's answer: status, headers (without Content-Length) and body."""

    status: int
    headers: dict[str, str]
    body: bytes


def _hit_answer(
    plan: Plan,
    entry: Entry,
    media: str,
    rate: RateLimitResult | None,
    if_none_match: str | None,
    scope: Any,
) -> Answer:
    """The stored answer of a charged hit (the view's and the shortcut's alike)."""
    info = request_info(scope)
    if info is not None:
        info.operation_name, info.operation_type = plan.operation_name, "query"
    CACHE_REQUESTS.labels(result="hit").inc()
    headers = _public_headers(plan, entry.etag, "HIT") | (rate.headers() if rate else {})
    if _not_modified(if_none_match, plan, entry.etag):
        return Answer(304, headers, b"")
    headers["content-type"] = f"{media}; charset=utf-8"
    return Answer(200, headers, entry.body)


async def _serve_hit(
    request: Request, plan: Plan, entry: Entry, media: str, rate: RateLimitResult | None
) -> Response | None:
    """The stored answer, its cost charged (`rate`: already charged with the lookup)."""
    if rate is None:
        rate = await _charge(request.app.state, request.scope.get("client"), entry.cost)
    if rate is not None and not rate.allowed:
        return None  # the normal path refuses it with RATE_LIMITED and 429
    await _replay(request, entry.effects)
    answer = _hit_answer(
        plan, entry, media, rate, request.headers.get("if-none-match"), request.scope
    )
    if answer.status == 304:
        return Response(status_code=304, headers=answer.headers)
    return Response(answer.body, headers=answer.headers)


# --- Redis: one round trip per read; single-flight rebuilds -------------------------------------


@dataclass(frozen=True)
class Lookup:
    """What Redis holds for a plan: the current catalog `version`, the entry when it is of that
    version, and `lock` (its token) when this request holds the rebuild lock."""

    version: int
    entry: Entry | None
    lock: str | None = None
    # the entry's cost charged to the caller's budget with the read (None: not charged yet)
    rate: RateLimitResult | None = None


def entry_key(plan: Plan) -> str:
    return f"{PREFIX}{NAMESPACE}:{plan.digest}"


def rebuild_key(plan: Plan, version: int) -> str:
    return f"{PREFIX}rebuild:{NAMESPACE}:v{version}:{plan.digest}"


async def _read(redis: Redis, plan: Plan, lock_key: str | None = None) -> tuple[Lookup, bool]:
    """The lookup in one round trip; with `lock_key`, also whether that lock is held."""
    async with redis.pipeline(transaction=False) as pipe:
        pipe.get(CATALOG_VERSION_KEY)
        pipe.get(entry_key(plan))
        if lock_key is not None:
            pipe.exists(lock_key)
        replies = await pipe.execute()
    version = int(replies[0]) if replies[0] is not None else 0
    entry = _decode(replies[1])
    if entry is not None and entry.version != version:
        entry = None  # built before the last catalog change
    return Lookup(version, entry), bool(lock_key is not None and replies[2])


# The first read of a lookup: the catalog version and the entry, and — when the entry is of that
# version — its cost charged to the caller's budget, all in one round trip. A hit then needs no
# other; a refused charge (over budget) charges nothing and the request executes, to be refused
# with RATE_LIMITED as usual. Returns {version, entry or '', 1 charged | 0 refused | -1 not
# charged, remaining, the entry's TTL in ms}; when the entry's ETag is ARGV[4] (the body this
# process keeps a copy of, `LocalEntries`) the entry comes without its body.
_READ_AND_CHARGE = (
    CHARGE_FUNCTION
    + """
local version = redis.call('GET', KEYS[1]) or '0'
local entry = redis.call('GET', KEYS[2])
if not entry then
  return {version, '', -1, 0, 0}
end
local built, cost = string.match(entry, '^(%d+) %S+ (%d+)\\n')
if built ~= version then
  return {version, '', -1, 0, 0}
end
-- the caller's local lease holds ARGV[5] tokens: 2 when they pay it all, else what they lack
local allowed, remaining = 2, 0
local need = tonumber(cost) - tonumber(ARGV[5])
if need > 0 then
  allowed, remaining = charge(KEYS[3], KEYS[4], tonumber(ARGV[1]), tonumber(ARGV[2]),
    need, tonumber(ARGV[3]))
end
local ttl = redis.call('PTTL', KEYS[2])
if ARGV[4] ~= '' and string.match(entry, '^%d+ (%S+) ') == ARGV[4] then
  -- the caller holds this body already: the head and effects only
  local effects_end = string.find(entry, '\\n', string.find(entry, '\\n', 1, true) + 1, true)
  return {version, string.sub(entry, 1, effects_end), allowed, remaining, ttl}
end
return {version, entry, allowed, remaining, ttl}
"""
)


async def _read_and_charge(request: Request, plan: Plan) -> Lookup:
    redis = request.app.state.redis
    key, limit = _bucket(request.app.state, request.scope.get("client"))
    window = Window.now(key, RATE_WINDOW_SECONDS)
    stored = entry_key(plan)
    held = LOCAL.get(stored)
    epoch, started = _epoch(request), monotonic()
    reserved = Reserved.take(redis, key, RATE_WINDOW_SECONDS, window)
    version, raw, charged, remaining, ttl_ms = await registered(redis, _READ_AND_CHARGE)(
        keys=[CATALOG_VERSION_KEY, stored, *window.keys],
        args=[
            limit,
            RATE_WINDOW_SECONDS,
            window.elapsed,
            held.entry.etag if held else "",
            reserved.tokens,
        ],
    )
    entry = _decode(raw or None)
    if entry is not None:
        if held is not None and entry.etag == held.entry.etag and not entry.body:
            entry = replace(entry, body=held.entry.body)  # the ETag is the body's sha256
        LOCAL.keep(stored, Held(entry, started + max(int(ttl_ms), 0) / 1000, epoch))
    rate = None
    if entry is not None and charged >= 0:
        rate = reserved.settle(entry.cost, int(charged), int(remaining), limit, window.reset_after)
    else:  # nothing to charge: no current entry
        reserved.give_back()
    return Lookup(int(version), entry, rate=rate)


def _epoch(request: Request) -> int | None:
    """The epoch of the app's catalog version watch (None: no watch, no local hits)."""
    watch: CatalogVersionWatch | None = getattr(request.app.state, "catalog_watch", None)
    return watch.epoch if watch is not None else None


def _local_entry(state: Any, plan: Plan) -> Entry | None:
    """The copy of the plan's entry this process holds, when it is current: kept under the
    watch's epoch, of the catalog version the watch last heard, and not past its TTL — a hit
    that asks Redis nothing (app/integrations/cache.py `CatalogVersionWatch`)."""
    watch: CatalogVersionWatch | None = getattr(state, "catalog_watch", None)
    if watch is None or watch.version is None:
        return None
    held = LOCAL.get(entry_key(plan))
    if (
        held is None
        or held.epoch != watch.epoch
        or held.entry.version != watch.version
        or held.expires_at <= monotonic()
    ):
        return None
    return held.entry


@dataclass(frozen=True)
class Held:
    """A copy of an entry: `expires_at` (`monotonic`) never after the entry's own expiry in
    Redis, `epoch` the app's version watch's when it was read (None: no watch)."""

    entry: Entry
    expires_at: float
    epoch: int | None


class LocalEntries:
    """Copies of recent entries in this process, by entry key, the most recently used up to
    `max_bytes` of bodies in all. A copy answers a hit by itself while it is current
    (`_local_entry`); otherwise the hit asks Redis, naming the copy's ETag, and when the entry
    there still has it Redis sends the entry without its body (the stored ETag is the sha256 of
    the body, so an equal ETag is the same body): a 224 KB catalogue page is not moved again."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.entries: OrderedDict[str, Held] = OrderedDict()

    def get(self, key: str) -> Held | None:
        held = self.entries.get(key)
        if held is not None:
            self.entries.move_to_end(key)
        return held

    def keep(self, key: str, held: Held) -> None:
        old = self.entries.pop(key, None)
        if old is not None:
            self.size -= len(old.entry.body)
        if len(held.entry.body) > self.max_bytes:
            return
        self.entries[key] = held
        self.size += len(held.entry.body)
        while self.size > self.max_bytes:
            _, dropped = self.entries.popitem(last=False)
            self.size -= len(dropped.entry.body)


LOCAL = LocalEntries(LOCAL_BODY_BYTES)


async def _lookup(request: Request, plan: Plan) -> Lookup | None:
    """The plan's entry (charged), or the right to rebuild it, or someone else's rebuild
    awaited; None when Redis fails (the request then executes and nothing is stored)."""
    local = _local_entry(request.app.state, plan)
    if local is not None:
        return Lookup(local.version, local)  # charged by `_serve_hit`
    redis = request.app.state.redis
    try:
        found = await _read_and_charge(request, plan)
        if found.entry is not None:
            return found
        lock_key, token = rebuild_key(plan, found.version), uuid.uuid4().hex
        if await redis.set(lock_key, token, nx=True, px=REBUILD_LOCK_MS):
            return replace(found, lock=token)
        deadline = time.monotonic() + REBUILD_WAIT_SECONDS
        while time.monotonic() < deadline:
            await asyncio.sleep(REBUILD_POLL_SECONDS)
            fresh, rebuilding = await _read(redis, plan, lock_key)
            if fresh.entry is not None or not rebuilding:
                return fresh  # the fresh entry, or nothing stored: execute (and store) then
        return found
    except (RedisError, OSError) as exc:
        CACHE_REQUESTS.labels(result="error").inc()
        logger.warning("response cache unavailable", error=str(exc))
        return None


def _storable(plan: Plan, response: Response) -> bool:
    return (
        plan.ok
        and response.status_code == 200
        and "set-cookie" not in response.headers
        and len(response.body) <= MAX_ENTRY_BYTES
    )


async def _finish(request: Request, plan: Plan, found: Lookup, entry: Entry | None) -> None:
    """Store `entry` (when there is one) and release the rebuild lock (when held): one trip."""
    if entry is None and found.lock is None:
        return
    try:
        async with request.app.state.redis.pipeline(transaction=False) as pipe:
            if entry is not None:
                pipe.set(entry_key(plan), _encode(entry), ex=plan.ttl)
            if found.lock is not None:
                pipe.delete(rebuild_key(plan, found.version))
            await pipe.execute()
    except (RedisError, OSError) as exc:
        logger.warning("response cache unavailable", error=str(exc))


async def serve(request: Request, parse_request: Parse, execute: Execute, media: str) -> Response:
    """Answer `request` from the cache when it is a cached public read, else `execute` it."""
    plan = await plan_request(request, parse_request)
    if plan is None:
        response = await execute(request)
        response.headers.setdefault(
            "Cache-Control", PRIVATE if _credentialed(request) else NO_STORE
        )
        return response
    epoch = _epoch(request)
    found = await _lookup(request, plan)
    if found is not None and found.entry is not None:
        cached = await _serve_hit(request, plan, found.entry, media, found.rate)
        if cached is not None:
            return cached
    setattr(request.state, _STATE_PLAN, plan)
    try:
        response = await execute(request)
    except BaseException:
        if found is not None:
            await asyncio.shield(_finish(request, plan, found, None))
        raise
    if found is not None:
        CACHE_REQUESTS.labels(result="miss").inc()
    if not _storable(plan, response):
        if found is not None:
            await _finish(request, plan, found, None)
        response.headers.setdefault("Cache-Control", NO_STORE)
        response.headers.setdefault("X-Cache", "MISS")
        return response
    body = bytes(response.body)
    etag = etag_of(body)
    if found is not None:
        entry = Entry(found.version, etag, plan.cost, _effects_of(request), body)
        stored_at = monotonic()
        await _finish(request, plan, found, entry)
        LOCAL.keep(entry_key(plan), Held(entry, stored_at + plan.ttl, epoch))
    response.headers.update(_public_headers(plan, etag, "MISS"))
    if _not_modified(request.headers.get("if-none-match"), plan, etag):
        return Response(status_code=304, headers=_not_modified_headers(response))
    return response


def _not_modified_headers(response: Response) -> dict[str, str]:
    """The headers of `response` minus those describing its body."""
    skip = {"content-type", "content-length"}
    return {k: v for k, v in response.headers.items() if k not in skip}


# --- the shortcut: a hit on a current local copy, answered before the app's stack -----------------

# the request headers the shortcut reads (ASGI header names are lower case)
_SHORTCUT_HEADERS = frozenset(
    {
        b"authorization",
        b"x-api-key",
        b"origin",
        b"content-type",
        b"content-length",
        b"accept",
        b"accept-language",
        b"if-none-match",
    }
)


class Shortcut:
    """Answers, for the request-context middleware (app/http/middleware.py), an anonymous
    `GET`/`POST /graphql` that a planned request of the same bytes (`_PLANS`) and a current
    local copy without side effects (`_local_entry`) answer — before CORS, routing and the view,
    with the very answer `serve` gives it (`_hit_answer`; tested side by side). Anything else
    (credentials, an `Origin`, a request not planned yet, no current copy, a refused or failed
    charge) goes down the stack as usual, its body handed on unread."""

    def __init__(self, route: Any, negotiate: Callable[[str | None], str]) -> None:
        self.route = route  # the /graphql route: the metrics' label
        self.negotiate = negotiate

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        """None when answered; else the `receive` the rest of the stack reads."""
        method = scope["method"]
        if scope["path"] != "/graphql" or method not in ("GET", "POST"):
            return receive
        headers: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            if name in _SHORTCUT_HEADERS and name not in headers:
                headers[name] = value
        if b"authorization" in headers or b"x-api-key" in headers or b"origin" in headers:
            return receive
        state = scope["app"].state
        plans: OrderedDict[tuple[Any, ...], Plan | None] | None = getattr(state, _PLANS, None)
        if not plans:
            return receive
        if method == "GET":
            raw = scope.get("query_string", b"")
        else:
            length = headers.get(b"content-length", b"")
            if not length.isdigit() or int(length) > _PLANNED_BYTES:
                return receive
            read = await _body(receive, int(length))
            if isinstance(read, tuple):
                return replaying(read[0], receive)  # not all of it, or a disconnect
            raw = read
            receive = replaying({"type": "http.request", "body": raw}, receive)
        key = (method, raw, _text(headers, b"content-type"), _text(headers, b"accept-language"))
        plan = plans.get(key)
        if plan is None:
            return receive
        plans.move_to_end(key)
        entry = _local_entry(state, plan)
        if entry is None or entry.effects:
            return receive
        rate = await _charge(state, scope.get("client"), entry.cost)
        if rate is None or not rate.allowed:
            return receive  # the stack answers (and refuses) it as usual
        media = self.negotiate(_text(headers, b"accept"))
        answer = _hit_answer(plan, entry, media, rate, _text(headers, b"if-none-match"), scope)
        scope["route"] = self.route
        raw_headers = [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers.items()
        ]
        if answer.status != 304:
            raw_headers.append((b"content-length", str(len(answer.body)).encode()))
        await send({"type": "http.response.start", "status": answer.status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": answer.body})
        return None


async def _body(receive: Any, length: int) -> bytes | tuple[Any]:
    """The whole body of at most `length` bytes; else, as `(message,)`, what to hand on: the
    part read (and `more_body`), or the message that was not a body."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            if chunks:  # never: a body ends with more_body false before anything else
                return ({"type": "http.request", "body": b"".join(chunks), "more_body": True},)
            return (message,)
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        more = message.get("more_body", False)
        if size > length:
            return ({"type": "http.request", "body": b"".join(chunks), "more_body": more},)
        if not more:
            return b"".join(chunks)


def _text(headers: dict[bytes, bytes], name: bytes) -> str | None:
    value = headers.get(name)
    return value.decode("latin-1") if value is not None else None
