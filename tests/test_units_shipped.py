"""Each shipped pack's leads, resolved for its example county, against the clause that assigns the work."""
from __future__ import annotations

import pytest

from checker.pipeline import CheckRequest, check_sheet
from conftest import EXAMPLES


def findings(example: str) -> dict[tuple[str, str], dict]:
    data = check_sheet(EXAMPLES / f"{example}.yaml", CheckRequest()).data
    return {(f["rule"], f["subject"]): f for f in data["findings"]}


@pytest.fixture(scope="module")
def pingdu():
    return findings("qingdao-pingdu")


@pytest.fixture(scope="module")
def langya():
    return findings("chuzhou-langya")


@pytest.fixture(scope="module")
def yunzhou():
    return findings("yunzhou")


@pytest.fixture(scope="module")
def pingyin():
    return findings("reform-county")


def test_qingdao(pingdu):
    # 一 (no unit named; the issuer's lead, 市卫生健康委): Pingdu's bureau does the work, the city commission guides.
    assert (pingdu[("QD-001", "平度市")]["lead"], pingdu[("QD-001", "平度市")]["guide"]) == ("平度市卫生健康局", ["青岛市卫生健康委员会"])
    # 二(二) "各区市政府常务会议每年至少专题研究1次": the district government.
    assert pingdu[("QD-005", "平度市")]["lead"] == "平度市人民政府"
    # 三(三) "区市卫生健康局…每年至少组织召开2次议事协调会议".
    assert pingdu[("QD-009", "平度市")]["lead"] == "平度市卫生健康局"
    # 三(五) "制定和完善县域医共体章程": each consortium for itself.
    assert pingdu[("QD-022", "平度市第三人民医院医共体")]["lead"] == "平度市第三人民医院医共体"
    # 四(九) the city's 包联 arrangement is above the district.
    assert pingdu[("QD-062", "平度市")]["scope"] == "above"
    # 五(十五) "由市、区市政府…足额安排": the district government, the city's finance bureau guiding.
    assert pingdu[("QD-117", "平度市")]["lead"] == "平度市人民政府"
    # 五(十七) (责任单位:市医保局): the district's insurance bureau.
    assert pingdu[("QD-126", "平度市中医医院医共体")]["lead"] == "平度市医疗保障局"
    # 2.1.0 二(二) "区市政府主要负责人是属地县域医共体建设第一责任人": the district government.
    assert pingdu[("QD-134", "平度市")]["lead"] == "平度市人民政府"
    # 2.1.0 五(十七) "落实县域医共体医保基金使用内部监督管理责任": each consortium, the city insurance bureau guiding.
    qd131 = pingdu[("QD-131", "平度市人民医院医共体")]
    assert (qd131["lead"], qd131["guide"]) == ("平度市人民医院医共体", ["青岛市医疗保障局"])
    assert "平度市医疗保障局" in qd131["co_responsible"]
    # 2.1.0 三(五) "成员单位负责人和班子成员由县域医共体提名": the consortium nominates.
    assert pingdu[("QD-030", "平度市第三人民医院医共体")]["lead"] == "平度市第三人民医院医共体"
    # 2.1.0 二(一) "报市级备案后推进": a plan in force but not filed is a gap now, not at the year's end.
    assert pingdu[("QD-004", "平度市")]["status"] == "fail"
    # 2.1.0 四(十) "支持基层建设共管病房…": an encouraged item, never a gap.
    assert pingdu[("QD-136", "平度市")]["force"] == "encouraged"


def test_qingdao_2_2(pingdu):
    # 三(五) "县域医共体负责人员由区市卫生健康局提名…根据干部管理权限任免": the bureau answers for who leads a
    # consortium, with the organisation department (责任单位 市委组织部), not the consortium itself.
    qd028 = pingdu[("QD-028", "平度市中医医院医共体")]
    assert (qd028["lead"], qd028["guide"]) == ("平度市卫生健康局", ["青岛市卫生健康委员会"])
    assert "中共平度市委组织部" in qd028["co_responsible"]
    # 三(六) the insurance centre's gap reaches the county's insurance bureau too.
    assert "平度市医疗保障局" in pingdu[("QD-035", "平度市人民医院医共体")]["co_responsible"]
    # 四(十一) "县级中医医院要统筹…": the county's TCM hospital leads.
    assert pingdu[("QD-097", "平度市")]["lead"] == "平度市中医医院"
    # A lead hospital's task goes to the hospital the sheet names, not to its consortium.
    assert pingdu[("QD-016", "平度市第三人民医院医共体")]["lead"] == "平度市第三人民医院"
    # An undated task falls due at the end of the plan's first phase, and the report says so.
    undated = [f for f in pingdu.values() if f["deadline_source"] == "plan"]
    assert undated and {f["deadline_label"] for f in undated} == {"第一阶段目标期末"}


