"""The `easyways` command line: admins, demo data, schema export, migrations, refusals."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from app.accounts.models import User, UserRole
from app.analytics.rollup_models import StudentDailyActivity
from app.cli import main
from app.db import Database
from app.notifications.vapid import VapidKeys
from app.seed import DEMO_USERS
from app.settings import get_settings

# Every test starts from empty tables (the `database` fixture cleans them).
pytestmark = pytest.mark.usefixtures("database")

ADMIN = ["--email", "Root@Example.com", "--first-name", "Rita", "--last-name", "Root"]


def users(url: str) -> list[User]:
    async def query() -> list[User]:
        db = Database.from_url(url, pool_size=1, max_overflow=0)
        try:
            async with db.session() as session:
                return list(await session.scalars(select(User).order_by(User.email)))
        finally:
            await db.dispose()

    return asyncio.run(query())


def create_admin(monkeypatch: pytest.MonkeyPatch, password: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    return main(["create-admin", *ADMIN, "--password-stdin"])


def test_create_admin_creates_a_verified_admin(
    service_urls: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert create_admin(monkeypatch, "Sturdy!Passw0rd-2026") == 0
    [user] = users(service_urls[0])
    assert (user.email, user.role, user.first_name) == ("root@example.com", UserRole.ADMIN, "Rita")
    assert user.email_verified_at is not None
    assert "created admin root@example.com" in capsys.readouterr().err


def test_create_admin_rejects_a_weak_password_with_exit_code_2_and_writes_nothing(
    service_urls: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert create_admin(monkeypatch, "weak") == 2
    assert "password" in capsys.readouterr().err.lower()
    assert users(service_urls[0]) == []


def test_create_admin_rejects_an_email_that_is_taken(
    service_urls: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert create_admin(monkeypatch, "Sturdy!Passw0rd-2026") == 0
    assert create_admin(monkeypatch, "Other!Passw0rd-2026") == 2
    assert len(users(service_urls[0])) == 1


def test_seeding_twice_creates_the_demo_users_once(service_urls: tuple[str, str]) -> None:
    assert main(["seed"]) == 0
    assert main(["seed"]) == 0
    seeded = users(service_urls[0])
    assert sorted(u.email for u in seeded) == sorted(d.email for d in DEMO_USERS)
    assert all(u.email_verified_at is not None for u in seeded)
    roles = [u.role for u in seeded]
    assert (roles.count(UserRole.ADMIN), roles.count(UserRole.INSTRUCTOR)) == (1, 2)
    assert roles.count(UserRole.STUDENT) == 6  # three for the journeys, three alumni


def learning_days(url: str, *, erase: bool = False) -> list[tuple[object, ...]]:
    """The rolled-up learning days of every student (emptied first with `erase`)."""

    async def query() -> list[tuple[object, ...]]:
        db = Database.from_url(url, pool_size=1, max_overflow=0)
        try:
            async with db.transaction() as session:
                if erase:
                    await session.execute(delete(StudentDailyActivity))
                rows = await session.execute(
                    select(
                        StudentDailyActivity.user_id,
                        StudentDailyActivity.day,
                        StudentDailyActivity.seconds_learned,
                    ).order_by(StudentDailyActivity.user_id, StudentDailyActivity.day)
                )
                return [tuple(r) for r in rows.all()]
        finally:
            await db.dispose()

    return asyncio.run(query())


def test_roll_up_recomputes_the_analytics_of_a_range_of_days(
    service_urls: tuple[str, str],
) -> None:
    assert main(["seed"]) == 0  # the demo learning history, rolled up
    before = learning_days(service_urls[0])
    assert before
    first, last = min(r[1] for r in before), max(r[1] for r in before)
    assert learning_days(service_urls[0], erase=True) == []

    assert main(["roll-up", "--day", str(first), "--to", str(last)]) == 0

    assert learning_days(service_urls[0]) == before


def test_roll_up_refuses_a_backwards_range(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["roll-up", "--day", "2026-12-02", "--to", "2026-12-01"]) == 2
    assert "--to" in capsys.readouterr().err


def test_export_schema_prints_the_sdl(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export-schema"]) == 0
    sdl = capsys.readouterr().out
    assert "type Query" in sdl
    assert "ping" in sdl


def test_export_schema_writes_the_sdl_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "schema.graphql"
    assert main(["export-schema", "--output", str(target)]) == 0
    assert "type Query" in target.read_text()


def test_migrate_on_an_up_to_date_database_changes_nothing(
    service_urls: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate"]) == 0
    assert "migrated to head" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_production_refuses_to_start_with_unsafe_settings_and_names_them(
    command: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EASYWAYS_ENV", "production")
    monkeypatch.setenv("DEBUG", "true")
    get_settings.cache_clear()
    try:
        assert main([command]) == 2
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    err = capsys.readouterr().err
    for name in ("SECRET_KEY", "JWT_PRIVATE_KEYS", "DEBUG", "MAIL_BACKEND"):
        assert name in err


def test_a_worker_without_database_and_redis_urls_explains_what_it_needs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "")
    monkeypatch.setenv("REDIS_URL", "")
    get_settings.cache_clear()
    try:
        assert main(["worker"]) == 2
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert "DATABASE_URL and REDIS_URL" in capsys.readouterr().err


def test_production_refuses_the_local_storage_and_payments_stand_ins_and_names_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from app.cli import _refuse_unsafe

    vapid = VapidKeys.generate("mailto:ops@example.com")
    safe = get_settings().model_copy(
        update={
            "env": "production",
            "secret_key": "x" * 40,
            "jwt_private_keys": '{"k": "pem"}',
            "refresh_cookie_secure": True,
            "mail_backend": "smtp",
            "vapid_private_key": vapid.private_key,
            "vapid_public_key": vapid.public_key,
        }
    )
    assert safe.unsafe_reasons() == []
    assert _refuse_unsafe(safe) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "refusing to start with unsafe production settings:"
    assert [line.split(":")[0] for line in lines[1:]] == [
        "  - STORAGE_BACKEND",
        "  - PAYMENTS_BACKEND",
    ]
    real = safe.model_copy(
        update={
            "storage_backend": "s3",
            "payments_backend": "stripe",
            "stripe_secret_key": "sk_live_x",
            "stripe_webhook_secret": "whsec_x",
        }
    )
    assert _refuse_unsafe(real) is None


def test_development_may_use_the_local_stand_ins() -> None:
    from app.cli import _refuse_unsafe

    assert _refuse_unsafe(get_settings().model_copy(update={"env": "development"})) is None


def test_the_server_trusts_no_forwarded_headers_and_caps_websocket_frames(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """X-Forwarded-For is believed only from TRUSTED_PROXIES (by the app, not by uvicorn), and
    uvicorn never buffers a WebSocket message larger than the endpoint accepts."""
    import uvicorn

    from app import cli
    from app.settings import Settings

    seen: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.update(kwargs))
    settings = Settings(max_request_bytes=4096)
    cli._run_uvicorn(settings, "127.0.0.1", 8000, reload=False)
    assert seen["proxy_headers"] is False
    assert "forwarded_allow_ips" not in seen
    assert seen["ws_max_size"] == 4096
