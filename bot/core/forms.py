"""Guided forms: one question at a time, with back, edit, skip, cancel, help and a confirmation.

A form is a declarative table of `Ask` steps. The draft lives in the conversation's slots (so it
survives restarts and any worker can continue it); the step name stored in the conversation is
"<form>.<slot>", "<form>.confirm", "<form>.warn" or "<form>.resume". `advance` is pure: it takes
the draft and the message and returns what to say and the new draft.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from bot import texts
from bot.core.messages import Button, IncomingMessage, MessageKind, Reply

DRAFT_SLOT = "form"
CHOICE_PREFIX = "form:"
MEDIA_PREFIX = "media:"
"""How a photo or file answer reaches a parser: "media:<the channel's media id>"."""
BACK_WORDS = {"返回", "上一步", "后退", "退回", "返回上一步"}
SKIP_WORDS = {"跳过", "略过", "不填"}
NOTHING_WORDS = {"没有", "无", "暂无", "没"}
"""Also skip an optional question (没有 evidence), but are ordinary answers elsewhere."""
DONE_WORDS = {"完成", "好了", "发完了", "传完了", "就这些", "没有了", "下一步", "结束上传"}
"""End a question that collects several photos and files."""
CANCEL_WORDS = {"取消", "退出", "不投诉了", "不举报了", "算了", "不弄了", "放弃"}
HELP_WORDS = {"帮助", "help", "怎么填", "说明", "菜单"}
CONFIRM_WORDS = {"确认", "确认提交", "提交", "是", "对", "没问题", "确定"}
CONTINUE_WORDS = {"继续", "仍要继续", "知道了", "好的", "好", "继续填写", "是"}
RESTART_WORDS = {"重新开始", "重来", "重新填写"}
EDIT = re.compile(r"^(?:修改|改一下|更改|改)\s*(.+)$")
QUESTION = re.compile(r"[?？]$|吗$|呢$|什么意思|是什么|怎么办|怎么算|能不能|可不可以|多久")
EDGE = re.compile(r"^[\s\W_]+|[\s\W_]+$")
NUDGE_EVERY = 3
SIDE_QUESTION_MAX_CHARS = 24
"""Longer texts that end in a question are usually the answer itself (经过 often ends with 怎么办？)."""


class Invalid(ValueError):
    """The answer does not fit the question; the message says how to answer."""


def always(_data: Mapping[str, Any]) -> bool:
    return True


@dataclass(frozen=True)
class Ask:
    """One question of a form."""

    slot: str
    prompt: str
    label: str
    """How the field is named in the summary and in "修改 <label>"."""
    parse: Callable[[str, Mapping[str, Any]], Any]
    """Text (or a media id) -> the stored value; raises Invalid with a re-ask."""
    when: Callable[[Mapping[str, Any]], bool] = always
    optional: bool = False
    choices: tuple[Button, ...] = ()
    show: Callable[[Any], str] = str
    media: bool = False
    """Photos and files are accepted as the answer."""
    collect: int = 0
    """With media: keep up to this many photos and files, one per message, until the citizen says 完成
    (or answers in words, which is kept as the last item); the stored value is then a list."""
    warn: Callable[[Any, Mapping[str, Any]], str | None] | None = None
    """A warning the citizen must acknowledge before going on (e.g. the Art. 15 pre-checks)."""
    hint: str = ""
    """Extra help for this question, shown on 帮助."""


@dataclass(frozen=True)
class Form:
    name: str
    asks: tuple[Ask, ...]
    summary_title: str
    expiry: timedelta
    """A draft untouched for this long is discarded."""

    def ask(self, slot: str) -> Ask | None:
        return next((ask for ask in self.asks if ask.slot == slot), None)

    def applicable(self, data: Mapping[str, Any]) -> list[Ask]:
        return [ask for ask in self.asks if ask.when(data)]


class Status(Enum):
    ASKING = "asking"
    DONE = "done"
    """Confirmed: `data` is ready to be filed."""
    CANCELLED = "cancelled"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Step:
    """What the form says now and where it stands."""

    status: Status
    replies: tuple[Reply, ...]
    step: str | None
    draft: dict[str, Any] | None
    data: dict[str, Any] = field(default_factory=dict)


def draft_of(slots: Mapping[str, Any], form: Form) -> dict[str, Any] | None:
    draft = slots.get(DRAFT_SLOT)
    return dict(draft) if draft and draft.get("form") == form.name else None


def start(form: Form, now: datetime, intro: tuple[Reply, ...] = (), data: Mapping[str, Any] | None = None) -> Step:
    draft = {"form": form.name, "data": dict(data or {}), "history": [], "started": now.isoformat()}
    return _ask_next(form, draft, now, intro)


def resume_prompt(form: Form, draft: Mapping[str, Any], now: datetime) -> Step | None:
    """After a long absence: offer to continue the draft, or say it has expired."""
    touched = datetime.fromisoformat(draft.get("updated", draft["started"]))
    if touched + form.expiry < now:
        return Step(Status.EXPIRED, (Reply(texts.FORM_EXPIRED),), None, None)
    question = Reply(texts.FORM_RESUME.format(started=touched.strftime("%Y年%m月%d日")), (
        Button(texts.FORM_RESUME_CONTINUE, CHOICE_PREFIX + "继续"),
        Button(texts.FORM_RESUME_RESTART, CHOICE_PREFIX + "重新开始"),
        Button(texts.FORM_CANCEL, CHOICE_PREFIX + "取消"),
    ))
    return Step(Status.ASKING, (question,), f"{form.name}.resume", {**draft, "updated": now.isoformat()})


def advance(
    form: Form,
    draft: dict[str, Any],
    step: str,
    message: IncomingMessage,
    now: datetime,
    *,
    side_answer: Callable[[str], tuple[Reply, ...] | None] = lambda _text: None,
) -> Step:
    """Handle one message inside the form."""
    draft = {**draft, "updated": now.isoformat()}
    stage = step.removeprefix(f"{form.name}.")
    text = _answer_text(message)
    word = EDGE.sub("", text)
    if word in CANCEL_WORDS:
        return Step(Status.CANCELLED, (Reply(texts.FORM_CANCELLED),), None, None)
    if stage == "resume":
        if word in RESTART_WORDS:
            return start(form, now)
        if word in CONTINUE_WORDS:
            return _ask_current(form, draft, now)
        return Step(Status.ASKING, (Reply(texts.FORM_RESUME_CHOOSE),), step, draft)
    if word in HELP_WORDS:
        return _help(form, draft, step)
    if word in BACK_WORDS:
        return _back(form, draft, now)
    edit = EDIT.match(word)
    if edit:
        return _edit(form, draft, step, edit.group(1).strip())
    if stage == "warn":
        if word in CONTINUE_WORDS:
            pending = draft.pop("warning")
            draft["data"] = {**draft["data"], "_warnings": [*draft["data"].get("_warnings", []), pending]}
            return _ask_next(form, draft, now)
        return Step(Status.ASKING, (Reply(texts.FORM_WARN_CHOOSE),), step, draft)
    if stage == "confirm":
        if word in CONFIRM_WORDS:
            return Step(Status.DONE, (), None, None, dict(draft["data"]))
        return Step(Status.ASKING, (Reply(texts.FORM_CONFIRM_CHOOSE),), step, draft)
    ask = form.ask(stage)
    if ask is None:  # a step name from an older version of the form: start that part again
        return _ask_next(form, draft, now)
    return _answer(form, ask, draft, message, text, word, now, side_answer)


def _answer(form, ask: Ask, draft, message, text, word, now, side_answer) -> Step:
    if message.kind is MessageKind.MEDIA and not ask.media:
        return _reask(form, ask, draft, texts.FORM_TEXT_PLEASE)
    if ask.collect:
        collected = _collect(form, ask, draft, message, word, now)
        if collected is not None:
            return collected
    if message.kind is MessageKind.UNSUPPORTED:
        return _reask(form, ask, draft, texts.FORM_TEXT_PLEASE)
    if message.kind is MessageKind.TEXT and ask.optional and word in SKIP_WORDS | NOTHING_WORDS:
        return _store(form, ask, draft, None, now)
    if message.kind is MessageKind.TEXT and word in SKIP_WORDS:
        return _reask(form, ask, draft, texts.FORM_NOT_SKIPPABLE)
    if _looks_like_question(message, text):
        answered = side_answer(text)
        if answered:
            return Step(Status.ASKING, answered + (Reply(texts.FORM_BACK_TO_IT, ask.choices), _prompt(ask)),
                        f"{form.name}.{ask.slot}", draft)
    try:
        value = ask.parse(MEDIA_PREFIX + message.media_id if message.kind is MessageKind.MEDIA else text, draft["data"])
    except Invalid as problem:
        return _reask(form, ask, draft, str(problem))
    if ask.collect:
        value = [*draft.get("collected", {}).get(ask.slot, []), value]
        draft = _without_collected(draft, ask)
    return _store(form, ask, draft, value, now)


def _collect(form: Form, ask: Ask, draft: dict[str, Any], message: IncomingMessage, word: str,
             now: datetime) -> Step | None:
    """A photo or file joins the items kept so far (the question stays open); 完成 stores them. None: an
    answer in words, left to the question's own parser and kept after the items."""
    items = list(draft.get("collected", {}).get(ask.slot, []))
    if message.kind is MessageKind.MEDIA:
        if len(items) >= ask.collect:
            return Step(Status.ASKING, (Reply(texts.FORM_COLLECT_FULL.format(limit=ask.collect)),),
                        f"{form.name}.{ask.slot}", draft)
        items.append(MEDIA_PREFIX + message.media_id)
        draft["collected"] = {**draft.get("collected", {}), ask.slot: items}
        done = Button(texts.FORM_COLLECT_DONE, CHOICE_PREFIX + "完成")
        return Step(Status.ASKING, (Reply(texts.FORM_COLLECTED.format(count=len(items), limit=ask.collect),
                                          (done,)),), f"{form.name}.{ask.slot}", draft)
    if message.kind is MessageKind.TEXT or message.kind is MessageKind.BUTTON:
        if word in DONE_WORDS | NOTHING_WORDS | SKIP_WORDS and (items or ask.optional):
            return _store(form, ask, _without_collected(draft, ask), items or None, now)
    return None


