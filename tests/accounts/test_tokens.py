"""Access tokens: Property 7 (structure), Property 11 (role extraction), every forgery refused."""

from __future__ import annotations

import base64
import json
import os
import stat
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from joserfc import jwt
from joserfc.jwk import OctKey

from app.accounts.models import UserRole
from app.clock import utcnow
from app.errors import Unauthenticated
from app.security.tokens import (
    KeyRing,
    generate_key,
    issue_access_token,
    load_keyring,
    verify_access_token,
)
from app.settings import Settings
from tests.support.accounts import login, make_user

SETTINGS = Settings(_env_file=None)


def a_user(role: UserRole = UserRole.STUDENT, ver: int = 0, email: str = "a@example.com"):
    return SimpleNamespace(id=uuid.uuid4(), email=email, role=role, token_version=ver)


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def header_of(token: str) -> dict:
    head = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))


async def test_property_7_login_returns_a_signed_jwt_with_identity_and_a_15_minute_life(
    client, database, keyring
):
    user = await make_user(database, email="seven@example.com")
    payload = await login(client, user.email)

    token = payload["accessToken"]
    claims = claims_of(token)
    assert claims["sub"] == str(user.id)
    assert claims["email"] == "seven@example.com"
    assert claims["role"] == "student"
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert claims["iss"] == client.settings.jwt_issuer
    assert claims["aud"] == client.settings.jwt_audience
    assert {"jti", "sid", "nbf", "ver"} <= set(claims)
    assert header_of(token) == {"alg": "ES256", "kid": keyring.signing_kid, "typ": "JWT"}
    assert verify_access_token(keyring, client.settings, token).sub == user.id
    assert 14 * 60 < payload["expiresIn"] <= 15 * 60


@hsettings(max_examples=30)
@given(
    role=st.sampled_from(list(UserRole)),
    ver=st.integers(min_value=0, max_value=2**31 - 1),
    email=st.emails().map(str.lower),
)
def test_property_11_the_role_read_from_a_token_is_the_role_it_was_issued_with(role, ver, email):
    keyring = KeyRing.generate()
    user = a_user(role, ver, email)
    token, _ = issue_access_token(keyring, SETTINGS, user=user, session_id=uuid.uuid4())

    claims = verify_access_token(keyring, SETTINGS, token)

    assert claims.role == role
    assert (claims.sub, claims.email, claims.ver) == (user.id, email, ver)


@pytest.mark.parametrize("algorithm", ["ES256", "RS256"])
def test_both_supported_algorithms_sign_and_verify(algorithm):
    keyring = KeyRing.generate(algorithm)
    token, _ = issue_access_token(keyring, SETTINGS, user=a_user(), session_id=None)
    assert header_of(token)["alg"] == algorithm
    assert verify_access_token(keyring, SETTINGS, token).sid is None


def test_a_token_signed_by_another_key_is_refused():
    mine, theirs = KeyRing.generate(kid="k1"), KeyRing.generate(kid="k1")
    token, _ = issue_access_token(theirs, SETTINGS, user=a_user(), session_id=None)
    with pytest.raises(Unauthenticated):
        verify_access_token(mine, SETTINGS, token)


def test_a_tampered_payload_is_refused():
    keyring = KeyRing.generate()
    token, _ = issue_access_token(keyring, SETTINGS, user=a_user(), session_id=None)
    head, _, sig = token.split(".")
    forged = dict(claims_of(token), role="admin")
    body = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    with pytest.raises(Unauthenticated):
        verify_access_token(keyring, SETTINGS, f"{head}.{body}.{sig}")


def test_algorithm_confusion_hs256_with_the_public_key_and_alg_none_are_refused():
    keyring = KeyRing.generate(kid="k1")
    good, _ = issue_access_token(keyring, SETTINGS, user=a_user(), session_id=None)
    claims = dict(claims_of(good), role="admin")
    public_pem = json.dumps(keyring.jwks()["keys"][0]).encode()
    hs = jwt.encode({"alg": "HS256", "kid": "k1"}, claims, OctKey.import_key(public_pem))
    unsigned = (
        ".".join(
            base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()
            for part in ({"alg": "none", "kid": "k1"}, claims)
        )
        + "."
    )
    for forged in (hs, unsigned):
        with pytest.raises(Unauthenticated):
            verify_access_token(keyring, SETTINGS, forged)


def test_expired_not_yet_valid_wrong_issuer_and_wrong_audience_are_refused():
    keyring = KeyRing.generate()
    old, _ = issue_access_token(
        keyring, SETTINGS, user=a_user(), session_id=None, now=utcnow() - timedelta(minutes=16)
    )
    future, _ = issue_access_token(
        keyring, SETTINGS, user=a_user(), session_id=None, now=utcnow() + timedelta(minutes=5)
    )
    other_iss = SETTINGS.model_copy(update={"jwt_issuer": "someone-else"})
    other_aud = SETTINGS.model_copy(update={"jwt_audience": "another-api"})
    foreign_iss, _ = issue_access_token(keyring, other_iss, user=a_user(), session_id=None)
    foreign_aud, _ = issue_access_token(keyring, other_aud, user=a_user(), session_id=None)
    for token in (old, future, foreign_iss, foreign_aud, "garbage", "a.b.c", ""):
        with pytest.raises(Unauthenticated):
            verify_access_token(keyring, SETTINGS, token)


