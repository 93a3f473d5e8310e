"""Per-message progress of an outbox row: a retried row resumes after the last message that was sent.

Revision ID: 0011_outbox_progress
Revises: 0010_outbox_notices
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_outbox_progress"
down_revision = "0010_outbox_notices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("sent", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("sent")
