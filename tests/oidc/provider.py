"""A real OpenID Connect provider for the tests, built from Authlib's own server components
(AuthorizationServer, AuthorizationCodeGrant + OpenIDCode + CodeChallenge), served over HTTP on
127.0.0.1 by uvicorn in a background thread.

`OidcProvider()` serves discovery, authorization, token, userinfo and JWKS endpoints; the
authorization endpoint approves at once for `provider.person` (no login page), like a browser
whose user is signed in at the provider. `misbehave` makes the next ID tokens wrong on purpose
(a nonce, audience, issuer or expiry that does not fit, or a signature by a key outside the JWKS).

`OidcProvider(github=True)` is a GitHub-style OAuth2 stand-in on the same components: GitHub's
paths (/login/oauth/authorize, /login/oauth/access_token), no ID token, and its API's /user and
/user/emails.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from authlib.oauth2 import AuthorizationServer, OAuth2Error, OAuth2Request
from authlib.oauth2.rfc6749 import InvalidRequestError, OAuth2Payload, grants
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

CLIENT_ID = "easyways-test-client"
CLIENT_SECRET = "test-client-secret"
KID = "test-key-1"


@dataclass
class Person:
    """Who is signed in at the provider."""

    sub: str = "person-1"
    email: str | None = "ada@example.com"
    email_verified: bool = True
    given_name: str = "Ada"
    family_name: str = "Lovelace"


@dataclass
class Client:
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str) -> str:
        return scope

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri.startswith("http")

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    person: Person
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


class _Payload(OAuth2Payload):
    def __init__(self, values: dict[str, str]) -> None:
        self._values = values

    @property
    def data(self) -> dict[str, str]:
        return self._values

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return defaultdict(list, {k: [v] for k, v in self._values.items()})


class _Request(OAuth2Request):
    """A Starlette request whose query and form were read already (Authlib's server is sync)."""

    def __init__(self, request: Request, form: dict[str, str]) -> None:
        super().__init__(request.method, str(request.url), headers=request.headers)
        self._args = dict(request.query_params)
        self._form = form
        self.payload = _Payload({**self._args, **form})

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


@dataclass
class State:
    person: Person = field(default_factory=Person)
    misbehave: str | None = None
    codes: dict[str, Code] = field(default_factory=dict)
    tokens: dict[str, Person] = field(default_factory=dict)
    token_requests: int = 0


class OidcProvider:
    def __init__(self, *, github: bool = False) -> None:
        self.github = github
        self.state = State()
        self.key = self.first_key = RSAKey.generate_key(2048, parameters={"kid": KID, "use": "sig"})
        # the same kid as the published key, but not the published key
        self.rogue_key = RSAKey.generate_key(2048, parameters={"kid": KID, "use": "sig"})
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self.server = self._authorization_server()
        app = Starlette(routes=self._routes())
        config = uvicorn.Config(app, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]})

    # --- life cycle --------------------------------------------------------------------------

    def start(self) -> OidcProvider:
        self._thread.start()
        while not self._server.started:
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()

    def reset(self) -> None:
        self.state = State()
        self.key = self.first_key

    def rotate_keys(self) -> None:
        """Sign with a new key of a new `kid` from now on (the JWKS publishes only it)."""
        self.key = RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(4), "use": "sig"})

    @property
    def person(self) -> Person:
        return self.state.person

    @person.setter
    def person(self, value: Person) -> None:
        self.state.person = value

    @property
    def misbehave(self) -> str | None:
        return self.state.misbehave

    @misbehave.setter
    def misbehave(self, value: str | None) -> None:
        self.state.misbehave = value

    # --- Authlib's server --------------------------------------------------------------------

    def _authorization_server(self) -> AuthorizationServer:
        provider = self

        class Server(AuthorizationServer):
            def query_client(self, client_id: str) -> Client | None:
                return Client() if client_id == CLIENT_ID else None

            def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
                provider.state.tokens[token["access_token"]] = request.user

            def create_oauth2_request(self, request: Any) -> OAuth2Request:
                return request  # already a _Request

            def handle_response(self, status: int, body: Any, headers: Any) -> Response:
                headers = dict(headers)
                if isinstance(body, dict):
                    return JSONResponse(body, status_code=status, headers=headers)
                return Response(body or b"", status_code=status, headers=headers)

            def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
                pass

        class CodeGrant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

            def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
                data = request.payload.data
                provider.state.codes[code] = Code(
                    code=code,
                    client_id=request.client.get_client_id(),
                    redirect_uri=data.get("redirect_uri", ""),
                    scope=data.get("scope", ""),
                    person=request.user,
                    nonce=data.get("nonce"),
                    code_challenge=data.get("code_challenge"),
                    code_challenge_method=data.get("code_challenge_method"),
                )

            def query_authorization_code(self, code: str, client: Client) -> Code | None:
                found = provider.state.codes.get(code)
                return found if found and found.client_id == client.get_client_id() else None

            def delete_authorization_code(self, authorization_code: Code) -> None:
                provider.state.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code: Code) -> Person:
                return authorization_code.person

        class IdToken(OpenIDCode):
            def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
                return any(c.nonce == nonce for c in provider.state.codes.values())

            def resolve_client_private_key(self, client: Client) -> RSAKey:
                return provider.rogue_key if provider.misbehave == "bad_signature" else provider.key

            def get_client_algorithm(self, client: Client) -> str:
                return "RS256"

            def get_encode_header(self, client: Client) -> dict[str, str]:
                return {"alg": "RS256", "kid": str(provider.key.kid)}

            def get_client_claims(self, client: Client) -> dict[str, Any]:
                now = int(time.time())
                claims: dict[str, Any] = {"iss": provider.url, "aud": [client.get_client_id()]}
                if provider.misbehave == "wrong_audience":
                    claims["aud"] = ["another-client"]
                if provider.misbehave == "wrong_issuer":
                    claims["iss"] = "https://impostor.example"
                if provider.misbehave == "expired":
                    claims.update(iat=now - 7200, exp=now - 3600)
                return claims

            def get_authorization_code_claims(self, authorization_code: Code) -> dict[str, Any]:
                claims = dict(super().get_authorization_code_claims(authorization_code))
                if provider.misbehave == "wrong_nonce":
                    claims["nonce"] = "not-the-nonce-you-sent"
                return claims

            def generate_user_info(self, user: Person, scope: str) -> UserInfo:
                if provider.misbehave == "thin_id_token":  # the profile only at /userinfo
                    return UserInfo(sub=user.sub)
                return UserInfo(sub=user.sub, **_profile(user))

        class StrictCodeChallenge(CodeChallenge):
            """PKCE for every client, confidential ones too (Authlib demands it of public ones)."""

            def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
                if not grant.request.payload.data.get("code_challenge"):
                    raise InvalidRequestError("Missing 'code_challenge'")
                super().validate_code_challenge(grant, redirect_uri)

        server = Server(scopes_supported=None)
        server.register_token_generator(
            "default", BearerTokenGenerator(lambda **_: secrets.token_urlsafe(32))
        )
        extensions: list[Any] = [StrictCodeChallenge(required=True)]
        if not self.github:
            extensions.append(IdToken(require_nonce=True))
        server.register_grant(CodeGrant, extensions)
        return server

    # --- HTTP --------------------------------------------------------------------------------

    def _routes(self) -> list[Route]:
        if self.github:
            return [
                Route("/login/oauth/authorize", self._authorize),
                Route("/login/oauth/access_token", self._token, methods=["POST"]),
                Route("/user", self._github_user),
                Route("/user/emails", self._github_emails),
            ]
        return [
            Route("/.well-known/openid-configuration", self._discovery),
            Route("/authorize", self._authorize),
            Route("/token", self._token, methods=["POST"]),
            Route("/userinfo", self._userinfo),
            Route("/jwks", self._jwks),
        ]

    async def _discovery(self, request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.url,
                "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token",
                "userinfo_endpoint": f"{self.url}/userinfo",
                "jwks_uri": f"{self.url}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "scopes_supported": ["openid", "email", "profile"],
            }
        )

    async def _jwks(self, request: Request) -> Response:
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})

    async def _authorize(self, request: Request) -> Response:
        oauth_request = _Request(request, {})
        try:
            grant = self.server.get_consent_grant(oauth_request, end_user=self.person)
        except OAuth2Error as error:
            return JSONResponse(dict(error.get_body()), status_code=error.status_code)
        return self.server.create_authorization_response(
            oauth_request, grant_user=self.person, grant=grant
        )

    async def _token(self, request: Request) -> Response:
        self.state.token_requests += 1
        form = dict(parse_qsl((await request.body()).decode()))
        response: Response = self.server.create_token_response(_Request(request, form))
        return response

    def _bearer(self, request: Request) -> Person | None:
        auth = request.headers.get("authorization", "")
        return self.state.tokens.get(auth.removeprefix("Bearer ").strip())

    async def _userinfo(self, request: Request) -> Response:
        person = self._bearer(request)
        if person is None:
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        return JSONResponse({"sub": person.sub, **_profile(person)})

    async def _github_user(self, request: Request) -> Response:
        person = self._bearer(request)
        if person is None:
            return JSONResponse({"message": "Bad credentials"}, status_code=401)
        name = f"{person.given_name} {person.family_name}"
        return JSONResponse({"id": int(person.sub), "login": "ada", "name": name})

    async def _github_emails(self, request: Request) -> Response:
        person = self._bearer(request)
        if person is None:
            return JSONResponse({"message": "Bad credentials"}, status_code=401)
        emails = [{"email": "ada-old@example.org", "primary": False, "verified": True}]
        if person.email:
            emails.append(
                {"email": person.email, "primary": True, "verified": person.email_verified}
            )
        return JSONResponse(emails)


def _profile(person: Person) -> dict[str, Any]:
    claims: dict[str, Any] = {"given_name": person.given_name, "family_name": person.family_name}
    if person.email is not None:
        claims.update(email=person.email, email_verified=person.email_verified)
    return claims
