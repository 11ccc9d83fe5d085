"""The one way the app and the worker open Redis: with timeouts, so a Redis that hangs (rather than
refusing connections) fails a request in seconds instead of blocking it. Nothing here blocks on
Redis on purpose (no BLPOP; pub/sub listeners open their own clients: app/live.py,
app/integrations/cache.py), so a short read timeout is safe.

A connection found broken (Redis restarted since it was pooled) is replaced and the command
retried, twice at most: after a restart, requests do not fail one by one on stale connections.
Timeouts are not retried (a hung Redis would only take longer to report)."""

import weakref

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.commands.core import AsyncScript
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

CONNECT_TIMEOUT_SECONDS = 2.0
READ_TIMEOUT_SECONDS = 5.0


def make_redis(url: str) -> Redis:
    return Redis.from_url(
        url,
        decode_responses=False,
        health_check_interval=30,
        socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        socket_timeout=READ_TIMEOUT_SECONDS,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), retries=2),
        retry_on_error=[RedisConnectionError],
    )


def redis_unavailable(error: BaseException) -> bool:
    """Whether `error` says Redis could not be reached or did not answer in time."""
    return isinstance(error, (RedisConnectionError, RedisTimeoutError))


_scripts: weakref.WeakKeyDictionary[Redis, dict[str, AsyncScript]] = weakref.WeakKeyDictionary()


def registered(redis: Redis, source: str) -> AsyncScript:
    """`source` registered with `redis` once per client: called, it is sent by its SHA1
    (EVALSHA), and loaded again when the server answers NOSCRIPT."""
    scripts = _scripts.get(redis)
    if scripts is None:
        scripts = _scripts[redis] = {}
    script = scripts.get(source)
    if script is None:
        script = scripts[source] = redis.register_script(source)
    return script
