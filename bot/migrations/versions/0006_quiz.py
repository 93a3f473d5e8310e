"""The legal-knowledge quiz: attempts, answers, reports of wrong questions.

Revision ID: 0006_quiz
Revises: 0005_escalations
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_quiz"
down_revision = "0005_escalations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quiz_attempts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("player", sa.String(200), nullable=False),
        sa.Column("display_name", sa.String(40), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("campaign", sa.String(32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("shown_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("total_ms", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_quiz_attempts_player", "quiz_attempts", ["player"])
    op.create_index("ix_quiz_attempts_day", "quiz_attempts", ["day"])
    op.create_index("ix_quiz_attempts_status", "quiz_attempts", ["status"])
    op.create_table(
        "quiz_answers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("attempt_id", sa.Integer(), sa.ForeignKey("quiz_attempts.id"), nullable=False),
        sa.Column("player", sa.String(200), nullable=False),
        sa.Column("question_id", sa.String(80), nullable=False),
        sa.Column("chosen", sa.JSON(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("in_time", sa.Boolean(), nullable=False),
        sa.Column("elapsed_ms", sa.Integer(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_quiz_answers_attempt_id", "quiz_answers", ["attempt_id"])
    op.create_index("ix_quiz_answers_player", "quiz_answers", ["player"])
    op.create_index("ix_quiz_answers_answered_at", "quiz_answers", ["answered_at"])
    op.create_table(
        "quiz_reports",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("question_id", sa.String(80), nullable=False),
        sa.Column("player", sa.String(200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("quiz_reports")
    op.drop_table("quiz_answers")
    op.drop_table("quiz_attempts")
