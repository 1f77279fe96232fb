"""consortium-experience: each lead resolved to the county's own body, as the text assigns the work."""
from __future__ import annotations

import pytest

from checker.pipeline import CheckRequest, check_sheet

SHEET = """\
county: {name: 平度市, code: "370283", province: 山东省, city: 青岛市, kind: 县级市, report_date: 2025-11-30}
facts:
  consortia:
    - {name: 平度市人民医院医共体, consortium_lead_hospital: 平度市人民医院, board_governance: false}
    - {name: 平度市中医医院医共体, board_governance: true}
"""


@pytest.fixture(scope="module")
def findings(tmp_path_factory):
    path = tmp_path_factory.mktemp("ce") / "平度市.yaml"
    path.write_text(SHEET, encoding="utf-8")
    data = check_sheet(path, CheckRequest(specs=("consortium-experience@2.0.0",))).data
    return {(f["rule"], f["subject"]): f for f in data["findings"]}


def lead(findings, rule, subject="平度市"):
    return findings[(rule, subject)]["lead"]


def test_each_county_forms_its_consortia_through_its_government(findings):
    # 一(一是) "每个县(市)…组建1-2个…医共体": the county is the subject, so its government leads.
    assert lead(findings, "CE-001") == "平度市人民政府"
    assert findings[("CE-001", "平度市")]["co_responsible"] == ["平度市卫生健康局"]


def test_the_committee_is_led_by_the_county_party_committee_and_government(findings):
    # 二(一是) "建立由县级党委、政府牵头…的管理委员会": one government, one name.
    assert lead(findings, "CE-018") == "中共平度市委员会"
    assert findings[("CE-018", "平度市")]["co_responsible"] == ["平度市人民政府"]


def test_a_power_only_the_staffing_office_holds_is_led_by_it(findings):
    # 四(一是) "县级公立医院逐步实行人员总量管理和编制备案制": not the hospitals' to grant.
    for rule in ("CE-051", "CE-052"):
        f = findings[(rule, "平度市")]
        assert f["lead"] == "中共平度市委机构编制委员会办公室" and f["force"] == "strive"


def test_a_collective_is_not_a_department(findings):
    # 一(二是) "乡镇卫生院对村卫生室实行一体化管理": the bureau answers for all township centres.
    assert lead(findings, "CE-005") == "平度市卫生健康局"
    assert lead(findings, "CE-007") == "平度市卫生健康局"
    # 三(二是) "医共体内各医疗机构…执行统一标准": each consortium answers for its members.
    assert lead(findings, "CE-042", "平度市人民医院医共体") == "平度市人民医院医共体"


def test_each_consortium_and_its_lead_hospital_lead_their_own_findings(findings):
    # 二(二是) "医共体实行理事会治理机制": one finding per consortium, the consortium leads.
    assert findings[("CE-023", "平度市人民医院医共体")]["status"] == "fail"
    assert findings[("CE-023", "平度市中医医院医共体")]["status"] == "pass"
    assert lead(findings, "CE-023", "平度市人民医院医共体") == "平度市人民医院医共体"
    # 三(一是) "医共体牵头医院积极对接三级公立医院": the lead hospital by its own name.
    assert lead(findings, "CE-041", "平度市人民医院医共体") == "平度市人民医院"
    # no name given: the consortium's lead hospital by what it is, never the consortium as if it were the hospital
    assert lead(findings, "CE-041", "平度市中医医院医共体") == "平度市中医医院医共体 (牵头医院)"


def test_payment_reform_is_the_insurance_bureaus(findings):
    # 四(三是) "推行以门诊统筹按人头付费…为主的多元复合式医保支付方式".
    assert lead(findings, "CE-059") == "平度市医疗保障局"


def test_ways_of_which_any_one_will_do_are_not_shown_as_lacking(tmp_path):
    """三(一是) "通过托管、专科共建、临床带教…等方式": one way meets it, so a consortium that has one is not told it
    lacks the others, and one that has none is told which it may choose."""
    path = tmp_path / "平度市.yaml"
    path.write_text(SHEET.replace("board_governance: false}", "board_governance: false, tertiary_cooperation_forms: [托管]}")
                    .replace("board_governance: true}", "board_governance: true, tertiary_cooperation_forms: []}"),
                    encoding="utf-8")
    data = check_sheet(path, CheckRequest(specs=("consortium-experience@2.0.0",))).data
    found = {(f["rule"], f["subject"]): f for f in data["findings"]}
    met, none = found[("CE-041", "平度市人民医院医共体")], found[("CE-041", "平度市中医医院医共体")]
    assert met["status"] == "pass" and met["actual"] == "已有 托管"
    assert none["status"] == "fail" and none["actual"].startswith("一种也没有 (可选: 托管、专科共建")
    assert "缺" not in met["actual"] + none["actual"]


def test_2_2_0_says_at_its_head_that_the_text_binds_no_county_and_reads_the_texts_own_words(tmp_path):
    """Another city's experience material checked on request: every report says it binds no county; the
    six areas of unified management are the text's (财务, 药品器械), and a consortium's Party organisation
    is set up by the county Party committee, not by the consortium."""
    from checker.report import render

    path = tmp_path / "平度市.yaml"
    path.write_text(SHEET.replace("board_governance: false}", "board_governance: false, has_party_organisation: false, "
                                  "consortium_unified_areas: [行政, 人员, 业务, 药品器械, 绩效]}"), encoding="utf-8")
    data = check_sheet(path, CheckRequest(specs=("consortium-experience@2.2.0",))).data
    for fmt in ("html", "md", "text"):
        assert "对本县(市、区)没有约束力" in render(fmt, data), fmt
    found = {(f["rule"], f["subject"]): f for f in data["findings"]}
    finance = found[("CE-031", "平度市人民医院医共体")]
    assert finance["status"] == "fail" and "财务" in finance["actual"] and "资金" not in finance["actual"]
    party = found[("CE-024", "平度市人民医院医共体")]
    assert party["lead"] == "中共平度市委员会" and party["co_responsible"] == ["平度市卫生健康局"]


def test_a_text_that_binds_no_county_has_no_gaps_only_items_for_comparison(tmp_path, cli):
    """Another city's experience material: whatever its wording, the report lists how the county compares
    as 参考事项, counts no 未达标, writes no department work list and exits 0, in every format."""
    from checker.report import render

    path = tmp_path / "平度市.yaml"
    path.write_text(SHEET, encoding="utf-8")
    data = check_sheet(path, CheckRequest(specs=("consortium-experience@2.3.0",))).data
    assert {f["category"] for f in data["findings"]} == {"reference"}
    assert data["summary"]["fail"] == 0 and any(f["status"] == "fail" for f in data["findings"])
    for fmt in ("html", "md", "text"):
        shown = render(fmt, data)
        assert "参考事项" in shown and "未做到" in shown and "牵头整改事项" not in shown, fmt
    result = cli("run", path, "-p", "consortium-experience", "--format", "json", "-o", tmp_path / "r.json")
    assert result.exit_code == 0, result.output
