"""Citizens rate how a closed case was handled.

Revision ID: 0021_case_ratings
Revises: 0020_lab_open_days
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_case_ratings"
down_revision = "0020_lab_open_days"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_ratings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, unique=True),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("case_ratings")
