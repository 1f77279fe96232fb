"""Pack format 2: units resolved to the county's own bodies, force, scope and when undated tasks fall due.

Each test evaluates a small pack written for it (beside the demo fixture) through the
real pipeline, so what is asserted is what a county's report would say.
"""
from __future__ import annotations

import datetime as dt
import shutil
import textwrap
from pathlib import Path

import pytest

from checker.errors import RulePackError
from checker.library import load_library
from checker.pipeline import CheckRequest, check_sheet
from conftest import DEMO_RULES, REPO

HEAD = """\
pack:
  id: demo
  version: 2.0.0
  policy: demo
  in_force: {from: 2024-01-01, to: null}
  undated_deadline: "{plan_year+1}-02"
  undated_note: 年度工作的实施时间为当年2月到次年2月
  always_co_responsible: [区政府]
  units:
    市卫生健康委: {level: above, name: "{city}卫生健康委员会", counterpart: health_bureau}
    市医改办: {level: above, name: "{city}医改办"}
    区卫健局: {role: health_bureau}
    区政府: {role: government}
    甲区政府: {role: government, county: "110102"}
    医共体: {institution: consortia}
    牵头医院: {institution: consortia, name_fact: lead_hospital_name}
rules:
"""

RULES = """\
- id: DM-101
  section: 一
  quote: 到2025年底,基层诊疗量占比达到65%以上
  requirement: {zh: 基层诊疗量占比≥65%, en: Grassroots share at least 65%.}
  require: {fact: grassroots_share, ge: 65}
  deadline: 2025-12-31
  lead: 市卫生健康委
- id: DM-102
  section: 三
  quote: 医共体应有章程或理事会
  requirement: {zh: 医共体有章程或理事会, en: A charter or a council.}
  for_each: consortia
  require: {any: [{fact: has_charter, eq: true}, {fact: has_council, eq: true}]}
  lead: 牵头医院
  co_responsible: [区卫健局, 甲区政府]
- id: DM-103
  section: 三
  quote: 中医医院牵头的医共体设立中医药管理部门
  requirement: {zh: 鼓励设立中医药管理部门, en: Encouraged.}
  for_each: consortia
  force: encouraged
  require: {fact: tcm_department, eq: true}
  lead: 医共体
- id: DM-104
  section: 二
  quote: 每个医共体实现人员、财务、业务统一管理
  requirement: {zh: 市医改办每季度督导检查, en: The city's reform office inspects quarterly.}
  scope: above
  require: {fact: quarterly_inspections, ge: 4}
  lead: 市医改办
- id: DM-105
  section: 二
  quote: 每个医共体实现人员、财务、业务统一管理
  requirement: {zh: 每季度开展1次督导检查, en: One inspection a quarter.}
  periodic: {every: quarter, times: 1}
  require: {fact: quarterly_inspections, ge: 4}
  deadline: "{plan_year}-12-31"
  lead: 区卫健局
- id: DM-106
  section: 三
  quote: 医共体应有章程或理事会
  requirement: {zh: 医共体不超过2个 (一律), en: Irreversible.}
  require: {fact: consortium_count, le: 2}
  deadline: immediate
  lead: 区政府
- id: DM-107
  section: 三
  quote: 医共体应有章程或理事会
  requirement: {zh: 甲区政府负责, en: Only one district's task.}
  require: {fact: has_plan, eq: true}
  lead: 甲区政府
- id: DM-108
  section: 三
  quote: 医共体应有章程或理事会
  requirement: {zh: 没有期限的任务, en: Undated.}
  require: {fact: has_plan, eq: true}
  lead: 区卫健局
"""

EXTRA_FACTS = """\
facts:
  quarterly_inspections: {label: 本年度督导检查次数, type: integer, unit: 次, range: [0, 100]}
  has_plan: {label: 已制定方案, type: boolean}
  lead_hospital_name: {label: 牵头医院名称, type: text, scope: consortia}
"""


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    root = tmp_path_factory.mktemp("lib")
    shutil.copytree(DEMO_RULES.parent, root, dirs_exist_ok=True)
    shutil.copy(REPO / "rules" / "vocabulary" / "roles.yaml", root / "rules" / "vocabulary" / "roles.yaml")
    policy = root / "policies" / "demo" / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8") + '  - {name: 甲区, code: "110102"}\n', encoding="utf-8")
    (root / "rules" / "vocabulary" / "extra.yaml").write_text(EXTRA_FACTS, encoding="utf-8")
    (root / "rules" / "demo" / "2.0.0.yaml").write_text(HEAD + textwrap.indent(RULES, "  "), encoding="utf-8")
    return load_library(root / "rules")