def test_chuzhou(langya):
    # 一 "使市区内基层诊疗量占比达到65%以上": the urban area's total, the city's item (上级部门事项).
    assert (langya[("CZ-001", "琅琊区")]["lead"], langya[("CZ-001", "琅琊区")]["scope"]) == ("滁州市卫生健康委员会", "above")
    # 二 "清流、西涧…五个社区卫生服务中心由琅琊区政府…": Langya's own government.
    assert langya[("CZ-021", "清流社区卫生服务中心")]["lead"] == "琅琊区人民政府"
    # 二 "银花、龙蟠、同乐…由南谯区政府负责": not Langya's task, and never named as Langya's.
    other = langya[("CZ-025", "清流社区卫生服务中心")]
    assert other["status"] == "not_applicable" and other["lead"] == "南谯区政府"
    # 三(一) "行业监管由医疗机构所在地的区卫健委负责".
    # (2.3.0: the district names its body 琅琊区卫生健康委员会, the text's 区卫健委; 2.2.0 printed the role's default name.)
    assert langya[("CZ-050", "万桥紧密型城市医联体")]["lead"] == "琅琊区卫生健康委员会"
    # 三(二)2 "存量债务由所属区政府负责化解".
    assert langya[("CZ-081", "滁阳社区卫生服务中心(琅琊区医院)")]["lead"] == "琅琊区人民政府"
    # 二 "万桥社区卫生服务中心由市文旅投…": a city company's task, above the district.
    assert langya[("CZ-019", "清流社区卫生服务中心")]["scope"] == "above"
    # 2.2.0 三(二)11 "再由牵头医院或区卫健委根据考核情况拨付": the district's health bureau passes the funds on.
    cz174 = langya[("CZ-174", "琅琊区")]
    assert (cz174["lead"], cz174["guide"]) == ("琅琊区卫生健康委员会", ["滁州市卫生健康委员会"])
    # 2.2.0: a centre still being built has no operator to name yet.
    assert langya[("CZ-022", "扬子社区卫生服务中心")]["status"] == "not_applicable"
    # 2.2.0: 三 is the 2020 pilot; 四(一) falls due at the end of the plan's own period, 2025.
    assert langya[("CZ-173", "琅琊区")]["deadline"] == "2020-12-31"
    assert (langya[("CZ-180", "琅琊区")]["deadline"], langya[("CZ-180", "琅琊区")]["status"]) == ("2025-12-31", "not_due")


def test_yunzhou(yunzhou):
    # 一(二) "县级综合医院达到二甲": the district's people's hospital, as its own subject.
    assert yunzhou[("YZ-001", "云州区人民医院")]["lead"] == "云州区人民医院"
    # 二(二)5 "区级医疗机构设立…专项经费": each institution sets up its own fund.
    assert yunzhou[("YZ-024", "云州区中医医院")]["lead"] == "云州区中医医院"
    # 二(二)9 the TCM hospital's fever clinic, on the TCM hospital's own list.
    assert yunzhou[("YZ-039", "云州区中医医院")]["lead"] == "云州区中医医院"
    # 二(三)12 "区级质控组织要开展监测": the bureau answers for it.
    assert yunzhou[("YZ-057", "云州区")]["lead"] == "云州区卫生健康和体育局"
    # The bureau answers for the whole plan: co-responsible on a hospital's gap.
    assert "云州区卫生健康和体育局" in yunzhou[("YZ-039", "云州区中医医院")]["co_responsible"]


