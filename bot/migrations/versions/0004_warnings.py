"""Consumer warnings (消费警示) and their subscribers.

Revision ID: 0004_warnings
Revises: 0003_staff
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_warnings"
down_revision = "0003_staff"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consumer_warnings",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
    )
    op.create_index("ix_consumer_warnings_published_at", "consumer_warnings", ["published_at"])
    op.create_table(
        "warning_subscriptions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("channel", "external_id", name="uq_warning_subscriptions_user"),
    )


def downgrade() -> None:
    op.drop_table("warning_subscriptions")
    op.drop_table("consumer_warnings")
