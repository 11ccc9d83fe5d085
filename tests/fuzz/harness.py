"""Send operations to a real server as one role and keep every internal failure with what
reproduces it: the operation, its variables, the answer and the exception the server logged."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.fuzz.operations import IdPool, RawJSON

INTERNAL = "INTERNAL_SERVER_ERROR"
SIGNED_OUT = {"UNAUTHENTICATED", "TOKEN_INVALID", "TOKEN_EXPIRED"}
# An operation over a limit (tokens, depth, cost) or one the schema refuses.
OVER_LIMIT = {"GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED"}
REQUEST_TIMEOUT_SECONDS = 60
# A 5xx is logged by uvicorn just after the answer left: how long to look for that log line.
LOG_GRACE_SECONDS = 2.0
PROJECT_FRAME = re.compile(
    r'File "[^"]*?/((?:app|schema|resolvers|loaders|workers)/[^"]+)", line (\d+), in (\S+)'
)


def problems(status: int, body: bytes) -> list[str]:
    """What is wrong with one answer: a 5xx status, or an error whose `extensions.code` is
    INTERNAL_SERVER_ERROR (every other error, RATE_LIMITED included, is an answer)."""
    found = [f"HTTP {status}"] if status >= 500 else []
    for error in _errors(_json(body)):
        if (error.get("extensions") or {}).get("code") == INTERNAL:
            found.append(f"{INTERNAL}: {_first_line(error.get('message'))}")
    return found


def error_codes(payload: Any) -> set[str]:
    return {str((e.get("extensions") or {}).get("code")) for e in _errors(payload)}


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _errors(payload: Any) -> list[dict[str, Any]]:
    errors = payload.get("errors") if isinstance(payload, dict) else None
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def _first_line(text: object) -> str:
    return str(text).strip().splitlines()[0][:300] if str(text).strip() else ""


def encode(query: str, variables: dict[str, Any] | None) -> bytes:
    """The request body; `RawJSON` values go in as the JSON text they carry."""
    raws: dict[str, str] = {}

    def swap(value: Any) -> Any:
        if isinstance(value, RawJSON):
            token = f"@@raw-json-{len(raws)}@@"
            raws[token] = value.text
            return token
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        if isinstance(value, list):
            return [swap(v) for v in value]
        return value

    text = json.dumps({"query": query, "variables": swap(variables or {})})
    for token, raw in raws.items():
        text = text.replace(json.dumps(token), raw)
    return text.encode()


def abbreviate(value: Any, depth: int = 0) -> Any:
    """Variables as a person reads them: long strings, lists and nesting summarised."""
    if isinstance(value, RawJSON):
        return f"<raw JSON: {value.label}>"
    if isinstance(value, str) and len(value) > 120:
        return f"<{len(value):,} chars: {value[:20]!r}…>"
    if depth > 6 and isinstance(value, dict | list):
        return "<nested deeper…>"
    if isinstance(value, list):
        items = [abbreviate(v, depth + 1) for v in value[:3]]
        return [*items, f"<… {len(value):,} items>"] if len(value) > 3 else items
    if isinstance(value, dict):
        shown = {k: abbreviate(v, depth + 1) for k, v in list(value.items())[:10]}
        if len(value) > 10:
            shown["…"] = f"<{len(value):,} keys>"
        return shown
    return value


@dataclass
class Failure:
    role: str
    operation: str
    case: str  # what was varied ("input.email = NUL") or "generated"
    query: str
    variables: dict[str, Any] | None
    problems: list[str]
    status: int | None
    response: str
    request_id: str
    causes: list[str] = field(default_factory=list)

    @property
    def signature(self) -> tuple[str, str]:
        """Failures of one operation with one kind of fault are one bug: numbers, quoted values
        and hex in the message are masked."""
        text = self.causes[0] if self.causes else self.problems[0]
        text = re.sub(r"'[^']*'|\"[^\"]*\"|0x[0-9a-fA-F]+|\d+", "…", text.split("\n[SQL")[0])
        return self.operation, text[:200]

    def describe(self) -> str:
        variables = (
            json.dumps(abbreviate(self.variables), ensure_ascii=True) if self.variables else "{}"
        )
        return "\n".join(
            [
                f"[{self.role}] {self.operation} ({self.case}) request {self.request_id}",
                f"  problems:  {'; '.join(self.problems)}",
                *(f"  cause:     {cause}" for cause in self.causes),
                f"  query:     {self.query[:1500]}",
                f"  variables: {variables[:1500]}",
                f"  response:  HTTP {self.status} {self.response[:1500]}",
            ]
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "operation": self.operation,
            "case": self.case,
            "query": self.query,
            "variables": abbreviate(self.variables),
            "problems": self.problems,
            "causes": self.causes,
            "status": self.status,
            "response": self.response,
            "request_id": self.request_id,
        }


class ServerLog:
    """The server's JSON log lines, to name the exception behind a failure."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def size(self) -> int:
        return self.path.stat().st_size if self.path.exists() else 0

    def causes(self, since: int, request_id: str, *, wait: bool) -> list[str]:
        """Exceptions logged since `since` for `request_id` (or with no request id: uvicorn's
        "Exception in ASGI application" after a 5xx, which may land just after the answer)."""
        deadline = time.monotonic() + (LOG_GRACE_SECONDS if wait else 0)
        while True:
            found = self._causes(since, request_id)
            if found or time.monotonic() >= deadline:
                return found
            time.sleep(0.05)

    def _causes(self, since: int, request_id: str) -> list[str]:
        with self.path.open("rb") as log:
            log.seek(since)
            lines = log.read().splitlines()
        found = []
        for line in lines:
            entry = _json(line)
            if not isinstance(entry, dict) or not entry.get("exception"):
                continue
            if entry.get("request_id") not in (request_id, None):
                continue
            found.append(exception_summary(str(entry["exception"])))
        return found


