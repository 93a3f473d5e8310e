"""Processed-message keys are pruned by age: an index on their creation time.

Revision ID: 0013_retention
Revises: 0012_identity_and_checks
Create Date: 2026-12-07
"""

from alembic import op

revision = "0013_retention"
down_revision = "0012_identity_and_checks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_processed_messages_created_at", "processed_messages", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_processed_messages_created_at", table_name="processed_messages")
