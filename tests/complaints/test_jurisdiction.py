"""Routing complaints and reports to Hohhot's county-level bureaus (投诉举报处理暂行办法 Art. 12, 25, 27).

The departments are the [[complaints.departments]] shipped in config.toml, loaded by the real
configuration loader.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.complaints.jurisdiction import (
    CITY_CODE,
    Business,
    Department,
    Jurisdiction,
    Routing,
    normalise,
)
from bot.config import ConfigError, load_config
from knowledge.base import DATA_DIR, load_statutes
from knowledge.claims import ClaimBook, load_claims

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CITE = ClaimBook(load_claims(DATA_DIR / "claims.toml"), load_statutes([], [])).citation
"""Routing rules cited from the claims table, as the app does."""
MEASURES = "《市场监督管理投诉举报处理暂行办法》"

DEPARTMENTS = Jurisdiction(
    [Department(d.code, d.name, d.responsible, d.places, d.keywords)
     for d in load_config(PROJECT_ROOT / "config.toml", {}).complaints.departments], CITE
).departments
AREA_CODES = {
    "xincheng",
    "huimin",
    "yuquan",
    "saihan",
    "tumotezuoqi",
    "tuoketuo",
    "helingeer",
    "qingshuihe",
    "wuchuan",
    "jingkai",
}


@pytest.fixture(scope="module")
def jurisdiction() -> Jurisdiction:
    return Jurisdiction(DEPARTMENTS, CITE)


def code_of(routing: Routing) -> str | None:
    return routing.department.code if routing.department else None


def shop(address: str) -> Business:
    return Business(name="某某店", address=address)


# ---------------------------------------------------------------- offline businesses, by area


@pytest.mark.parametrize(
    ("address", "code"),
    [
        # 新城区
        ("内蒙古自治区呼和浩特市新城区海拉尔东路39号", "xincheng"),
        ("海拉尔东街与兴安北路交叉口东北角", "xincheng"),
        ("成吉思汗大街街道丽苑小区底商12号", "xincheng"),
        ("保合少镇水磨村农家乐", "xincheng"),
        ("毫沁营村村口便利店", "xincheng"),
        ("将军衙署对面的奶茶店", "xincheng"),
        # 回民区
        ("呼和浩特市回民区中山西路1号海亮广场B1层", "huimin"),
        ("海亮广场四楼", "huimin"),
        ("通道北街清真大寺对面", "huimin"),
        ("攸攸板镇西龙王庙村", "huimin"),
        ("民族商场二楼化妆品专柜", "huimin"),
        ("海拉尔西路福来尔德灯具市场", "huimin"),
        # 玉泉区
        ("玉泉区大南街大召寺东侧", "yuquan"),
        ("塞上老街12号", "yuquan"),
        ("小召前街33号", "yuquan"),
        ("昭君路与南二环交叉口", "yuquan"),
        ("小黑河镇八拜村", "yuquan"),
        # 赛罕区
        ("呼和浩特市赛罕区大学东路235号", "saihan"),
        ("万达广场三楼", "saihan"),
        ("东瓦窑批发市场B区", "saihan"),
        ("黄合少镇", "saihan"),
        ("呼和浩特东站候车室商铺", "saihan"),
        ("昭乌达路与乌兰察布东路交叉口", "saihan"),
        # 土默特左旗
        ("土默特左旗察素齐镇", "tumotezuoqi"),
        ("毕克齐镇", "tumotezuoqi"),
        ("哈素海景区门口", "tumotezuoqi"),
        ("台阁牧镇", "tumotezuoqi"),
        # 托克托县
        ("托克托县双河镇云中路", "tuoketuo"),
        ("伍什家镇", "tuoketuo"),
        ("五申镇某村", "tuoketuo"),
        # 和林格尔县
        ("和林格尔县城关镇", "helingeer"),
        ("盛乐镇", "helingeer"),
        ("舍必崖乡", "helingeer"),
        ("和林格尔新区", "helingeer"),
        # 清水河县
        ("清水河县城关镇南街", "qingshuihe"),
        ("老牛湾镇", "qingshuihe"),
        ("宏河镇", "qingshuihe"),
        # 武川县
        ("武川县可可以力更镇", "wuchuan"),
        ("哈乐镇", "wuchuan"),
        ("西乌兰不浪镇", "wuchuan"),
        # 呼和浩特经济技术开发区
        ("呼和浩特经济技术开发区某某大厦", "jingkai"),
        ("金桥开发区某某路", "jingkai"),
    ],
)
def test_realistic_addresses_are_routed_to_their_area(jurisdiction, address, code):
    routing = jurisdiction.route(shop(address))
    assert code_of(routing) == code, routing.basis
    assert routing.basis.startswith(f"被投诉人实际经营地在{routing.department.area}（{MEASURES}第十二条第一款）")


def test_every_area_department_is_reachable(jurisdiction):
    # Each area's own name routes to it: no department is shadowed by another's names.
    for department in DEPARTMENTS:
        if department.code == CITY_CODE:
            continue
        assert code_of(jurisdiction.route(shop(department.area + "某路1号"))) == department.code


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("赛罕大学东路", "saihan"),
        ("塞罕区昭乌达路", "saihan"),
        ("土左旗察素齐镇", "tumotezuoqi"),
        ("土左某村", "tumotezuoqi"),
        ("托县双河镇", "tuoketuo"),
        ("托克托某村", "tuoketuo"),
        ("和林盛乐经济园区", "helingeer"),
        ("和林县城关镇", "helingeer"),
        ("和林格尔某村", "helingeer"),
        ("清水河城关镇", "qingshuihe"),
        ("武川某村", "wuchuan"),
        ("经开区某大厦", "jingkai"),
        ("呼市经济技术开发区", "jingkai"),
    ],
)
def test_short_forms_of_area_names(jurisdiction, address, code):
    routing = jurisdiction.route(shop(address))
    assert code_of(routing) == code, routing.basis


def test_a_short_form_followed_by_a_road_word_is_a_road(jurisdiction):
    # 赛罕路 is a road in 回民区: it must not send the case to 赛罕区.
    assert code_of(jurisdiction.route(shop("赛罕路88号"))) is None
    assert code_of(jurisdiction.route(shop("回民区赛罕路88号"))) == "huimin"


def test_the_zone_wins_over_the_district_it_lies_in(jurisdiction):
    routing = jurisdiction.route(shop("赛罕区金桥开发区世纪大道"))
    assert code_of(routing) == "jingkai"
    assert "优先于“赛罕区”" in routing.basis


def test_a_written_district_wins_over_a_street_of_another_district_and_says_so(jurisdiction):
    # 中山西路 lies in 回民区; the citizen wrote 新城区: follow the district, flag it for staff.
    routing = jurisdiction.route(shop("新城区中山西路"))
    assert code_of(routing) == "xincheng"
    assert "“中山西路”一般属回民区" in routing.basis


def test_the_longest_place_name_wins(jurisdiction):
    # 锡林北路街道 (新城区) is longer than any name inside it.
    assert code_of(jurisdiction.route(shop("锡林北路街道办事处旁"))) == "xincheng"


def test_two_district_names_are_ambiguous(jurisdiction):
    routing = jurisdiction.route(shop("新城区还是回民区记不清了"))
    assert routing.department is None
    assert "同时指向不同地区" in routing.basis


def test_equally_long_places_of_two_districts_are_ambiguous(jurisdiction):
    routing = jurisdiction.route(shop("大学东路海亮广场"))
    assert routing.department is None
    assert "“大学东路”（赛罕区）" in routing.basis and "“海亮广场”（回民区）" in routing.basis


# ---------------------------------------------------------------- normalisation and script


def test_full_width_characters_and_spaces_are_normalised(jurisdiction):
    assert code_of(jurisdiction.route(shop("赛罕区　大学东路１２号"))) == "saihan"
    assert code_of(jurisdiction.route(shop(" 托 县 双河镇 "))) == "tuoketuo"
    assert normalise("ＡＢＣ　１２") == "abc12"


def test_compatibility_ideographs_are_normalised_by_nfkc(jurisdiction):
    # U+F90A (CJK compatibility ideograph) and U+2FA6 (Kangxi radical) are both 金 after NFKC.
    assert code_of(jurisdiction.route(shop("\uf90a河镇"))) == "saihan"
    assert code_of(jurisdiction.route(shop("\u2fa6河镇"))) == "saihan"


def test_traditional_text_converted_by_the_caller_is_routed(jurisdiction):
    # The caller converts 內蒙古呼和浩特市賽罕區大學東路 with OpenCC before routing; this is its output.
    assert code_of(jurisdiction.route(shop("内蒙古呼和浩特市赛罕区大学东路"))) == "saihan"


def test_traditional_text_is_not_converted_here(jurisdiction):
    # Only NFKC is applied: unconverted Traditional script is not guessed at, it goes to triage.
    routing = jurisdiction.route(shop("呼和浩特市賽罕區大學東路"))
    assert routing.department is None
    assert "只写到呼和浩特市" in routing.basis


# ---------------------------------------------------------------- outside Hohhot, empty, unknown


@pytest.mark.parametrize(
    ("address", "named"),
    [
        ("包头市昆都仑区钢铁大街88号", "包头市"),
        ("包头万达广场", "包头"),
        ("赤峰市红山区", "赤峰市"),
        ("北京市朝阳区三里屯", "北京市"),
        ("西安市新城区", "西安市"),
        ("鄂尔多斯市东胜区", "鄂尔多斯市"),
        ("浙江省杭州市余杭区", "浙江省"),
        ("土默特右旗萨拉齐镇", "土默特右旗"),
    ],
)
def test_addresses_outside_hohhot_go_to_triage(jurisdiction, address, named):
    routing = jurisdiction.route(shop(address))
    assert routing.department is None
    assert f"在呼和浩特市以外（“{named}”）" in routing.basis
    assert "第十二条第一款" in routing.basis


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("玉泉区鄂尔多斯大街", "yuquan"),  # Hohhot roads are named after other leagues and cities
        ("鄂尔多斯路街道", "yuquan"),
        ("赛罕区北京华联超市", "saihan"),  # a Hohhot name first: the rest is a shop's name
        ("回民区兰州拉面馆", "huimin"),
        ("呼和浩特市赛罕区包头商会大厦", "saihan"),
    ],
)
def test_other_cities_inside_hohhot_names_are_not_taken_for_the_city(jurisdiction, address, code):
    assert code_of(jurisdiction.route(shop(address))) == code


def test_a_road_named_after_another_league_is_not_outside(jurisdiction):
    routing = jurisdiction.route(shop("巴彦淖尔南路"))
    assert routing.department is None
    assert "以外" not in routing.basis


@pytest.mark.parametrize("address", ["", "   ", "\u3000"])
def test_an_empty_address_goes_to_triage(jurisdiction, address):
    routing = jurisdiction.route(shop(address))
    assert routing == Routing(None, f"被投诉人地址未提供，无法确定管辖（{MEASURES}第十二条第一款），转人工分拨")


def test_an_address_naming_only_the_city_goes_to_triage(jurisdiction):
    routing = jurisdiction.route(shop("内蒙古呼和浩特市"))
    assert routing.department is None
    assert "只写到呼和浩特市" in routing.basis


def test_an_address_without_any_known_place_goes_to_triage(jurisdiction):
    routing = jurisdiction.route(shop("小区门口第三家"))
    assert routing.department is None
    assert "无法识别" in routing.basis


def test_the_business_name_is_not_read_as_a_place(jurisdiction):
    assert jurisdiction.route(Business(name="包头稍美（赛罕店）", address="")).department is None


# ---------------------------------------------------------------- online: platforms and their sellers


def test_seller_inside_a_platform_goes_by_its_operating_place(jurisdiction):
    seller = Business(
        name="青城特产店",
        address="赛罕区大学东路",
        online=True,
        platform="淘宝",
        platform_domicile="浙江省杭州市余杭区",
    )
    routing = jurisdiction.route(seller)
    assert code_of(routing) == "saihan"
    assert routing.basis.startswith(f"被投诉人为平台内经营者（淘宝），实际经营地在赛罕区（{MEASURES}第十二条第二款）")


def test_seller_inside_a_platform_without_address_goes_by_the_platform_domicile(jurisdiction):
    seller = Business(
        name="某某小店", online=True, platform="某本地团购", platform_domicile="呼和浩特市新城区海拉尔东路"
    )
    routing = jurisdiction.route(seller)
    assert code_of(routing) == "xincheng"
    assert f"实际经营地不明，按平台经营者住所地由新城区处理（{MEASURES}第十二条第二款）" in routing.basis


def test_seller_inside_a_platform_domiciled_elsewhere_goes_to_triage(jurisdiction):
    seller = Business(name="某某旗舰店", online=True, platform="拼多多", platform_domicile="上海市长宁区")
    routing = jurisdiction.route(seller)
    assert routing.department is None
    assert "平台经营者住所地在呼和浩特市以外（“上海市”）" in routing.basis


def test_seller_inside_a_platform_with_nothing_known_goes_to_triage(jurisdiction):
    routing = jurisdiction.route(Business(name="某某小店", online=True, platform="抖音"))
    assert routing.department is None
    assert "实际经营地和平台经营者住所地均不明" in routing.basis


def test_seller_inside_a_platform_known_to_be_elsewhere_is_not_sent_to_the_platform(jurisdiction):
    # The operating place is known (outside Hohhot): the platform's domicile is only for an unknown place.
    seller = Business(
        name="某某小店", address="包头市青山区", online=True, platform="某本地团购", platform_domicile="赛罕区"
    )
    routing = jurisdiction.route(seller)
    assert routing.department is None
    assert "以外" in routing.basis


def test_an_unrecognised_seller_address_falls_back_to_the_platform_domicile(jurisdiction):
    seller = Business(
        name="某某小店", address="店铺首页没写", online=True, platform="美团", platform_domicile="玉泉区昭君路"
    )
    assert code_of(jurisdiction.route(seller)) == "yuquan"


def test_the_platform_is_recognised_in_an_online_shop_name(jurisdiction):
    routing = jurisdiction.route(Business(name="小李的淘宝店", address="回民区中山西路", online=True))
    assert code_of(routing) == "huimin"
    assert "平台内经营者（淘宝）" in routing.basis


def test_meituan_merchant_bought_through_the_platform(jurisdiction):
    merchant = Business(name="老王烧麦馆", address="玉泉区大南街", platform="美团")
    routing = jurisdiction.route(merchant)
    assert code_of(routing) == "yuquan"
    assert "平台内经营者（美团）" in routing.basis


@pytest.mark.parametrize("name", ["美团", "美团外卖", "美团平台"])
def test_the_platform_operator_itself_goes_by_its_domicile(jurisdiction, name):
    operator = Business(name=name, address="赛罕区某大厦", online=True, platform="美团")
    routing = jurisdiction.route(operator)
    assert code_of(routing) == "saihan"
    expected = f"被投诉人为电子商务平台经营者（美团），按住所地由赛罕区处理（{MEASURES}第十二条第二款）"
    assert routing.basis.startswith(expected)


def test_a_platform_operator_domiciled_elsewhere_goes_to_triage(jurisdiction):
    operator = Business(name="京东自营", online=True, platform="京东", platform_domicile="北京市大兴区")
    routing = jurisdiction.route(operator)
    assert routing.department is None
    assert "电子商务平台经营者（京东），住所地在呼和浩特市以外（“北京市”）" in routing.basis


def test_a_platform_named_without_platform_field_is_the_operator(jurisdiction):
    routing = jurisdiction.route(Business(name="拼多多", online=True, platform_domicile="上海市长宁区"))
    assert routing.department is None
    assert "电子商务平台经营者（拼多多）" in routing.basis


def test_own_website_seller_goes_by_its_domicile(jurisdiction):
    seller = Business(name="青城优选商城", address="新城区成吉思汗大街街道某大厦", online=True)
    routing = jurisdiction.route(seller)
    assert code_of(routing) == "xincheng"
    assert routing.basis.startswith("被投诉人为通过自建网站或其他网络服务经营的电子商务经营者，按住所地由新城区处理")
    assert "第十二条第二款" in routing.basis


def test_own_website_seller_without_address_goes_to_triage(jurisdiction):
    routing = jurisdiction.route(Business(name="某某微信小程序商城", online=True, platform_domicile="赛罕区"))
    assert routing.department is None
    assert "住所地未提供" in routing.basis


# ---------------------------------------------------------------- the city bureau


def test_the_city_bureau_is_never_chosen_by_address(jurisdiction):
    assert jurisdiction.by_code(CITY_CODE).places == ()
    assert jurisdiction.route(shop("呼和浩特市市场监督管理局旁边")).department is None
    operator = Business(name="青城优选", address="赛罕区某大厦", online=True, platform="青城优选")
    assert code_of(jurisdiction.route(operator)) == "saihan"


def test_the_city_bureau_takes_configured_platform_operators():
    departments = [d for d in DEPARTMENTS if d.code != CITY_CODE]
    departments.append(Department(CITY_CODE, "呼和浩特市市场监督管理局", "消费者权益保护科", (), ("青城优选",)))
    jurisdiction = Jurisdiction(departments, CITE)
    operator = Business(name="青城优选", address="赛罕区某大厦", online=True, platform="青城优选")
    routing = jurisdiction.route(operator)
    assert code_of(routing) == CITY_CODE
    assert "第十二条第三款" in routing.basis
    # Not a seller inside that platform, and not an operator domiciled outside the city.
    seller = Business(name="某某小店", address="玉泉区大南街", platform="青城优选")
    assert code_of(jurisdiction.route(seller)) == "yuquan"
    elsewhere = Business(name="青城优选", address="包头市昆区", online=True, platform="青城优选")
    assert jurisdiction.route(elsewhere).department is None


# ---------------------------------------------------------------- reports


def test_a_report_goes_where_the_conduct_happened(jurisdiction):
    routing = jurisdiction.route(shop("塞上老街12号"), report=True)
    assert code_of(routing) == "yuquan"
    assert routing.basis.startswith(f"被举报行为发生地在玉泉区（{MEASURES}第二十五条）")


def test_a_report_about_a_platform_seller_goes_where_the_conduct_happened(jurisdiction):
    """Art. 27 names platform operators and self-built sites; a seller inside a platform is reported by Art. 25."""
    seller = Business(name="某某小店", address="武川县可可以力更镇", online=True, platform="快手")
    routing = jurisdiction.route(seller, report=True)
    assert code_of(routing) == "wuchuan"
    assert routing.basis.startswith(f"被举报人为平台内经营者（快手），实际经营地在武川县（{MEASURES}第二十五条）")


def test_a_report_outside_hohhot_goes_to_triage(jurisdiction):
    routing = jurisdiction.route(shop("赤峰市红山区"), report=True)
    assert routing.department is None
    assert "第二十五条" in routing.basis


# ---------------------------------------------------------------- configuration


def test_by_code(jurisdiction):
    assert jurisdiction.by_code("saihan").name == "赛罕区市场监督管理局"
    assert jurisdiction.by_code("nowhere") is None
    assert {d.code for d in jurisdiction.departments} == AREA_CODES | {CITY_CODE}


def test_a_place_given_to_two_departments_is_refused():
    a = Department("a", "甲区市场监督管理局", "科", ("甲区", "城关镇"))
    b = Department("b", "乙县市场监督管理局", "科", ("乙县", "城关镇"))
    with pytest.raises(ValueError, match="城关镇"):
        Jurisdiction([a, b], CITE)


def test_names_are_compared_after_normalisation():
    a = Department("a", "甲区市场监督管理局", "科", ("甲区", "某 广场"))
    b = Department("b", "乙县市场监督管理局", "科", ("乙县",), ("某广场",))
    with pytest.raises(ValueError, match="某广场"):
        Jurisdiction([a, b], CITE)


def test_a_code_used_twice_is_refused():
    department = Department("a", "甲区市场监督管理局", "科", ("甲区",))
    with pytest.raises(ValueError, match="used twice"):
        Jurisdiction([department, department], CITE)


def test_a_department_without_its_responsible_unit_is_a_config_error(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[[complaints.departments]]\ncode = "a"\nname = "甲区市场监督管理局"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="responsible"):
        load_config(path, {})


def test_one_character_names_are_refused():
    with pytest.raises(ValueError, match="too short"):
        Jurisdiction([Department("a", "甲区市场监督管理局", "科", ("甲区", "甲"))], CITE)


def test_no_departments_means_everything_waits_in_triage():
    assert Jurisdiction([], CITE).route(shop("赛罕区大学东路")).department is None


def test_config_toml_departments_route_each_area():
    jurisdiction = Jurisdiction(DEPARTMENTS, CITE)
    assert {d.code for d in jurisdiction.departments} >= AREA_CODES | {CITY_CODE}
    for code in AREA_CODES:
        department = jurisdiction.by_code(code)
        assert code_of(jurisdiction.route(shop(department.area))) == code
