"""The `weiquan` command: serve, chat, ask, db, kb."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shutil
import sys
import time
from pathlib import Path

from bot import staff_cli
from bot.channels.registry import CHANNELS
from bot.config import Config, ConfigError, find_config_file, load_config


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        path = Path(args.config) if args.config else find_config_file(os.environ, Path.cwd())
        config = load_config(path, os.environ)
    except ConfigError as exc:
        print(f"配置错误 / config error: {exc}", file=sys.stderr)
        return 2
    try:
        return args.run(args, config, path)
    except KeyboardInterrupt:  # Ctrl-C in any command (a chat starting, a long ask --batch): leave quietly
        print(file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="weiquan", description="消费维权助手 (consumer-rights chat bot)")
    parser.add_argument("--config", help="config.toml to use (default: WEIQUAN_CONFIG, ./config.toml)")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="migrate the database and run the web app")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int)
    serve.set_defaults(run=run_serve)

    chat = commands.add_parser("chat", help="chat with the bot in this terminal")
    chat.add_argument("--user", help="user id to chat as (default: your login name)")
    chat.set_defaults(run=run_chat)

    ask = commands.add_parser("ask", help="answer questions from the knowledge base")
    ask.add_argument("question", nargs="?", help="the question")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument("--batch", metavar="FILE", help="JSON lines with 'q' (and 'id'); '-' reads stdin")
    ask.set_defaults(run=run_ask)

    db = commands.add_parser("db", help="database migrations").add_subparsers(required=True, metavar="ACTION")
    db.add_parser("upgrade", help="apply all migrations").set_defaults(run=run_db_upgrade)
    db.add_parser("current", help="show the applied revision").set_defaults(run=run_db_current)

    staff_cli.add_commands(commands)

    quiz = commands.add_parser("quiz", help="the legal-knowledge quiz").add_subparsers(required=True, metavar="ACTION")
    quiz.add_parser("check", help="verify every answer key against its article").set_defaults(run=run_quiz_check)

    for channel in CHANNELS:
        channel.add_commands(commands)

    kb = commands.add_parser("kb", help="knowledge base tools").add_subparsers(required=True, metavar="ACTION")
    kb.add_parser("check", help="validate every FAQ citation against the statutes").set_defaults(run=run_kb_check)
    return parser


def run_serve(args, config: Config, path: Path | None) -> int:
    import uvicorn

    from bot.db import create_engine, upgrade
    from bot.runtime import configure_logging

    configure_logging(config)
    log = logging.getLogger("bot.serve")

    async def migrate() -> None:
        engine = create_engine(config.database_url, busy_timeout_ms=config.database.busy_timeout_ms)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    log.info("starting: database migrations")
    asyncio.run(migrate())
    if build_index_cache_apart(config):
        log.info("starting: knowledge base index built for the workers")
    if path is not None:
        os.environ["WEIQUAN_CONFIG"] = str(path.resolve())  # workers read the same file
    workers = args.workers or config.server.workers
    log.info("starting: %d worker(s); each logs \"ready\" once it loaded the knowledge base", workers)
    if workers > 1:
        share_metrics_between_workers(config.app.data_dir / "metrics")
    uvicorn.run(
        "bot.app:app_from_environment",
        factory=True,
        host=args.host or config.server.host,
        port=args.port or config.server.port,
        workers=workers,
        log_level=config.app.log_level.lower(),
        # JSON logs: uvicorn's own records go through the root handler too, instead of its text format.
        **({"log_config": None} if config.app.log_format == "json" else {}),
    )
    return 0


def build_index_cache_apart(config: Config) -> bool:
    """Load the knowledge base once in a short-lived process, so that the search index cache exists
    before the workers start. Each worker then loads the built index instead of building it, which
    left it about 75 MiB larger (the build's garbage keeps the heap large), and several workers do not
    all build it at once. Skipped when the index was built from inputs of the same sizes and times
    (the worker still checks the index's full key, and builds it itself if that differs). True when it built."""
    import multiprocessing

    from bot.knowledge_setup import index_inputs_stamp, load_knowledge_base

    folder = config.app.data_dir / "cache"
    built = folder / f"built-{index_inputs_stamp(config)}"
    if built.exists() and any(folder.glob("index-*.pickle")):
        return False
    logging.getLogger("bot.serve").info("starting: building the knowledge base index (first start, ~10 s)")
    builder = multiprocessing.get_context("spawn").Process(target=load_knowledge_base, args=(config,))
    builder.start()
    builder.join()
    if builder.exitcode == 0:
        for stale in folder.glob("built-*"):
            stale.unlink(missing_ok=True)
        built.touch()
    return builder.exitcode == 0


def share_metrics_between_workers(folder: Path) -> None:
    """prometheus_client's multiprocess mode: workers write their counters to files in `folder`
    (emptied at each start, as its documentation asks), and /metrics sums them. An operator's own
    PROMETHEUS_MULTIPROC_DIR is kept."""
    from bot.metrics import MULTIPROCESS_ENV

    if os.environ.get(MULTIPROCESS_ENV):
        return
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ[MULTIPROCESS_ENV] = str(folder)


def run_chat(args, config: Config, _path) -> int:
    from bot.channels.terminal import run_repl
    from bot.runtime import start_runtime

    async def chat() -> None:
        runtime = await start_runtime(config)
        try:
            await run_repl(runtime.engine, runtime.sessions, user_id=args.user)
        finally:
            await runtime.close()

    asyncio.run(chat())
    return 0


def run_ask(args, config: Config, _path) -> int:
    from bot.answer_replies import render_answer
    from bot.knowledge_setup import load_knowledge_base

    if not args.question and not args.batch:
        print("请给出问题，或用 --batch FILE", file=sys.stderr)
        return 2
    knowledge = load_knowledge_base(config)
    max_chars, max_suggestions = config.conversation.max_text_chars, config.knowledge.max_suggestions

    def answer(question: str, question_id=None) -> dict:
        started = time.perf_counter()
        result = knowledge.ask(question[:max_chars], max_suggestions=max_suggestions)
        replies = render_answer(result, knowledge)
        elapsed = (time.perf_counter() - started) * 1000
        return {
            "id": question_id,
            "answered": result.answered,
            "answer": "\n".join(reply.text for reply in replies),
            "citations": [{"law": c.law, "article": c.article} for c in result.citations],
            "alternatives": [
                {"title": s.title, "citations": [{"law": c.law, "article": c.article} for c in s.citations]}
                for s in result.alternatives
            ],
            "confidence": round(min(max(result.confidence, 0.0), 1.0), 4),
            "source": result.source,
            "ms": round(elapsed, 3),
        }

    if args.batch:
        stream = sys.stdin if args.batch == "-" else open(args.batch, encoding="utf-8")
        with stream:
            for line in stream:
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                    question = item["q"]
                    if not isinstance(question, str):
                        raise TypeError("q must be a string")
                except (json.JSONDecodeError, KeyError, TypeError) as exc:
                    print(json.dumps({"id": None, "error": f"bad input line: {exc}"}, ensure_ascii=False))
                    continue
                print(json.dumps(answer(question, item.get("id")), ensure_ascii=False), flush=False)
        return 0
    result = answer(args.question)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(result["answer"])
        for number, alternative in enumerate(result["alternatives"], 1):
            print(f"  相关{number}：{alternative['title']}")
    return 0


def run_db_upgrade(_args, config: Config, _path) -> int:
    from bot.db import create_engine, current_revision, upgrade

    async def migrate() -> str | None:
        engine = create_engine(config.database_url, busy_timeout_ms=config.database.busy_timeout_ms)
        try:
            await upgrade(engine)
            return await current_revision(engine)
        finally:
            await engine.dispose()

    print(f"database at revision {asyncio.run(migrate())}")
    return 0


def run_db_current(_args, config: Config, _path) -> int:
    from bot.db import create_engine, current_revision

    async def current() -> str | None:
        engine = create_engine(config.database_url, busy_timeout_ms=config.database.busy_timeout_ms)
        try:
            return await current_revision(engine)
        finally:
            await engine.dispose()

    print(asyncio.run(current()) or "no migrations applied")
    return 0


def run_quiz_check(_args, config: Config, _path) -> int:
    from bot.knowledge_setup import load_knowledge_base, load_quiz_questions
    from knowledge.quiz_bank import check

    knowledge = load_knowledge_base(config)
    questions = load_quiz_questions(knowledge)
    problems = check(questions, knowledge.library)
    generated = sum(question.generated for question in questions)
    kinds = {kind: sum(q.type == kind for q in questions if not q.generated) for kind in ("single", "multiple",
                                                                                          "truefalse")}
    print(f"{len(questions) - generated} curated questions ({kinds['single']} single, {kinds['multiple']} multiple, "
          f"{kinds['truefalse']} true/false) and {generated} generated")
    print_key_spread(questions, config)
    for problem in problems:
        print(f"ERROR {problem}")
    if problems:
        print(f"quiz check failed: {len(problems)} problem(s)")
        return 1
    print("quiz check passed: every key rests on its article, no wrong option is in it")
    return 0


def print_key_spread(questions, config: Config) -> None:
    """Where the keys sit in the bank, and what always answering A would win once options are shuffled."""
    import random

    from bot.quiz.service import always_first_pass_rate
    from bot.services import quiz_settings
    from knowledge.quiz_bank import key_positions

    spread = key_positions(questions)
    print("single-choice keys by stored position: " + " · ".join(f"{k} {spread[k]}" for k in sorted(spread))
          + " (options are shuffled per attempt, the key follows them)")
    for campaign in quiz_settings(config).campaigns:
        rate = always_first_pass_rate(questions, campaign, random.Random(315), trials=10_000)
        print(f"campaign {campaign.code}: always answering A passes {rate:.1%} of 10,000 simulated attempts "
              f"({campaign.questions} questions, pass mark {campaign.pass_mark})")


def run_telegram_poll(_args, config: Config, _path) -> int:
    from bot.channels.telegram_channel import TelegramBotChannel
    from bot.runtime import configure_logging, start_runtime

    if not config.telegram.token:
        print("需要 WEIQUAN_TELEGRAM_TOKEN", file=sys.stderr)
        return 2
    configure_logging(config)

    async def poll() -> int:
        runtime = await start_runtime(config)
        channel = TelegramBotChannel(config, lambda: runtime)
        try:
            async with channel.bot as bot:
                hook = await bot.get_webhook_info()
                if hook.url:
                    print(f"a webhook is set ({hook.url}); polling would miss updates. Remove it first.",
                          file=sys.stderr)
                    return 2
                sender = asyncio.create_task(*channel.loops())
                try:
                    await channel.updates.poll_updates()
                finally:
                    sender.cancel()
        finally:
            await runtime.close()
        return 0

    try:
        return asyncio.run(poll())
    except KeyboardInterrupt:  # Ctrl-C ends a trial run; updates not yet confirmed come again next time
        return 0


def run_kb_check(_args, config: Config, _path) -> int:
    from bot.knowledge_setup import load_knowledge_base
    from knowledge.base import DATA_DIR
    from knowledge.check import (
        check_citations,
        check_entries,
        check_field_citations,
        check_quotes,
        load_cited_rules,
    )
    from knowledge.claims import check_claims

    knowledge = load_knowledge_base(config)
    cited_rules = load_cited_rules(DATA_DIR / "laws.toml")
    problems = check_entries(knowledge.faq, knowledge.library, knowledge.normalizer.clean, knowledge.facts.names,
                             cited_rules)
    problems += check_field_citations(knowledge.fields, knowledge.library)
    against_text = check_citations(knowledge.faq, knowledge.library, cited_rules)[1]
    quotes = check_quotes(knowledge.faq, knowledge.library)[1]
    counts = {name: rule.articles for name, rule in cited_rules.items()}
    claim_problems, quoted = check_claims(knowledge.claims, knowledge.library, counts)
    problems += claim_problems
    citations = sum(len(entry.citations) for entry in knowledge.faq)
    print(f"{len(knowledge.faq)} FAQ entries, {citations} citations "
          f"({against_text} checked against loaded text, {quotes} quotes found in their article), "
          f"{len(knowledge.library)} statutes loaded")
    print(f"{len(list(knowledge.claims))} procedure claims, {quoted} quotes found in their article's text")
    for problem in problems:
        print(f"ERROR {problem}")
    if problems:
        print(f"kb check failed: {len(problems)} problem(s)")
        return 1
    print("kb check passed")
    return 0
