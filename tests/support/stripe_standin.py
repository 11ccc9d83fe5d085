"""A local HTTP stand-in for the few Stripe endpoints we use, driven by the real `stripe` library.

`StripeStandIn()` serves a small Starlette app on a free port in a background thread; point
STRIPE_API_BASE at `standin.url`. It records every request (method, path, Idempotency-Key,
form parameters) and, like Stripe, answers a replayed Idempotency-Key with the first response.
`fail_next(status, code)` makes the next request fail with a Stripe-shaped error body.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

DAY = 24 * 3600


@dataclass
class Recorded:
    method: str
    path: str
    idempotency_key: str | None
    params: dict[str, str]


@dataclass
class StandInState:
    requests: list[Recorded] = field(default_factory=list)
    replies: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    failure: tuple[int, str] | None = None


def _id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:24]}"


def _metadata(params: dict[str, str]) -> dict[str, str]:
    return {k[9:-1]: v for k, v in params.items() if k.startswith("metadata[")}


def _intent(params: dict[str, str]) -> dict[str, Any]:
    intent_id = _id("pi")
    return {
        "id": intent_id,
        "object": "payment_intent",
        "amount": int(params["amount"]),
        "currency": params["currency"],
        "customer": params.get("customer"),
        "status": "requires_payment_method",
        "client_secret": f"{intent_id}_secret_standin",
        "metadata": _metadata(params),
    }


def _refund(params: dict[str, str]) -> dict[str, Any]:
    return {
        "id": _id("re"),
        "object": "refund",
        "amount": int(params["amount"]),
        "payment_intent": params["payment_intent"],
        "status": "succeeded",
        "metadata": _metadata(params),
    }


def _customer(params: dict[str, str]) -> dict[str, Any]:
    return {"id": _id("cus"), "object": "customer", "email": params.get("email")}


def _subscription(params: dict[str, str]) -> dict[str, Any]:
    now = int(time.time())
    item = {"id": _id("si"), "current_period_start": now, "current_period_end": now + 30 * DAY}
    return {
        "id": _id("sub"),
        "object": "subscription",
        "customer": params["customer"],
        "status": "incomplete",
        "cancel_at_period_end": False,
        "items": {"object": "list", "data": [item]},
        "latest_invoice": {
            "id": _id("in"),
            "object": "invoice",
            "confirmation_secret": {"client_secret": "pi_sub_secret_standin"},
        },
        "metadata": _metadata(params),
    }


def _checkout_session(params: dict[str, str]) -> dict[str, Any]:
    session_id = _id("cs_test")
    amounts = [int(v) for k, v in params.items() if k.endswith("[price_data][unit_amount]")]
    return {
        "id": session_id,
        "object": "checkout.session",
        "mode": params["mode"],
        "status": "open",
        "payment_status": "unpaid",
        "url": f"https://checkout.stripe.test/c/pay/{session_id}",
        "client_reference_id": params.get("client_reference_id"),
        "customer_email": params.get("customer_email"),
        "success_url": params["success_url"],
        "cancel_url": params["cancel_url"],
        "amount_total": sum(amounts),
        "currency": params["line_items[0][price_data][currency]"],
        "payment_intent": None,
        "metadata": _metadata(params),
    }


class StripeStandIn:
    def __init__(self) -> None:
        self.state = StandInState()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        app = Starlette(
            routes=[
                Route("/v1/payment_intents", self._create(_intent), methods=["POST"]),
                Route("/v1/refunds", self._create(_refund), methods=["POST"]),
                Route("/v1/customers", self._create(_customer), methods=["POST"]),
                Route("/v1/checkout/sessions", self._create(_checkout_session), methods=["POST"]),
                Route("/v1/subscriptions", self._create(self._new_sub), methods=["POST"]),
                Route("/v1/subscriptions/{id}", self._subscription, methods=["POST", "DELETE"]),
            ]
        )
        config = uvicorn.Config(app, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]})

    def start(self) -> StripeStandIn:
        self._thread.start()
        while not self._server.started:
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()

    def reset(self) -> None:
        self.state = StandInState()

    def fail_next(self, status: int, code: str) -> None:
        self.state.failure = (status, code)

    def keys(self, path_prefix: str = "") -> list[str | None]:
        return [r.idempotency_key for r in self.state.requests if r.path.startswith(path_prefix)]

    def _new_sub(self, params: dict[str, str]) -> dict[str, Any]:
        sub = _subscription(params)
        self.state.subscriptions[sub["id"]] = sub
        return sub

    async def _record(self, request: Request) -> tuple[Recorded, Response | None]:
        body = (await request.body()).decode()
        key = request.headers.get("idempotency-key")
        recorded = Recorded(request.method, request.url.path, key, dict(parse_qsl(body)))
        self.state.requests.append(recorded)
        if key is not None and key in self.state.replies:
            status, reply = self.state.replies[key]
            return recorded, JSONResponse(reply, status, headers={"Idempotent-Replayed": "true"})
        if self.state.failure is not None:
            status, code = self.state.failure
            self.state.failure = None
            error = {"type": "invalid_request_error", "code": code, "message": f"stand-in {code}"}
            return recorded, JSONResponse({"error": error}, status)
        return recorded, None

    def _reply(self, key: str | None, obj: dict[str, Any]) -> Response:
        if key is not None:
            self.state.replies[key] = (200, obj)
        return JSONResponse(obj)

    def _create(self, build: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            recorded, early = await self._record(request)
            return early or self._reply(recorded.idempotency_key, build(recorded.params))

        return endpoint

    async def _subscription(self, request: Request) -> Response:
        recorded, early = await self._record(request)
        if early is not None:
            return early
        sub = self.state.subscriptions.get(request.path_params["id"])
        if sub is None:
            error = {"type": "invalid_request_error", "code": "resource_missing", "message": "no"}
            return JSONResponse({"error": error}, 404)
        if request.method == "DELETE":
            sub.update(status="canceled", canceled_at=int(time.time()))
        elif recorded.params.get("cancel_at_period_end") == "true":
            sub["cancel_at_period_end"] = True
        return self._reply(recorded.idempotency_key, dict(sub))
