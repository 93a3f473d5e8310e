"""The quiz in chat (terminal, WeChat, Telegram polls): 答题 starts the daily quiz; answer with A/B/C/D."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot import texts
from bot.core.dialogs import Outcome, Turn
from bot.core.messages import Button, MessageKind, Poll, Reply
from bot.quiz import service
from bot.quiz.models import QuizAttemptRow
from bot.quiz.service import Feedback, QuizRefused, Served
from bot.services import Services
from handlers.matchers import command_text
from knowledge.quiz_bank import QuizQuestion

STEP = "quiz.answering"
SLOT = "quiz"
LETTERS = "ABCDE"
QUIT_WORDS = {"退出答题", "退出", "结束答题", "不答了"}
REPORT = re.compile(r"^(?:纠错|报错|题目有误)\s*(.*)$")
ANSWER = re.compile(r"^[A-Ea-e](?:[\s,，、]*[A-Ea-e])*$")


def answering(turn: Turn) -> bool:
    return turn.conversation.step == STEP


async def begin(turn: Turn) -> Outcome:
    services: Services = turn.services
    now = datetime.now(UTC)
    try:
        served = await service.start(turn.db, services.quiz_bank, services.quiz,
                                     player=service.player_of(turn.conversation.user), name="", mode="daily", now=now)
    except QuizRefused as refused:
        return Outcome((Reply(str(refused)),), label="quiz_refused")
    polls = turn.conversation.user.channel in services.poll_channels
    how = texts.QUIZ_HOW_POLL if polls else texts.QUIZ_HOW_LETTERS
    intro = Reply(texts.QUIZ_INTRO.format(count=served.total, seconds=served.seconds, how=how))
    return _asking(turn, served, (intro,))


async def take_answer(turn: Turn) -> Outcome:
    services: Services = turn.services
    attempt_id = (turn.conversation.slots.get(SLOT) or {}).get("attempt")
    said = turn.message.payload.removeprefix("quiz:") if turn.message.kind is MessageKind.BUTTON else (
        command_text(turn) if turn.message.kind is MessageKind.TEXT else "")
    if said in QUIT_WORDS or attempt_id is None:
        return _done(turn, (Reply(texts.QUIZ_QUIT),), "quiz_quit")
    report = REPORT.match(said)
    if report:
        return await _report(turn, attempt_id, report.group(1))
    if not ANSWER.match(said):
        return Outcome((Reply(texts.QUIZ_ANSWER_HINT),), next_step=STEP, label="quiz_hint")
    chosen = sorted({LETTERS.index(letter) for letter in said.upper() if letter in LETTERS})
    try:
        feedback = await service.answer(turn.db, services.quiz_bank, services.quiz, attempt_id=attempt_id,
                                        player=service.player_of(turn.conversation.user), chosen=chosen,
                                        now=datetime.now(UTC))
    except QuizRefused as refused:
        return _done(turn, (Reply(str(refused)),), "quiz_refused")
    replies = (Reply(verdict(feedback)),)
    if feedback.next is not None:
        return _asking(turn, feedback.next, replies)
    rank = await service.rank(turn.db, feedback.attempt)
    return _done(turn, replies + (Reply(result_text(feedback, rank, services)),), "quiz_finished")


def verdict(feedback: Feedback) -> str:
    """Right / wrong / late, with the explanation and the article it rests on."""
    question = feedback.question
    key = "、".join(f"{LETTERS[i]}.{question.options[i]}" for i in sorted(question.answer))
    if not feedback.in_time:
        head = texts.QUIZ_LATE.format(answer=key)
    elif feedback.correct:
        head = texts.QUIZ_RIGHT
    else:
        head = texts.QUIZ_WRONG.format(answer=key)
    return f"{head}\n{question.explanation}{basis(question)}"


def basis(question: QuizQuestion) -> str:
    return texts.QUIZ_BASIS.format(law=question.law.removeprefix("中华人民共和国"), article=question.article)


def result_text(feedback: Feedback, rank: int, services: Services) -> str:
    attempt = feedback.attempt
    lines = [texts.QUIZ_RESULT.format(score=attempt.score, total=len(attempt.questions),
                                      seconds=attempt.total_ms // 1000, rank=rank)]
    passed = service.passed(attempt, services.quiz)
    if passed is not None:
        campaign = service.campaign_by_code(services.quiz, attempt.campaign)
        lines.append(texts.QUIZ_RESULT_PASS if passed else texts.QUIZ_RESULT_FAIL.format(mark=campaign.pass_mark))
    lines.append(texts.QUIZ_SHARE.format(score=attempt.score, total=len(attempt.questions), rank=rank))
    return "\n".join(lines)


def question_reply(served: Served) -> Reply:
    question = served.question
    lines = [texts.QUIZ_QUESTION.format(number=served.position + 1, total=served.total,
                                        kind=texts.QUIZ_KINDS[question.type], seconds=served.seconds,
                                        stem=question.stem)]
    lines += [f"{LETTERS[i]}. {option}" for i, option in enumerate(question.options)]
    buttons = tuple(Button(LETTERS[i], f"quiz:{LETTERS[i]}") for i in range(len(question.options)))
    poll = Poll(lines[0], question.options, tuple(sorted(question.answer)), question.explanation, basis(question),
                served.seconds)
    return Reply("\n".join(lines), buttons, poll=poll)


async def _report(turn: Turn, attempt_id: int, note: str) -> Outcome:
    """纠错 during the quiz: the question just answered (or the current one) goes to staff."""
    services: Services = turn.services
    attempt = await turn.db.get(QuizAttemptRow, attempt_id)
    index = max(attempt.position - 1, 0) if attempt else 0
    if attempt is not None:
        await service.report_question(turn.db, services.quiz_bank, user=turn.conversation.user,
                                      question_id=attempt.questions[index], note=note, now=datetime.now(UTC))
    return Outcome((Reply(texts.QUIZ_REPORT_DONE),), next_step=STEP, label="quiz_report")


def _asking(turn: Turn, served: Served, before: tuple[Reply, ...]) -> Outcome:
    slots = {**turn.conversation.slots, SLOT: {"attempt": served.attempt_id}}
    return Outcome(before + (question_reply(served),), next_step=STEP, slots=slots, label="quiz")


def _done(turn: Turn, replies: tuple[Reply, ...], label: str) -> Outcome:
    slots = {k: v for k, v in turn.conversation.slots.items() if k != SLOT}
    return Outcome(replies, next_step=None, slots=slots, label=label)
