"""Every Chinese string a citizen reads, by name (content answers live in knowledge/data)."""

WELCOME = (
    "您好！我是市场监管局消费维权助手。\n"
    "您可以直接用一句话描述遇到的消费问题，我会告诉您相关规定和法律依据，例如：\n"
    "· 网购的衣服不想要了能退吗？\n"
    "· 健身房关门了，卡里的钱怎么退？\n"
    "· 在超市买到过期食品能赔多少？\n"
    "也可以输入法条查原文，例如“消法第55条”。\n"
    "要投诉或举报商家，请输入“我要投诉”或“我要举报”；查询办理情况请输入“查进度”。需要人工服务请输入“人工”。"
)
TERMINAL_BANNER = "消费维权助手（终端版）。输入问题后回车；按数字选择选项；输入“退出”结束。"
TERMINAL_PROMPT = "您> "
MENU_ASK = "我要提问"
MENU_COMPLAIN = "我要投诉/举报"
MENU_QUIZ = "法律答题"
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

NOT_CHINESE = (
    "我目前只能读懂中文。请用中文（简体、繁体都可以）描述您遇到的消费问题，例如“网购的衣服七天内能退吗”。\n"
    "Please write in Chinese, or ask for a staff member (人工)."
)
OUT_OF_SCOPE_FOOTER = "我主要解答消费维权方面的问题，比如网购退货、食品安全、预付卡退费、价格欺诈等。"


# Guided forms (bot/core/forms.py)
FORM_CANCELLED = "已取消，本次填写的内容没有保存。需要时可以随时输入“我要投诉”或“我要举报”重新开始。"
FORM_EXPIRED = "您之前没填完的投诉/举报草稿时间太久，已经作废了。需要的话请输入“我要投诉”或“我要举报”重新开始。"
FORM_RESUME = "您在{started}开始填写的投诉/举报还没有提交。要接着填吗？"
FORM_RESUME_CONTINUE = "继续填写"
FORM_RESUME_RESTART = "重新开始"
FORM_RESUME_CHOOSE = "请选择：回复“继续”接着填写，“重新开始”从头填写，或“取消”放弃这份草稿。"
FORM_CANCEL = "取消"
FORM_KEPT = "您正在填写的内容已保存。回复“继续”可以接着填写，回复“取消”放弃。"
FORM_CONFIRM = "确认提交"
FORM_CONFIRM_HINT = "请核对以上信息。无误请回复“确认”；要改哪一项，请回复“修改 项目名”，例如“修改 联系电话”；回复“取消”放弃。"
FORM_CONFIRM_CHOOSE = "请回复“确认”提交，或“修改 项目名”修改某一项，或“取消”放弃。"
FORM_WARN_CONTINUE = "仍要继续"
FORM_WARN_CHOOSE = "请回复“继续”接着填写，或回复“取消”放弃本次投诉。"
FORM_EMPTY = "（未填）"
FORM_OPTIONAL = "（没有可以回复“跳过”）"
FORM_NOT_SKIPPABLE = "这一项是必填的，不能跳过。"
FORM_TEXT_PLEASE = "这一步请用文字回答。"
FORM_BACK_TO_IT = "我们接着填写："
FORM_AT_START = "已经是第一个问题了。"
FORM_UNKNOWN_FIELD = "没有找到要修改的项目。可以修改的项目有：{fields}。"
FORM_NUDGE = "如果不清楚怎么填，可以回复“帮助”；不想继续了可以回复“取消”。"
FORM_HELP = (
    "填写时可以随时：回复“返回”回到上一步；“修改 项目名”改某一项；选填项回复“跳过”；"
    "“取消”放弃；“人工”联系工作人员。中途有问题也可以直接问，我答完会接着问您。"
)

