"""Case notices in the outbox: the case they are about and their fields, for WeChat's template fallback.

Revision ID: 0010_outbox_notices
Revises: 0009_case_steps
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_outbox_notices"
down_revision = "0009_case_steps"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("notice", sa.JSON(), nullable=True))
        batch.create_index("ix_outbox_case_id", ["case_id"])


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_case_id")
        batch.drop_column("notice")
        batch.drop_column("case_id")
