"""The deadline chain of a case: its current step, and every step's due and done days.

Revision ID: 0009_case_steps
Revises: 0008_telegram
Create Date: 2026-12-07
"""

from datetime import date, datetime

import sqlalchemy as sa
from alembic import op

revision = "0009_case_steps"
down_revision = "0008_telegram"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("step", sa.String(32), nullable=True))
        batch.create_index("ix_cases_step", ["step"])
    op.create_table(
        "case_steps",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.UniqueConstraint("case_id", "step", name="uq_case_steps_case_step"),
    )
    # Cases still waiting for the first decision are in their first step, due as before.
    op.execute("UPDATE cases SET step = CASE kind WHEN 'report' THEN 'verification' ELSE 'acceptance' END "
               "WHERE status = 'received'")
    connection = op.get_bind()
    waiting = connection.execute(sa.text(
        "SELECT id, step, received_at, due_on, due_provisional FROM cases WHERE step IS NOT NULL")).all()
    steps = sa.table("case_steps", sa.column("case_id", sa.Integer), sa.column("step", sa.String),
                     sa.column("started_on", sa.Date), sa.column("due_on", sa.Date),
                     sa.column("provisional", sa.Boolean))
    if waiting:
        op.bulk_insert(steps, [
            {"case_id": row.id, "step": row.step, "started_on": _day(row.received_at), "due_on": _day(row.due_on),
             "provisional": bool(row.due_provisional)}
            for row in waiting
        ])
    op.execute("UPDATE escalations SET reason = CASE (SELECT kind FROM cases WHERE cases.id = escalations.case_id) "
               "WHEN 'report' THEN 'verification' ELSE 'acceptance' END WHERE reason = 'overdue'")


def _day(value) -> date:
    """A DATE or TIMESTAMP column as a date (SQLite hands back text)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def downgrade() -> None:
    op.execute("UPDATE escalations SET reason = 'overdue' WHERE reason <> 'group'")
    op.drop_table("case_steps")
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_step")
        batch.drop_column("step")
