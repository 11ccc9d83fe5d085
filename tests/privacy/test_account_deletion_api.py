"""deleteMyAccount → e-mailed confirmation → cool-off (cancellable after signing in again) →
erasure by the scheduled job; the admins' eraseUser takes the same path and is audit-logged."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select

from app.accounts import erasure
from app.accounts.identities import UNUSABLE_PASSWORD
from app.accounts.models import User, UserRole, UserStatus
from app.accounts.privacy_models import AccountDeletion, DeletionState
from app.admin.models import AuditLogEntry
from app.clock import frozen, utcnow
from app.commerce.models import (
    PaymentProvider,
    Subscription,
    SubscriptionPlan,
    SubscriptionStatus,
)
from app.commerce.subscriptions import PLAN_CODE, seed_plan, subscribe
from app.db import Database
from app.errors import UserFacingError
from app.integrations.payments_local import LocalGateway
from app.integrations.storage import Storage, make_storage
from app.outbox import OutboxEvent
from app.settings import get_settings
from tests.support.accounts import PASSWORD, emails, login, make_user, token_of
from tests.support.catalog import gid, person, token_for
from tests.support.graphql import GraphQLClient

COOL_OFF = timedelta(seconds=get_settings().account_deletion_cool_off_seconds)
DELETION = "deletion { eraseAfter keepCertificatesVerifiable }"


@pytest.fixture
def storage() -> Storage:
    return make_storage(get_settings())


async def delete_my_account(
    client: GraphQLClient, token: str, password: str = PASSWORD, keep: bool = False
) -> dict[str, object]:
    outcome = await client.mutate(
        "deleteMyAccount",
        {"password": password, "keepCertificatesVerifiable": keep},
        "ok",
        token=token,
    )
    return outcome.payload("deleteMyAccount")


async def confirm(client: GraphQLClient, database: Database) -> dict[str, object]:
    [mail] = await emails(database, "confirm_account_deletion")
    outcome = await client.mutate("confirmAccountDeletion", {"token": token_of(mail)}, DELETION)
    return outcome.payload("confirmAccountDeletion")


async def deletions(database: Database, user_id: uuid.UUID) -> list[AccountDeletion]:
    async with database.session() as session:
        stmt = select(AccountDeletion).where(AccountDeletion.user_id == user_id)
        return list(await session.scalars(stmt))


async def stored_user(database: Database, user_id: uuid.UUID) -> User:
    async with database.session() as session:
        found = await session.get(User, user_id)
    assert found is not None
    return found


async def test_a_wrong_password_is_a_typed_error_and_changes_nothing(
    client: GraphQLClient, database: Database
) -> None:
    user = await make_user(database)
    token = (await login(client, user.email))["accessToken"]

    payload = await delete_my_account(client, token, password="Not-The-Password-1")

    assert payload["ok"] is False
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [  # type: ignore[index, union-attr]
        ("password", "INVALID_PASSWORD")
    ]
    assert await emails(database, "confirm_account_deletion") == []
    assert await deletions(database, user.id) == []
    assert (await client.execute("{ me { id } }", token=token)).payload("me") is not None


async def test_an_account_with_a_password_must_give_it(
    client: GraphQLClient, database: Database
) -> None:
    user = await make_user(database)
    token = token_for(client, user)

    outcome = await client.mutate("deleteMyAccount", {}, "ok", token=token)

    payload = outcome.payload("deleteMyAccount")
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("password", "INVALID_PASSWORD")
    ]
    assert await emails(database, "confirm_account_deletion") == []


async def test_an_account_made_by_a_provider_sign_in_confirms_by_the_emailed_link_alone(
    client: GraphQLClient, database: Database
) -> None:
    """Such an account has no password to give (OIDC sign-in created it): the link mailed to its
    verified address is the proof, as for the password holder after the password check."""
    user = await make_user(database)
    async with database.transaction() as session:
        stored = await session.get(User, user.id)
        assert stored is not None
        stored.password_hash = UNUSABLE_PASSWORD
    token = token_for(client, user)

    outcome = await client.mutate("deleteMyAccount", {}, "ok", token=token)

    assert outcome.payload("deleteMyAccount") == {"ok": True, "errors": []}
    confirmed = await confirm(client, database)
    assert confirmed["errors"] == []
    [row] = await deletions(database, user.id)
    assert row.state == DeletionState.SCHEDULED


async def test_confirming_schedules_erasure_and_ends_every_session_at_once(
    client: GraphQLClient, database: Database
) -> None:
    user = await make_user(database)
    token = (await login(client, user.email))["accessToken"]
    assert await delete_my_account(client, token, keep=True) == {"ok": True, "errors": []}
    # nothing is scheduled before the link is used
    assert await deletions(database, user.id) == []

    before = utcnow()
    confirmed = await confirm(client, database)

    assert confirmed["errors"] == []
    [row] = await deletions(database, user.id)
    assert row.state == DeletionState.SCHEDULED
    assert row.keep_certificates_verifiable is True
    assert before + COOL_OFF <= row.erase_after <= utcnow() + COOL_OFF
    stale = await client.execute("{ me { id } }", token=token)  # issued before confirmation
    assert stale.codes == ["UNAUTHENTICATED"]


async def test_a_confirmation_link_works_once(client: GraphQLClient, database: Database) -> None:
    user = await make_user(database)
    token = (await login(client, user.email))["accessToken"]
    await delete_my_account(client, token)
    [mail] = await emails(database, "confirm_account_deletion")
    await client.mutate("confirmAccountDeletion", {"token": token_of(mail)}, DELETION)

    again = await client.mutate("confirmAccountDeletion", {"token": token_of(mail)}, DELETION)

    assert [e["code"] for e in again.payload("confirmAccountDeletion")["errors"]] == [
        "INVALID_TOKEN"
    ]
    assert len(await deletions(database, user.id)) == 1


async def test_signing_in_during_the_cool_off_shows_and_cancels_the_pending_deletion(
    client: GraphQLClient, database: Database, redis_client: Redis, storage: Storage
) -> None:
    user = await make_user(database)
    await delete_my_account(client, (await login(client, user.email))["accessToken"])
    await confirm(client, database)

    token = (await login(client, user.email))["accessToken"]  # signing in is still allowed
    shown = await client.execute("{ pendingDeletion { eraseAfter } }", token=token)
    assert shown.payload("pendingDeletion") is not None
    cancelled = await client.execute(
        "mutation { cancelAccountDeletion { ok errors { code } } }", token=token
    )
    assert cancelled.payload("cancelAccountDeletion") == {"ok": True, "errors": []}

    assert (await client.execute("{ pendingDeletion { eraseAfter } }", token=token)).payload(
        "pendingDeletion"
    ) is None
    with frozen(utcnow() + COOL_OFF + timedelta(days=1)):
        assert await erasure.erase_due_accounts(database, storage, redis_client, now=utcnow()) == 0
    assert (await stored_user(database, user.id)).status == UserStatus.ACTIVE
    again = await client.execute(
        "mutation { cancelAccountDeletion { ok errors { code } } }", token=token
    )
    assert [e["code"] for e in again.payload("cancelAccountDeletion")["errors"]] == [
        "NO_DELETION_SCHEDULED"
    ]


async def test_the_scheduled_job_erases_only_once_the_cool_off_has_ended(
    client: GraphQLClient, database: Database, redis_client: Redis, storage: Storage
) -> None:
    user = await make_user(database)
    await delete_my_account(client, (await login(client, user.email))["accessToken"])
    await confirm(client, database)
    [row] = await deletions(database, user.id)

    with frozen(row.erase_after - timedelta(seconds=1)):
        assert await erasure.erase_due_accounts(database, storage, redis_client, now=utcnow()) == 0
    assert (await stored_user(database, user.id)).status == UserStatus.ACTIVE
    with frozen(row.erase_after + timedelta(seconds=1)):
        assert await erasure.erase_due_accounts(database, storage, redis_client, now=utcnow()) == 1

    erased = await stored_user(database, user.id)
    assert erased.status == UserStatus.DELETED
    outcome = await client.mutate(
        "login", {"email": user.email, "password": PASSWORD}, "accessToken"
    )
    assert [e["code"] for e in outcome.payload("login")["errors"]] == ["INVALID_CREDENTIALS"]


async def test_two_confirmations_racing_schedule_one_erasure(database: Database) -> None:
    """Two links (say, two tabs) used at the same moment: one deletion is scheduled."""
    user = await make_user(database)
    settings = get_settings()

    async def schedule() -> str:
        async with database.transaction() as session:
            target = await session.get(User, user.id)
            assert target is not None
            try:
                await erasure._schedule(
                    session,
                    target,
                    erase_after=utcnow() + COOL_OFF,
                    keep_certificates_verifiable=False,
                )
            except UserFacingError as exc:
                return exc.errors[0].code.value
        return "scheduled"

    outcomes = await asyncio.gather(schedule(), schedule())

    assert sorted(outcomes) in (["DELETION_SCHEDULED", "scheduled"], ["scheduled", "scheduled"])
    assert len(await deletions(database, user.id)) == 1
    assert settings.account_deletion_cool_off_seconds > 0


async def test_admin_erase_user_goes_the_same_path_and_is_audited(
    client: GraphQLClient, database: Database, redis_client: Redis, storage: Storage
) -> None:
    admin = await person(database, UserRole.ADMIN)
    user = await make_user(database)
    user_token = (await login(client, user.email))["accessToken"]

    outcome = await client.mutate(
        "eraseUser",
        {"userId": gid("User", user.id), "immediate": True},
        DELETION,
        token=token_for(client, admin),
    )

    assert outcome.payload("eraseUser")["errors"] == []
    assert (await client.execute("{ me { id } }", token=user_token)).codes == ["UNAUTHENTICATED"]
    async with database.session() as session:
        audited = await session.scalar(
            select(func.count())
            .select_from(AuditLogEntry)
            .where(AuditLogEntry.actor_id == admin.id, AuditLogEntry.action.contains("eraseUser"))
        )
        [job] = list(
            await session.scalars(
                select(OutboxEvent).where(OutboxEvent.topic == erasure.ERASE_TOPIC)
            )
        )
    assert audited == 1
    assert await erasure.erase_account(
        database, storage, redis_client, deletion_id=uuid.UUID(job.payload["deletion_id"])
    )
    assert (await stored_user(database, user.id)).status == UserStatus.DELETED


async def test_an_admins_erasure_stops_a_renewing_subscription_at_the_provider(
    client: GraphQLClient, database: Database, redis_client: Redis
) -> None:
    """The user cannot be asked to cancel first (deleteMyAccount's SUBSCRIPTION_ACTIVE), so
    eraseUser cancels at the period's end through the payment provider: no renewal bills an
    erased person."""
    admin = await person(database, UserRole.ADMIN)
    user = await make_user(database)
    gateway = LocalGateway(get_settings(), redis_client)
    async with database.transaction() as session:
        await seed_plan(session)
    async with database.transaction() as session:
        subscribed = await subscribe(
            session,
            gateway,
            user_id=user.id,
            plan_code=PLAN_CODE,
            provider=PaymentProvider.LOCAL,
        )
    row = subscribed.subscription

    outcome = await client.mutate(
        "eraseUser",
        {"userId": gid("User", user.id)},
        DELETION,
        token=token_for(client, admin),
    )

    assert outcome.payload("eraseUser")["errors"] == []
    async with database.session() as session:
        stored = await session.get(Subscription, row.id)
    assert stored is not None
    assert stored.cancel_at_period_end is True
    at_provider = await gateway.get_object(row.provider_subscription_id)
    assert at_provider is not None
    assert at_provider["cancel_at_period_end"] is True  # the provider will not bill again


async def test_only_admins_may_erase_someone_else(
    client: GraphQLClient, database: Database
) -> None:
    """Property 69 (GraphQL mutation authorization): a student's eraseUser is refused and
    changes nothing."""
    student = await person(database)
    victim = await make_user(database)

    outcome = await client.mutate(
        "eraseUser",
        {"userId": gid("User", victim.id), "immediate": True},
        DELETION,
        token=token_for(client, student),
    )

    assert outcome.codes == ["FORBIDDEN"]
    assert await deletions(database, victim.id) == []


async def test_a_renewing_subscription_must_be_cancelled_first(
    client: GraphQLClient, database: Database
) -> None:
    """Erasure cannot stop the provider's billing: SUBSCRIPTION_ACTIVE until it is cancelled
    (at the period's end is enough)."""
    user = await make_user(database)
    async with database.transaction() as session:
        await seed_plan(session)
        await session.flush()
        plan_id = await session.scalar(select(SubscriptionPlan.id))
        row = Subscription(
            user_id=user.id,
            plan_id=plan_id,
            provider=PaymentProvider.LOCAL,
            provider_subscription_id=f"sub_{uuid.uuid4().hex}",
            provider_customer_id="cus_1",
            status=SubscriptionStatus.ACTIVE,
        )
        session.add(row)
    token = (await login(client, user.email))["accessToken"]

    refused = await delete_my_account(client, token)
    assert [e["code"] for e in refused["errors"]] == ["SUBSCRIPTION_ACTIVE"]  # type: ignore[index, union-attr]
    assert await emails(database, "confirm_account_deletion") == []

    async with database.transaction() as session:
        stored = await session.get(Subscription, row.id)
        assert stored is not None
        stored.cancel_at_period_end = True
    assert await delete_my_account(client, token) == {"ok": True, "errors": []}
