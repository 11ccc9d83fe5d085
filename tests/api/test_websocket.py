"""Subscriptions over WebSocket with both sub-protocols, authenticated by connection_init."""

from __future__ import annotations

import json
import uuid
import warnings
from collections.abc import Iterator

import pytest
from starlette.exceptions import StarletteDeprecationWarning
from starlette.websockets import WebSocketDisconnect

from app.accounts.models import User, UserRole
from app.main import create_app
from app.security.tokens import issue_access_token
from app.settings import Settings
from tests.support.api import build_test_schema

with warnings.catch_warnings():
    # Starlette would rather its TestClient ran on `httpx2`; `httpx` works for WebSocket tests.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient


@pytest.fixture
def ws_client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings, schema=build_test_schema(settings))
    with TestClient(app) as client:
        yield client


def _token(client: TestClient, user_id: uuid.UUID) -> str:
    state = client.app.state  # type: ignore[attr-defined]
    user = User(id=user_id, email="ws@example.com", role=UserRole.STUDENT, token_version=0)
    return issue_access_token(state.keyring, state.settings, user=user, session_id=None)[0]


def test_graphql_transport_ws_subscribes_receives_and_completes(ws_client: TestClient) -> None:
    with ws_client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        assert ws.accepted_subprotocol == "graphql-transport-ws"
        ws.send_json({"type": "connection_init", "payload": {}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": "subscription { ping(count: 3) }"},
            }
        )
        messages = [ws.receive_json() for _ in range(4)]
    assert [m["type"] for m in messages] == ["next", "next", "next", "complete"]
    assert messages[0]["payload"]["data"] == {"ping": "pong"}


def test_legacy_graphql_ws_subscribes_receives_and_completes(ws_client: TestClient) -> None:
    with ws_client.websocket_connect("/graphql", subprotocols=["graphql-ws"]) as ws:
        assert ws.accepted_subprotocol == "graphql-ws"
        ws.send_json({"type": "connection_init", "payload": {}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json(
            {"id": "1", "type": "start", "payload": {"query": "subscription { ping(count: 2) }"}}
        )
        messages = [ws.receive_json() for _ in range(3)]
        ws.send_json({"type": "connection_terminate"})
    assert [m["type"] for m in messages] == ["data", "data", "complete"]
    assert messages[1]["payload"]["data"] == {"ping": "pong"}


def test_connection_init_token_authenticates_the_socket(ws_client: TestClient) -> None:
    user_id = uuid.uuid4()
    token = _token(ws_client, user_id)
    with ws_client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json(
            {"id": "a", "type": "subscribe", "payload": {"query": "subscription { whoami }"}}
        )
        message = ws.receive_json()
    assert message["payload"]["data"] == {"whoami": str(user_id)}


def test_a_bad_token_refuses_the_socket(ws_client: TestClient) -> None:
    with ws_client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"authorization": "Bearer nonsense"}})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4403


def test_a_bad_token_is_a_connection_error_with_its_code_on_graphql_ws(
    ws_client: TestClient,
) -> None:
    with ws_client.websocket_connect("/graphql", subprotocols=["graphql-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"authorization": "Bearer nonsense"}})
        message = ws.receive_json()
    assert message["type"] == "connection_error"
    assert message["payload"]["code"] == "TOKEN_INVALID"


def test_subscription_errors_carry_codes(ws_client: TestClient) -> None:
    with ws_client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init"})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": "subscription { ping(count: 0) }"},
            }
        )
        message = ws.receive_json()
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert errors[0]["extensions"]["requestId"]


def test_each_operation_gets_its_own_loaders(ws_client: TestClient) -> None:
    """The socket's context is copied per operation with fresh loaders."""
    from schema.core.extensions import OperationGuard

    seen: list[int] = []
    original = OperationGuard._isolate_websocket_operation

    def spy(self: OperationGuard) -> None:
        before = self.execution_context.context
        original(self)
        after = self.execution_context.context
        assert after is not before
        assert after.loaders is not before.loaders
        seen.append(id(after.loaders))

    OperationGuard._isolate_websocket_operation = spy  # type: ignore[method-assign]
    try:
        with ws_client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
            ws.send_json({"type": "connection_init"})
            ws.receive_json()
            for op in ("1", "2"):
                ws.send_json(
                    {"id": op, "type": "subscribe", "payload": {"query": "subscription { ping }"}}
                )
                ws.receive_json()
                ws.receive_json()
    finally:
        OperationGuard._isolate_websocket_operation = original  # type: ignore[method-assign]
    assert len(seen) == 2
    assert seen[0] != seen[1]


def test_a_cross_origin_socket_is_refused_and_logged_as_a_refusal(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """A page on another origin may not open a socket (cookies would ride along): the handshake
    is answered 403, and the access log says 403, not 500."""
    app = create_app(settings, schema=build_test_schema(settings))
    with TestClient(app) as client:
        capsys.readouterr()
        with (
            pytest.raises(WebSocketDisconnect),
            client.websocket_connect(
                "/graphql",
                subprotocols=["graphql-transport-ws"],
                headers={"origin": "https://evil.example"},
            ),
        ):
            pass
        lines = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith("{")]
    (access,) = [x for x in lines if x.get("logger") == "easyways.access"]
    assert (access["path"], access["status"]) == ("/graphql", 403)
