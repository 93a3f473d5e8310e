"""The periodic job: unclaimed hand-offs (the citizen is told when), group, watched and overdue case
escalations, incident reports for new group cases, lab-day reminders."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker

from bot import texts
from bot.incidents import service as incidents
from bot.labdays import service as labdays
from bot.staff import duty, escalations, queue
from bot.staff.duty import StaffSettings

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 20
SOON = timedelta(minutes=30)


async def sweep_once(sessions: async_sessionmaker, settings: StaffSettings, now: datetime) -> int:
    async with sessions.begin() as session:
        contact = await duty.next_contact(session, settings, now)
        if contact is None:
            text = texts.NEXT_WORKDAY
        else:  # someone is on duty but busy: promise a time we can keep
            when = now + SOON if contact <= now else contact
            text = when.astimezone(settings.timezone).strftime("%m月%d日%H:%M")
        flagged = await queue.sweep_unclaimed(session, now, timeout=settings.claim_timeout, next_contact=text)
        flagged += await escalations.raise_new(session, now, now.astimezone(settings.timezone).date())
        flagged += await escalations.raise_unclaimed(session, now, settings.escalation_timeout)
        flagged += await incidents.open_for_groups(session, settings.incidents, now)
        flagged += await labdays.send_reminders(session, now, settings.timezone)
        return flagged


async def run_forever(sessions: async_sessionmaker, settings: StaffSettings) -> None:
    """Runs in every worker; the conditional update in the queue makes each notice go out once."""
    while True:
        try:
            flagged = await sweep_once(sessions, settings, datetime.now(UTC))
            if flagged:
                log.info("flagged %d unclaimed hand-offs", flagged)
        except Exception:  # a failed sweep must not stop the next one (database restart, lock timeout)
            log.exception("hand-off sweep failed")
        await asyncio.sleep(INTERVAL_SECONDS)
