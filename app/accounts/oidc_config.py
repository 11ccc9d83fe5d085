"""The sign-in providers of OIDC_PROVIDERS (a JSON list), read by app.settings.

`kind` "oidc": any OpenID Connect issuer, found through its discovery document
(`<issuer>/.well-known/openid-configuration` unless `discovery_url` is given): Google is
`{"name": "google", "kind": "oidc", "issuer": "https://accounts.google.com", ...}`.
`kind` "github": GitHub's plain OAuth2 (no ID token): the e-mail comes from its API's
/user/emails (the primary, verified one); the base URLs are settings so that a stand-in can
replace GitHub.
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr

NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


class OidcProviderConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=NAME.pattern, description="The `provider` argument of the API.")
    kind: Literal["oidc", "github"] = "oidc"
    client_id: str = Field(min_length=1)
    client_secret: SecretStr = SecretStr("")
    scopes: tuple[str, ...] = ()
    # kind "oidc"
    issuer: str = ""
    discovery_url: str = ""
    # kind "github"
    authorize_url: str = "https://github.com/login/oauth/authorize"
    token_url: str = "https://github.com/login/oauth/access_token"  # noqa: S105 - a URL
    api_url: str = "https://api.github.com"

    @property
    def scope_list(self) -> tuple[str, ...]:
        if self.scopes:
            return self.scopes
        return (
            ("openid", "email", "profile") if self.kind == "oidc" else ("read:user", "user:email")
        )

    @property
    def discovery_document_url(self) -> str:
        if self.discovery_url:
            return self.discovery_url
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    def urls(self) -> list[str]:
        if self.kind == "github":
            return [self.authorize_url, self.token_url, self.api_url]
        return [self.discovery_document_url]


def provider_errors(providers: list[OidcProviderConfig]) -> list[str]:
    """What makes the list unusable in any mode."""
    errors = []
    names = [p.name for p in providers]
    if len(set(names)) != len(names):
        errors.append("OIDC_PROVIDERS: provider names must be unique")
    errors += [
        f"OIDC_PROVIDERS: {p.name} needs an issuer or a discovery_url"
        for p in providers
        if p.kind == "oidc" and not (p.issuer or p.discovery_url)
    ]
    return errors


def unsafe_reasons(providers: list[OidcProviderConfig], redirect_uris: list[str]) -> list[str]:
    """What production refuses: plain-http provider or redirect URLs, a provider without secret."""
    reasons = []
    for p in providers:
        if not p.client_secret.get_secret_value():
            reasons.append(f"OIDC_PROVIDERS: {p.name} has no client_secret")
        if any(urlsplit(url).scheme != "https" for url in p.urls()):
            reasons.append(f"OIDC_PROVIDERS: {p.name}'s URLs must be https")
    if any(urlsplit(uri).scheme != "https" for uri in redirect_uris):
        reasons.append("OIDC_REDIRECT_URIS: every redirect URI must be https")
    return reasons
