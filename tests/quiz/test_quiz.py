"""The quiz: answer keys checked against the law, the server's clock, limits, boards, chat and web."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from bot.app import create_app
from bot.knowledge_setup import load_quiz_questions
from bot.quiz import service
from bot.quiz.models import QuizAttemptRow
from bot.quiz.service import Campaign, QuizRefused
from bot.staff.models import HandoffMessageRow, HandoffRow
from knowledge.quiz_bank import QuizQuestion, check
from tests.channels.test_terminal import converse


def key_of(question: QuizQuestion) -> list[int]:
    """The key of a question as it was served (options shuffled for its attempt)."""
    return sorted(question.answer)


def wrong_for(question: QuizQuestion) -> list[int]:
    return [next(i for i in range(len(question.options)) if i not in question.answer)]


async def served_key(runtime, attempt_id: int) -> list[int]:
    """The key of an attempt's current question as its player sees the options (read from the server)."""
    async with runtime.sessions() as session:
        attempt = await session.get(QuizAttemptRow, attempt_id)
    question = runtime.services.quiz_bank.get(attempt.questions[attempt.position])
    return key_of(service.as_shown(question, attempt.option_orders[attempt.position]))


def test_the_bank_is_large_and_every_key_rests_on_its_article(knowledge):
    questions = load_quiz_questions(knowledge)
    curated = [q for q in questions if not q.generated]
    assert len(curated) >= 120
    assert sum(q.generated for q in questions) >= 40
    assert {q.type for q in curated} == {"single", "multiple", "truefalse"}
    assert check(questions, knowledge.library) == []


def test_the_checker_catches_a_wrong_key(knowledge):
    good = QuizQuestion("t", "single", "网购无理由退货的期限？", ("三日", "七日", "十日"), frozenset({1}), "说明",
                        "消费者权益保护法", 25, ("七日内退货",))
    assert check([good], knowledge.library) == []
    wrong_key = dataclasses.replace(good, answer=frozenset({0}))
    problems = check([wrong_key], knowledge.library)
    assert any("correct option '三日'" in p for p in problems) and any("wrong option '七日'" in p for p in problems)
    assert check([dataclasses.replace(good, facts=("十五日内退货",))], knowledge.library)
    assert check([dataclasses.replace(good, article=99)], knowledge.library)


async def test_a_daily_quiz_is_scored_by_the_server_clock(runtime):
    now = datetime.now(UTC)
    async with runtime.sessions.begin() as session:
        served = await service.start(session, runtime.services.quiz_bank, runtime.services.quiz, player="t:1",
                                     name="甲", mode="daily", now=now, rng=random.Random(1))
    assert served.total == runtime.services.quiz.daily_questions
    limit = timedelta(seconds=served.seconds)
    clock = now
    for position in range(served.total):
        late = position == 1
        clock += limit + timedelta(seconds=1) if late else timedelta(seconds=3)
        chosen = wrong_for(served.question) if position == 2 else key_of(served.question)
        async with runtime.sessions.begin() as session:
            feedback = await service.answer(session, runtime.services.quiz_bank, runtime.services.quiz,
                                            attempt_id=served.attempt_id, player="t:1", chosen=chosen, now=clock)
        assert feedback.in_time is not late
        served = feedback.next or served
    assert feedback.next is None and feedback.attempt.status == "finished"
    assert feedback.attempt.score == served.total - 2, "one late, one wrong"
    async with runtime.sessions.begin() as session:
        with pytest.raises(QuizRefused, match="已经完成"):
            await service.start(session, runtime.services.quiz_bank, runtime.services.quiz, player="t:1", name="甲",
                                mode="daily", now=clock)
        tomorrow = await service.start(session, runtime.services.quiz_bank, runtime.services.quiz, player="t:1",
                                       name="甲", mode="daily", now=now + timedelta(days=1), rng=random.Random(2))
        first_day = set(feedback.attempt.questions)
        assert len(set(runtime.services.quiz_bank.questions)) > 20
        repeated = first_day & {tomorrow.question.id}
        assert not repeated, "recently seen questions are not drawn again"


