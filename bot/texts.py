"""Every Chinese string a citizen reads, by name (content answers live in knowledge/data)."""

WELCOME = (
    "您好！我是市场监管局消费维权助手。\n"
    "您可以直接用一句话描述遇到的消费问题，我会告诉您相关规定和法律依据，例如：\n"
    "· 网购的衣服不想要了能退吗？\n"
    "· 健身房关门了，卡里的钱怎么退？\n"
    "· 在超市买到过期食品能赔多少？\n"
    "也可以输入法条查原文，例如“消法第55条”。需要人工服务请输入“人工”。"
)
TERMINAL_BANNER = "消费维权助手（终端版）。输入问题后回车；按数字选择选项；输入“退出”结束。"
TERMINAL_PROMPT = "您> "
MENU_ASK = "我要提问"
ASK_PROMPT = "请直接输入您的问题，例如：买到假货怎么赔偿？"
EMPTY_MESSAGE = "您好像没有输入内容。请用一句话描述您遇到的消费问题，例如：网购商品七天内能退货吗？"
TOO_LONG = "您的消息较长，我先读取了前{limit}个字来回答。如果没有答到点子上，可以把问题缩短一些再问。"
UNSUPPORTED = "暂时只能处理文字消息。请用文字描述您的问题，或输入“菜单”查看我能做什么。"
UNKNOWN_COMMAND = "没有“{command}”这个指令。输入“菜单”查看我能做什么，或者直接输入您的问题。"
STALE_BUTTON = "这个选项已经失效了。请重新输入您的问题，或输入“菜单”查看我能做什么。"

BASIS = "依据：{citations}"
CITATION = "《{law}》第{number}条"
CITATION_SEPARATOR = "；"
SHOW_ARTICLE = "查看法条原文"
RELATED = "相关：{title}"
STATUTE_MATCH = "这个问题可以参考下面这条规定：\n{citation}\n{text}"
ARTICLE_TEXT = "{citation}\n{text}"
ARTICLE_TRUNCATED = "……（条文较长，回复“全文”查看完整内容）"
NO_ARTICLE = "《{law}》没有第{number}条（这部法规共{count}条）。请核对条号后再查。"
LAW_NOT_LOADED = "《{law}》第{number}条的原文暂未收录，您可以在国家法律法规数据库查阅。"
NO_CONTEXT_FOR_FULL_TEXT = "请先提一个问题，或者直接输入要查的法条，例如“消法第55条”。"
CITED_NOT_LOADED = "（原文暂未收录）"

SUGGEST = "我不太确定您问的是哪一种情况。您是不是想问："
SUGGEST_ITEM = "{number}. {title}"
NONE_OF_THESE = "都不是，转人工"

UNKNOWN = (
    "抱歉，这个问题我暂时答不上来，怕说错误导您。\n"
    "您可以换个说法再问一次，也可以转人工服务，由工作人员为您解答。"
)
OFFER_HUMAN = "转人工服务"
SEE_MENU = "我能做什么"

OUT_OF_SCOPE_FOOTER = "我主要解答消费维权方面的问题，比如网购退货、食品安全、预付卡退费、价格欺诈等。"

HUMAN_REQUESTED = (
    "已为您登记人工服务需求，工作人员将通过本渠道与您联系。\n"
    "如需立即处理，可拨打全国12315热线。在等待期间，您也可以继续向我提问。"
)
