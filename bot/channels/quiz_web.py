"""The quiz game on the web: the /quiz page and its JSON API under /api/quiz/.

The key of a question is sent only in the answer's response, after the server has scored it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import resources

from sqlalchemy.ext.asyncio import async_sessionmaker
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from bot import texts
from bot.channels import web_identity
from bot.channels.web import body_limit, client_address, read_limited, too_many
from bot.core.messages import UserRef
from bot.numbers import parse_count
from bot.quiz import service
from bot.quiz.service import QuizRefused, Served
from bot.services import Services

PLAYERS = "web-quiz"
CHAT = "web"


async def _json(request: Request) -> dict | Response:
    limit = body_limit(request)
    raw = await read_limited(request, limit)
    if raw is None:
        return _error(413, f"body larger than {limit} bytes")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, a 5,000-digit number, 30,000 nested lists
        return _error(400, "body is not valid JSON")
    return body if isinstance(body, dict) else _error(400, "body must be a JSON object")


async def page(request: Request) -> Response:
    """The quiz page; the first visit gets the browser's identity, every visit renews it."""
    identities = await web_identity.identities(request)
    identity, _fresh = identities.read_or_new(request)
    html = resources.files("bot.web").joinpath("quiz.html").read_text(encoding="utf-8")
    return identities.attach(HTMLResponse(html), identity)


async def start(request: Request) -> Response:
    body = await _json(request)
    if isinstance(body, Response):
        return body
    identities = await web_identity.identities(request)
    identity, fresh = identities.read_or_new(request)
    player = _player_of(identity)
    limits = _services(request).limits
    limited = await limits.hit("quiz_start", player, client_address(request)) if limits else None
    if limited is not None:
        refusal = texts.RATE_LIMITED_QUIZ.format(wait=texts.wait_phrase(limited.retry_after))
        return too_many(limited, {"message": refusal})
    name = str(body.get("name", ""))[:40]
    try:
        async with _sessions(request).begin() as session:
            served = await service.start(session, _services(request).quiz_bank, _services(request).quiz, player=player,
                                         name=name, mode=str(body.get("mode", "daily")), now=_now(),
                                         campaign=str(body.get("campaign", "")))
    except QuizRefused as refused:
        return _error(409, str(refused))
    response = JSONResponse({"question": _public(served)})
    return identities.attach(response, identity) if fresh else response


async def answer(request: Request) -> Response:
    body = await _json(request)
    if isinstance(body, Response):
        return body
    identity = (await web_identity.identities(request)).read(request)
    if identity is None:
        return _error(401, texts.QUIZ_NO_SESSION)
    player, chosen, attempt_id = _player_of(identity), body.get("chosen"), body.get("attempt_id")
    if not isinstance(attempt_id, int) or not isinstance(chosen, list) or not all(
            isinstance(c, int) and 0 <= c < 5 for c in chosen):
        return _error(400, "attempt_id (integer) and chosen (list of option indexes) are required")
    try:
        async with _sessions(request).begin() as session:
            feedback = await service.answer(session, _services(request).quiz_bank, _services(request).quiz,
                                            attempt_id=attempt_id, player=player, chosen=chosen, now=_now())
            rank = None if feedback.next else await service.rank(session, feedback.attempt)
    except QuizRefused as refused:
        return _error(409, str(refused))
    question, attempt = feedback.question, feedback.attempt
    result = None
    if feedback.next is None:
        result = {"score": attempt.score, "total": len(attempt.questions), "seconds": attempt.total_ms // 1000,
                  "rank": rank, "passed": service.passed(attempt, _services(request).quiz),
                  "share": texts.QUIZ_SHARE.format(score=attempt.score, total=len(attempt.questions), rank=rank)}
    return JSONResponse({
        "correct": feedback.correct, "in_time": feedback.in_time, "answer": sorted(question.answer),
        "explanation": question.explanation, "question_id": question.id,
        "citation": {"law": question.law, "article": question.article},
        "next": _public(feedback.next) if feedback.next else None, "result": result,
    })


async def article(request: Request) -> Response:
    """The full text of the article a question rests on (tap to read)."""
    number = request.query_params.get("article", "")
    law = request.query_params.get("law", "")
    article = parse_count(number, max_digits=4)
    found = _services(request).knowledge.library.article(law, article) if article is not None else None
    if found is None:
        return _error(404, "article not loaded")
    return JSONResponse({"law": found.law, "article": found.number, "text": found.text})


async def leaderboard(request: Request) -> Response:
    scope = request.query_params.get("scope", "day")
    if scope not in ("day", "campaign", "all"):
        return _error(400, "scope is day, campaign or all")
    today = _now().astimezone(_services(request).quiz.timezone).date()
    async with _sessions(request)() as session:
        best = await service.leaderboard(session, scope=scope, day=today,
                                         campaign=request.query_params.get("campaign", ""))
    return JSONResponse({"scope": scope, "entries": [
        {"rank": place, "name": row.display_name, "score": row.score, "seconds": row.total_ms // 1000}
        for place, row in enumerate(best, 1)
    ]})


async def report(request: Request) -> Response:
    body = await _json(request)
    if isinstance(body, Response):
        return body
    identity = (await web_identity.identities(request)).read(request)
    if identity is None:
        return _error(401, texts.QUIZ_NO_SESSION)
    try:
        async with _sessions(request).begin() as session:
            # The hand-off goes to the browser's web chat: staff's answer shows up there.
            await service.report_question(session, _services(request).quiz_bank, user=UserRef(CHAT, identity),
                                          question_id=str(body.get("question_id", "")),
                                          note=str(body.get("note", "")), now=_now())
    except QuizRefused as refused:
        return _error(404, str(refused))
    return JSONResponse({"ok": True, "message": texts.QUIZ_REPORT_DONE})


async def campaigns(request: Request) -> Response:
    today = _now().astimezone(_services(request).quiz.timezone).date()
    return JSONResponse({"campaigns": [
        {"code": c.code, "title": c.title, "questions": c.questions, "pass_mark": c.pass_mark}
        for c in _services(request).quiz.campaigns if c.start <= today <= c.end
    ]})


ROUTES = [
    Route("/quiz", page, methods=["GET"]),
    Route("/api/quiz/start", start, methods=["POST"]),
    Route("/api/quiz/answer", answer, methods=["POST"]),
    Route("/api/quiz/article", article, methods=["GET"]),
    Route("/api/quiz/leaderboard", leaderboard, methods=["GET"]),
    Route("/api/quiz/report", report, methods=["POST"]),
    Route("/api/quiz/campaigns", campaigns, methods=["GET"]),
]


def _public(served: Served) -> dict:
    """What the player's screen needs, and nothing that gives the answer away."""
    question = served.question
    return {"attempt_id": served.attempt_id, "position": served.position, "total": served.total,
            "id": question.id, "type": question.type, "stem": question.stem, "options": list(question.options),
            "seconds": served.seconds, "deadline": served.deadline.isoformat()}


def _player_of(identity: str) -> str:
    """The browser's quiz player: its own id space, apart from chat users and other channels' players."""
    return service.player_of(UserRef(PLAYERS, identity))


def _services(request: Request) -> Services:
    return request.app.state.runtime.services


def _sessions(request: Request) -> async_sessionmaker:
    return request.app.state.runtime.sessions


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _now() -> datetime:
    return datetime.now(UTC)
