"""Reporting up level by level: incident reports with their checklist, and the gala watch list.

Revision ID: 0022_incident_reports
Revises: 0021_case_ratings
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_incident_reports"
down_revision = "0021_case_ratings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watched_businesses",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("business_key", sa.String(200), nullable=False, index=True),
        sa.Column("business_name", sa.String(200), nullable=False),
        sa.Column("product", sa.String(200), nullable=False),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_by", sa.String(64), nullable=True),
    )
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("watch_id", sa.Integer, nullable=True))
        batch.create_foreign_key("fk_cases_watch_id", "watched_businesses", ["watch_id"], ["id"])
        batch.create_index("ix_cases_watch_id", ["watch_id"])
    op.create_table(
        "incident_reports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("group_id", sa.Integer, sa.ForeignKey("case_groups.id"), nullable=True, unique=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("department_code", sa.String(32), nullable=True, index=True),
        sa.Column("start_level", sa.Integer, nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("opened_by", sa.String(64), nullable=False),
    )
    op.create_table(
        "incident_steps",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("report_id", sa.Integer, sa.ForeignKey("incident_reports.id"), nullable=False, index=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.String(64), nullable=True),
        sa.Column("note", sa.Text, nullable=False),
        sa.UniqueConstraint("report_id", "key", name="uq_incident_steps_report_key"),
    )


def downgrade() -> None:
    op.drop_table("incident_steps")
    op.drop_table("incident_reports")
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_watch_id")
        batch.drop_constraint("fk_cases_watch_id", type_="foreignkey")
        batch.drop_column("watch_id")
    op.drop_table("watched_businesses")
