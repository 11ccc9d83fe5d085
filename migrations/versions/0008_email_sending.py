"""email_log.status 'sending': recorded (committed) before an e-mail is handed to the mailer

A redelivered send job that finds an e-mail still `sending` knows an earlier attempt was
interrupted (a killed worker) and does not blindly send it a second time.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONSTRAINT = "ck_email_log_email_status"
STATUSES = "'queued', 'sending', 'sent', 'failed', 'bounced'"
OLD_STATUSES = "'queued', 'sent', 'failed', 'bounced'"


def upgrade() -> None:
    op.drop_constraint(op.f(CONSTRAINT), "email_log", type_="check")
    op.alter_column("email_log", "status", type_=sa.String(7), existing_nullable=False)
    op.create_check_constraint(op.f(CONSTRAINT), "email_log", f"status IN ({STATUSES})")


def downgrade() -> None:
    op.execute("UPDATE email_log SET status = 'queued' WHERE status = 'sending'")
    op.drop_constraint(op.f(CONSTRAINT), "email_log", type_="check")
    op.alter_column("email_log", "status", type_=sa.String(6), existing_nullable=False)
    op.create_check_constraint(op.f(CONSTRAINT), "email_log", f"status IN ({OLD_STATUSES})")
