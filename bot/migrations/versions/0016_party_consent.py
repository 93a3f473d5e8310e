"""When a complainant or real-name reporter agreed to the privacy notice.

Revision ID: 0016_party_consent
Revises: 0015_quiz_option_orders
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_party_consent"
down_revision = "0015_quiz_option_orders"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_parties") as batch:
        batch.add_column(sa.Column("consented_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_parties") as batch:
        batch.drop_column("consented_at")
