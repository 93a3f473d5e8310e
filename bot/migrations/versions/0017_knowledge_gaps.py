"""The learning loop: questions the bot could not answer (masked), and FAQ drafts made from them.

Revision ID: 0017_knowledge_gaps
Revises: 0016_party_consent
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_knowledge_gaps"
down_revision = "0016_party_consent"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "question_gaps",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
    )
    op.create_index("ix_question_gaps_created_at", "question_gaps", ["created_at"])
    op.create_table(
        "faq_drafts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("entry_id", sa.String(64), nullable=False, unique=True),
        sa.Column("toml", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.Integer, sa.ForeignKey("staff.id"), nullable=True),
    )
    op.create_index("ix_faq_drafts_status", "faq_drafts", ["status"])


def downgrade() -> None:
    op.drop_table("faq_drafts")
    op.drop_table("question_gaps")
