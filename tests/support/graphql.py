"""A GraphQL client over `schema.execute` with a real context (real database and Valkey)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from strawberry.schema.base import BaseSchema

from app.db import Database
from app.errors import Unauthenticated
from app.security.tokens import KeyRing, verify_access_token
from app.settings import Settings
from loaders import Loaders
from schema.core.context import Context
from schema.root import schema as product_schema

BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Safari/537.36"
)


@dataclass
class Outcome:
    data: dict[str, Any] | None
    errors: list[Any]
    response: Response

    @property
    def codes(self) -> list[str]:
        return [(e.extensions or {}).get("code") for e in self.errors]

    def payload(self, name: str) -> dict[str, Any]:
        assert not self.errors, self.errors
        assert self.data is not None
        return self.data[name]

    def set_cookies(self) -> dict[str, Any]:
        jar: SimpleCookie = SimpleCookie()
        for header in self.response.headers.getlist("set-cookie"):
            jar.load(header)
        return {name: morsel for name, morsel in jar.items()}


@dataclass
class GraphQLClient:
    database: Database
    redis: Any
    keyring: KeyRing
    settings: Settings
    ip: str = "203.0.113.7"
    user_agent: str = BROWSER
    cookies: dict[str, str] = field(default_factory=dict)
    schema: BaseSchema = product_schema

    async def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        cookies: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        ip: str | None = None,
    ) -> Outcome:
        jar = {**self.cookies, **(cookies or {})}
        raw_headers = [(b"user-agent", self.user_agent.encode())]
        if jar:
            cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
            raw_headers.append((b"cookie", cookie.encode()))
        raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
        client_ip = ip or self.ip
        scope = {
            "type": "http",
            "method": "POST",
            "path": "/graphql",
            "headers": raw_headers,
            "client": (client_ip, 50000),
            "query_string": b"",
            "server": ("test", 80),
            "scheme": "http",
            "http_version": "1.1",
            "root_path": "",
        }
        claims = None
        if token is not None:
            try:
                claims = verify_access_token(self.keyring, self.settings, token)
            except Unauthenticated:
                claims = None
        response = Response()
        context = Context(
            request=Request(scope),
            response=response,
            db=self.database,
            redis=self.redis,
            settings=self.settings,
            request_id="test",
            loaders=Loaders(self.database),
            keyring=self.keyring,
            claims=claims,
            client_ip=client_ip,
            user_agent=self.user_agent,
        )
        result = await self.schema.execute(query, variable_values=variables, context_value=context)
        # as a client reads it: a planned read's data holds pre-written JSON (orjson.Fragment)
        data = orjson.loads(orjson.dumps(result.data)) if result.data is not None else None
        return Outcome(data, list(result.errors or []), response)

    async def mutate(self, name: str, input_: dict[str, Any], fields: str, **kw: Any) -> Outcome:
        type_name = name[0].upper() + name[1:]
        query = (
            f"mutation($input: {type_name}Input!) {{ {name}(input: $input) {{ {fields} "
            "errors { field message code } } }"
        )
        return await self.execute(query, {"input": input_}, **kw)


def with_settings(client: GraphQLClient, **overrides: Any) -> GraphQLClient:
    """The same client over a copy of its settings with `overrides` (e.g. a feature switch)."""
    return dataclasses.replace(client, settings=client.settings.model_copy(update=overrides))


def unlimited(client: GraphQLClient) -> GraphQLClient:
    """The client without rate limits: hundreds of hypothesis examples from one address must
    not run into them (a RATE_LIMITED error's `retryAfter` depends on the moment)."""
    return with_settings(
        client, rate_limit_anonymous_per_minute=10**9, rate_limit_user_per_minute=10**9
    )
