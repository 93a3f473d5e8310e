"""Staff departments, case assignees, and level-by-level escalations of group and overdue cases.

Revision ID: 0005_escalations
Revises: 0004_warnings
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_escalations"
down_revision = "0004_warnings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("department_code", sa.String(32), nullable=True))
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("assignee", sa.String(64), nullable=True))
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("department_code", sa.String(32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("case_id", "reason", name="uq_escalations_case_reason"),
    )


def downgrade() -> None:
    op.drop_table("escalations")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("assignee")
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("department_code")
