"""OIDC_PROVIDERS and OIDC_REDIRECT_URIS: read from the environment as JSON and a list, refused
when unusable, and refused in production over plain http or without a client secret; a client
secret never shows in the settings' text."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from app.settings import Settings

GOOGLE = {
    "name": "google",
    "kind": "oidc",
    "issuer": "https://accounts.google.com",
    "client_id": "1234.apps.googleusercontent.com",
    "client_secret": "google-secret-value",
}
GITHUB = {"name": "github", "kind": "github", "client_id": "Iv1.abc", "client_secret": "gh-secret"}


def settings_with(monkeypatch: pytest.MonkeyPatch, providers: object, uris: str = "") -> Settings:
    monkeypatch.setenv("OIDC_PROVIDERS", json.dumps(providers))
    monkeypatch.setenv("OIDC_REDIRECT_URIS", uris)
    return Settings(_env_file=None)  # type: ignore[call-arg]


def test_providers_and_redirect_uris_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = settings_with(
        monkeypatch, [GOOGLE, GITHUB], " https://app.example/cb , https://m.example/cb"
    )
    google, github = settings.oidc_providers
    assert google.discovery_document_url == (
        "https://accounts.google.com/.well-known/openid-configuration"
    )
    assert google.scope_list == ("openid", "email", "profile")
    assert github.token_url == "https://github.com/login/oauth/access_token"
    assert github.scope_list == ("read:user", "user:email")
    assert settings.oidc_redirect_uri_list == ["https://app.example/cb", "https://m.example/cb"]


def test_a_client_secret_never_shows_in_the_settings_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = settings_with(monkeypatch, [GOOGLE])
    assert "google-secret-value" not in repr(settings)
    assert "google-secret-value" not in str(settings.model_dump())


@pytest.mark.parametrize(
    "providers",
    [
        [GOOGLE, GOOGLE],  # two providers of one name
        [{**GOOGLE, "issuer": ""}],  # an OIDC provider without issuer or discovery URL
        [{**GOOGLE, "name": "Google Accounts"}],  # not a name for the API
        [{**GOOGLE, "kind": "saml"}],
        [{**GOOGLE, "client_id": ""}],
        [{**GOOGLE, "clientSecret": "typo"}],  # an unknown key is a mistake, not ignored
    ],
)
def test_an_unusable_provider_list_stops_the_start(
    monkeypatch: pytest.MonkeyPatch, providers: object
) -> None:
    with pytest.raises(ValidationError):
        settings_with(monkeypatch, providers)


def test_production_refuses_plain_http_and_missing_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = settings_with(
        monkeypatch,
        [{**GOOGLE, "issuer": "http://id.example"}, {**GITHUB, "client_secret": ""}],
        "http://app.example/cb",
    )
    reasons = [r for r in settings.unsafe_reasons() if r.startswith("OIDC_")]
    assert reasons == [
        "OIDC_PROVIDERS: google's URLs must be https",
        "OIDC_PROVIDERS: github has no client_secret",
        "OIDC_REDIRECT_URIS: every redirect URI must be https",
    ]
    fine = settings_with(monkeypatch, [GOOGLE, GITHUB], "https://app.example/cb")
    assert not [r for r in fine.unsafe_reasons() if r.startswith("OIDC_")]
