"""Server-made keys (the web identity cookie's) and failed status checks counted per ticket and per requester.

Revision ID: 0012_identity_and_checks
Revises: 0011_outbox_progress
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_identity_and_checks"
down_revision = "0011_outbox_progress"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_secrets",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "status_check_failures",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("ticket", sa.String(16), nullable=False),
        sa.Column("requester", sa.String(180), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_status_check_failures_ticket", "status_check_failures", ["ticket", "failed_at"])
    op.create_index("ix_status_check_failures_requester", "status_check_failures", ["requester", "failed_at"])


def downgrade() -> None:
    op.drop_table("status_check_failures")
    op.drop_table("app_secrets")