# Complaint and report intake (handlers/complaint.py)
COMPLAINT_INTRO = "好的，我来帮您登记。接下来我会一项一项地问，随时可以回复“返回”“修改 项目名”“取消”或“帮助”。"
COMPLAINT_ASK_KIND = "您是要投诉还是举报？"
COMPLAINT_KIND_EXPLAIN = (
    "投诉是您自己买东西或接受服务时和商家有纠纷，想请市场监管部门帮您调解解决；"
    "举报是发现商家有违法行为，想让市场监管部门调查处理（不要求和您本人有纠纷）。两种情况都有，可以选“两者都有”。"
)
COMPLAINT_CHOOSE = "请从选项中选一个回答。"
COMPLAINT_ASK_ON_BEHALF = "您是为自己投诉，还是代别人（比如家里老人）投诉？"
COMPLAINT_ASK_DATE = "问题是什么时候发生或发现的？（例如：昨天、上周五、3月2日、2024年12月）"
COMPLAINT_DATE_INVALID = "没看懂这个日期。可以这样写：昨天、上周五、3月2日、2024年12月5日。"
COMPLAINT_DATE_FUTURE = "这个日期还没到呢，请填写已经发生的日期。"
COMPLAINT_ASK_HANDLED = "这件事有没有已经由法院、仲裁机构、消费者协会或其他部门受理或处理过？"
COMPLAINT_ASK_CONSUMPTION = "您买这个商品或服务，是自己或家里生活用的吗？"
COMPLAINT_ASK_BUSINESS = "商家叫什么？可以是店名、品牌，或者网店的名称。"
COMPLAINT_BUSINESS_INVALID = "请写出商家的名称（2到100个字），例如“某某健身房”“某某旗舰店”。"
COMPLAINT_ASK_ONLINE = "是在网上买的，还是在线下门店买的？"
COMPLAINT_ASK_PLATFORM = "在哪个平台买的？（例如：淘宝、京东、拼多多、抖音、美团；商家自己的网站或小程序请回复“自建网站”）"
COMPLAINT_PLATFORM_INVALID = "请写出平台名称，例如淘宝、京东、拼多多。"
COMPLAINT_ASK_ADDRESS = "商家的地址或所在的区县？（例如：赛罕区某某商场三楼；网店不清楚地址的可以跳过）"
COMPLAINT_ADDRESS_INVALID = "请写出地址，至少写到区县或街道，例如“新城区海拉尔东路某号”。"
COMPLAINT_ASK_FACTS = "请简单说说发生了什么：买了什么、出了什么问题、和商家沟通的结果。"
COMPLAINT_FACTS_INVALID = "请多写几句（至少8个字），把经过说清楚，工作人员才好处理。"
COMPLAINT_ASK_VIOLATION = "请描述商家涉嫌的违法行为和具体线索：什么时间、在哪里、看到了什么。"
COMPLAINT_ASK_AMOUNT = "涉及金额是多少？（例如：150元、一千二）"
COMPLAINT_AMOUNT_INVALID = "没看懂这个金额，请写数字，例如“150元”或“一千二”。"
COMPLAINT_ASK_DEMAND = "您希望商家怎么解决？"
COMPLAINT_DEMAND_INVALID = "请从退货、退款、更换、维修、赔偿、其他中选一个。"
COMPLAINT_ASK_EVIDENCE = "有什么证据？可以直接发照片，或用文字说明（如购物小票、聊天记录、付款截图）。"
EVIDENCE_MEDIA = "已上传的图片/文件"
COMPLAINT_ASK_MEDIATION = "是否同意由市场监管部门组织您和商家调解？"
COMPLAINT_ASK_ANONYMOUS = "举报可以实名，也可以匿名（匿名举报无法收到处理情况的告知）。{notice}{secret}您选择？"
COMPLAINT_CONTINUE = "可以继续登记。"
COMPLAINT_CONTINUE_ANYWAY = "仍然可以继续登记，由工作人员最终判断。"
COMPLAINT_CONTINUE_NEW_FACTS = "如果您是对处理结果有新的情况要反映，仍然可以继续登记。"
COMPLAINT_MAYBE_REPORT = "发现商家违法也可以改为举报。仍然可以继续登记。"
COMPLAINT_ASK_NAME = "请留下您的姓名。"
COMPLAINT_NAME_INVALID = "请填写真实姓名（2到30个字）。"
COMPLAINT_ASK_PHONE = "请留下联系电话（手机或带区号的座机）。"
COMPLAINT_PHONE_INVALID = "这个号码好像不对，请填写11位手机号，或带区号的座机号（如0471-1234567）。"
COMPLAINT_ASK_HOME = "请留下您的通讯地址。"
COMPLAINT_SUMMARY = "请核对您要提交的内容："
CASE_KINDS = {"complaint": "投诉", "report": "举报", "both": "投诉和举报"}
CASE_FILED = "您的{kind}已登记，编号：{ticket}\n承办单位：{department}\n{deadline}"
CASE_REFERRED = "您的{kind}已记录，编号：{ticket}\n{next}"
REFERRED_RECORDED = "这次登记已留档，工作人员会看到；如有疑问可回复“人工”。"
COMPETENT_BUREAU = "有处理权限的市场监管部门"
JOINT_YES = "同意共同投诉"
JOINT_NO = "不同意，单独处理"
JOINT_AGREED = "已记录：您同意在同一消费争议的范围内按共同投诉处理。工作人员核实是同一争议后会告知您。"
JOINT_DECLINED = "已记录：您的投诉将单独处理。"
DUE_PROVISIONAL = "（明年节假日安排公布前按周一至周五暂定）"
TRIAGE_DEPARTMENT = "市局登记中心（正在确定具体承办单位）"
COMPLAINT_AFTER = "请记好编号。之后可以随时发送“查进度”或编号查询办理情况。"
STATUS_BUTTON = "查进度"

