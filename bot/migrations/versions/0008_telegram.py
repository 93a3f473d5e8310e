"""Native quiz polls (Telegram) and hand-offs announced in a staff group chat.

Revision ID: 0008_telegram
Revises: 0007_wechat
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_telegram"
down_revision = "0007_wechat"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quiz_polls",
        sa.Column("poll_id", sa.String(64), primary_key=True),
        sa.Column("chat_id", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("handoffs") as batch:
        batch.add_column(sa.Column("posted_to_chat", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("posted_to_chat")
    op.drop_table("quiz_polls")