def exception_summary(traceback: str) -> str:
    """`ExcType: message (app/x/y.py:12 in fn)`: the last line and the deepest frame of ours."""
    lines = [line for line in traceback.strip().splitlines() if line.strip()]
    last = next(
        (
            line
            for line in reversed(lines)
            if re.match(r"^[\w.]+(Error|Exception|Warning)\b|^\w+:", line)
        ),
        lines[-1] if lines else "",
    )
    frames = PROJECT_FRAME.findall(traceback)
    where = f" ({frames[-1][0]}:{frames[-1][1]} in {frames[-1][2]})" if frames else ""
    return f"{last.strip()[:300]}{where}"


@dataclass
class Account:
    email: str
    password: str


LOGIN = """mutation($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) { accessToken errors { code message } } }"""


class Caller:
    """One role's HTTP client: sends one operation at a time, signs in again when a fuzzed
    operation ended its session, records every failure, and adds the ids in every answer to the
    pool (what one operation creates, the next one works on)."""

    def __init__(
        self, role: str, url: str, log: ServerLog, pool: IdPool, account: Account | None
    ) -> None:
        self.role = role
        self.log = log
        self.pool = pool
        self.account = account
        self.http = httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_SECONDS)
        self.token = ""
        self.sent = 0
        self.failures: list[Failure] = []
        self.journal: list[str] = []  # "request id, operation, case" of every operation sent
        self.outcomes: Counter[str] = Counter()  # answers by their error codes ("ok": none)
        if account is not None:
            self.sign_in()

    def sign_in(self) -> None:
        assert self.account is not None
        variables = {"email": self.account.email, "password": self.account.password}
        response = self.http.post("/graphql", json={"query": LOGIN, "variables": variables})
        payload = response.json()["data"]["login"]
        assert payload["errors"] == [], payload
        self.token = payload["accessToken"]

    def signed_in(self) -> bool:
        payload = self.post("{ me { id } }", None)[1]
        return isinstance(payload, dict) and bool((payload.get("data") or {}).get("me"))

    def post(
        self, query: str, variables: dict[str, Any] | None, request_id: str = ""
    ) -> tuple[httpx.Response, Any]:
        headers = {"Content-Type": "application/json"}
        if request_id:
            headers["X-Request-ID"] = request_id
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        response = self.http.post("/graphql", content=encode(query, variables), headers=headers)
        return response, _json(response.content)

    def send(
        self,
        operation: str,
        query: str,
        variables: dict[str, Any] | None = None,
        case: str = "generated",
    ) -> Any:
        """Send one operation; return its JSON answer (None when there was none)."""
        self.sent += 1
        request_id = f"fuzz-{self.role}-{self.sent}"
        self.journal.append(f"{request_id}\t{operation}\t{case}")
        since = self.log.size()
        try:
            response, payload = self.post(query, variables, request_id)
        except httpx.TransportError as exc:
            self._record(
                operation,
                case,
                query,
                variables,
                [f"no answer: {exc!r}"],
                None,
                "",
                request_id,
                since,
            )
            return None
        codes = error_codes(payload)
        self.outcomes[",".join(sorted(codes)) or "ok"] += 1
        if isinstance(payload, dict):
            self.pool.add_all(payload.get("data"))
        found = problems(response.status_code, response.content)
        if found:
            self._record(
                operation,
                case,
                query,
                variables,
                found,
                response.status_code,
                response.text,
                request_id,
                since,
            )
        if self.account is not None and SIGNED_OUT & codes and not self.signed_in():
            self.sign_in()
        return payload

    def _record(
        self,
        operation: str,
        case: str,
        query: str,
        variables: dict[str, Any] | None,
        found: list[str],
        status: int | None,
        text: str,
        request_id: str,
        since: int,
    ) -> None:
        causes = self.log.causes(since, request_id, wait=status is None or status >= 500)
        self.failures.append(
            Failure(
                self.role,
                operation,
                case,
                query,
                variables,
                found,
                status,
                text,
                request_id,
                causes,
            )
        )

    def close(self) -> None:
        self.http.close()


def report(failures: Iterable[Failure], full_report: Path) -> str:
    """Each distinct failure (operation, fault) once, with its smallest reproduction and how
    often it happened; every failure in full is written to `full_report` (JSON)."""
    failures = list(failures)
    full_report.write_text(json.dumps([f.as_json() for f in failures], indent=1, ensure_ascii=True))
    groups: dict[tuple[str, str], list[Failure]] = {}
    for failure in failures:
        groups.setdefault(failure.signature, []).append(failure)
    parts = [
        f"{len(failures)} failing operations, {len(groups)} distinct (each in {full_report}; the "
        f"server log is copied to {full_report.parent / 'server.log'} at the end of the run):"
    ]
    for (operation, fault), members in sorted(groups.items()):
        smallest = min(members, key=lambda f: len(encode(f.query, f.variables)))
        roles = sorted({f.role for f in members})
        parts.append(f"\n== {operation}: {fault}  [{len(members)}x, {', '.join(roles)}]")
        parts.append(smallest.describe())
    return "\n".join(parts)