def test_an_unknown_kid_is_refused_and_rotation_keeps_old_tokens_valid():
    old_key, new_key = generate_key(), generate_key()
    token, _ = issue_access_token(
        KeyRing({"2025": old_key}), SETTINGS, user=a_user(), session_id=None
    )

    rotated = KeyRing({"2026": new_key, "2025": old_key})

    assert verify_access_token(rotated, SETTINGS, token)
    assert (
        header_of(issue_access_token(rotated, SETTINGS, user=a_user(), session_id=None)[0])["kid"]
        == "2026"
    )
    with pytest.raises(Unauthenticated):
        verify_access_token(KeyRing({"2026": new_key}), SETTINGS, token)


def test_jwks_lists_every_public_key_and_no_private_part():
    ring = KeyRing({"a": generate_key("ES256"), "b": generate_key("RS256")})
    jwks = ring.jwks()
    assert [(k["kid"], k["alg"], k["use"]) for k in jwks["keys"]] == [
        ("a", "ES256", "sig"),
        ("b", "RS256", "sig"),
    ]
    private_members = {"d", "p", "q", "dp", "dq", "qi"}
    assert all(not (private_members & set(k)) for k in jwks["keys"])


def test_keys_come_from_settings_as_json_kid_to_pem():
    ec = generate_key("ES256")
    pems = json.dumps({"main": ec.as_pem(private=True).decode()})
    ring = load_keyring(SETTINGS.model_copy(update={"jwt_private_keys": pems}))
    assert ring.kids == ["main"]
    assert ring.signing_algorithm == "ES256"


def test_a_development_key_is_generated_once_persisted_0600_and_reused(tmp_path):
    settings = SETTINGS.model_copy(update={"data_dir": tmp_path, "env": "development"})
    first = load_keyring(settings)
    path = tmp_path / "keys" / "jwt-signing.pem"
    token, _ = issue_access_token(first, settings, user=a_user(), session_id=None)

    second = load_keyring(settings)

    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert verify_access_token(second, settings, token)


def test_production_without_keys_refuses_to_build_a_keyring(tmp_path):
    from app.security.tokens import KeyRingError

    with pytest.raises(KeyRingError):
        load_keyring(SETTINGS.model_copy(update={"env": "production", "data_dir": tmp_path}))


def test_a_verified_token_is_not_verified_again_but_its_claims_are_checked_every_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The signature of a token a client sends again is checked once; its expiry still ends it,
    and a token differing in any byte (a forgery) is verified on its own."""
    keyring = KeyRing.generate()
    token, _ = issue_access_token(keyring, SETTINGS, user=a_user(), session_id=None)
    verifications = []
    original = jwt.decode

    def counting(*args, **kwargs):
        verifications.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr("app.security.tokens.jwt.decode", counting)
    first = verify_access_token(keyring, SETTINGS, token)
    again = verify_access_token(keyring, SETTINGS, token)
    assert first == again
    assert verifications == [1]

    with pytest.raises(Unauthenticated) as expired:
        verify_access_token(keyring, SETTINGS, token, now=utcnow() + timedelta(minutes=16))
    assert expired.value.code == "TOKEN_EXPIRED"

    head, _, sig = token.split(".")
    forged = dict(claims_of(token), role="admin")
    forged_body = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    with pytest.raises(Unauthenticated):
        verify_access_token(keyring, SETTINGS, f"{head}.{forged_body}.{sig}")
    assert len(verifications) == 2


def _outcome(keyring: KeyRing, settings: Settings, token: str, at) -> object:
    try:
        return verify_access_token(keyring, settings, token, now=at)
    except Unauthenticated as exc:
        return exc.code, exc.message


@hsettings(max_examples=60, deadline=None)
@given(
    offsets=st.lists(
        # seconds from issue: around the start (iat/nbf with the 5 s leeway), the expiry (15
        # minutes, leeway) and in between
        st.sampled_from([-7, -6, -5, -4, 0, 1, 300, 894, 895, 899, 900, 904, 905, 906, 3600]),
        min_size=1,
        max_size=8,
    ),
    audience=st.sampled_from([SETTINGS.jwt_audience, "another-api"]),
)
def test_a_token_checked_again_gets_exactly_the_answer_of_a_full_check(
    offsets: list[int], audience: str
) -> None:
    """A token that passed is remembered with its times; later checks at any moment (the clock
    may move either way) answer as a key ring that never saw it would: accepted with the same
    claims, TOKEN_EXPIRED or TOKEN_INVALID with the same message; another audience's settings
    are not answered from what was remembered for this one."""
    key = generate_key("ES256")
    remembering, fresh = KeyRing({"k": key}), KeyRing({"k": key})
    issued = utcnow().replace(microsecond=0)
    token, _ = issue_access_token(remembering, SETTINGS, user=a_user(), session_id=None, now=issued)
    settings = SETTINGS.model_copy(update={"jwt_audience": audience})
    assert _outcome(remembering, SETTINGS, token, issued) == _outcome(
        fresh, SETTINGS, token, issued
    )
    for offset in offsets:
        at = issued + timedelta(seconds=offset)
        assert _outcome(remembering, settings, token, at) == _outcome(
            KeyRing({"k": key}), settings, token, at
        )