async def test_someone_elses_attempt_and_a_finished_one_are_refused(runtime):
    now = datetime.now(UTC)
    async with runtime.sessions.begin() as session:
        served = await service.start(session, runtime.services.quiz_bank, runtime.services.quiz, player="t:2",
                                     name="乙", mode="challenge", now=now)
    async with runtime.sessions.begin() as session:
        with pytest.raises(QuizRefused):
            await service.answer(session, runtime.services.quiz_bank, runtime.services.quiz,
                                 attempt_id=served.attempt_id, player="t:intruder", chosen=[0], now=now)
    async with runtime.sessions.begin() as session:
        feedback = await service.answer(session, runtime.services.quiz_bank, runtime.services.quiz,
                                        attempt_id=served.attempt_id, player="t:2",
                                        chosen=wrong_for(served.question), now=now)
    assert feedback.next is None, "challenge ends at the first mistake"
    async with runtime.sessions.begin() as session:
        with pytest.raises(QuizRefused):
            await service.answer(session, runtime.services.quiz_bank, runtime.services.quiz,
                                 attempt_id=served.attempt_id, player="t:2", chosen=[0], now=now)


async def test_campaigns_have_dates_and_attempt_limits(runtime):
    settings = dataclasses.replace(runtime.services.quiz, campaigns=(
        Campaign("c1", "测试竞赛", date(2026, 1, 1), date(2099, 1, 1), 3, 2, 1),))
    now = datetime.now(UTC)
    async with runtime.sessions.begin() as session:
        served = await service.start(session, runtime.services.quiz_bank, settings, player="t:3", name="丙",
                                     mode="campaign", campaign="c1", now=now)
        assert served.total == 3
        with pytest.raises(QuizRefused):
            await service.start(session, runtime.services.quiz_bank, settings, player="t:3", name="丙",
                                mode="campaign", campaign="nope", now=now)


async def test_leaderboard_orders_by_score_then_time(runtime):
    now = datetime.now(UTC)
    finished = {}
    for player, pace, right in (("t:a", 5, True), ("t:b", 2, True), ("t:c", 1, False)):
        async with runtime.sessions.begin() as session:
            served = await service.start(session, runtime.services.quiz_bank, runtime.services.quiz, player=player,
                                         name=player, mode="daily", now=now)
        clock = now
        while served:
            clock += timedelta(seconds=pace)
            chosen = key_of(served.question) if right else wrong_for(served.question)
            async with runtime.sessions.begin() as session:
                feedback = await service.answer(session, runtime.services.quiz_bank, runtime.services.quiz,
                                                attempt_id=served.attempt_id, player=player, chosen=chosen, now=clock)
            served = feedback.next
        finished[player] = feedback.attempt
    async with runtime.sessions() as session:
        ranks = {player: await service.rank(session, attempt) for player, attempt in finished.items()}
    assert ranks == {"t:b": 1, "t:a": 2, "t:c": 3}, "same score: the faster player ranks higher"
    async with runtime.sessions() as session:
        today = now.astimezone(runtime.services.quiz.timezone).date()
        board = await service.leaderboard(session, scope="day", day=today)
    assert [row.player for row in board] == ["t:b", "t:a", "t:c"]


async def test_a_whole_daily_quiz_in_the_terminal(runtime):
    screen = await converse(runtime, ["答题", *(["A"] * runtime.services.quiz.daily_questions), "退出"])
    assert "第1/10题" in screen and "第10/10题" in screen
    assert "依据：《" in screen
    assert "答题结束！得分" in screen and "排名第1" in screen
    again = await converse(runtime, ["答题"])
    assert "已经完成" in again


