"""chuzhou-2020: a district's report holds the district's own tasks; the city's are 上级部门事项.

The text is a city document (滁州市卫生健康委) addressed to two districts, two development zones and city
bodies. Each test reads one class of its sentences as a district official would and checks where the
finding lands in 琅琊区's (or 南谯区's) report: which unit leads, and whether it counts in the district's
达标率 (category binding / strive / encouraged) or is listed for reference (category above).
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from checker.pipeline import CheckRequest, check_sheet
from conftest import EXAMPLES

CITY_BODY = "滁州市"


def _findings(path: Path) -> list[dict]:
    return check_sheet(path, CheckRequest(specs=("chuzhou-2020@2.1.0",))).data["findings"]


@pytest.fixture(scope="module")
def langya() -> list[dict]:
    return _findings(EXAMPLES / "chuzhou-langya.yaml")


@pytest.fixture(scope="module")
def nanqiao(tmp_path_factory) -> list[dict]:
    sheet = yaml.safe_load((EXAMPLES / "chuzhou-langya.yaml").read_text(encoding="utf-8"))
    sheet["county"].update(name="南谯区", code="341103")
    path = tmp_path_factory.mktemp("nanqiao") / "南谯区.yaml"
    path.write_text(yaml.safe_dump(sheet, allow_unicode=True), encoding="utf-8")
    return _findings(path)


def _by(findings: list[dict], rule: str, subject: str | None = None) -> list[dict]:
    return [f for f in findings if f["rule"] == rule and (subject is None or f["subject"] == subject)]


def _one(findings: list[dict], rule: str, subject: str | None = None) -> dict:
    found = _by(findings, rule, subject)
    assert len(found) == 1, (rule, subject, found)
    return found[0]


@pytest.mark.parametrize("rule", ["CZ-001", "CZ-010", "CZ-011"])
def test_urban_area_totals_are_the_citys(langya, rule):
    # "使市区内基层诊疗量占比达到65%以上", "滁州城区拟规划建成17个…其中50%…建成社区医院": totals of the whole urban area.
    finding = _one(langya, rule)
    assert finding["category"] == "above" and finding["lead"].startswith(CITY_BODY)


@pytest.mark.parametrize("rule", ["CZ-049", "CZ-003", "CZ-150", "CZ-151", "CZ-152", "CZ-160", "CZ-190", "CZ-191",
                                  "CZ-192", "CZ-193", "CZ-194", "CZ-195", "CZ-196", "CZ-197", "CZ-198", "CZ-199",
                                  "CZ-200", "CZ-201", "CZ-202", "CZ-203"])
def test_city_departments_own_duties_are_above(langya, rule):
    # "业务指导由市卫健委负责", 三(二)9–10 (责任单位:市医保局、市卫生健康委), 四(二) "市财政局按规定…市医保局…", 四(三).
    for finding in _by(langya, rule):
        assert finding["category"] == "above", finding
        assert finding["lead"].startswith(CITY_BODY), finding
        assert not any(u.startswith("琅琊区") for u in [finding["lead"], *finding["guide"]])


@pytest.mark.parametrize("rule", [f"CZ-04{i}" for i in range(9)])
def test_pilot_alliances_are_the_citys_pilots(langya, rule):
    # 三(一) "2020年建设3个紧密型城市医联体": the city's pilots; 同乐 (南谯区) not joining is no gap of 琅琊区.
    for finding in _by(langya, rule):
        assert finding["category"] == "above", finding


def test_alliance_tasks_led_by_each_lead_hospital_in_full(langya):
    # 三(二)1–8 (责任单位:市卫生健康委、各牵头医院): the alliance's lead hospital, the city commission guiding.
    tasks = [f for f in langya if f["rule"] in ("CZ-060", "CZ-070", "CZ-090", "CZ-111", "CZ-131", "CZ-140")]
    leads = {f["subject"]: f["lead"] for f in tasks}
    assert leads["市第一人民医院紧密型城市医联体"] == "滁州市第一人民医院"
    assert leads["市中西医结合医院紧密型城市医联体"] == "滁州市中西医结合医院"
    for finding in tasks:
        assert finding["category"] == "above" and finding["guide"] == ["滁州市卫生健康委员会"], finding


def test_one_body_one_name(langya):
    names = {u for f in langya for u in [f["lead"], *f["guide"], *f["co_responsible"]]}
    assert "市第一人民医院" not in names and "市中西医结合医院" not in names
    assert "滁州市第一人民医院" in names


@pytest.mark.parametrize("rule", ["CZ-120", "CZ-121", "CZ-183"])
def test_exploration_and_as_far_as_possible_are_encouraged(langya, rule):
    # "探索建立…谨慎转诊疾病目录, 逐步减少市域外不合理转诊"; "并尽可能为医联体建设增加投入或设立专项经费".
    assert {f["force"] for f in _by(langya, rule)} == {"encouraged"}


def test_district_tasks_are_led_by_the_districts_own_bodies(langya):
    # 三(二)2 "存量债务由所属区政府负责化解", "需入编的由所属区政府相关部门负责办理", 四(一) "市、区政府…同级政府".
    for rule in ("CZ-076", "CZ-077", "CZ-081", "CZ-083", "CZ-084", "CZ-180", "CZ-181", "CZ-182"):
        for finding in _by(langya, rule):
            if finding["status"] == "not_applicable":
                continue
            assert finding["category"] == "binding", finding
            assert finding["lead"] == "琅琊区人民政府", finding


def test_every_counted_finding_is_the_districts(langya, nanqiao):
    # Whatever counts in a district's 达标率 is led by that district's own department.
    for district, findings in (("琅琊区", langya), ("南谯区", nanqiao)):
        counted = [f for f in findings if f["category"] != "above" and f["status"] != "not_applicable"]
        assert counted
        for finding in counted:
            assert finding["lead"].startswith(district), finding
            assert all(u.startswith(district) for u in finding["co_responsible"]), finding


def test_each_centre_built_under_its_own_builder(langya, nanqiao):
    # 二 "到2025年底…拟规划建成17个": each centre under the body the text says builds it.
    assert _one(langya, "CZ-012", "扬子社区卫生服务中心")["lead"] == "琅琊区人民政府"
    chuyang = _one(langya, "CZ-012", "滁阳社区卫生服务中心(琅琊区医院)")
    assert (chuyang["lead"], chuyang["category"]) == ("滁州市中西医结合医院", "above")
    # 林楼 is built by 经开区管委会: that zone's item, never 琅琊区's.
    assert _one(langya, "CZ-012", "林楼社区卫生服务中心")["status"] == "not_applicable"
    # In 南谯区's report the centres 琅琊区政府 builds are 琅琊区's, not 南谯区's.
    assert _one(nanqiao, "CZ-012", "扬子社区卫生服务中心")["status"] == "not_applicable"


# ---- 2.3.0: the same text read for the other jurisdictions it names --------------------------------

def _newest(path: Path) -> list[dict]:
    return check_sheet(path, CheckRequest(specs=("chuzhou-2020@2.3.0",))).data["findings"]


def _as(tmp_path_factory, name: str, code: str | None, kind: str, **facts) -> list[dict]:
    sheet = yaml.safe_load((EXAMPLES / "chuzhou-langya.yaml").read_text(encoding="utf-8"))
    sheet["county"].update(name=name, code=code, kind=kind)
    sheet["facts"].update(facts)
    path = tmp_path_factory.mktemp("county") / f"{name}.yaml"
    path.write_text(yaml.safe_dump(sheet, allow_unicode=True), encoding="utf-8")
    return _newest(path)


@pytest.fixture(scope="module")
def jingkai(tmp_path_factory) -> list[dict]:
    return _as(tmp_path_factory, "经开区", None, "功能区", pilot_alliances=[])


@pytest.mark.parametrize("rule", ["CZ-170", "CZ-171", "CZ-172", "CZ-173", "CZ-174"])
def test_the_two_districts_public_health_purchase_is_not_a_zones(jingkai, tmp_path_factory, rule):
    """三(二)11: "由两区政府…拨付" (责任单位: 琅琊区、南谯区政府) binds the two districts, not the zones."""
    assert {f["status"] for f in _by(jingkai, rule)} == {"not_applicable"}
    nanqiao = _as(tmp_path_factory, "南谯区", "341103", "市辖区")
    assert all(f["lead"].startswith("南谯区") and f["category"] == "binding" for f in _by(nanqiao, rule))


def test_a_zone_is_governed_by_its_management_committee(jingkai):
    """A 功能区 has no 人民政府: its government is named as its 管理委员会, once, never beside itself."""
    named = {f["lead"] for f in jingkai} | {c for f in jingkai for c in f["co_responsible"]}
    assert "经开区管理委员会" in named and not any("经开区人民政府" in n for n in named)
    funding = _one(jingkai, "CZ-180")
    assert funding["lead"] == "经开区管理委员会" and "经开区管理委员会" not in funding["co_responsible"]


def test_a_zone_that_has_no_pilot_alliance_is_not_asked_for_one(jingkai):
    alliance_rules = [f for f in jingkai if f["subject_kind"] == "紧密型城市医联体"]
    assert alliance_rules and {f["status"] for f in alliance_rules} == {"not_applicable"}
    assert not any(f["status"] == "missing" and "医联体名单" in " ".join(f["missing"]) for f in jingkai)


def test_the_districts_health_commissions_carry_their_own_names(tmp_path_factory):
    """The text's 区卫健委 is the district's 卫生健康委员会 (no 卫生健康局 exists in either district)."""
    for name, code in (("南谯区", "341103"), ("琅琊区", "341102")):
        findings = _as(tmp_path_factory, name, code, "市辖区")
        named = {f["lead"] for f in findings} | {c for f in findings for c in f["co_responsible"]}
        assert f"{name}卫生健康委员会" in named and f"{name}卫生健康局" not in named, name


def test_an_unchanged_funding_channel_once_changed_is_a_gap_at_once(tmp_path_factory):
    """"财政投入渠道不变" is a standing state: a changed channel is 未达标 before 2025年底, never 未到期."""
    sheet = yaml.safe_load((EXAMPLES / "chuzhou-langya.yaml").read_text(encoding="utf-8"))
    first = sheet["facts"]["pilot_alliances"][0]
    first["alliance_funding_channels_unchanged"] = False
    path = tmp_path_factory.mktemp("changed") / "琅琊区.yaml"
    path.write_text(yaml.safe_dump(sheet, allow_unicode=True), encoding="utf-8")
    changed = _one(_newest(path), "CZ-182", first["name"])
    assert changed["status"] == "fail" and changed["days"] is None  # a gap now, with no date still to come
    before = check_sheet(path, CheckRequest(specs=("chuzhou-2020@2.2.0",))).data["findings"]
    assert _one(before, "CZ-182", first["name"])["status"] == "not_due"  # as 2.2.0 read it: due 2025年底


# ---- 2.4.0: each centre under the builder the text names, whatever the sheet typed ---------------------

def _as_240(tmp_path_factory, name: str, code: str | None, kind: str, **facts) -> list[dict]:
    sheet = yaml.safe_load((EXAMPLES / "chuzhou-langya.yaml").read_text(encoding="utf-8"))
    sheet["county"].update(name=name, code=code, kind=kind, report_date="2026-01-31")
    sheet["facts"].update(facts)
    sheet.pop("units", None)
    path = tmp_path_factory.mktemp("county") / f"{name}.yaml"
    path.write_text(yaml.safe_dump(sheet, allow_unicode=True), encoding="utf-8")
    return check_sheet(path, CheckRequest(specs=("chuzhou-2020@2.4.0",))).data["findings"]


def test_a_zones_centre_unbuilt_is_its_own_gap_whatever_builder_the_sheet_gave(tmp_path_factory):
    """二 "大王社区卫生服务中心由苏滁产业园管委会商南谯区卫健委建设": a sheet that left the builder blank, or typed
    南谯区政府, had the centre's lead printed as "大王社区卫生服务中心 (建设单位)" or its gap dropped as another
    county's. The text names the builder; the sheet's answer is checked on its own (CZ-016)."""
    for builder in (None, "南谯区政府"):
        centre = {"name": "大王社区卫生服务中心", "centre_designation": "大王社区卫生服务中心", "centre_built": False}
        if builder:
            centre["centre_builder"] = builder
        found = _as_240(tmp_path_factory, "苏滁产业园", None, "功能区", community_centres=[centre], pilot_alliances=[])
        gap = _one(found, "CZ-213", "大王社区卫生服务中心")
        assert (gap["status"], gap["lead"]) == ("fail", "苏滁产业园管理委员会"), builder
        assert not any(c.startswith("南谯区") for c in gap["co_responsible"])  # the zone's report names its own bodies


def test_a_zones_departments_are_its_committees_not_district_bureaus(tmp_path_factory):
    """A 功能区 has no 财政局 or 卫生健康局 of its own name: its bodies are named as its 管理委员会's departments
    for that work, unless the sheet's units: names them."""
    found = _as_240(tmp_path_factory, "经开区", None, "功能区", pilot_alliances=[])
    named = {f["lead"] for f in found} | {c for f in found for c in f["co_responsible"]}
    own = {n for n in named if n.startswith("经开区")}
    assert own and all(n.startswith("经开区管理委员会") for n in own), sorted(own)
