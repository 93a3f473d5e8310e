"""The quiz game on the server: drawing, the clock, scoring, limits, leaderboards, reports.

The server keeps the answer key and the clock: a client only ever sees a question without its key,
and an answer counts only if it arrives within the time limit measured from when the server served
the question. Options are shuffled per attempt and the key follows them, so that no letter is a
better guess than another (most keys in the bank are the first option).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import texts
from bot.core.messages import UserRef
from bot.db import as_utc
from bot.quiz.models import QuizAnswerRow, QuizAttemptRow, QuizReportRow
from bot.staff import queue
from knowledge.quiz_bank import QuizQuestion

MODES = ("daily", "challenge", "campaign")


class QuizRefused(Exception):
    """The player may not do this now; the message (Chinese) says why."""


@dataclass(frozen=True)
class Campaign:
    code: str
    title: str
    start: date
    end: date
    questions: int
    pass_mark: int
    attempts: int


@dataclass(frozen=True)
class QuizSettings:
    daily_questions: int
    seconds_per_question: int
    challenge_seconds: int
    challenge_questions: int
    recent_days: int
    """Questions a player saw this recently are not drawn again (while the bank allows)."""
    answers_per_minute: int
    campaigns: tuple[Campaign, ...]
    timezone: ZoneInfo


@dataclass(frozen=True)
class QuizBank:
    questions: dict[str, QuizQuestion]

    def get(self, question_id: str) -> QuizQuestion | None:
        return self.questions.get(question_id)


@dataclass(frozen=True)
class Served:
    """A question as a player may see it: no answer key."""

    attempt_id: int
    position: int
    total: int
    question: QuizQuestion
    seconds: int
    deadline: datetime


@dataclass(frozen=True)
class Feedback:
    correct: bool
    in_time: bool
    question: QuizQuestion
    attempt: QuizAttemptRow
    next: Served | None
    """None when the attempt is over."""


def player_of(user: UserRef) -> str:
    return f"{user.channel}:{user.external_id}"


def campaign_by_code(settings: QuizSettings, code: str) -> Campaign | None:
    return next((c for c in settings.campaigns if c.code == code), None)


async def start(
    session: AsyncSession, bank: QuizBank, settings: QuizSettings, *, player: str, name: str, mode: str,
    now: datetime, campaign: str = "", rng: random.Random | None = None,
) -> Served:
    """Begin (or resume) an attempt and serve its current question."""
    if mode not in MODES:
        raise QuizRefused(texts.QUIZ_UNKNOWN_MODE)
    today = now.astimezone(settings.timezone).date()
    active = await session.scalar(select(QuizAttemptRow).where(
        QuizAttemptRow.player == player, QuizAttemptRow.status == "active", QuizAttemptRow.mode == mode,
        QuizAttemptRow.campaign == (campaign if mode == "campaign" else "")))
    if active is not None and active.day == today:
        return _serve(active, bank, settings)
    count = _question_count(settings, mode)
    if mode == "daily" and await _finished_on(session, player, "daily", today):
        raise QuizRefused(texts.QUIZ_DAILY_DONE)
    if mode == "campaign":
        chosen = campaign_by_code(settings, campaign)
        if chosen is None or not chosen.start <= today <= chosen.end:
            raise QuizRefused(texts.QUIZ_NO_CAMPAIGN)
        used = await session.scalar(select(func.count(QuizAttemptRow.id)).where(
            QuizAttemptRow.player == player, QuizAttemptRow.campaign == chosen.code))
        if used >= chosen.attempts:
            raise QuizRefused(texts.QUIZ_CAMPAIGN_USED.format(attempts=chosen.attempts))
        count = chosen.questions
    if active is not None:
        active.status = "finished"  # yesterday's unfinished attempt counts as it stands
        active.finished_at = now
    rng = rng or random.Random()
    drawn = await _draw(session, bank, settings, player, count, now, rng)
    attempt = QuizAttemptRow(player=player, display_name=name[:40] or texts.QUIZ_ANONYMOUS, mode=mode,
                             campaign=campaign if mode == "campaign" else "", day=today, questions=drawn,
                             option_orders=[option_order(bank.get(qid), rng) for qid in drawn], position=0,
                             shown_at=now, score=0, total_ms=0, status="active", started_at=now)
    session.add(attempt)
    await session.flush()
    return _serve(attempt, bank, settings)


async def answer(
    session: AsyncSession, bank: QuizBank, settings: QuizSettings, *, attempt_id: int, player: str,
    chosen: Sequence[int], now: datetime,
) -> Feedback:
    """Score the answer to the current question by the server's clock; serve the next one."""
    attempt = await session.get(QuizAttemptRow, attempt_id, with_for_update=True)
    if attempt is None or attempt.player != player:
        raise QuizRefused(texts.QUIZ_NO_ATTEMPT)
    if attempt.status != "active":
        raise QuizRefused(texts.QUIZ_FINISHED)
    recent = await session.scalar(select(func.count(QuizAnswerRow.id)).where(
        QuizAnswerRow.player == player, QuizAnswerRow.answered_at > now - timedelta(minutes=1)))
    if recent >= settings.answers_per_minute:
        raise QuizRefused(texts.QUIZ_TOO_FAST)
    question = _current(attempt, bank)
    elapsed = now - as_utc(attempt.shown_at)
    in_time = elapsed <= timedelta(seconds=_seconds(settings, attempt.mode))
    correct = frozenset(chosen) == question.answer
    elapsed_ms = int(elapsed.total_seconds() * 1000)
    session.add(QuizAnswerRow(attempt_id=attempt.id, player=player, question_id=question.id, chosen=list(chosen),
                              correct=correct, in_time=in_time, elapsed_ms=elapsed_ms, answered_at=now))
    if correct and in_time:
        attempt.score += 1
    attempt.total_ms += elapsed_ms
    attempt.position += 1
    over = attempt.position >= len(attempt.questions) or (attempt.mode == "challenge" and not (correct and in_time))
    if over:
        attempt.status, attempt.finished_at = "finished", now
    else:
        attempt.shown_at = now
    await session.flush()
    return Feedback(correct, in_time, question, attempt, None if over else _serve(attempt, bank, settings))