def _without_collected(draft: dict[str, Any], ask: Ask) -> dict[str, Any]:
    draft["collected"] = {k: v for k, v in draft.get("collected", {}).items() if k != ask.slot}
    return draft


def _store(form: Form, ask: Ask, draft: dict[str, Any], value: Any, now: datetime) -> Step:
    draft["data"] = {**draft["data"], ask.slot: value}
    draft["failures"] = 0
    if ask.slot not in draft["history"]:
        draft["history"] = [*draft["history"], ask.slot]
    warning = ask.warn(value, draft["data"]) if ask.warn and value is not None else None
    if warning:
        draft["warning"] = {"slot": ask.slot, "text": warning}
        buttons = (Button(texts.FORM_WARN_CONTINUE, CHOICE_PREFIX + "继续"),
                   Button(texts.FORM_CANCEL, CHOICE_PREFIX + "取消"))
        return Step(Status.ASKING, (Reply(warning, buttons),), f"{form.name}.warn", draft)
    return _ask_next(form, draft, now)


def _ask_next(form: Form, draft: dict[str, Any], now: datetime, intro: tuple[Reply, ...] = ()) -> Step:
    """The first applicable question not answered yet; the summary when all are answered."""
    draft.setdefault("updated", now.isoformat())
    if draft.get("editing"):
        draft.pop("editing")
        missing = [a for a in form.applicable(draft["data"]) if a.slot not in draft["data"]]
        if not missing:
            return _confirm(form, draft, intro)
    for ask in form.applicable(draft["data"]):
        if ask.slot not in draft["data"]:
            return Step(Status.ASKING, intro + (_prompt(ask),), f"{form.name}.{ask.slot}", draft)
    return _confirm(form, draft, intro)