# Case status (bot/complaints, handlers/status.py)
CASE_STATUSES = {
    "received": "已登记，等待决定是否受理",
    "referred": "不属本市管辖，已告知向有处理权限的部门提出",
    "accepted": "已受理",
    "not_accepted": "不予受理",
    "mediating": "调解中",
    "mediated": "调解成功",
    "mediation_ended": "调解终止",
    "verifying": "核查中",
    "filed": "已立案",
    "not_filed": "不予立案",
    "closed": "已办结",
}
STATUS_CHANGED = "您的案件 {ticket} 有新进展：{status}。发送编号可查看详情。"
STATUS_NONE = "您还没有提交过投诉或举报。需要的话请输入“我要投诉”或“我要举报”。"
STATUS_LIST_TITLE = "您最近的投诉和举报："
STATUS_LINE = "{ticket}｜{kind}｜{business}｜{status}"
STATUS_DETAIL = (
    "编号：{ticket}（{kind}）\n商家：{business}\n当前状态：{status}\n承办单位：{department}\n"
    "{deadline}\n登记时间：{received}"
)
STATUS_HISTORY = "办理记录："
STATUS_NOT_FOUND = "没有找到编号为 {ticket} 的案件，请核对编号（编号在登记成功的消息里，如 T-7K3M-9QX2-C）。"
STATUS_ASK_PHONE = "为了保护当事人信息，请输入该案件登记的联系电话的后四位。"
STATUS_PHONE_WRONG = "后四位不对，还可以再试{left}次。"
STATUS_LOCKED = "核对次数过多，暂时不能查询这个编号。请用登记时的账号查询，或拨打12315。"
STATUS_ANONYMOUS = "这是匿名举报，只能由举报人用提交时的账号查询。"
STATUS_ASK_TICKET = "请直接发送案件编号（如 T-7K3M-9QX2-C），或发送“查进度”查看您自己的案件。"