def judge(library, tmp_path, facts: str, as_of: str, code: str | None = "110101", units: str = "", name: str = "示范区"):
    sheet = tmp_path / f"s{abs(hash((facts, as_of, code, units, name)))}.yaml"
    body = textwrap.indent(textwrap.dedent(facts).strip("\n"), "  ")
    code_line = f"  code: \"{code}\"\n" if code else ""
    sheet.write_text(f"county:\n  name: {name}\n{code_line}  city: 示范市\n  report_date: {as_of}\n"
                     f"{units}facts:\n{body}\n", encoding="utf-8")
    checked = check_sheet(sheet, CheckRequest(specs=("demo@2.0.0",)), library)
    return {(f["rule"], f["subject"]): f for f in checked.data["findings"]}, checked.data


FACTS = """
grassroots_share: 50
plan_year: 2025
has_plan: false
quarterly_inspections: 1
consortia:
  - {name: 甲医共体, lead_hospital_name: 示范区人民医院, has_charter: false, tcm_department: false}
"""


def test_a_city_body_named_as_lead_gives_the_work_to_the_county_and_guides(library, tmp_path):
    found, _ = judge(library, tmp_path, FACTS, "2026-01-10")
    f = found[("DM-101", "示范区")]
    assert f["lead"] == "示范区卫生健康局" and f["guide"] == ["示范市卫生健康委员会"]
    assert f["co_responsible"] == ["示范区人民政府"]


def test_an_institution_is_named_by_its_entry_and_another_countys_unit_never_appears(library, tmp_path):
    found, data = judge(library, tmp_path, FACTS, "2026-01-10")
    charter = found[("DM-102", "甲医共体")]
    assert charter["lead"] == "示范区人民医院"  # the entry's lead hospital, from the sheet
    assert charter["co_responsible"] == ["示范区卫生健康局", "示范区人民政府"]  # 甲区政府 dropped
    other = found[("DM-107", "示范区")]
    assert other["status"] == "not_applicable" and other["lead"] == "甲区政府"  # 甲区's own task, under its own name
    shown = [f for f in data["findings"] if f["status"] != "not_applicable"]
    units = {f["lead"] for f in shown} | {c for f in shown for c in f["co_responsible"]}
    assert not any("甲区" in u for u in units)


def test_the_one_county_whose_unit_it_is_gets_the_task(library, tmp_path):
    found, _ = judge(library, tmp_path, FACTS, "2026-03-10", code="110102")
    assert found[("DM-107", "示范区")]["status"] == "fail"
    assert found[("DM-107", "示范区")]["lead"] == "示范区人民政府"


def test_without_a_code_the_county_is_known_by_its_name(library, tmp_path):
    found, _ = judge(library, tmp_path, FACTS, "2026-03-10", code=None, name="甲区")
    assert found[("DM-107", "甲区")]["status"] == "fail"  # 甲区's own task
    found, _ = judge(library, tmp_path, FACTS, "2026-03-10", code=None)
    assert found[("DM-107", "示范区")]["status"] == "not_applicable"


def test_a_sheet_gives_its_own_department_names(library, tmp_path):
    found, _ = judge(library, tmp_path, FACTS, "2026-01-10", units="units:\n  health_bureau: 示范区卫生健康和体育局\n")
    assert found[("DM-101", "示范区")]["lead"] == "示范区卫生健康和体育局"


def test_encouraged_items_and_duties_above_the_county_are_not_its_gaps(library, tmp_path):
    found, data = judge(library, tmp_path, FACTS, "2026-03-10")
    assert found[("DM-103", "甲医共体")]["status"] == "fail" and found[("DM-103", "甲医共体")]["category"] == "encouraged"
    assert found[("DM-104", "示范区")]["category"] == "above"
    counted = {f["rule"] for f in data["findings"] if f["status"] == "fail" and f["category"] == "binding"}
    assert data["summary"]["fail"] == len([f for f in data["findings"]
                                           if f["status"] == "fail" and f["category"] == "binding"])
    assert "DM-103" not in counted and "DM-104" not in counted
    assert data["categories"]["encouraged"]["fail"] == 1 and data["categories"]["above"]["fail"] == 1
    # and no format calls them 未达标 where it lists them apart
    from checker.report import render

    for fmt, heading in (("text", "鼓励事项 ("), ("md", "鼓励事项 ("), ("html", "<h2>鼓励事项")):
        shown = render(fmt, data)
        apart = shown[shown.index(heading):]
        assert "未做到" in apart and "未达标]" not in apart and "| 未达标 |" not in apart, fmt