def _ask_current(form: Form, draft: dict[str, Any], now: datetime) -> Step:
    if draft.get("warning"):
        warning = draft["warning"]["text"]
        buttons = (Button(texts.FORM_WARN_CONTINUE, CHOICE_PREFIX + "继续"),
                   Button(texts.FORM_CANCEL, CHOICE_PREFIX + "取消"))
        return Step(Status.ASKING, (Reply(warning, buttons),), f"{form.name}.warn", draft)
    return _ask_next(form, draft, now)


def _confirm(form: Form, draft: dict[str, Any], intro: tuple[Reply, ...]) -> Step:
    lines = [form.summary_title]
    for ask in form.applicable(draft["data"]):
        value = draft["data"].get(ask.slot)
        lines.append(f"· {ask.label}：{texts.FORM_EMPTY if value is None else ask.show(value)}")
    lines.append(texts.FORM_CONFIRM_HINT)
    buttons = (Button(texts.FORM_CONFIRM, CHOICE_PREFIX + "确认"), Button(texts.FORM_CANCEL, CHOICE_PREFIX + "取消"))
    return Step(Status.ASKING, intro + (Reply("\n".join(lines), buttons),), f"{form.name}.confirm", draft)


def _back(form: Form, draft: dict[str, Any], now: datetime) -> Step:
    history = [slot for slot in draft["history"] if form.ask(slot) and form.ask(slot).when(draft["data"])]
    draft.pop("warning", None)
    if not history:
        return _ask_next(form, draft, now, (Reply(texts.FORM_AT_START),))
    previous = history[-1]
    draft["history"] = history[:-1]
    draft["data"] = {k: v for k, v in draft["data"].items() if k != previous}
    return _ask_next(form, draft, now)


