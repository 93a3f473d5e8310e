"""Complaint and report cases, their parties, history and groups; the outbox.

Revision ID: 0002_cases
Revises: 0001_core
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_cases"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_groups",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("business_key", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("escalated", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("ticket", sa.String(16), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("linked_case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("department_code", sa.String(32), nullable=True),
        sa.Column("responsible", sa.String(128), nullable=False),
        sa.Column("routing_basis", sa.Text(), nullable=False),
        sa.Column("business_name", sa.String(200), nullable=False),
        sa.Column("business_key", sa.String(200), nullable=False),
        sa.Column("business_address", sa.String(300), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("platform", sa.String(100), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=True),
        sa.Column("amount", sa.Numeric(12, 2), nullable=True),
        sa.Column("demand", sa.String(32), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("accepts_mediation", sa.Boolean(), nullable=True),
        sa.Column("on_behalf", sa.Boolean(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("due_provisional", sa.Boolean(), nullable=False),
        sa.Column("group_id", sa.Integer(), sa.ForeignKey("case_groups.id"), nullable=True),
    )
    op.create_index("ix_cases_external_id", "cases", ["external_id"])
    op.create_index("ix_cases_business_key", "cases", ["business_key"])
    op.create_index("ix_cases_received_at", "cases", ["received_at"])
    op.create_index("ix_cases_group_id", "cases", ["group_id"])
    op.create_table(
        "case_parties",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
    )
    op.create_index("ix_case_parties_case_id", "case_parties", ["case_id"])
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
    )
    op.create_index("ix_case_events_case_id", "case_events", ["case_id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("replies", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
    )
    op.create_index("ix_outbox_channel", "outbox", ["channel"])


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("case_events")
    op.drop_table("case_parties")
    op.drop_table("cases")
    op.drop_table("case_groups")