# Hand-off to staff (handlers/escalation.py, bot/staff/queue.py)
NEXT_WORKDAY = "下一个工作日"
HANDOFF_NATIVE = "正在为您转接人工客服，请稍候。"
HANDOFF_QUEUED = "已为您转接人工服务，请稍候。工作人员接入后会在这里回复您；在等待期间您也可以继续向我提问。"
HANDOFF_AFTER_HOURS = "现在不是人工服务时间，已为您登记，工作人员将在{when}后尽快联系您。紧急情况请拨打12315。"
HANDOFF_JOINED = "工作人员{name}已接入，请直接描述您的问题。结束人工服务请回复“结束人工”。"
HANDOFF_STAFF_SAYS = "【工作人员{name}】{text}"
HANDOFF_LEFT = "工作人员已结束本次人工服务。您可以继续向我提问，需要时再输入“人工”。"
HANDOFF_ENDED_BY_CITIZEN = "已结束人工服务。您可以继续向我提问，需要时再输入“人工”。"
HANDOFF_WAITING_NOTE = "您已在人工服务排队中，工作人员接入后会在这里回复您。"
HANDOFF_NOBODY_FREE = "非常抱歉，目前工作人员都在忙。您的问题已经登记，工作人员将在{when}前联系您，不用重复提交。"
HANDOFF_UNSURE = "这个问题我连续两次没能答上来，已为您转接人工服务，工作人员接入后会在这里回复您。"
HANDOFF_GROUP = "因涉及多人投诉同一商家，已同时通知值班工作人员优先处理。"
URGENT_REPLY = (
    "如有人员受伤或生命危险，请立即拨打120急救电话；遇火灾、爆炸拨打119，遇人身安全威胁拨打110；"
    "被困电梯请按电梯内的警铃或拨打电梯内张贴的救援电话，并拨打110/119。"
    "如果您或身边的人有轻生的念头，请拨打心理援助热线12356，或直接拨打110。"
    "已为您紧急转接人工服务，工作人员会优先联系您。"
)
QUEUE_LIMIT = "您手上已有{limit}个人工会话，请先结束一个再认领。"
QUEUE_TAKEN = "这个会话已被其他同事认领或已结束。"
QUEUE_NOT_YOURS = "这个会话不是由您接待的，不能回复。"

# Staff console (bot/staff/views/ and its templates)
CONSOLE_TITLE = "消费维权助手 · 工作台"
NAV_INBOX = "人工会话"
NAV_CASES = "投诉举报"
NAV_DASHBOARD = "数据看板"
NAV_DUTY = "值班"
LOGOUT = "退出"
ROLES = {"admin": "管理员", "supervisor": "值班长", "agent": "坐席", "viewer": "只读"}
LOGIN_TITLE = "工作人员登录"
USERNAME = "用户名"
PASSWORD = "密码"
LOGIN = "登录"
QUEUE_TITLE = "等待接入的会话"
QUEUE_EMPTY = "暂无等待的会话"
MINE_TITLE = "我正在接待"
COL_WAITING_SINCE = "已等待"
COL_REASON = "原因"
COL_CHANNEL = "渠道"
LOADING = "加载中……"
HANDOFF_REASONS = {"urgent": "紧急", "group": "群体投诉", "requested": "市民要求", "unsure": "机器人答不上", "staff": "工作人员发起",
                   "quiz": "答题纠错"}
