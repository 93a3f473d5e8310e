"""Consumer warnings: publish, list the latest, and push them to subscribers through the outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import texts
from bot.core import outbox
from bot.core.messages import Reply, UserRef
from bot.staff.auth import StaffUser
from bot.staff.models import ConsumerWarningRow, WarningSubscriptionRow


async def publish(session: AsyncSession, staff: StaffUser, title: str, body: str, now: datetime) -> int:
    """Store the warning and queue it for every subscriber; each channel's sender applies its own limits."""
    warning = ConsumerWarningRow(title=title, body=body, published_at=now, author_id=staff.id)
    session.add(warning)
    subscribers = (await session.scalars(select(WarningSubscriptionRow))).all()
    notice = Reply(texts.WARNING_PUSH.format(title=title, body=body))
    for subscriber in subscribers:
        outbox.push(session, UserRef(subscriber.channel, subscriber.external_id), [notice], now=now)
    await session.flush()
    return len(subscribers)


async def latest(session: AsyncSession, limit: int = 3) -> list[ConsumerWarningRow]:
    return list((await session.scalars(
        select(ConsumerWarningRow).order_by(ConsumerWarningRow.published_at.desc(), ConsumerWarningRow.id.desc())
        .limit(limit)
    )).all())


async def subscribe(session: AsyncSession, user: UserRef, now: datetime) -> bool:
    """True if newly subscribed, False if the user already was (turns of one user never overlap)."""
    exists = await session.scalar(select(WarningSubscriptionRow.id).where(
        WarningSubscriptionRow.channel == user.channel, WarningSubscriptionRow.external_id == user.external_id))
    if exists is not None:
        return False
    session.add(WarningSubscriptionRow(channel=user.channel, external_id=user.external_id, created_at=now))
    return True


async def unsubscribe(session: AsyncSession, user: UserRef) -> None:
    await session.execute(delete(WarningSubscriptionRow).where(
        WarningSubscriptionRow.channel == user.channel, WarningSubscriptionRow.external_id == user.external_id))