async def rank(session: AsyncSession, attempt: QuizAttemptRow) -> int:
    """1-based place of a finished attempt on its board (day for daily, campaign, else all time)."""
    better = select(func.count(QuizAttemptRow.id)).where(
        QuizAttemptRow.status == "finished", QuizAttemptRow.mode == attempt.mode,
        (QuizAttemptRow.score > attempt.score)
        | ((QuizAttemptRow.score == attempt.score) & (QuizAttemptRow.total_ms < attempt.total_ms)),
    )
    if attempt.mode == "daily":
        better = better.where(QuizAttemptRow.day == attempt.day)
    if attempt.mode == "campaign":
        better = better.where(QuizAttemptRow.campaign == attempt.campaign)
    return await session.scalar(better) + 1


async def leaderboard(session: AsyncSession, *, scope: str, day: date, campaign: str = "",
                      limit: int = 10) -> list[QuizAttemptRow]:
    """Best finished attempts: per day (daily quiz), per campaign, or all time; ties by total time."""
    query = select(QuizAttemptRow).where(QuizAttemptRow.status == "finished")
    if scope == "day":
        query = query.where(QuizAttemptRow.day == day, QuizAttemptRow.mode == "daily")
    elif scope == "campaign":
        query = query.where(QuizAttemptRow.campaign == campaign, QuizAttemptRow.mode == "campaign")
    return list((await session.scalars(
        query.order_by(QuizAttemptRow.score.desc(), QuizAttemptRow.total_ms, QuizAttemptRow.id).limit(limit)
    )).all())


