"""Logging (structlog JSON lines with redaction), DB statement timing, scrape-time gauges.

Every log line passes through `redact_event` (Property 67): values under sensitive keys, JWTs,
`Bearer …` credentials and Luhn-valid card numbers never reach the output, at any nesting.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from collections.abc import Mapping, MutableMapping
from typing import Any

import orjson
import structlog
from redis.asyncio import Redis
from sqlalchemy import event, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import Database
from app.metrics import DB_STATEMENT_SECONDS, OUTBOX_PENDING, QUEUE_DEPTH
from app.outbox import OutboxEvent
from app.settings import Settings

REDACTED = "[REDACTED]"

# Substrings of a normalised (snake_case) key that mark it as sensitive, and short words that do
# only as a whole word (`pan`, not `panel`; `otp_code`, not `footprint`).
_SENSITIVE_PARTS = (
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "authorization",
    "authorisation",
    "cookie",
    "apikey",
    "api_key",
    "recovery_code",
    "recoverycode",
    "card",
    "cvc",
    "cvv",
    "iban",
    "totp",
)
_SENSITIVE_WORD = re.compile(r"(pass|pan|otp)(word|wd|number|num|no|code|codes)?")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_BEARER = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
_DIGIT_RUN = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)")
_MAX_DEPTH = 20


def _normalise_key(key: str) -> str:
    """`apiKey`, `API-KEY`, `api_key` → `api_key` so camelCase keys match too."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key)
    return re.sub(r"[^A-Za-z0-9]+", "_", snake).lower()


def is_sensitive_key(key: object) -> bool:
    if not isinstance(key, str):
        return False
    snake = _normalise_key(key)
    if any(part in snake for part in _SENSITIVE_PARTS):
        return True
    return any(_SENSITIVE_WORD.fullmatch(word) for word in snake.split("_"))


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _redact_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return REDACTED if 13 <= len(digits) <= 19 and luhn_valid(digits) else match.group(0)


def redact_text(text: str) -> str:
    """Redact JWTs, bearer/basic credentials and card numbers inside any string."""
    text = _JWT.sub(REDACTED, text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    return _DIGIT_RUN.sub(_redact_card, text)


def redact(value: Any, _depth: int = 0) -> Any:
    """A copy of `value` with sensitive keys and credential-looking strings redacted."""
    if _depth > _MAX_DEPTH:
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {
            k: REDACTED if is_sensitive_key(k) else redact(v, _depth + 1) for k, v in value.items()
        }
    if isinstance(value, (list, tuple, set, frozenset)):
        return [redact(v, _depth + 1) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return redact_text(value.decode("utf-8", "replace"))
    return value


def redact_event(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: redact every key and value of the event (also `event` itself)."""
    return {
        key: REDACTED if key != "event" and is_sensitive_key(key) else redact(value)
        for key, value in event_dict.items()
    }


def _orjson_dumps(obj: Any, default: Any = None) -> str:
    return orjson.dumps(obj, default=default or str).decode()


def shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
        redact_event,
    ]


_HANDLER_NAME = "easyways"


class _StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stdout is at the time (it may be swapped, e.g. by test runners)."""

    @property
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def configure_logging(settings: Settings) -> None:
    """One JSON object per line (production, or LOG_JSON=true) or readable console lines
    (development), for structlog and the standard library alike (uvicorn, SQLAlchemy, dramatiq)."""
    renderer: Any = (
        structlog.processors.JSONRenderer(serializer=_orjson_dumps)
        if settings.json_logs
        else structlog.dev.ConsoleRenderer(colors=sys.stdout.isatty())
    )
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared_processors(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # tests capture log events (structlog.testing.capture_logs), which a cached logger misses
        cache_logger_on_first_use=settings.env != "test",
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *shared_processors()],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = _StdoutHandler()
    handler.setFormatter(formatter)
    handler.set_name(_HANDLER_NAME)
    root = logging.getLogger()
    # Replace our own handler on reconfiguration, keep others (pytest's capture, for one).
    root.handlers = [h for h in root.handlers if h.get_name() != _HANDLER_NAME] + [handler]
    root.setLevel(settings.log_level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    # Our access log replaces uvicorn's; pgserver narrates every pg_ctl call at INFO.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    logging.getLogger("pgserver").setLevel(logging.WARNING)


# --- database statement time -------------------------------------------------------------------


def _before_cursor_execute(conn: Connection, *args: Any) -> None:
    conn.info.setdefault("easyways_query_start", []).append(time.perf_counter())


def _after_cursor_execute(conn: Connection, *args: Any) -> None:
    starts = conn.info.get("easyways_query_start")
    if starts:
        DB_STATEMENT_SECONDS.observe(time.perf_counter() - starts.pop())


def instrument_engine(engine: AsyncEngine) -> None:
    """Observe every SQL statement's duration in DB_STATEMENT_SECONDS."""
    sync_engine = engine.sync_engine
    if not event.contains(sync_engine, "before_cursor_execute", _before_cursor_execute):
        event.listen(sync_engine, "before_cursor_execute", _before_cursor_execute)
        event.listen(sync_engine, "after_cursor_execute", _after_cursor_execute)


# --- gauges computed at scrape time -----------------------------------------------------------

KNOWN_QUEUES = ("default",)


async def queue_depths(redis: Redis, namespace: str) -> dict[str, int]:
    """Messages held per Dramatiq queue (`<namespace>:<queue>.msgs`, including .DQ and .XQ)."""
    names = set(KNOWN_QUEUES)
    prefix = f"{namespace}:"
    async for raw in redis.scan_iter(match=f"{prefix}*.msgs", count=100):
        key = raw.decode() if isinstance(raw, bytes) else str(raw)
        names.add(key[len(prefix) : -len(".msgs")])
    depths: dict[str, int] = {}
    for name in sorted(names):
        depths[name] = int(await redis.hlen(f"{prefix}{name}.msgs"))
    return depths


async def outbox_pending(db: Database) -> int:
    async with db.session() as session:
        count = await session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.dispatched_at.is_(None))
        )
    return int(count or 0)


async def refresh_gauges(db: Database, redis: Redis, *, queue_namespace: str) -> None:
    """Set QUEUE_DEPTH and OUTBOX_PENDING from Redis / PostgreSQL; failures leave them as they were
    (the scrape itself must not fail because a dependency is down)."""
    log = structlog.get_logger("easyways.metrics")
    try:
        for queue, depth in (await queue_depths(redis, queue_namespace)).items():
            QUEUE_DEPTH.labels(queue=queue).set(depth)
    except Exception as exc:
        log.warning("queue depth unavailable", error=str(exc))
    try:
        OUTBOX_PENDING.set(await outbox_pending(db))
    except Exception as exc:
        log.warning("outbox pending unavailable", error=str(exc))