def test_undated_tasks_fall_due_at_the_end_of_the_plans_period(library, tmp_path):
    # The 2025 plan runs February 2025 to February 2026: in January 2026 an undated task is not overdue.
    found, _ = judge(library, tmp_path, FACTS, "2026-01-20")
    f = found[("DM-108", "示范区")]
    assert (f["status"], f["deadline"], f["deadline_source"]) == ("not_due", "2026-02-28", "plan")
    found, _ = judge(library, tmp_path, FACTS, "2026-03-01")
    assert found[("DM-108", "示范区")]["status"] == "fail"


def test_the_period_end_is_right_in_leap_years(library, tmp_path):
    found, _ = judge(library, tmp_path, FACTS.replace("plan_year: 2025", "plan_year: 2011"), "2012-02-28")
    f = found[("DM-108", "示范区")]
    assert (f["status"], f["deadline"], f["days"]) == ("not_due", "2012-02-29", 1)


def test_a_periodic_duty_with_a_missed_quarter_is_a_gap_before_the_year_ends(library, tmp_path):
    found, _ = judge(library, tmp_path, FACTS, "2025-06-30")  # two quarters ended, one inspection
    f = found[("DM-105", "示范区")]
    assert f["status"] == "fail" and "截至评估日应完成 2次" in f["shortfall"]
    # what is overdue is the quarter that ended, not the year that has not: 整改期限 is that quarter's end
    assert (f["deadline"], f["days"]) == ("2025-06-30", 0)
    found, _ = judge(library, tmp_path, FACTS, "2025-08-15")
    assert (found[("DM-105", "示范区")]["deadline"], found[("DM-105", "示范区")]["days"]) == ("2025-06-30", -46)
    found, _ = judge(library, tmp_path, FACTS.replace("quarterly_inspections: 1", "quarterly_inspections: 2"), "2025-06-30")
    assert found[("DM-105", "示范区")]["status"] == "not_due"
    found, _ = judge(library, tmp_path, FACTS, "2025-03-30")  # no quarter has ended yet
    assert found[("DM-105", "示范区")]["status"] == "not_due"


def test_an_irreversible_act_is_a_gap_as_soon_as_it_is_breached(library, tmp_path):
    facts = FACTS + "  - {name: 乙医共体, has_charter: true}\n  - {name: 丙医共体, has_charter: true}\n"
    found, _ = judge(library, tmp_path, facts, "2025-05-01")  # long before the plan's period ends
    f = found[("DM-106", "示范区")]
    assert f["status"] == "fail" and f["deadline"] is None and f["deadline_source"] == "immediate"


def test_a_breach_the_text_forbids_outright_is_to_be_rectified_at_once_in_every_format(library, tmp_path):
    from checker.report import render

    facts = FACTS + "  - {name: 乙医共体, has_charter: true}\n  - {name: 丙医共体, has_charter: true}\n"
    _, data = judge(library, tmp_path, facts, "2025-05-01")
    for fmt in ("html", "md", "text"):
        assert "立即整改" in render(fmt, data), fmt


def test_a_unit_not_in_the_packs_list_is_refused(library, tmp_path):
    root = Path(library.rules_dir).parent
    broken = root / "rules" / "demo" / "2.0.0.yaml"
    text = broken.read_text(encoding="utf-8")
    try:
        broken.write_text(text.replace("lead: 区政府\n", "lead: 区人民政府\n"), encoding="utf-8")
        with pytest.raises(RulePackError) as caught:
            load_library(root / "rules")
        assert "'区人民政府' is not in the pack's units" in caught.value.render()
    finally:
        broken.write_text(text, encoding="utf-8")


def test_the_original_script_quote_is_kept_for_audit(library, tmp_path):
    found, _ = judge(library, tmp_path, FACTS, "2026-01-10")
    assert found[("DM-101", "示范区")]["quote_original"] == found[("DM-101", "示范区")]["quote"]
    assert dt.date.fromisoformat(found[("DM-101", "示范区")]["deadline"]) == dt.date(2025, 12, 31)