def _edit(form: Form, draft: dict[str, Any], step: str, name: str) -> Step:
    target = next((a for a in form.applicable(draft["data"]) if name in (a.label, a.slot) or a.label in name), None)
    if target is None:
        labels = "、".join(a.label for a in form.applicable(draft["data"]))
        return Step(Status.ASKING, (Reply(texts.FORM_UNKNOWN_FIELD.format(fields=labels)),), step, draft)
    draft.pop("warning", None)
    draft["data"] = {k: v for k, v in draft["data"].items() if k != target.slot}
    draft["editing"] = True
    return Step(Status.ASKING, (_prompt(target),), f"{form.name}.{target.slot}", draft)


def _help(form: Form, draft: dict[str, Any], step: str) -> Step:
    ask = form.ask(step.removeprefix(f"{form.name}."))
    lines = [texts.FORM_HELP]
    if ask is not None and ask.hint:
        lines.insert(0, ask.hint)
    replies = [Reply("\n".join(lines))]
    if ask is not None:
        replies.append(_prompt(ask))
    return Step(Status.ASKING, tuple(replies), step, draft)


def _reask(form: Form, ask: Ask, draft: dict[str, Any], problem: str) -> Step:
    failures = draft.get("failures", 0) + 1
    draft["failures"] = failures
    text = problem if failures % NUDGE_EVERY else f"{problem}\n{texts.FORM_NUDGE}"
    return Step(Status.ASKING, (Reply(text), _prompt(ask)), f"{form.name}.{ask.slot}", draft)


def _prompt(ask: Ask) -> Reply:
    suffix = texts.FORM_OPTIONAL if ask.optional else ""
    return Reply(ask.prompt + suffix, ask.choices)


def _answer_text(message: IncomingMessage) -> str:
    if message.kind is MessageKind.BUTTON:
        return message.payload.removeprefix(CHOICE_PREFIX)
    return message.text.strip()


def _looks_like_question(message: IncomingMessage, text: str) -> bool:
    return (
        message.kind is MessageKind.TEXT
        and len(text) <= SIDE_QUESTION_MAX_CHARS
        and bool(QUESTION.search(text))
    )
