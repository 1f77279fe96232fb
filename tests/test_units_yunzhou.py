"""Yunzhou (yunzhou-2023 2.2.0 to 2.4.0): who leads each gap, and what each district institution's own list holds.

The plan (云州政办发〔2023〕26号) makes 区卫生健康和体育局 responsible for the whole plan (三(一)) and names
区人民医院, 区中医医院 and 区妇幼健康服务中心 inside its sentences. Each institution is its own subject and
leads the requirements about itself; the bureau is co-responsible on every one of them. Funding the
institutions' capital and equipment (四(二)) is the district government's, with its finance bureau.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from checker.cli import main
from checker.pipeline import CheckRequest, check_sheet

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "yunzhou.yaml"
BUREAU = "云州区卫生健康和体育局"
PEOPLES, TCM, MCH = "云州区人民医院", "云州区中医医院", "云州区妇幼健康服务中心"
COLLECTIVES = {"区级医疗机构", "区级医院", "区级质控组织", "各区级医疗机构", "各区级医院", "区卫生健康和体育局"}


def _findings(path: Path = EXAMPLE, as_of: dt.date | None = None) -> dict[tuple[str, str], dict]:
    checked = check_sheet(path, CheckRequest(as_of=as_of))
    assert [p["id"] + "@" + p["version"] for p in checked.data["packs"]] == ["yunzhou-2023@2.4.0"]
    return {(f["rule"], f["subject"]): f for f in checked.data["findings"]}


@pytest.fixture(scope="module")
def example() -> dict[tuple[str, str], dict]:
    return _findings()


def test_the_example_runs_through_the_cli_with_its_own_bureau_name(tmp_path):
    out = tmp_path / "r.json"
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["run", str(EXAMPLE), "--format", "json", "-o", str(out)])
    assert result.exit_code == 1, result.output  # gaps found
    data = json.loads(out.read_text(encoding="utf-8"))
    leads = {f["lead"] for f in data["findings"]}
    assert leads == {BUREAU, PEOPLES, TCM, MCH, "云州区人民政府"}


@pytest.mark.parametrize("rule, subject, lead, co", [
    # 一(二) "新建县级中医医院并达到二级中医医院标准": the TCM hospital's own grade
    ("YZ-004", TCM, TCM, (BUREAU,)),
    # 一(二) "新建县级中医医院": building the new hospital is the bureau's task; the hospital works with it
    ("YZ-003", TCM, BUREAU, (TCM,)),
    # 二(一)1 "加快推进发热门诊、急诊、重症和标准化感染性疾病科建设全覆盖": each hospital its own departments
    ("YZ-007", TCM, TCM, (BUREAU,)),
    ("YZ-007", PEOPLES, PEOPLES, (BUREAU,)),
    # 二(三)12 "严格落实医疗质量安全18项核心制度": each institution its own count
    ("YZ-053", TCM, TCM, (BUREAU,)),
    # 二(三)13 "区妇幼健康服务中心…智慧服务分级评估达到 2 级以上" ("区级医疗机构" = each of the three)
    ("YZ-063", MCH, MCH, (BUREAU,)),
    # 二(六)20 "依托区人民医院完善县域医共体内的…“五大中心”建设": the group's lead hospital, by its own name
    ("YZ-089", "云州区医疗集团", PEOPLES, (BUREAU,)),
    # 二(三)12 "区级质控组织要开展监测、分析和反馈": a collective; the bureau that runs them leads
    ("YZ-057", "云州区", BUREAU, ()),
    # 三(二) "区卫生健康和体育局…每年11月上旬向市卫生健康委员会报送年度工作情况"
    ("YZ-117", "云州区", BUREAU, ()),
    # 一(二) "新建县级中医医院": that the district has the hospital at all is the bureau's, as building it is
    ("YZ-126", "云州区", BUREAU, ()),
])
def test_resolved_leads_follow_the_text(example, rule, subject, lead, co):
    finding = example[(rule, subject)]
    assert finding["lead"] == lead
    assert tuple(finding["co_responsible"]) == co
    assert finding["guide"] == []


def test_no_collective_or_placeholder_leads_and_the_bureau_co_owns_every_institution_gap(example):
    for finding in example.values():
        assert finding["lead"] not in COLLECTIVES
        if finding["lead"] != BUREAU:
            assert BUREAU in finding["co_responsible"], finding["rule"]


def test_the_tcm_hospitals_own_list_holds_its_grade_departments_and_core_systems():
    # After the plan period every gap is due: the TCM hospital's list must carry its own gaps.
    findings = _findings(as_of=dt.date(2026, 1, 5))
    tcm_fails = {rule for (rule, subject), f in findings.items()
                 if f["lead"] == TCM and f["status"] == "fail" and subject == TCM}
    assert {"YZ-004", "YZ-007", "YZ-053"} <= tcm_fails
    assert findings[("YZ-053", TCM)]["actual"] == "16项"
    assert "重症医学科" in findings[("YZ-007", TCM)]["actual"].split("缺 ")[1]
    # the people's hospital meets both; its entries pass rather than being merged with the TCM hospital's
    assert findings[("YZ-053", PEOPLES)]["status"] == "pass"
    assert findings[("YZ-004", PEOPLES)]["status"] == "not_applicable"


def test_force_strive_and_encouraged_items_are_not_counted_as_gaps():
    checked = check_sheet(EXAMPLE, CheckRequest(as_of=dt.date(2026, 1, 5)))
    findings = {(f["rule"], f["subject"]): f for f in checked.data["findings"]}
    assert findings[("YZ-002", PEOPLES)]["category"] == "strive"     # 力争…达到国家推荐标准
    assert findings[("YZ-005", MCH)]["category"] == "strive"         # 力争开设妇幼保健门诊
    assert findings[("YZ-021", TCM)]["category"] == "encouraged"     # 支持…建设 2个市级优势专科
    assert findings[("YZ-021", TCM)]["status"] == "fail"
    binding_fails = sum(1 for f in checked.data["findings"] if f["status"] == "fail" and f["category"] == "binding")
    assert checked.data["summary"]["fail"] == binding_fails
    assert binding_fails < sum(1 for f in checked.data["findings"] if f["status"] == "fail")


def test_undated_siblings_share_the_plan_phase_end(example):
    # 二(四)15 "建立门诊“一站式”服务中心…推广多学科诊疗模式": same sentence, same (undated) deadline
    one_stop, mdt = example[("YZ-075", TCM)], example[("YZ-076", TCM)]
    assert one_stop["status"] == mdt["status"] == "not_due"
    assert one_stop["deadline"] == mdt["deadline"] == "2025-12-31"
    assert one_stop["deadline_source"] == mdt["deadline_source"] == "plan"


def test_the_annual_plan_is_judged_for_the_reporting_year(tmp_path):
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["county"]["report_date"] = dt.date(2025, 3, 31)
    data["facts"]["reporting_year"] = 2025
    sheet = tmp_path / "yunzhou-2025.yaml"
    sheet.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    found = _findings(sheet)
    finding = found[("YZ-125", TCM)]
    # 1.0.0 judged every year's plan against the launch phase (2023-09-30) and showed it hundreds of days overdue
    assert finding["deadline"] == "2025-12-31"
    assert finding["status"] == "not_due"
    # 2.2.0: the launch phase dates only 2023's plan (YZ-114), made with the three-year plan
    assert found[("YZ-114", TCM)]["status"] == "not_applicable"


def test_the_first_years_plan_falls_due_with_the_launch_phase(tmp_path):
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["county"]["report_date"] = dt.date(2023, 11, 15)
    data["facts"]["reporting_year"] = 2023
    for entry in data["facts"]["district_institutions"]:
        if entry["name"] == TCM:
            entry["institution_annual_plan"] = False
    sheet = tmp_path / "yunzhou-2023.yaml"
    sheet.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    finding = _findings(sheet)[("YZ-114", TCM)]
    assert (finding["status"], finding["deadline"]) == ("fail", "2023-09-30")


def test_a_missed_quarter_is_a_gap_before_the_year_ends(example):
    # 二(七)22 "季通报": the example has reported 2 of the 3 quarters ended by 2024-11-15
    finding = example[("YZ-101", "云州区")]
    assert finding["status"] == "fail"
    # what is overdue is the third quarter's bulletin, not the year: 整改期限 is 31 days after that quarter's end
    # (2.4.0: a bulletin on a quarter comes after the quarter; 2.3.0 dated it the quarter's last day)
    assert (finding["deadline"], finding["days"]) == ("2024-10-31", -15)
    assert "3个季度" in finding["shortfall"]


def test_a_district_without_its_tcm_hospital_has_that_gap_not_a_row_of_not_applicable(tmp_path):
    """云州区 lists only 区人民医院 and the MCH centre: "新建县级中医医院" is not met by the end of 2025.
    Before 2.4.0 every TCM-hospital duty turned 不适用 and the report said nothing of the missing hospital."""
    sheet = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    institutions = sheet["facts"]["district_institutions"]
    sheet["facts"]["district_institutions"] = [e for e in institutions if e["institution_kind"] != "县级中医医院"]
    sheet["county"]["report_date"] = dt.date(2026, 1, 31)
    path = tmp_path / "yunzhou.yaml"
    path.write_text(yaml.safe_dump(sheet, allow_unicode=True), encoding="utf-8")
    findings = _findings(path)
    gap = findings[("YZ-126", "云州区")]
    assert gap["status"] == "fail" and gap["lead"] == BUREAU and gap["actual"].startswith("0")
    assert not any(rule == "YZ-004" and f["status"] != "not_applicable" for (rule, _), f in findings.items())
    # one entry that does not say what it is leaves the count unknown: to be supplied, not a gap
    sheet["facts"]["district_institutions"].append({"name": "云州区新院"})
    path.write_text(yaml.safe_dump(sheet, allow_unicode=True), encoding="utf-8")
    assert _findings(path)[("YZ-126", "云州区")]["status"] == "missing"


@pytest.mark.parametrize("as_of, done, status, deadline", [
    (dt.date(2025, 6, 30), 1, "not_due", "2026-01-31"),   # the Q2 bulletin cannot be out the day Q2 ends
    (dt.date(2025, 8, 1), 1, "fail", "2025-07-31"),       # a month on, it is overdue: the gap dates from then
    (dt.date(2025, 12, 31), 3, "not_due", "2026-01-31"),  # Q4's bulletin comes out in January
    (dt.date(2026, 2, 1), 3, "fail", "2026-01-31"),
])
def test_a_quarterly_bulletin_is_owed_after_its_quarter(tmp_path, as_of, done, status, deadline):
    sheet = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    sheet["facts"].update(reporting_year=2025, performance_bulletin_quarters=done)
    path = tmp_path / "yunzhou.yaml"
    path.write_text(yaml.safe_dump(sheet, allow_unicode=True), encoding="utf-8")
    finding = _findings(path, as_of)[("YZ-101", "云州区")]
    assert (finding["status"], finding["deadline"]) == (status, deadline)


def _without(tmp_path, kind: str, blank_kind: bool = False) -> dict[tuple[str, str], dict]:
    sheet = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    listed = [e for e in sheet["facts"]["district_institutions"] if e["institution_kind"] != kind]
    if blank_kind:
        listed[0] = {k: v for k, v in listed[0].items() if k != "institution_kind"}
    sheet["facts"]["district_institutions"] = listed
    path = tmp_path / "yunzhou.yaml"
    path.write_text(yaml.safe_dump(sheet, allow_unicode=True), encoding="utf-8")
    return _findings(path)


def test_an_mch_centre_left_off_the_list_has_its_duties_to_be_supplied(tmp_path):
    """Every district has its MCH centre; a list without it does not make "区妇幼健康服务中心力争开设妇幼保健门诊"
    and the duties of every district institution vanish: the centre is judged as listed with nothing
    submitted, on its own page, marked as not on the list."""
    findings = _without(tmp_path, "妇幼健康服务中心")
    unlisted = f"{MCH} (名单中未列)"
    assert findings[("YZ-005", unlisted)]["status"] == "missing"
    assert findings[("YZ-005", unlisted)]["lead"] == unlisted
    assert findings[("YZ-059", unlisted)]["status"] == "missing"  # 区级医疗机构全部接入: the centre too
    assert findings[("YZ-001", unlisted)]["status"] == "not_applicable"  # a general hospital's grade is not its duty


def test_no_entry_is_added_when_a_listed_entry_does_not_say_what_it_is(tmp_path):
    # the entry without a kind may be the MCH centre: its own items are to be supplied, nothing is added
    findings = _without(tmp_path, "妇幼健康服务中心", blank_kind=True)
    assert not any("名单中未列" in subject for _, subject in findings)


def test_a_missing_tcm_hospital_is_the_build_gap_not_an_added_entry(tmp_path):
    findings = _without(tmp_path, "县级中医医院")
    assert not any("名单中未列" in subject for _, subject in findings)
    assert findings[("YZ-126", "云州区")]["status"] in ("fail", "not_due")


def test_a_lead_hospital_named_with_its_city_in_front_is_the_listed_hospital(tmp_path):
    """The medical group names its lead hospital 大同市云州区人民医院, the list 云州区人民医院: one hospital, one
    page, so the group's duties (依托区人民医院…五大中心) land beside the hospital's own."""
    sheet = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    for group in sheet["facts"]["consortia"]:
        group["medical_group_lead_hospital"] = "大同市" + PEOPLES
    path = tmp_path / "yunzhou.yaml"
    path.write_text(yaml.safe_dump(sheet, allow_unicode=True), encoding="utf-8")
    findings = _findings(path)
    assert findings[("YZ-089", "云州区医疗集团")]["lead"] == PEOPLES
    assert not any(f["lead"].startswith("大同市") for f in findings.values())


def test_a_lead_hospital_the_list_lacks_has_one_page_with_the_added_entry(tmp_path):
    """The list leaves out 区人民医院 but the medical group names it as its lead hospital: the group's duties
    and the added entry's are one hospital's, on one page."""
    findings = _without(tmp_path, "县级综合医院")
    unlisted = f"{PEOPLES} (名单中未列)"
    assert findings[("YZ-089", "云州区医疗集团")]["lead"] == unlisted
    assert PEOPLES not in {f["lead"] for f in findings.values()}


def test_a_hospital_is_not_asked_for_what_only_an_mch_centre_would_answer(tmp_path):
    """YZ-053 binds the district hospitals and an MCH centre that runs a clinic: a hospital that left its
    core-system count blank is asked for that count, not whether it runs an MCH clinic."""
    sheet = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    hospital = next(e for e in sheet["facts"]["district_institutions"] if e["institution_kind"] == "县级综合医院")
    hospital.pop("institution_core_systems")
    hospital.pop("institution_mch_clinic_open", None)
    path = tmp_path / "yunzhou.yaml"
    path.write_text(yaml.safe_dump(sheet, allow_unicode=True), encoding="utf-8")
    finding = _findings(path)[("YZ-053", PEOPLES)]
    assert finding["status"] == "missing"
    assert finding["missing"] == ["严格落实的医疗质量安全核心制度项数"], finding["missing"]
