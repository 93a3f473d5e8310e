"""The quiz question bank: curated questions from data/quiz/*.toml plus generated ones, and the
answer-key checker (`weiquan quiz check`): a key must rest on the cited article's own words.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from knowledge.quiz_generator import GeneratedQuestion
from knowledge.statutes import StatuteLibrary

MAX_EXPLANATION = 200
MAX_STEM = 120
MAX_OPTION = 40
TRUE_FALSE = ("正确", "错误")
SPACE = re.compile(r"\s+")


class QuizError(ValueError):
    """A question file breaks the format; the message names the file and the question."""


@dataclass(frozen=True)
class QuizQuestion:
    id: str
    type: str
    """single, multiple or truefalse."""
    stem: str
    options: tuple[str, ...]
    answer: frozenset[int]
    explanation: str
    law: str
    article: int
    facts: tuple[str, ...]
    generated: bool = False


def load_curated(folder: Path) -> list[QuizQuestion]:
    questions: list[QuizQuestion] = []
    seen: set[str] = set()
    for path in sorted(folder.glob("*.toml")):
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise QuizError(f"{path}: {exc}") from exc
        for index, item in enumerate(raw.get("question", [])):
            question = _parse(item, f"{path.name}#{index}")
            if question.id in seen:
                raise QuizError(f"{path.name}: id {question.id!r} used twice")
            seen.add(question.id)
            questions.append(question)
    return questions


def from_generated(items: Iterable[GeneratedQuestion]) -> list[QuizQuestion]:
    return [
        QuizQuestion(g.id, "single", g.stem, tuple(g.options), frozenset({g.answer}), g.explanation, g.law, g.article,
                     (g.fact,), generated=True)
        for g in items
    ]


def key_positions(questions: Sequence[QuizQuestion]) -> Counter[str]:
    """How often each option letter is the key of a curated single-choice question, as stored."""
    return Counter("ABCDE"[min(q.answer)] for q in questions if q.type == "single" and not q.generated)


def check(questions: Sequence[QuizQuestion], library: StatuteLibrary) -> list[str]:
    """Every problem with the answer keys, one line each (empty: all keys rest on the article)."""
    problems = []
    for question in questions:
        article = library.article(question.law, question.article)
        if article is None:
            problems.append(f"{question.id}: 《{question.law}》第{question.article}条 is not loaded")
            continue
        text = SPACE.sub("", article.text)
        problems += [f"{question.id}: fact {fact!r} is not in the article" for fact in question.facts
                     if SPACE.sub("", fact) not in text]
        if question.type != "truefalse":
            for index, option in enumerate(question.options):
                present = SPACE.sub("", option) in text
                if index in question.answer and not present:
                    problems.append(f"{question.id}: correct option {option!r} is not in the article")
                if index not in question.answer and present:
                    problems.append(f"{question.id}: wrong option {option!r} appears in the article")
        if len(question.explanation) > MAX_EXPLANATION:
            problems.append(f"{question.id}: explanation has {len(question.explanation)} characters")
    return problems


def _parse(item: dict, where: str) -> QuizQuestion:
    try:
        kind, question_id = item["type"], item["id"]
        stem, explanation = item["stem"].strip(), item["explanation"].strip()
        law, article, facts = item["law"], int(item["article"]), tuple(item.get("facts", ()))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise QuizError(f"{where}: needs id, type, stem, explanation, law, article ({exc})") from exc
    if kind == "truefalse":
        if not isinstance(item.get("answer"), bool):
            raise QuizError(f"{where} ({question_id}): a true/false answer is true or false")
        options, answer = TRUE_FALSE, frozenset({0 if item["answer"] else 1})
    elif kind in ("single", "multiple"):
        options, answer = tuple(item.get("options", ())), frozenset(item.get("answer", ()))
        if not 3 <= len(options) <= 5 or not answer or not answer <= set(range(len(options))):
            raise QuizError(f"{where} ({question_id}): 3-5 options and answers among them")
        if (kind == "single") != (len(answer) == 1):
            raise QuizError(f"{where} ({question_id}): single has one answer, multiple has several")
    else:
        raise QuizError(f"{where} ({question_id}): type must be single, multiple or truefalse")
    if len(stem) > MAX_STEM or any(len(option) > MAX_OPTION for option in options) or not facts:
        raise QuizError(f"{where} ({question_id}): stem <= {MAX_STEM}, options <= {MAX_OPTION}, 1+ facts")
    return QuizQuestion(question_id, kind, stem, options, answer, explanation, law, article, facts)