CALLBACK_MARK = "（非工作时间，需回访）"
CLAIM = "接入"
OPEN_CHAT = "会话"
OVERDUE_ALERT = "超时未接入的会话数："
CHAT_TITLE = "人工会话"
REPLY_PLACEHOLDER = "输入回复，发送后市民会在原渠道收到"
SEND = "发送"
CLOSE_NOTE = "结束备注（选填）"
CLOSE_CHAT = "结束会话"
CHAT_READONLY = "这个会话不是由您接待的，只能查看。"
SENDERS = {"citizen": "市民", "staff": "工作人员", "bot": "机器人"}
SEARCH_TICKET = "编号或后6位"
ANY_STATUS = "全部状态"
ANY_KIND = "全部类型"
ANY_DEPARTMENT = "全部承办单位"
CATEGORY = "诉求类别"
DUE_WITHIN = "受理期限在"
WORKING_DAYS = "个工作日内"
OVERDUE = "已超期"
GROUP_CASES = "群体投诉"
FILTER = "筛选"
COL_TICKET = "编号"
COL_KIND = "类型"
COL_BUSINESS = "商家"
COL_STATUS = "状态"
COL_DEPARTMENT = "承办单位"
COL_DUE = "期限"
COL_RECEIVED = "登记时间"
COL_FACTS = "经过/线索"
COL_DEMAND = "诉求"
COL_MEDIATION = "同意调解"
COL_EVIDENCE = "证据"
COL_WARNINGS = "受理风险提示"
COL_PARTY = "投诉人/举报人"
GROUP_MARK = "群体"
NO_CASES = "没有符合条件的案件"
PROVISIONAL_NOTE = "带*的期限按周一至周五暂定（明年节假日安排尚未公布）。"
UNKNOWN_ADDRESS = "地址未知"
YES = "是"
NO = "否"
NONE = "无"
PROVISIONAL = "暂定"
ANONYMOUS = "匿名举报"
PARTY_HIDDEN = "（您的权限不能查看当事人信息）"
TIMELINE = "办理记录"
ACTIONS = "办理"
KEEP_DEPARTMENT = "承办单位不变"
ACTION_NOTE = "说明（不予受理时必须写明理由，发给市民的消息也写在这里）"
SUBMIT = "提交"
CASE_ACTIONS = {
    "accept": "受理", "not_accept": "不予受理", "mediate": "开始调解", "mediated": "调解成功",
    "mediation_ended": "终止调解", "verify": "开始核查", "extend": "延长核查期限（特殊情况，须写明理由）", "file": "立案", "not_file": "不予立案", "close": "办结",
    "message": "给市民发消息", "contact": "发起人工会话", "assign": "只改承办单位或承办人",
}
ASSIGNED = "承办单位改为 {code}"
VERIFICATION_EXTENDED = "核查期限延长至{due}：{reason}"
ASSIGNED_PERSON = "承办人改为 {name}"
KEEP_ASSIGNEE = "承办人不变"
COL_ASSIGNEE = "承办人"
BUREAU_MESSAGE = "【市场监管局】关于您的案件 {ticket}：{text}"
REASON_REQUIRED = "不予受理必须写明理由。"
FORBIDDEN = "您的账号没有这个操作的权限。"
CSRF_FAILED = "页面已过期，请刷新后重试。"
NOT_FOUND = "没有找到。"
BAD_TIME = "时间格式不对。"
WAITED = "{minutes}分钟"
FROM = "从"
TO = "到"
SHOW = "查看"
EXPORT_XLSX = "导出Excel（含图表）"
EXPORT_CSV = "导出CSV"
DASHBOARD_TOTALS = "共 {total} 件；本周到期 {due} 件；已超期 {overdue} 件；群体投诉 {groups} 组。"
BY_DEMAND = "按诉求类别"
BY_KIND = "按类型"
DUTY_NOW = "当前值班"
DUTY_STAFF = "值班人员"
DUTY_SUPERVISORS = "值班长"
NOBODY = "无"
SURGE_ON = "全员值班（如3·15晚会）进行中"
SURGE_UNTIL = "全员值班到"
SURGE_START = "开启全员值班"
DUTY_CHANGE = "调班：加班或请假"
EXTRA_DUTY = "加班值守"
LEAVE = "请假"
SAVE = "保存"
ESCALATIONS_TITLE = "升级事项（群体投诉、超期未受理）"
ESCALATION_REASONS = {"group": "群体投诉", "acceptance": "超期未决定受理", "mediation": "调解超期",
                      "end_notice": "终止调解超期未告知", "verification": "举报核查超期"}
NOTICE_UNDELIVERED = "有 {count} 条通知没能送达市民（如微信超过48小时未互动且没有可用的模板消息），请电话联系："
NO_STEP_RUNNING = "没有正在计时的法定环节"
ON_TIME_TITLE = "限时办结率（按承办单位和办理环节，已到期的环节）"
ON_TIME_NONE = "这段时间登记的案件还没有到期的办理环节。"
COL_STEP = "环节"
COL_ON_TIME = "按期办结"
COL_LATE = "超期"
COL_RATE = "限时办结率"
CASE_STEPS = {"acceptance": "决定是否受理", "mediation": "调解", "end_notice": "告知调解终止", "verification": "核查并决定是否立案"}
ESCALATION_LEVELS = {1: "区县局", 2: "市局"}
TAKE = "认领"

