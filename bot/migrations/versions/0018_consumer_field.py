"""Every case gets its consumer field (the goods or services category 12315 records it under).

Revision ID: 0018_consumer_field
Revises: 0017_knowledge_gaps
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_consumer_field"
down_revision = "0017_knowledge_gaps"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("consumer_field", sa.String(32), nullable=False, server_default="other"))
        batch.create_index("ix_cases_consumer_field", ["consumer_field"])


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_consumer_field")
        batch.drop_column("consumer_field")
