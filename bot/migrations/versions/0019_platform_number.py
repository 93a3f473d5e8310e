"""The national 12315 platform's number for a case, once staff registered it there.

Revision ID: 0019_platform_number
Revises: 0018_consumer_field
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_platform_number"
down_revision = "0018_consumer_field"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("platform_number", sa.String(40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("platform_number")
