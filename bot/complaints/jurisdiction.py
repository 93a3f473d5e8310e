"""Which Hohhot bureau handles a complaint (投诉) or a report (举报): territorial jurisdiction, 管辖.

Legal basis, 市场监督管理投诉举报处理暂行办法:

* Art. 12 para. 1: a complaint is handled by the county-level bureau of the place where the business
  actually operates (实际经营地) or is domiciled (住所地).
* Art. 12 para. 2: complaints about an e-commerce platform operator (电子商务平台经营者), or about a
  business selling through its own website or another network service (自建网站、其他网络服务), go to
  the bureau of its domicile. Complaints about a seller inside a platform (平台内经营者: a 淘宝 shop, a
  美团 merchant …) go to the seller's actual operating place, or the platform operator's domicile.
* Art. 12 para. 3: a higher-level bureau may handle a complaint itself. The city bureau uses this
  only for the platform operators named in its `keywords` (empty: never).
* Art. 25: a report is handled by the bureau (county level or above) where the reported conduct took
  place. Art. 27: reports about platform operators and own-website sellers go by their domicile,
  reports about sellers inside a platform by the seller's actual operating place (the bureau of the
  platform's domicile may handle one it receives first).

A place that cannot be determined sends the case to the triage queue (`Routing.department is None`)
with a basis telling staff why.

How an address is matched
-------------------------
The address is normalised (NFKC: full-width letters, digits and spaces, and CJK compatibility
ideographs become their ordinary forms; white space removed; Latin letters case-folded). Converting
Traditional to Simplified script is the caller's job (OpenCC), not this module's.

Every configured place and keyword found in the address is a candidate. A candidate lying inside a
longer candidate does not count on its own ("赛罕" inside "赛罕区"). Of the rest:

1. a development zone's names win (a department whose name contains 开发区): the zone lies inside
   an administrative district, so "赛罕区金桥开发区…" belongs to the zone's bureau;
2. else an area's own name (新城区, 土默特左旗, or a built-in short form such as 土左旗) wins over
   streets, towns and landmarks: an address usually names its district on purpose, while roads and
   malls are noisier evidence (roads run across district lines, people misplace malls). When a
   street or landmark of another area is present too, the basis says so for staff to check;
   two different area names is ambiguous: triage;
3. else the longest street / town / landmark name wins; equally long names of different areas is
   ambiguous: triage.

Short forms (赛罕, 土左旗, 托县, 和林, 清水河, 武川, 经开区 …) are built in (`AREA_ABBREVIATIONS`) and
added for a department whose own area name is among its places. A short form followed by a road
word is a road, not the area: 赛罕路 is a road in 回民区.

An address that names a place outside Hohhot (包头, 赤峰市, 北京市朝阳区, 浙江省 …) before any Hohhot
name goes to triage as outside the city. A Hohhot name first wins ("赛罕区北京华联" is in Hohhot);
names that are also Hohhot road names (鄂尔多斯大街, 巴彦淖尔南路, 乌兰察布东路) are not taken for
the other city.

Only the address is read, never the business name: a shop name such as "包头稍美" says nothing about
where the shop is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

CITY_CODE = "city"
"""The city bureau's department code: never chosen by address, only for configured platforms."""

_BUREAU_SUFFIX = "市场监督管理局"
_ZONE_WORD = "开发区"

AREA_ABBREVIATIONS: Mapping[str, tuple[str, ...]] = {
    "赛罕区": ("赛罕", "塞罕区"),  # bare 塞罕 is left out: 塞罕坝 is in 河北
    "土默特左旗": ("土左旗", "土左"),
    "托克托县": ("托克托", "托县"),
    "和林格尔县": ("和林格尔", "和林县", "和林"),
    "清水河县": ("清水河",),
    "武川县": ("武川",),
    # Bare 经济技术开发区 is left out: 土默特左旗 has its own 金山经济技术开发区.
    "呼和浩特经济技术开发区": ("呼市经济技术开发区", "经开区"),
}
"""Short forms people write for an area, keyed by the area's own name (the department name less 市场监督管理局)."""

_HOHHOT_MARKERS = ("呼和浩特", "呼市")

# A road word right after a name makes it a road: 赛罕路, 鄂尔多斯大街, 巴彦淖尔南路, 大庆路.
_ROAD_AFTER = re.compile(r"[东西南北中]?(?:大街|大道|路|街|巷|道)")