async def report_question(session: AsyncSession, bank: QuizBank, *, user: UserRef, question_id: str, note: str,
                          now: datetime) -> None:
    """答题纠错: store the report and put it in the staff queue with the question attached."""
    question = bank.get(question_id)
    if question is None:
        raise QuizRefused(texts.QUIZ_NO_QUESTION)
    session.add(QuizReportRow(question_id=question_id, player=player_of(user), note=note[:500], created_at=now))
    attached = texts.QUIZ_REPORT_ATTACHED.format(
        id=question.id, stem=question.stem, options="；".join(question.options),
        key="、".join(question.options[i] for i in sorted(question.answer)), note=note[:500] or texts.NONE)
    await queue.open_handoff(session, user, "quiz", now, transcript=[("citizen", attached, now)])


def passed(attempt: QuizAttemptRow, settings: QuizSettings) -> bool | None:
    campaign = campaign_by_code(settings, attempt.campaign)
    return attempt.score >= campaign.pass_mark if campaign else None


def option_order(question: QuizQuestion, rng: random.Random) -> list[int]:
    """The order a question's options are shown in for one attempt: shuffled; 对/错 stay in place."""
    order = list(range(len(question.options)))
    if question.type != "truefalse":
        rng.shuffle(order)
    return order


def as_shown(question: QuizQuestion, order: Sequence[int]) -> QuizQuestion:
    """The question with its options in `order` and its key following them."""
    if not order:
        return question
    return replace(question, options=tuple(question.options[i] for i in order),
                   answer=frozenset(order.index(i) for i in question.answer))


def always_first_pass_rate(questions: Sequence[QuizQuestion], campaign: Campaign, rng: random.Random,
                           trials: int) -> float:
    """Share of simulated campaign attempts a player who always picks the first option passes: each
    attempt draws `campaign.questions` questions and shuffles them as `start` does."""
    passes = 0
    for _ in range(trials):
        drawn = rng.sample(questions, campaign.questions)
        score = sum(as_shown(q, option_order(q, rng)).answer == {0} for q in drawn)
        passes += score >= campaign.pass_mark
    return passes / trials


def _current(attempt: QuizAttemptRow, bank: QuizBank) -> QuizQuestion:
    """The question being answered, as this attempt shows it."""
    orders = attempt.option_orders or []
    order = orders[attempt.position] if attempt.position < len(orders) else ()
    return as_shown(bank.get(attempt.questions[attempt.position]), order)


def _serve(attempt: QuizAttemptRow, bank: QuizBank, settings: QuizSettings) -> Served:
    seconds = _seconds(settings, attempt.mode)
    shown = as_utc(attempt.shown_at)
    return Served(attempt.id, attempt.position, len(attempt.questions), _current(attempt, bank),
                  seconds, shown + timedelta(seconds=seconds))


def _seconds(settings: QuizSettings, mode: str) -> int:
    return settings.challenge_seconds if mode == "challenge" else settings.seconds_per_question


def _question_count(settings: QuizSettings, mode: str) -> int:
    return settings.challenge_questions if mode == "challenge" else settings.daily_questions


async def _finished_on(session: AsyncSession, player: str, mode: str, day: date) -> bool:
    found = await session.scalar(select(QuizAttemptRow.id).where(
        QuizAttemptRow.player == player, QuizAttemptRow.mode == mode, QuizAttemptRow.day == day,
        QuizAttemptRow.status == "finished").limit(1))
    return found is not None


async def _draw(session: AsyncSession, bank: QuizBank, settings: QuizSettings, player: str, count: int,
                now: datetime, rng: random.Random) -> list[str]:
    """A fresh random draw, avoiding questions the player saw recently while the bank has enough others."""
    seen = set((await session.scalars(select(QuizAnswerRow.question_id).where(
        QuizAnswerRow.player == player, QuizAnswerRow.answered_at > now - timedelta(days=settings.recent_days)))).all())
    fresh = [qid for qid in bank.questions if qid not in seen]
    stale = [qid for qid in bank.questions if qid in seen]
    rng.shuffle(fresh)
    rng.shuffle(stale)
    return (fresh + stale)[:count]
