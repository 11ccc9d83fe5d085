"""Idempotent demo data: running `easyways seed` twice creates everything once.

Each domain contributes one seeder `(session) -> number of rows created` to SEEDERS; each runs
in its own transaction, in order, so later seeders can look up what earlier ones created.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import UserRole
from app.accounts.service import create_user, get_user_by_email
from app.db import Database

# Demo passwords (also listed in the README). Strong enough for the password policy, and never
# valid in production, where nobody runs the seed.
ADMIN_PASSWORD = "Admin!Easyways2026"  # noqa: S105
INSTRUCTOR_PASSWORD = "Teach!Easyways2026"  # noqa: S105
STUDENT_PASSWORD = "Learn!Easyways2026"  # noqa: S105

# `.example` is reserved for examples (RFC 2606): valid addresses that can never receive mail.
DEMO_DOMAIN = "easyways.example"


@dataclass(frozen=True)
class DemoUser:
    email: str
    first_name: str
    last_name: str
    role: UserRole
    password: str


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser(f"admin@{DEMO_DOMAIN}", "Ada", "Admin", UserRole.ADMIN, ADMIN_PASSWORD),
    DemoUser(f"grace@{DEMO_DOMAIN}", "Grace", "Hopper", UserRole.INSTRUCTOR, INSTRUCTOR_PASSWORD),
    DemoUser(f"alan@{DEMO_DOMAIN}", "Alan", "Turing", UserRole.INSTRUCTOR, INSTRUCTOR_PASSWORD),
    DemoUser(f"maria@{DEMO_DOMAIN}", "Maria", "Lopez", UserRole.STUDENT, STUDENT_PASSWORD),
    DemoUser(f"kenji@{DEMO_DOMAIN}", "Kenji", "Sato", UserRole.STUDENT, STUDENT_PASSWORD),
    DemoUser(f"amara@{DEMO_DOMAIN}", "Amara", "Okafor", UserRole.STUDENT, STUDENT_PASSWORD),
)

Seeder = Callable[[AsyncSession], Awaitable[int]]


async def seed_users(session: AsyncSession) -> int:
    """One admin, two instructors and three students, all verified; existing ones are skipped."""
    created = 0
    for demo in DEMO_USERS:
        if await get_user_by_email(session, demo.email) is not None:
            continue
        await create_user(
            session,
            email=demo.email,
            password=demo.password,
            first_name=demo.first_name,
            last_name=demo.last_name,
            role=demo.role,
            verified=True,
        )
        created += 1
    return created


SEEDERS: list[tuple[str, Seeder]] = [
    ("users", seed_users),
]


async def seed(db: Database) -> dict[str, int]:
    """Run every seeder in its own transaction; returns how many rows each one created."""
    report: dict[str, int] = {}
    for name, seeder in SEEDERS:
        async with db.transaction() as session:
            report[name] = await seeder(session)
    return report