# Places outside Hohhot that count wherever they appear (unless a road word follows): 包头市 and the
# other leagues and cities of Inner Mongolia.
_OUTSIDE_ALWAYS = tuple(
    """
    包头 昆都仑 九原区 青山区 东河区 石拐区 白云鄂博 土默特右旗 土右旗 固阳县
    达尔罕茂明安 达茂旗
    赤峰(?!对夹) 红山区 松山区 元宝山 通辽 科尔沁区 霍林郭勒 乌海 东胜区 康巴什
    达拉特旗 准格尔旗 杭锦旗 乌审旗 伊金霍洛 临河区 五原县 磴口 集宁区
    凉城县 卓资县 四子王旗 海拉尔区 满洲里 扎赉诺尔 牙克石 扎兰屯 二连浩特
    锡林浩特 锡林郭勒盟 乌兰浩特 兴安盟 阿拉善
    """.split()
)
# Names that are also shop, food or Hohhot road words (北京华联, 兰州拉面, 集宁熏鸡, 丰镇月饼, 鄂尔多斯大街):
# they count only when an administrative word follows (北京市, 西安新城区, 浙江省, 鄂尔多斯市).
_OUTSIDE_WITH_SUFFIX = tuple(
    """
    北京 天津 上海 重庆 石家庄 张家口 太原 大同 沈阳 大连 长春 哈尔滨 大庆
    南京 苏州 杭州 宁波 温州 义乌 合肥 福州 厦门 南昌 济南 青岛 郑州
    武汉 长沙 广州 深圳 东莞 佛山 南宁 成都 贵阳 昆明 拉萨 西安 兰州
    西宁 银川 乌鲁木齐 集宁 丰镇 鄂尔多斯 乌兰察布 巴彦淖尔 呼伦贝尔 锡林郭勒
    (?<!黑)河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 (?<!黑)河南
    湖北 湖南 广东 海南 四川 贵州 云南 陕西 甘肃 青海 台湾 广西 西藏
    宁夏 新疆 香港 澳门
    """.split()
)
_ADMIN_AFTER = r"(?:省|市(?!场)|盟|[\u4e00-\u9fff]{0,3}自治区|[\u4e00-\u9fff]{1,3}?(?:[区县旗州]|(?<!超)市(?!场)))"
_ROAD = r"(?![东西南北中]?(?:大街|大道|路|街|巷|道))"
_OUTSIDE = re.compile(  # each group of names shares its tail: one alternation per group compiles in ~1 ms, not 145
    f"(?:{'|'.join(_OUTSIDE_ALWAYS)})(?:市(?!场))?{_ROAD}"
    f"|(?:{'|'.join(_OUTSIDE_WITH_SUFFIX)}){_ROAD}(?={_ADMIN_AFTER})(?:省|市(?!场))?"
)

KNOWN_PLATFORMS = tuple(
    """
    淘宝 天猫 京东 拼多多 抖音 快手 美团 饿了么 大众点评 小红书 闲鱼 唯品会
    苏宁易购 得物 微店 携程 飞猪 去哪儿 1688 当当 有赞 视频号
    """.split()
)
"""Platforms recognised in the name of an online business given without `platform` ("小李的淘宝店")."""

# What may follow a platform's name when the name still means the platform itself (京东自营, 拼多多平台).
_PLATFORM_WORDS = tuple("有限公司 公司 集团 平台 商城 官方 官网 自营 客服 外卖 超市 app 网".split())

_PLACE, _AREA, _ZONE = 0, 1, 2  # how strong a matched name is, see the module docstring


