"""A tiny HTTP client for the runner: GraphQL POSTs, sign-in, /metrics counters (stdlib only)."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

STATEMENTS_METRIC = "easyways_db_statement_duration_seconds_count"
LOGIN = (
    "mutation Login($input: LoginInput!) { login(input: $input) { accessToken "
    "errors { field message code } } }"
)


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: dict[str, Any]
    raw: bytes = b""  # the response body as sent

    def error(self, root_field: str | None) -> str | None:
        """Why this reply is not a good answer for `root_field`, or None when it is."""
        if self.status != 200:
            return f"HTTP {self.status}: {self._first_error()}"
        if self.body.get("errors"):
            return self._first_error()
        data = self.body.get("data") or {}
        if root_field and data.get(root_field) is None:
            return f"`{root_field}` returned null"
        return None

    def _first_error(self) -> str:
        errors = self.body.get("errors") or [{}]
        return str(errors[0].get("message", self.body))[:300]


def post(url: str, body: str, token: str | None = None, timeout: float = 30) -> Reply:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            raw = response.read()
            return Reply(response.status, dict(response.headers), _json(raw), raw)
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        return Reply(exc.code, dict(exc.headers), _json(raw), raw)


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError:
        return {"errors": [{"message": raw[:300].decode(errors="replace")}]}
    return value if isinstance(value, dict) else {"data": value}


def login(graphql_url: str, email: str, password: str) -> str:
    """An access token for `email`; raises RuntimeError with the server's reason otherwise."""
    variables = {"input": {"email": email, "password": password}}
    reply = post(graphql_url, json.dumps({"query": LOGIN, "variables": variables}))
    payload = (reply.body.get("data") or {}).get("login") or {}
    token = payload.get("accessToken")
    if not token:
        raise RuntimeError(f"login as {email} failed: {reply.body}")
    return str(token)


@dataclass(frozen=True)
class Counters:
    statements: float  # SQL statements the API ran (the statement-time histogram's `_count`)
    graphql_requests: float  # HTTP requests to /graphql the API finished, any status


def counters(base_url: str, token: str) -> Counters:
    """The API's running totals from /metrics (the scrape itself runs a statement or two)."""
    request = urllib.request.Request(  # noqa: S310 - the local API
        base_url + "/metrics", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        text = response.read().decode()
    match = re.search(rf"^{STATEMENTS_METRIC}\s+(\S+)$", text, re.MULTILINE)
    requests = sum(float(m.group(1)) for m in _GRAPHQL_REQUESTS.finditer(text))
    return Counters(float(match.group(1)) if match else 0.0, requests)


_GRAPHQL_REQUESTS = re.compile(
    r'^easyways_http_requests_total\{[^}]*route="/graphql"[^}]*\}\s+(\S+)$', re.MULTILINE
)


def postgraphile_queries(base_url: str) -> float:
    """Statements the PostGraphile reference server has sent to PostgreSQL (its GET /stats)."""
    with urllib.request.urlopen(base_url + "/stats", timeout=10) as response:  # noqa: S310
        return float(json.loads(response.read())["queries"])


class Meter:
    """Reads the counters net of the statements the /metrics scrapes themselves ran."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url, self.token = base_url, token
        self.scrapes = 0
        first = self._raw()
        self.per_scrape = self._raw().statements - first.statements

    def _raw(self) -> Counters:
        self.scrapes += 1
        return counters(self.base_url, self.token)

    def read(self) -> Counters:
        raw = self._raw()
        return Counters(raw.statements - self.scrapes * self.per_scrape, raw.graphql_requests)

    def read_when_idle(self, quiet_s: float = 1.0, timeout_s: float = 180) -> Counters:
        """The counters once no /graphql request has finished for `quiet_s` (requests wrk
        abandoned at the end of a run still complete on the server and count)."""
        deadline = time.monotonic() + timeout_s
        last = self.read()
        while time.monotonic() < deadline:
            time.sleep(quiet_s)
            now = self.read()
            if now.graphql_requests == last.graphql_requests:
                return now
            last = now
        return last