def test_reform_annual(pingyin):
    # (市卫生局…负责): the county's bureau does it, the city bureau guides. 2.5.0: named as in 2011 (卫生局, not
    # the 卫生健康局 of 2019), as the city's is.
    assert (pingyin[("RA-009", "平阴县")]["lead"], pingyin[("RA-009", "平阴县")]["guide"]) == ("平阴县卫生局", ["市卫生局"])
    # (市人力资源社会保证局…负责) = 人力资源社会保障局.
    assert pingyin[("RA-087", "平阴县")]["lead"] == "平阴县人力资源和社会保障局"
    # 三 "牵头部门…制定进度计划" is the city's own task.
    assert pingyin[("RA-209", "平阴县")]["scope"] == "above"
    # 2.3.0 (市人力资源社会保障局、教育局、国资委、财政局负责) on the county's own enrolment: every co-owner is
    # a body of the county, 国资委 included; 层层落实责任 gives the work to the county's counterparts.
    assert pingyin[("RA-001", "平阴县")]["co_responsible"] == [
        "平阴县教育局", "平阴县国有资产监督管理局", "平阴县财政局", "平阴县人民政府"]
    # (市卫生局、监察局负责): the county's supervisory body co-owns the sector-wide supervision.
    assert "平阴县监察局" in pingyin[("RA-182", "平阴县")]["co_responsible"]
    # The city's own work has the county as its object, not as a partner: no county co-owner is added to it.
    assert pingyin[("RA-203", "平阴县")]["co_responsible"] == []
    # 2.3.0: issuing the city's GP-system document and city-level pooling are the city's (上级部门事项).
    assert (pingyin[("RA-108", "平阴县")]["scope"], pingyin[("RA-108", "平阴县")]["lead"]) == ("above", "市发展和改革委员会")
    assert pingyin[("RA-058", "平阴县")]["scope"] == "above"
    # 2.4.0: a 新农合 fund's balance is the health bureau's (新农合 "市卫生局负责"), with 人社 beside it.
    xnh = pingyin[("RA-045", "平阴县")]
    assert (xnh["lead"], xnh["co_responsible"][0]) == ("平阴县卫生局", "平阴县人力资源和社会保障局")
    # 2.5.0: the price authority of 2011 is its own body, apart from 发展和改革局; the insurance share of the
    # general consultation fee (RA-078) is set by the insurers' department, the fee itself (RA-077) by it.
    assert pingyin[("RA-077", "平阴县")]["lead"] == "平阴县物价局"
    assert pingyin[("RA-078", "平阴县")]["lead"] == "平阴县人力资源和社会保障局"
    assert "平阴县物价局" in pingyin[("RA-078", "平阴县")]["co_responsible"]
    # 2.4.0: setting medical-service and examination prices is the price authority's, above the county.
    assert {pingyin[(r, "平阴县")]["scope"] for r in ("RA-172", "RA-175")} == {"above"}
    for (rule, subject), f in pingyin.items():
        if f["scope"] == "county":
            for unit in [f["lead"], *f["co_responsible"]]:
                assert unit.startswith(("平阴县", "中共平阴县")), (rule, unit)
    # Title with the sheet's plan year.
    data = check_sheet(EXAMPLES / "reform-county.yaml", CheckRequest()).data
    assert data["packs"][0]["title"] == "医药卫生体制五项重点改革2011年度主要工作安排"


@pytest.mark.parametrize("example", ["chuzhou-langya", "qingdao-laixi", "qingdao-pingdu", "reform-county", "yunzhou"])
def test_every_unit_of_a_county_item_is_a_body_of_that_county(example):
    """What a county official hands out goes to the county's own bodies; city bodies only guide."""
    data = check_sheet(EXAMPLES / f"{example}.yaml", CheckRequest()).data
    county = data["county"]["name"]
    for f in data["findings"]:
        if f["scope"] == "county" and f["status"] != "not_applicable":
            for unit in [f["lead"], *f["co_responsible"]]:
                assert county in unit, (f["rule"], f["subject"], unit)


def test_one_hospital_one_name_when_the_sheet_writes_its_city_in_front(tmp_path):
    """A district names its consortia's lead hospitals 青岛市即墨区中医医院; the text's 县级中医医院 (QD-097) is
    that same hospital, so it is named as the sheet names it and has one page, not a second as 即墨区中医医院."""
    import yaml

    sheet = yaml.safe_load((EXAMPLES / "qingdao-pingdu.yaml").read_text(encoding="utf-8").replace("平度市", "即墨区"))
    sheet["county"].update(code="370215", kind="市辖区")
    for consortium in sheet["facts"]["consortia"]:
        consortium["consortium_lead_hospital"] = "青岛市" + consortium["consortium_lead_hospital"]
    path = tmp_path / "即墨区.yaml"
    path.write_text(yaml.safe_dump(sheet, allow_unicode=True), encoding="utf-8")
    findings = check_sheet(path, CheckRequest()).data["findings"]
    leads = {f["lead"] for f in findings}
    assert [f["lead"] for f in findings if f["rule"] == "QD-097"] == ["青岛市即墨区中医医院"]
    assert "即墨区中医医院" not in leads and "青岛市即墨区中医医院" in leads


def test_huangdao_as_the_west_coast_new_area_has_no_invented_government_or_party_bodies(tmp_path):
    """黄岛区 (370211) works as 青岛西海岸新区: the text addresses its government as 青岛西海岸新区管委, and there is no
    "青岛西海岸新区人民政府" nor a "中共青岛西海岸新区委"; its party bodies are 黄岛区委's."""
    import json

    import yaml

    from checker.cli import main
    from click.testing import CliRunner

    sheet = yaml.safe_load((EXAMPLES / "qingdao-pingdu.yaml").read_text(encoding="utf-8"))
    sheet["county"].update(name="青岛西海岸新区", code="370211", kind="市辖区")
    sheet.pop("units", None)
    path = tmp_path / "hd.yaml"
    path.write_text(yaml.safe_dump(sheet, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "hd.json"
    result = CliRunner().invoke(main, ["run", str(path), "--format", "json", "-o", str(out)])
    assert result.exit_code in (0, 1), result.output
    units = {u for f in json.loads(out.read_text(encoding="utf-8"))["findings"] for u in [f["lead"], *f["co_responsible"]]}
    assert "青岛西海岸新区管理委员会" in units and "中共青岛市黄岛区委组织部" in units
    assert not any(u.endswith("人民政府") or u.startswith("中共青岛西海岸新区") for u in units), sorted(units)
