"""Core tables: conversations, processed messages, turn events.

Revision ID: 0001_core
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_core"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("step", sa.String(64), nullable=True),
        sa.Column("slots", sa.JSON(), nullable=False),
        sa.Column("wants_human", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("channel", "external_id", name="uq_conversations_user"),
    )
    op.create_table(
        "processed_messages",
        sa.Column("dedup_key", sa.String(255), primary_key=True),
        sa.Column("replies", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "turn_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("user_hash", sa.String(16), nullable=False),
        sa.Column("message_kind", sa.String(16), nullable=False),
        sa.Column("route", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("citations", sa.JSON(), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("duplicate", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_turn_events_created_at", "turn_events", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_turn_events_created_at", table_name="turn_events")
    op.drop_table("turn_events")
    op.drop_table("processed_messages")
    op.drop_table("conversations")