async def test_the_web_game_never_sends_the_key_before_the_answer(config, runtime):
    app = create_app(config, runtime=runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        page = await client.get("/quiz")
        assert page.status_code == 200 and "/api/quiz/start" in page.text
        started = (await client.post("/api/quiz/start",
                                     json={"name": "网友", "mode": "daily"})).json()
        question = started["question"]
        assert "answer" not in question and "explanation" not in question and "facts" not in question
        key = await served_key(runtime, question["attempt_id"])
        answered = await client.post("/api/quiz/answer", json={"attempt_id": question["attempt_id"], "chosen": key})
        reply = answered.json()
        assert reply["correct"] and reply["in_time"] and reply["answer"] == key
        assert "answer" not in reply["next"]
        article = (await client.get("/api/quiz/article", params=reply["citation"])).json()
        assert article["text"]
        bad = await client.post("/api/quiz/answer", json={"attempt_id": "x", "chosen": [0]})
        assert bad.status_code == 400
        async with httpx.AsyncClient(transport=client._transport, base_url="http://test") as stranger:
            cookieless = await stranger.post("/api/quiz/answer", json={"attempt_id": question["attempt_id"],
                                                                      "chosen": [0]})
            assert cookieless.status_code == 401 and "刷新页面" in cookieless.json()["error"]
            await stranger.get("/quiz")  # another browser, with its own identity
            stolen = await stranger.post("/api/quiz/answer", json={"attempt_id": question["attempt_id"],
                                                                  "chosen": [0], "player_id": "p1"})
            assert stolen.status_code == 409, "a named player_id is not an identity"
        report = await client.post("/api/quiz/report", json={"question_id": question["id"], "note": "答案好像不对"})
        assert report.json()["ok"]
        board = (await client.get("/api/quiz/leaderboard", params={"scope": "all"})).json()
        assert board["scope"] == "all"
    async with runtime.sessions() as session:
        handoff = await session.scalar(select(HandoffRow))
        messages = (await session.scalars(select(HandoffMessageRow))).all()
    assert handoff.reason == "quiz" and question["stem"] in messages[0].text and "答案好像不对" in messages[0].text
    assert handoff.channel == "web", "staff's answer reaches the same browser's web chat"


async def test_answering_too_fast_is_rate_limited(runtime):
    settings = dataclasses.replace(runtime.services.quiz, answers_per_minute=2, challenge_questions=5)
    now = datetime.now(UTC)
    async with runtime.sessions.begin() as session:
        served = await service.start(session, runtime.services.quiz_bank, settings, player="t:fast", name="快",
                                     mode="challenge", now=now)
    for _ in range(2):
        async with runtime.sessions.begin() as session:
            feedback = await service.answer(session, runtime.services.quiz_bank, settings,
                                            attempt_id=served.attempt_id, player="t:fast",
                                            chosen=key_of(served.question), now=now)
        served = feedback.next
    async with runtime.sessions.begin() as session:
        with pytest.raises(QuizRefused, match="频繁"):
            await service.answer(session, runtime.services.quiz_bank, settings, attempt_id=served.attempt_id,
                                 player="t:fast", chosen=[0], now=now)


def test_always_answering_a_fails_the_campaign_quiz(runtime):
    """1,000 simulated campaign attempts on the real bank and settings, drawn and shuffled as `start` does."""
    questions = list(runtime.services.quiz_bank.questions.values())
    (campaign,) = runtime.services.quiz.campaigns
    assert service.always_first_pass_rate(questions, campaign, random.Random(7), trials=1000) <= 0.05
    rng = random.Random(7)
    unshuffled = [sum(q.answer == {0} for q in rng.sample(questions, campaign.questions)) >= campaign.pass_mark
                  for _ in range(1000)]
    assert sum(unshuffled) / 1000 > 0.2, "as the bank is stored, A would pass often: the shuffle is what stops it"


async def test_options_are_shuffled_per_attempt_and_the_key_follows_them(runtime):
    today = datetime.now(UTC).date()
    campaign = Campaign("t", "测试", today - timedelta(days=1), today + timedelta(days=1), 10, 6, 1)
    settings = dataclasses.replace(runtime.services.quiz, campaigns=(campaign,), answers_per_minute=100)
    bank, now = runtime.services.quiz_bank, datetime.now(UTC)
    async with runtime.sessions.begin() as session:
        served = await service.start(session, bank, settings, player="t:a", name="甲", mode="campaign", now=now,
                                     campaign="t", rng=random.Random(3))
    first_is_key, moved = 0, 0
    while served is not None:
        stored = bank.get(served.question.id)
        assert sorted(served.question.options) == sorted(stored.options)
        assert {served.question.options[i] for i in served.question.answer} == {
            stored.options[i] for i in stored.answer}, "the key names the same options, wherever they are shown"
        first_is_key += served.question.answer == {0}
        moved += served.question.options != stored.options
        async with runtime.sessions.begin() as session:
            feedback = await service.answer(session, bank, settings, attempt_id=served.attempt_id, player="t:a",
                                            chosen=[0], now=now)
        served = feedback.next
    assert feedback.attempt.score == first_is_key and moved >= 5
