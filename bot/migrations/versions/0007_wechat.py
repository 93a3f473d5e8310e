"""Shared WeChat access tokens; delivery bookkeeping on the outbox.

Revision ID: 0007_wechat
Revises: 0006_quiz
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_wechat"
down_revision = "0006_quiz"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_tokens",
        sa.Column("app_id", sa.String(64), primary_key=True),
        sa.Column("token", sa.String(512), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("failed", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("last_error", sa.String(200), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("last_error")
        batch.drop_column("failed")
        batch.drop_column("next_attempt_at")
    op.drop_table("access_tokens")
