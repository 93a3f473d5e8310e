"""Quiz options are shuffled per attempt: the order each question's options are shown in.

Revision ID: 0015_quiz_option_orders
Revises: 0014_chat_lines
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_quiz_option_orders"
down_revision = "0014_chat_lines"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quiz_attempts") as batch:
        batch.add_column(sa.Column("option_orders", sa.JSON, nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("quiz_attempts") as batch:
        batch.drop_column("option_orders")
