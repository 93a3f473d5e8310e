"""Alembic environment: runs on the connection that `bot.db.upgrade` hands in."""

from alembic import context

import bot.complaints.models  # noqa: F401  (registers the tables on Base.metadata)
import bot.core.tables  # noqa: F401
import bot.gaps.models  # noqa: F401
import bot.incidents.models  # noqa: F401
import bot.labdays.models  # noqa: F401
import bot.quiz.models  # noqa: F401
import bot.staff.models  # noqa: F401
from bot.db import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `weiquan db upgrade`, which provides the connection")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
