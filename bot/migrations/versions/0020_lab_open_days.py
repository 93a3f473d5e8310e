"""Laboratory open days and free testing: events staff publish and citizens' bookings.

Revision ID: 0020_lab_open_days
Revises: 0019_platform_number
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_lab_open_days"
down_revision = "0019_platform_number"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lab_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("bring", sa.Text, nullable=False),
        sa.Column("booked", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("staff.id"), nullable=False),
    )
    op.create_index("ix_lab_events_starts_at", "lab_events", ["starts_at"])
    op.create_table(
        "lab_bookings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("lab_events.id"), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("event_id", "channel", "external_id", name="uq_lab_bookings_citizen"),
    )
    op.create_index("ix_lab_bookings_event_id", "lab_bookings", ["event_id"])


def downgrade() -> None:
    op.drop_table("lab_bookings")
    op.drop_table("lab_events")
