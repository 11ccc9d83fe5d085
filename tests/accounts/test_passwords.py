"""Argon2id hashing: Property 4 (round trip), Property 5 (salted), rehash on login."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.accounts.models import User
from app.security import passwords
from tests.support.accounts import PASSWORD, login, make_user

PASSWORDS = st.text(min_size=8, max_size=64)


@settings(max_examples=20, deadline=None)
@given(PASSWORDS)
def test_property_4_a_password_verifies_against_its_hash(password):
    hashed = passwords.hash_password(password)
    assert passwords.verify_password(hashed, password)
    assert not passwords.verify_password(hashed, password + "x")


@settings(max_examples=10, deadline=None)
@given(PASSWORDS)
def test_property_5_hashing_twice_gives_different_hashes_that_both_verify(password):
    first, second = passwords.hash_password(password), passwords.hash_password(password)
    assert first != second
    assert passwords.verify_password(first, password)
    assert passwords.verify_password(second, password)


def test_hashes_are_argon2id_with_owasp_parameters():
    hashed = passwords.hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_a_malformed_hash_never_verifies():
    assert not passwords.verify_password("not-a-hash", PASSWORD)


async def test_login_rehashes_a_password_stored_with_weaker_parameters(client, database):
    user = await make_user(database)
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1, type=Type.ID)
    async with database.transaction() as session:
        stored = await session.get(User, user.id)
        stored.password_hash = weak.hash(PASSWORD)

    await login(client, user.email)

    async with database.session() as session:
        rehashed = await session.scalar(select(User.password_hash).where(User.id == user.id))
    assert rehashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert passwords.verify_password(rehashed, PASSWORD)