def test_lint_flags_a_binding_rule_whose_quote_only_encourages(library):
    from checker.wording import modality_problems

    pack = library.resolve("demo@2.0.0", None)
    rule = pack.rule("DM-108")
    rule.quote, rule.note = "鼓励医共体设立理事会", ""
    try:
        found = [p.render() for p in modality_problems(pack)]
        assert any("DM-108" in m and "鼓励" in m for m in found), found
        rule.note = "该句虽用'鼓励', 但后句'应当'设立, 按约束性要求判定"
        assert not any("DM-108" in p.render() for p in modality_problems(pack))
        rule.quote = "医共体的等级评审"  # 等级 is not an illustrative list
        rule.note = ""
        assert not any("DM-108" in p.render() for p in modality_problems(pack))
    finally:
        rule.quote, rule.note = "医共体应有章程或理事会", ""


def test_the_template_lists_the_roles_and_a_blank_role_keeps_the_default(library, tmp_path):
    from checker.template import fact_sheet_template

    pack = library.resolve("demo@2.0.0", None)
    text = fact_sheet_template([pack], library.vocabulary, "示范区")
    assert "units:" in text and "  health_bureau:" in text and "文件称: 区卫健局" in text
    found, _ = judge(library, tmp_path, FACTS, "2026-01-10", units="units:\n  health_bureau:\n  government:\n")
    assert found[("DM-101", "示范区")]["lead"] == "示范区卫生健康局"


def test_an_unknown_role_in_a_sheet_is_refused_with_a_suggestion(library, tmp_path):
    from checker.errors import FactSheetError

    with pytest.raises(FactSheetError) as caught:
        judge(library, tmp_path, FACTS, "2026-01-10", units="units:\n  health_bureu: 示范区卫健局\n")
    assert "unknown role 'health_bureu'" in caught.value.render() and "health_bureau" in caught.value.render()


def test_lint_flags_a_note_that_speaks_to_authors(library):
    from checker.wording import note_problems

    pack = library.resolve("demo@2.0.0", None)
    rule = pack.rule("DM-108")
    try:
        rule.note = "按 has_plan 核查, 请审核"
        found = " ".join(p.render() for p in note_problems(pack))
        assert "DM-108" in found and "has_plan" in found and "请审核" in found
        rule.note = "以已印发方案核查"
        assert note_problems(pack) == []
    finally:
        rule.note = ""


def _monthly_monitoring(tmp_path, report_date: dt.date, months: int) -> str:
    """YZ-100 (月监控) on the Yunzhou example for reporting year 2023, judged on `report_date`."""
    import yaml

    from conftest import EXAMPLES

    sheet = yaml.safe_load((EXAMPLES / "yunzhou.yaml").read_text(encoding="utf-8"))
    sheet["county"]["report_date"] = report_date
    sheet["facts"]["reporting_year"] = 2023
    sheet["facts"]["performance_monitoring_months"] = months
    path = tmp_path / "云州区.yaml"
    path.write_text(yaml.safe_dump(sheet, allow_unicode=True), encoding="utf-8")
    found = check_sheet(path, CheckRequest(specs=("yunzhou-2023@2.1.0",))).data["findings"]
    return next(f for f in found if f["rule"] == "YZ-100")["status"]


@pytest.mark.parametrize("months, status", [(3, "not_due"), (2, "fail")])
def test_periods_before_the_text_came_into_force_are_not_owed(tmp_path, months, status):
    # yunzhou-2023 is in force from 2023-08-10: on 2023-11-15 a monthly duty owes August, September and
    # October, not the seven months of 2023 before the plan existed.
    assert _monthly_monitoring(tmp_path, dt.date(2023, 11, 15), months) == status


@pytest.mark.parametrize("months, status", [(5, "pass"), (4, "fail")])
def test_the_first_years_total_counts_only_the_periods_from_the_start(tmp_path, months, status):
    # judged after the end of 2023, the monthly duty owes August to December (5 months), not twelve.
    assert _monthly_monitoring(tmp_path, dt.date(2024, 1, 20), months) == status


def test_a_county_named_in_traditional_script_gets_its_departments_in_simplified(library, tmp_path):
    found, _ = judge(library, tmp_path, FACTS, "2026-01-10", name="示範區")
    f = found[("DM-101", "示範區")]
    assert f["lead"] == "示范区卫生健康局" and f["co_responsible"] == ["示范区人民政府"]
