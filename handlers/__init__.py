"""The bot's whole menu on one screen: routes in priority order; anything else is a question."""

from bot.core.messages import MessageKind
from bot.core.router import Route, Router
from handlers import aftercare, complaint, escalation, labdays, menu, qa, quiz, status, waiting, warnings
from handlers.matchers import (
    all_of,
    any_of,
    is_slash_command,
    kind_is,
    payload_is,
    payload_starts,
    says,
    says_intent,
    says_phrase,
)

MENU_WORDS = (
    "菜单", "帮助", "开始", "你好", "您好", "你好呀", "您好呀", "哈喽", "嗨", "在吗", "在不在", "有人吗",
    "hi", "hello", "主菜单", "功能", "你能做什么",
)
COMPLAINT_WORDS = ("投诉", "举报", "我要投诉", "我要举报", "投诉商家", "举报商家", "投诉举报", "我想投诉", "我想举报")
COMPLAINT_INTENT = r"^(?:我|我们)?(?:要|想|想要|需要|准备|打算|申请|帮我|我要)(?:去)?(?:投诉|举报)"
STATUS_WORDS = ("查进度", "进度", "我的投诉", "我的举报", "投诉进度", "举报进度", "查询进度", "查投诉", "办理进度")
QUIZ_WORDS = ("答题", "法律答题", "开始答题", "每日答题", "知识竞答", "答题游戏", "我要答题")
WARNING_WORDS = ("消费警示", "最新消费警示", "最新警示", "消费提示", "看警示")
SUBSCRIBE_WORDS = ("订阅消费警示", "订阅警示", "订阅")
UNSUBSCRIBE_WORDS = ("取消订阅", "退订", "取消订阅消费警示", "不要再发了")
RESUME_WORDS = ("继续", "继续填写")
FULL_TEXT_WORDS = ("全文", "原文", "查看全文", "看全文", "法条原文", "条文原文", "查看法条原文", "看原文")

ROUTES = (
    Route("relay", escalation.with_person, escalation.relay),
    Route("urgent", escalation.is_urgent, escalation.urgent),
    Route("complaint", complaint.in_dialog, complaint.continue_dialog),
    Route("complaint_resume", all_of(says(RESUME_WORDS), complaint.has_saved_draft), complaint.resume_saved),
    Route("quiz_answer", quiz.answering, quiz.take_answer),
    Route("status_verify", status.verifying, status.verify_phone),
    Route("after_text", aftercare.answering, aftercare.take_text),
    Route("unsupported", any_of(kind_is(MessageKind.UNSUPPORTED), kind_is(MessageKind.MEDIA)), menu.unsupported),
    Route("menu", any_of(payload_is("menu"), says(MENU_WORDS, commands=("start", "help", "menu"))), menu.welcome),
    Route("ask", any_of(payload_is("ask"), says((), commands=("ask",))), menu.ask_prompt),
    Route(
        "human",
        any_of(payload_is("human"), says(escalation.HUMAN_WORDS, commands=("human",)),
               says_phrase(escalation.HUMAN_PHRASES, max_chars=12)),
        escalation.request_human,
    ),
    Route(
        "complaint_start",
        any_of(payload_is("complaint"), says(COMPLAINT_WORDS, commands=("complaint", "report")),
               says_intent(COMPLAINT_INTENT)),
        complaint.begin,
    ),
    Route("status", any_of(payload_is("status"), says(STATUS_WORDS, commands=("status",))), status.show_mine),
    Route("ticket", status.mentions_ticket, status.lookup_ticket),
    Route("quiz", any_of(payload_is("quiz"), says(QUIZ_WORDS, commands=("quiz",))), quiz.begin),
    Route("warnings", any_of(payload_is("warnings"), says(WARNING_WORDS, commands=("warnings",))),
          warnings.show_latest),
    Route("subscribe", says(SUBSCRIBE_WORDS, commands=("subscribe",)), warnings.subscribe),
    Route("unsubscribe", says(UNSUBSCRIBE_WORDS, commands=("unsubscribe",)), warnings.unsubscribe),
    Route("full_text", any_of(payload_is("full"), says(FULL_TEXT_WORDS)), qa.show_full_text),
    Route("faq", payload_starts("faq:"), qa.show_faq),
    Route("lab", any_of(says(labdays.WORDS), says_phrase(labdays.PHRASES, max_chars=20)), labdays.show),
    Route("lab_action", payload_starts("lab:"), labdays.act),
    Route("after", payload_starts("after:"), aftercare.press),
    Route("joint", payload_starts("joint:"), complaint.joint_consent),
    Route("article", payload_starts("art:"), qa.show_article),
    Route("unknown_command", is_slash_command, menu.unknown_command),
    Route("stale_button", kind_is(MessageKind.BUTTON), menu.stale_button),
    Route("waiting", waiting.waiting_for_person, waiting.while_waiting),
)
FALLBACK = Route("qa", lambda _turn: True, qa.answer_question, prepare=qa.prepare_answer)


def build_router() -> Router:
    return Router(ROUTES, FALLBACK)
