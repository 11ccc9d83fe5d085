"""The OpenSearch client of the settings: one `AsyncOpenSearch` (aiohttp transport) per event
loop, since its connection pool belongs to the loop that opened it (the API's, each worker
thread's)."""

from __future__ import annotations

import asyncio

from opensearchpy import AsyncOpenSearch

from app.settings import Settings

_clients: dict[tuple[int, str], AsyncOpenSearch] = {}


def hosts_of(settings: Settings) -> list[str]:
    return [u.strip() for u in settings.opensearch_url.split(",") if u.strip()]


def new_client(settings: Settings) -> AsyncOpenSearch:
    auth = None
    if settings.opensearch_username:
        auth = (settings.opensearch_username, settings.opensearch_password)
    return AsyncOpenSearch(
        hosts=hosts_of(settings),
        http_auth=auth,
        verify_certs=settings.opensearch_verify_certs,
        ssl_show_warn=settings.opensearch_verify_certs,
        ca_certs=settings.opensearch_ca_certs or None,
        timeout=settings.opensearch_timeout_seconds,
        max_retries=2,
        retry_on_timeout=True,
    )


def client_for(settings: Settings) -> AsyncOpenSearch:
    """The running loop's client for these settings (created on first use)."""
    key = (id(asyncio.get_running_loop()), settings.opensearch_url)
    client = _clients.get(key)
    if client is None:
        client = _clients[key] = new_client(settings)
    return client


async def close_clients() -> None:
    """Close the running loop's clients (shutdown, tests)."""
    loop = id(asyncio.get_running_loop())
    for key in [k for k in _clients if k[0] == loop]:
        await _clients.pop(key).close()
