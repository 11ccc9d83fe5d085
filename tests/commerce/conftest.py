"""Payments test helpers: the webhook route over ASGI, a local gateway, signed events, orders
with a local payment intent, and the Stripe stand-in server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from redis.asyncio import Redis

from app.db import Database
from app.integrations.payments import StripeGateway, make_gateway
from app.integrations.payments_local import LocalGateway
from app.main import create_app
from app.settings import Settings
from tests.support.stripe_standin import StripeStandIn


@pytest.fixture
async def http(
    settings: Settings,
    database: Database,
    redis_client: Redis,
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    app.state.settings = settings
    app.state.db = database
    app.state.redis = redis_client
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=settings.public_api_url) as c:
        yield c


@pytest.fixture
def gateway(settings: Settings, redis_client: Redis) -> LocalGateway:
    return LocalGateway(settings, redis_client)


@pytest.fixture(scope="session")
def standin_server() -> Iterator[StripeStandIn]:
    server = StripeStandIn().start()
    yield server
    server.stop()


@pytest.fixture
def standin(standin_server: StripeStandIn) -> StripeStandIn:
    standin_server.reset()
    return standin_server


@pytest.fixture
def stripe_gateway(settings: Settings, standin: StripeStandIn) -> StripeGateway:
    """The Stripe gateway (the real `stripe` library) against the stand-in server."""
    configured = settings.model_copy(
        update={
            "payments_backend": "stripe",
            "stripe_secret_key": "sk_test_standin",
            "stripe_api_base": standin.url,
        }
    )
    made = make_gateway(configured)
    assert isinstance(made, StripeGateway)
    return made
