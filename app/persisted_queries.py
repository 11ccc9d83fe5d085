"""Automatic persisted queries (Apollo's protocol): documents registered by their SHA-256.

A client sends `extensions.persistedQuery = {"version": 1, "sha256Hash": "<64 hex>"}`. With the
document as well, the server checks the hash and keeps the document in Redis for
PERSISTED_QUERY_TTL_SECONDS (each use renews it); with the hash alone, it runs the kept document,
or answers PERSISTED_QUERY_NOT_FOUND and the client sends both. Nothing here knows GraphQL: the
endpoint (schema/core/endpoint.py) calls `resolve`.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from redis.asyncio import Redis

VERSION = 1
_HEX64 = re.compile(r"[0-9a-f]{64}")


class PersistedQueryError(Exception):
    """The request's persisted query cannot be used: `code` says why (for `extensions.code`)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def not_found() -> PersistedQueryError:
    # Apollo's clients look for this exact message (and the code) to send the document again
    return PersistedQueryError("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")


def sha256_of(extensions: dict[str, Any] | None) -> str | None:
    """The hash a request asks for; None when it does not use persisted queries."""
    if not extensions or "persistedQuery" not in extensions:
        return None
    persisted = extensions["persistedQuery"]
    if not isinstance(persisted, dict):
        raise PersistedQueryError("BAD_REQUEST", "`extensions.persistedQuery` must be an object")
    if persisted.get("version") != VERSION:
        raise PersistedQueryError(
            "PERSISTED_QUERY_VERSION_UNSUPPORTED", "Only version 1 of persisted queries exists"
        )
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
        raise PersistedQueryError(
            "BAD_REQUEST", "`sha256Hash` must be 64 lower-case hexadecimal characters"
        )
    return digest


def _key(namespace: str, digest: str) -> str:
    return f"{namespace}:apq:{digest}"


async def resolve(
    redis: Redis, namespace: str, ttl_seconds: int, digest: str, query: str | None
) -> str:
    """The document to run for `digest`: `query` once its hash is checked (and kept), else the
    kept one; PersistedQueryError when there is none or the hash does not match."""
    key = _key(namespace, digest)
    if query is None:
        kept = await redis.getex(key, ex=ttl_seconds)
        if kept is None:
            raise not_found()
        return kept.decode() if isinstance(kept, bytes) else str(kept)
    if hashlib.sha256(query.encode()).hexdigest() != digest:
        raise PersistedQueryError(
            "PERSISTED_QUERY_HASH_MISMATCH", "The query's SHA-256 does not match `sha256Hash`"
        )
    await redis.set(key, query.encode(), ex=ttl_seconds)
    return query