# Consumer warnings (消费警示)
WARNING_PUSH = "【消费警示】{title}\n{body}\n（回复“取消订阅”可不再接收）"
WARNINGS_LATEST = "最新消费警示："
WARNING_ITEM = "【{date}】{title}\n{body}"
WARNINGS_NONE = "目前还没有发布消费警示。"
WARNINGS_SUBSCRIBE_HINT = "回复“订阅消费警示”，有新的警示会第一时间发给您。"
WARNINGS_SUBSCRIBED = "已订阅消费警示，有新的警示会发给您。回复“取消订阅”可随时退订。"
WARNINGS_ALREADY = "您已经订阅了消费警示。"
WARNINGS_UNSUBSCRIBED = "已取消订阅消费警示。"
NAV_WARNINGS = "消费警示"
WARNING_TITLE = "标题"
WARNING_BODY = "内容"
WARNING_PUBLISH = "发布并推送给订阅者"
WARNING_EMPTY = "标题和内容都要填写。"
WARNING_PUBLISHED = "已发布，已推送给 {count} 位订阅者。"

# Quiz (handlers/quiz.py, bot/quiz, /quiz)
QUIZ_UNKNOWN_MODE = "没有这种答题模式。"
QUIZ_DAILY_DONE = "今天的每日答题您已经完成了，明天再来吧！可以试试“挑战模式”。"
QUIZ_NO_CAMPAIGN = "现在没有进行中的答题竞赛。"
QUIZ_CAMPAIGN_USED = "本次竞赛每人可以答{attempts}次，您已经答过了。"
QUIZ_NO_ATTEMPT = "没有找到这次答题，请重新开始。"
QUIZ_FINISHED = "这次答题已经结束了。"
QUIZ_TOO_FAST = "答题太频繁了，请稍后再试。"
QUIZ_NO_QUESTION = "没有找到这道题。"
QUIZ_ANONYMOUS = "匿名答题者"
QUIZ_REPORT_ATTACHED = "【答题纠错】题目{id}：{stem}\n选项：{options}\n当前答案：{key}\n市民意见：{note}"
QUIZ_INTRO = "欢迎参加消费维权法律知识答题！每日答题共{count}题，每题限时{seconds}秒。回复选项字母作答（多选题回复多个字母，如“AC”），回复“退出答题”结束。"
QUIZ_QUESTION = "第{number}/{total}题（{kind}，限时{seconds}秒）\n{stem}"
QUIZ_KINDS = {"single": "单选", "multiple": "多选", "truefalse": "判断"}
QUIZ_RIGHT = "✔ 回答正确！"
QUIZ_WRONG = "✘ 回答错误，正确答案是：{answer}。"
QUIZ_LATE = "⏱ 超过了答题时间，这题不计分（正确答案：{answer}）。"
QUIZ_BASIS = "（依据：《{law}》第{article}条）"
QUIZ_RESULT = "答题结束！得分：{score}/{total}，用时{seconds}秒，今日排名第{rank}。"
QUIZ_RESULT_PASS = "恭喜通过本次竞赛！"
QUIZ_RESULT_FAIL = "本次未达到及格线（{mark}分）。"
QUIZ_SHARE = "我在“消费维权法律知识答题”中答对了{score}/{total}题，排名第{rank}，快来挑战吧！"
QUIZ_ANSWER_HINT = "请回复选项字母作答，例如“A”；多选题回复“AC”。回复“退出答题”结束。"
QUIZ_QUIT = "已退出答题。随时回复“答题”再来。"
QUIZ_REPORT_DONE = "谢谢指正！这道题已经转给工作人员核实。"

