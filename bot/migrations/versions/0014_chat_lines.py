"""Web chat lines: what a citizen and the bot said, so that a reloaded chat page keeps its conversation.

Revision ID: 0014_chat_lines
Revises: 0013_retention
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_chat_lines"
down_revision = "0013_retention"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_lines",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("speaker", sa.String(8), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("buttons", sa.JSON, nullable=False),
        sa.Column("citations", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_chat_lines_user", "chat_lines", ["channel", "external_id", "id"])
    op.create_index("ix_chat_lines_created_at", "chat_lines", ["created_at"])


def downgrade() -> None:
    op.drop_table("chat_lines")