def normalise(text: str) -> str:
    """NFKC, no white space, Latin case-folded: the form addresses and configured names are compared in."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).casefold()


@dataclass(frozen=True)
class Department:
    """A bureau that handles cases, as configured in [[complaints.departments]]."""

    code: str
    name: str
    responsible: str
    places: tuple[str, ...]
    keywords: tuple[str, ...] = ()

    @property
    def area(self) -> str:
        """The area the bureau covers: its name less 市场监督管理局 (赛罕区, 呼和浩特经济技术开发区)."""
        return self.name.removesuffix(_BUREAU_SUFFIX)


@dataclass(frozen=True)
class Business:
    """The business complained about or reported, as the citizen described it."""

    name: str
    address: str = ""
    online: bool = False
    platform: str = ""
    platform_domicile: str = ""


@dataclass(frozen=True)
class Routing:
    """Where a case goes (None: the triage queue) and why, in Chinese for staff."""

    department: Department | None
    basis: str
    outside: bool = False
    """The business (or the reported conduct) is outside the city: no bureau here may handle it."""


@dataclass(frozen=True)
class _Term:
    text: str
    department: Department
    strength: int
    road_sensitive: bool  # a short form: ignored when a road word follows


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    term: _Term


@dataclass(frozen=True)
class _Place:
    """What an address says: a department, or why there is none (`problem`), plus notes for staff."""

    department: Department | None = None
    evidence: str = ""
    note: str = ""
    problem: str = ""
    outside: bool = False
    ambiguous: bool = False


class Jurisdiction:
    """Routes complaints and reports to the bureau of the business's place (Art. 12, 25, 27)."""

    def __init__(self, departments: Sequence[Department], cite: Callable[[str], str]) -> None:
        """Index every department's names; a code used twice or a name given to two departments raises ValueError.

        `cite` gives the citation of a routing rule by its claim key (knowledge/data/claims.toml).
        """
        self._cite = cite
        self._by_code: dict[str, Department] = {}
        for department in departments:
            if department.code in self._by_code:
                raise ValueError(f"department code {department.code!r} is used twice")
            self._by_code[department.code] = department
        self._city = self._by_code.get(CITY_CODE)
        self._city_platforms = tuple(k for k in map(normalise, self._city.keywords if self._city else ()) if k)
        owner: dict[str, _Term] = {}
        for department in departments:
            if department.code == CITY_CODE:
                continue  # the city bureau is never chosen by address
            for term in self._terms_of(department):
                if len(term.text) < 2:
                    raise ValueError(f"place {term.text!r} of {department.code!r} is too short to match safely")
                known = owner.get(term.text)
                if known is not None and known.department.code != department.code:
                    raise ValueError(
                        f"place {term.text!r} is given to both {known.department.code!r} and {department.code!r}"
                    )
                owner.setdefault(term.text, term)
        self._terms = sorted(owner.values(), key=lambda t: -len(t.text))

    @staticmethod
    def _terms_of(department: Department) -> list[_Term]:
        area = normalise(department.area)
        zone = _ZONE_WORD in area
        places = [normalise(p) for p in department.places]
        short = [normalise(a) for a in AREA_ABBREVIATIONS.get(department.area, ())] if area in places else []
        terms = []
        for text in dict.fromkeys([*places, *map(normalise, department.keywords), *short]):
            if text:
                own = text == area or text in short
                terms.append(_Term(text, department, _ZONE if zone else _AREA if own else _PLACE, text in short))
        return terms

    def by_code(self, code: str) -> Department | None:
        """The department with this code, or None."""
        return self._by_code.get(code)

    @property
    def departments(self) -> tuple[Department, ...]:
        """All configured departments, in configuration order."""
        return tuple(self._by_code.values())

    # ------------------------------------------------------------------ routing

    def route(self, business: Business, *, report: bool = False) -> Routing:
        """The bureau for a complaint (Art. 12) or, with report=True, a report (Art. 25, 27) about `business`."""
        who = "被举报人" if report else "被投诉人"
        platform = business.platform.strip()
        if not platform and business.online:
            platform = next((p for p in KNOWN_PLATFORMS if p in normalise(business.name)), "")
        if platform and not _is_platform_itself(business.name, platform):
            return self._route_platform_seller(business, platform, who, report)
        if platform or business.online:
            return self._route_by_domicile(business, platform, who, report)
        # Art. 12 para. 1 (complaints) / Art. 25 (reports): where the business operates / the conduct happened.
        article = self._cite("route_report_place" if report else "route_operating_place")
        where = "被举报行为发生地" if report else f"{who}实际经营地"
        place = self._locate(business.address)
        if place.department is None:
            return Routing(None, _triage(f"{who}地址", place, article), outside=place.outside)
        return Routing(place.department, f"{where}在{place.department.area}（{article}）{_evidence(place)}")

    def _route_by_domicile(self, business: Business, platform: str, who: str, report: bool) -> Routing:
        """A platform operator, or a seller on its own website or other network service: domicile (Art. 12(2), 27)."""
        article = self._cite("route_report_online" if report else "route_online")
        if platform:
            kind = f"电子商务平台经营者（{platform}）"
            address = business.address or business.platform_domicile
        else:
            kind = "通过自建网站或其他网络服务经营的电子商务经营者"
            address = business.address
        place = self._locate(address)
        if self._city is not None and self._city_platforms and not place.outside:
            names = normalise(business.name) + "|" + normalise(platform)
            if any(k in names for k in self._city_platforms):
                # Art. 12 para. 3: the higher-level (city) bureau handles cases it chose to take itself.
                city_article = self._cite("route_report_online" if report else "route_city")
                return Routing(self._city, f"{who}为{kind}，住所地在本市，按配置由市局直接处理（{city_article}）")
        if place.department is None:
            return Routing(None, _triage(f"{who}为{kind}，住所地", place, article), outside=place.outside)
        return Routing(
            place.department,
            f"{who}为{kind}，按住所地由{place.department.area}处理（{article}）{_evidence(place)}",
        )

    def _route_platform_seller(self, business: Business, platform: str, who: str, report: bool) -> Routing:
        """A seller inside a platform: where it operates, else the platform operator's domicile (Art. 12(2)); a
        report about one goes where the conduct happened, its operating place (Art. 25: Art. 27 is for platforms)."""
        article = self._cite("route_report_place" if report else "route_online")
        kind = f"{who}为平台内经营者（{platform}）"
        place = self._locate(business.address)
        if place.department is not None:
            area = place.department.area
            return Routing(place.department, f"{kind}，实际经营地在{area}（{article}）{_evidence(place)}")
        if place.outside or place.ambiguous:
            # Known, but not a single place in Hohhot: staff decide (forward, or ask the citizen).
            return Routing(None, _triage(f"{kind}，实际经营地", place, article), outside=place.outside)
        domicile = self._locate(business.platform_domicile)
        if domicile.department is not None:
            return Routing(
                domicile.department,
                f"{kind}，实际经营地不明，按平台经营者住所地由{domicile.department.area}处理（{article}）"
                f"{_evidence(domicile)}",
            )
        if domicile.outside:
            return Routing(None, _triage(f"{kind}，实际经营地不明；平台经营者住所地", domicile, article), outside=True)
        return Routing(None, f"{kind}，实际经营地和平台经营者住所地均不明，无法确定管辖（{article}），转人工分拨")

    # ------------------------------------------------------------------ matching

    def _locate(self, address: str) -> _Place:
        """The department whose area an address names, or why none can be chosen."""
        text = normalise(address)
        if not text:
            return _Place(problem="未提供")
        hits = self._hits(text)
        hohhot_at = min(
            [h.start for h in hits] + [i for i in (text.find(m) for m in _HOHHOT_MARKERS) if i >= 0],
            default=len(text) + 1,
        )
        outside = [m for m in _OUTSIDE.finditer(text) if m.start() < hohhot_at]
        if outside:
            return _Place(problem=f"在呼和浩特市以外（“{outside[0].group()}”）", outside=True)
        if not hits:
            if hohhot_at <= len(text):
                return _Place(problem="只写到呼和浩特市，没有区县、街道或乡镇")
            return _Place(problem="无法识别（地址中没有呼和浩特市的区县、街道、乡镇或商圈名称）")
        strongest = max(h.term.strength for h in hits)
        top = [h for h in hits if h.term.strength == strongest]
        if strongest == _PLACE:
            longest = max(h.end - h.start for h in top)
            top = [h for h in top if h.end - h.start == longest]
        chosen = top[0].term.department
        rivals = [h for h in top if h.term.department.code != chosen.code]
        if rivals:
            names = "、".join(f"“{h.term.text}”（{h.term.department.area}）" for h in [top[0], *rivals])
            return _Place(problem=f"同时指向不同地区：{names}", ambiguous=True)
        others = [h for h in hits if h.term.department.code != chosen.code]
        note = ""
        if others:
            other = others[0]
            if strongest == _ZONE and other.term.strength == _AREA:
                note = f"；“{top[0].term.text}”属{chosen.area}管辖，优先于“{other.term.text}”"
            else:
                note = f"；地址中的“{other.term.text}”一般属{other.term.department.area}，请核实"
        return _Place(department=chosen, evidence=top[0].term.text, note=note)

    def _hits(self, text: str) -> list[_Hit]:
        """Configured names found in `text`, a name inside a longer found name left out, in address order."""
        found = []
        for term in self._terms:
            start = text.find(term.text)
            while start >= 0:
                end = start + len(term.text)
                if not (term.road_sensitive and _ROAD_AFTER.match(text, end)):
                    found.append(_Hit(start, end, term))
                start = text.find(term.text, start + 1)
        found.sort(key=lambda h: (h.start - h.end, h.start))  # longest first
        kept: list[_Hit] = []
        for hit in found:
            if all(hit.end <= k.start or hit.start >= k.end for k in kept):
                kept.append(hit)
        return sorted(kept, key=lambda h: h.start)


def _is_platform_itself(name: str, platform: str) -> bool:
    """Whether the business named is the platform operator itself (美团, 京东自营, 拼多多平台), not a shop on it."""
    name, platform = normalise(name), normalise(platform)
    if not name or not platform:
        return False
    if name in platform:
        return True
    if platform not in name:
        return False
    rest = name.replace(platform, "", 1)
    for word in _PLATFORM_WORDS:
        rest = rest.replace(word, "")
    return rest == ""


def _evidence(place: _Place) -> str:
    return f"；地址含“{place.evidence}”{place.note}"


def _triage(subject: str, place: _Place, article: str) -> str:
    if place.outside:
        return f"{subject}{place.problem}，不属本市管辖（{article}），转人工分拨，告知或移送当地市场监管部门"
    return f"{subject}{place.problem}，无法确定管辖（{article}），转人工分拨"