# WeChat (bot/channels/wechat_mp.py)
QUIZ_NO_SESSION = "答题记录已失效，请刷新页面重新开始答题。"
WECHAT_OPTION = "回复 {number}：{label}"
WECHAT_CUT = "\n……（内容较长，以上为前一部分）"
WECHAT_CONTINUED = "（接上条）\n"

# Staff reports and exports (bot/staff/reports.py, charts.py, xlsx_export.py)
REPORT_DEMAND_MISSING = "未填"
REPORT_TRIAGE_LABEL = "待确定承办单位"
REPORT_YES = "是"
REPORT_NO = "否"
REPORT_GROUP_CELL = "是（第{group}组）"
REPORT_COLUMNS = (
    "编号", "类型", "状态", "承办单位代码", "商家", "诉求", "金额", "登记时间", "受理期限", "期限暂定", "群体投诉",
)
REPORT_CHART_BY_DAY = "每日登记案件数"
REPORT_CHART_BY_STATUS = "案件状态分布"
REPORT_CHART_BY_DEPARTMENT = "各承办单位案件数"
REPORT_CHART_HOTSPOTS = "案件最多的商家（前10名）"
REPORT_AXIS_DATE = "登记日期"
REPORT_AXIS_COUNT = "件数"
REPORT_NO_DATA = "暂无数据"
REPORT_SHEET_SUMMARY = "汇总"
REPORT_SHEET_CASES = "案件明细"
REPORT_SUMMARY_TITLE = "投诉举报统计汇总"
REPORT_SUMMARY_RANGE = "统计期间（按登记时间，本局所在地时间）"
REPORT_SUMMARY_RANGE_VALUE = "{start} 至 {end}"
REPORT_SUMMARY_TOTAL = "案件总数"
REPORT_SUMMARY_DUE = "7日内到期的待处理案件"
REPORT_SUMMARY_OVERDUE = "已超期的待处理案件"
REPORT_SUMMARY_GROUPS = "群体投诉组数"
REPORT_SECTION_KIND = "按类型"
REPORT_SECTION_STATUS = "按状态"
REPORT_SECTION_DEPARTMENT = "按承办单位"
REPORT_SECTION_DEMAND = "按诉求"
REPORT_SECTION_HOTSPOTS = "热点商家"

# Telegram (bot/channels/telegram_bot.py)
TELEGRAM_STAFF_NEW = "新的人工会话 #H{id}（{reason}）。回复这条消息即可答复市民；回复 /close 结束会话。"
TELEGRAM_STAFF_CITIZEN_SAYS = "#H{id} 市民：{text}\n（回复这条消息答复）"
TELEGRAM_CLOSED_IN_CHAT = "在工作群中结束"
TELEGRAM_COMMANDS = {
    "start": "开始 / 菜单", "help": "帮助", "ask": "提问", "complaint": "投诉或举报", "status": "查进度",
    "quiz": "法律答题", "human": "转人工", "cancel": "取消当前操作",
}

# Rate limits: {wait} is a phrase like "30秒" or "5分钟".
RATE_LIMITED = "您发送得太频繁了，请{wait}后再试。急事请拨打12315热线。"
RATE_LIMITED_HANDOFF = "转人工的请求太频繁了，请{wait}后再试；已经提交的请求工作人员会按顺序回复。急事请拨打12315热线。"
RATE_LIMITED_LOOKUP = "查询太频繁了，请{wait}后再试。急事请拨打12315热线。"
RATE_LIMITED_QUIZ = "开始答题太频繁了，请{wait}后再试。"
LOGIN_THROTTLED = "登录尝试过于频繁，请{wait}后再试。"


def wait_phrase(seconds: int) -> str:
    """How long to wait, as a citizen would say it: 秒 under a minute, 分钟 under an hour, else 小时."""
    if seconds < 60:
        return f"{seconds}秒"
    minutes = -(-seconds // 60)
    return f"{minutes}分钟" if minutes < 60 else f"{-(-minutes // 60)}小时"
