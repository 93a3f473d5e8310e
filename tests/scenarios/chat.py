"""A test user talking to the real engine, as a channel would (no mocks)."""

from __future__ import annotations

from bot.core.messages import IncomingMessage, MessageKind, Reply, UserRef


class Citizen:
    """Sends messages as one user and keeps the last replies."""

    def __init__(self, runtime, user_id: str, channel: str = "test") -> None:
        self.engine = runtime.engine
        self.user = UserRef(channel, user_id)
        self.replies: tuple[Reply, ...] = ()

    async def say(self, text: str) -> str:
        self.replies = await self.engine.handle(IncomingMessage(self.user, MessageKind.TEXT, text=text))
        return self.screen

    async def press(self, payload: str) -> str:
        self.replies = await self.engine.handle(IncomingMessage(self.user, MessageKind.BUTTON, payload=payload))
        return self.screen

    async def send_photo(self, media_id: str) -> str:
        message = IncomingMessage(self.user, MessageKind.MEDIA, media_id=media_id)
        self.replies = await self.engine.handle(message)
        return self.screen

    async def answer_all(self, *answers: str) -> str:
        for answer in answers:
            await self.say(answer)
        return self.screen

    @property
    def screen(self) -> str:
        return "\n".join(reply.text for reply in self.replies)


COMPLAINT_ANSWERS = (
    "我要投诉",
    "本人",
    "昨天",
    "没有",
    "是",
    "塞上健身俱乐部",
    "线下",
    "赛罕区大学东街某商场三楼",
    "办了一年的健身卡，用了两个月就关门了，老板联系不上，卡里还有三千多块钱。",
    "3280元",
    "退款",
    "跳过",
    "同意",
    "同意",
    "张三丰",
    "13812345678",
    "呼和浩特市赛罕区某小区3号楼",
)
