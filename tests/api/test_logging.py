"""Structured JSON logs with the request id, and redaction of secrets (Property 67)."""

from __future__ import annotations

import json
import logging
import string

import httpx
import pytest
import structlog
from hypothesis import given, settings
from hypothesis import strategies as st

from app.observability import REDACTED, luhn_valid, redact, redact_event
from app.settings import Settings

SENSITIVE_KEYS = [
    "password",
    "passwd",
    "secret",
    "token",
    "authorization",
    "cookie",
    "api_key",
    "apikey",
    "client_secret",
    "card",
    "cvc",
    "cvv",
    "pan",
    "iban",
    "otp",
    "totp",
    "recovery_code",
    "new_password",
    "refreshToken",
    "X-Api-Key",
    "cardNumber",
    "recoveryCodes",
    "Set-Cookie",
]


def _spellings(key: str) -> st.SearchStrategy[str]:
    parts = key.replace("-", "_").split("_")
    camel = parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])
    return st.sampled_from(
        [key, key.upper(), key.lower(), camel, key.replace("_", "-"), key.title()]
    )


sensitive_key = st.sampled_from(SENSITIVE_KEYS).flatmap(_spellings)
secret_value = st.text(alphabet=string.ascii_letters, min_size=6, max_size=12).map(
    lambda s: f"S3CR3T{s}"
)
plain_key = st.sampled_from(["name", "email_count", "course", "passing_score", "company", "panel"])
plain_value = st.one_of(st.integers(), st.text(alphabet=string.ascii_lowercase, max_size=8))


def _tree(secrets: list[str]) -> st.SearchStrategy[object]:
    leaf_secret = secret_value.map(lambda v: secrets.append(v) or v)
    return st.recursive(
        plain_value,
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            st.dictionaries(plain_key, children, max_size=3),
            st.dictionaries(
                sensitive_key, st.one_of(leaf_secret, children), min_size=1, max_size=2
            ),
        ),
        max_leaves=12,
    )


@st.composite
def events_with_secrets(draw: st.DrawFn) -> tuple[dict[str, object], list[str]]:
    secrets: list[str] = []
    payload = draw(_tree(secrets))
    key = draw(sensitive_key)
    value = draw(secret_value)
    secrets.append(value)
    return {"event": "something happened", "payload": payload, key: value}, secrets


@settings(max_examples=50)
@given(events_with_secrets())
def test_property_67_sensitive_keys_are_redacted_at_any_depth(
    case: tuple[dict[str, object], list[str]],
) -> None:
    event, secrets = case
    rendered = json.dumps(redact_event(None, "info", dict(event)))
    for secret in secrets:
        assert secret not in rendered
    assert "something happened" in rendered


CARDS = ["4111111111111111", "5500 0000 0000 0004", "3400-000000-00009", "6011000990139424"]


@settings(max_examples=50)
@given(
    prefix=st.text(alphabet=string.ascii_letters + " :=", max_size=10),
    credential=st.sampled_from(
        [
            "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl",
            "Bearer abc.def-ghi_jkl",
            "bearer sk_live_123456",
            *CARDS,
        ]
    ),
    suffix=st.text(alphabet=string.ascii_letters + " .", max_size=10),
)
def test_property_67_credentials_inside_any_string_are_redacted(
    prefix: str, credential: str, suffix: str
) -> None:
    text = f"{prefix} {credential} {suffix}"
    out = redact({"note": text, "nested": [{"msg": text}]})
    assert credential.split()[-1] not in json.dumps(out)
    assert REDACTED in out["note"]


@pytest.mark.parametrize("number", ["4111111111111112", "1234567890123", "2024-01-01 12:00:00"])
def test_numbers_that_are_not_cards_stay(number: str) -> None:
    assert not luhn_valid("4111111111111112")
    assert redact({"note": f"order {number}"}) == {"note": f"order {number}"}


def test_graphql_variables_are_logged_only_redacted() -> None:
    variables = {
        "input": {"email": "a@b.c", "password": "hunter22", "cardNumber": "4111111111111111"}
    }
    out = redact_event(None, "info", {"event": "graphql", "variables": variables})
    assert out["variables"]["input"] == {
        "email": "a@b.c",
        "password": REDACTED,
        "cardNumber": REDACTED,
    }


async def test_log_lines_are_json_with_level_timestamp_and_request_id(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    await client.post(
        "/graphql",
        json={"query": "query Hello { ping }"},
        headers={"X-Request-ID": "log-test-1", "Authorization": "Bearer not-a-real-token"},
    )
    lines = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")
    ]
    access = next(
        line for line in lines if line["event"] == "request" and line.get("path") == "/graphql"
    )
    assert access["request_id"] == "log-test-1"
    assert access["operation_name"] == "Hello"
    assert access["status"] == 401  # the token does not verify
    assert access["level"] == "info"
    assert access["timestamp"].endswith("Z")
    assert isinstance(access["latency_ms"], float)
    assert "user_id" in access
    assert all("not-a-real-token" not in json.dumps(line) for line in lines)


def test_stdlib_logging_is_routed_through_the_redacting_pipeline(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    logging.getLogger("some.library").warning("login with token=%s", "eyJx.eyJy.zzz")
    structlog.get_logger("x").info("hello", password="hunter22")
    out = capsys.readouterr().out
    assert "eyJx.eyJy.zzz" not in out
    assert "hunter22" not in out
    assert '"logger":"some.library"' in out


def test_logs_are_console_lines_in_development_and_json_in_production() -> None:
    assert Settings(EASYWAYS_ENV="development", log_json=None).json_logs is False
    assert Settings(EASYWAYS_ENV="production", log_json=None).json_logs is True
    assert Settings(EASYWAYS_ENV="development", log_json=True).json_logs is True
