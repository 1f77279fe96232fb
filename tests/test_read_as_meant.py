"""Every value a county clerk writes is read as meant or refused with the fix (issue 14, first half).

Each test here failed before the change it guards: YAML 1.1 readings (octal,
base 60, yes/no), Excel fractions for percentages, Chinese date forms, lists
typed on one line, traditional characters, full-width colons and near misses
of a county's name.
"""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import yaml

from checker.facts import load_fact_sheet
from checker.library import load_library
from conftest import DEMO_RULES, EXAMPLES, demo_sheet


def sheet_of(demo_library, write, facts: str, **kw):
    return load_fact_sheet(write("s.yaml", demo_sheet(facts, **kw)), demo_library.vocabulary)


def refused(cli, write, text: str, *extra: str):
    result = cli("run", write("c.yaml", text), "--rules", DEMO_RULES, "--format", "json", *extra)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.stderr
    return result.stderr


# --- numbers: YAML 1.2, never octal or base 60 -------------------------------------------------

def test_a_leading_zero_is_decimal_not_octal(demo_library, write):
    sheet = sheet_of(demo_library, write, "grassroots_share: 057")
    assert sheet.value("county", "grassroots_share") == 57  # YAML 1.1 read 057 as octal 47


def test_a_ratio_is_refused_not_read_in_base_60(cli, write):
    stderr = refused(cli, write, demo_sheet("grassroots_share: 1:7"))  # YAML 1.1: 1*60+7 = 67
    assert "c.yaml:6:3" in stderr and "'1:7' 不是单纯的数字" in stderr


def test_names_that_look_like_booleans_or_numbers_stay_text(demo_library, write):
    text = demo_sheet("consortia:\n  - {name: 0x10, has_charter: true}\n  - {name: 1e3, has_charter: true}\n"
                      "  - {name: On, has_charter: true}", name="No")
    sheet = load_fact_sheet(write("s.yaml", text), demo_library.vocabulary)
    assert sheet.county.name == "No"
    assert [s.name for s in sheet.subjects_of("consortia")] == ["0x10", "1e3", "On"]


def test_yes_and_no_still_answer_a_boolean_fact(demo_library, write):
    sheet = sheet_of(demo_library, write, "consortia:\n  - {name: 甲, has_charter: yes, has_council: no}")
    assert sheet.value("consortia#0", "has_charter") is True and sheet.value("consortia#0", "has_council") is False


# --- percentages pasted from Excel ---------------------------------------------------------------

def test_a_bare_fraction_for_a_percentage_is_refused_with_both_readings(cli, write):
    stderr = refused(cli, write, demo_sheet("grassroots_share: 0.2"))
    assert "c.yaml:6:3" in stderr
    assert "写 20% 或 0.2%" in stderr and "Write 20% or 0.2%" in stderr


@pytest.mark.parametrize("written, value", [("0.2%", 0.2), ("20%", 20), ("0", 0), ("'0.5 %'", 0.5), ("65", 65)])
def test_a_percentage_with_its_sign_or_at_least_one_is_read(demo_library, write, written, value):
    assert sheet_of(demo_library, write, f"grassroots_share: {written}").value("county", "grassroots_share") == value


# --- dates the way people write them -------------------------------------------------------------

@pytest.mark.parametrize("written", ["2025-11-30", "'2025-11-30'", "2025/11/30", "2025.11.30", "2025年11月30日",
                                     "2025年11月30", "'２０２５年１１月３０日'", "2025/11/30 "])
def test_report_dates_in_every_common_form(demo_library, write, written):
    sheet = sheet_of(demo_library, write, "grassroots_share: 70", report_date=written)
    assert sheet.county.report_date == dt.date(2025, 11, 30)


@pytest.mark.parametrize("written", ["'2025-02-30'", "2025-02-30"], ids=["quoted", "unquoted"])
def test_a_wrong_date_names_the_accepted_forms_and_does_not_contradict_itself(cli, write, written):
    stderr = refused(cli, write, demo_sheet("grassroots_share: 70", report_date=written))
    assert "2025 年 2 月 30 日, 该日期不存在" in stderr
    assert "ValueError" not in stderr and "out of range" not in stderr  # the parser's words are not the county's
    assert "2025年11月30日" in stderr  # the accepted forms
    assert "不是日期 (YYYY-MM-DD)" not in stderr  # the old message refused a date written exactly so


@pytest.mark.parametrize("as_of", ["2025年6月30日", "2025/06/30", "2025.6.30"])
def test_as_of_in_chinese_forms(cli, write, as_of):
    result = cli("run", write("c.yaml", demo_sheet("grassroots_share: 50")), "--rules", DEMO_RULES,
                 "--format", "json", "--as-of", as_of)
    assert result.exit_code in (0, 1), result.stderr
    assert json.loads(result.stdout)["as_of"] == "2025-06-30"


def test_as_of_day_first_is_refused_with_the_forms(cli, write):
    result = cli("run", write("c.yaml", demo_sheet("grassroots_share: 50")), "--rules", DEMO_RULES, "--as-of", "30/06/2025")
    assert result.exit_code == 2 and "--as-of: '30/06/2025' 不是可识别的日期" in result.stderr
    assert "2025/11/30" in result.stderr


def test_waiver_dates_in_chinese_forms(cli, write):
    waivers = write("w.yaml", "waivers:\n  - {rule: DM-001, document: 示卫复〔2025〕8号, approver: 示范市卫生健康委员会,\n"
                              "     justification: 整改中, start: 2025年1月1日, expiry: 2026/06/30}\n")
    result = cli("run", write("c.yaml", demo_sheet("grassroots_share: 50")), "--rules", DEMO_RULES,
                 "--format", "json", "--waivers", waivers)
    data = json.loads(result.stdout)
    finding = next(f for f in data["findings"] if f["rule"] == "DM-001")
    assert finding["status"] == "waived" and finding["waiver"]["expiry"] == "2026-06-30"


# --- lists typed on one line ---------------------------------------------------------------------

@pytest.mark.parametrize("written", ["人员、财务、业务", "人员，财务；业务", "[人员、财务, 业务]", "人员; 财务, 业务"])
def test_list_separators(demo_library, write, written):
    sheet = sheet_of(demo_library, write, f"consortia:\n  - name: 甲\n    unified: {written}")
    assert sheet.value("consortia#0", "unified") == frozenset({"人员", "财务", "业务"})


def test_allowed_values_are_quoted_so_a_separator_is_not_part_of_one(cli, write):
    stderr = refused(cli, write, demo_sheet("consortia:\n  - {name: 甲, unified: 人员、资产}"))
    assert "未识别 「资产」, 可选: 「人员」「财务」「业务」" in stderr


# --- traditional or simplified -------------------------------------------------------------------

def test_option_values_in_traditional_characters(demo_library, write):
    sheet = sheet_of(demo_library, write, "hospital_grade: 二級甲等\nconsortia:\n  - {name: 甲, unified: [人員, 財務]}")
    assert sheet.value("county", "hospital_grade") == "二级甲等"
    assert sheet.value("consortia#0", "unified") == frozenset({"人员", "财务"})


def test_shipped_option_in_traditional_characters():
    vocab = load_library().vocabulary
    fact = next(f for f in vocab.facts.values() if "政府办医责任清单" in f.values and f.type == "set")
    assert fact.parse("政府辦醫責任清單") == frozenset({"政府办医责任清单"})


def test_a_county_named_in_traditional_characters_gets_the_same_verdicts(cli, tmp_path):
    simplified = (EXAMPLES / "qingdao-laixi.yaml").read_text(encoding="utf-8")
    traditional = tmp_path / "laixi-t.yaml"
    traditional.write_text(simplified.replace("name: 莱西市", "name: 萊西市"), encoding="utf-8")
    runs = [json.loads(cli("run", path, "--format", "json").stdout) for path in (EXAMPLES / "qingdao-laixi.yaml", traditional)]
    # before: the county-name fact did not match, and the rules reading it turned to `missing`
    assert [f["status"] for f in runs[0]["findings"]] == [f["status"] for f in runs[1]["findings"]]
    assert runs[0]["summary"] == runs[1]["summary"]


def test_a_county_without_code_named_in_traditional_characters_finds_its_packs(cli, tmp_path):
    text = (EXAMPLES / "qingdao-laixi.yaml").read_text(encoding="utf-8").replace("name: 莱西市", "name: 萊西市")
    sheet = tmp_path / "c.yaml"
    sheet.write_text(re.sub(r"\n  code: .*", "", text), encoding="utf-8")
    result = cli("run", sheet, "--format", "json")
    assert result.exit_code in (0, 1), result.stderr
    assert [p["id"] for p in json.loads(result.stdout)["packs"]] == ["qingdao-2025"]


def test_an_unmatched_option_says_so_with_the_choices(cli, write):
    stderr = refused(cli, write, demo_sheet("hospital_grade: 特级"))
    assert "「特级」 不是允许的取值, 可选: 「一级」「二级乙等」「二级甲等」「三级」" in stderr


# --- full-width colon ----------------------------------------------------------------------------

def test_a_full_width_colon_is_named_at_its_line(cli, write):
    text = demo_sheet("grassroots_share: 70\nconsortia:\n  - name: 甲\n    has_charter：true")
    stderr = refused(cli, write, text)
    assert "c.yaml:9:18:" in stderr and "'has_charter' 后面用了全角冒号 '：'" in stderr


def test_a_full_width_colon_inside_text_is_fine(demo_library, write):
    sheet = sheet_of(demo_library, write, "consortia:\n  - {name: '甲：一号', has_charter: true}")
    assert sheet.subjects_of("consortia")[0].name == "甲：一号"


# --- near misses of a county's name --------------------------------------------------------------

@pytest.mark.parametrize("typed", ["即墨", "即墨县"])
def test_template_county_near_miss_gets_did_you_mean_and_the_places(cli, typed):
    result = cli("template", "--county", typed)
    assert result.exit_code == 2
    assert "您是否想写 即墨区?" in result.stderr and "Did you mean 即墨区?" in result.stderr
    assert "qingdao-2025: 黄岛区、城阳区、即墨区、胶州市、平度市、莱西市" in result.stderr


@pytest.mark.parametrize("typed", ["即墨区 ", "卽墨區", " 即墨区"])
def test_template_county_with_spaces_or_traditional_characters(cli, typed):
    result = cli("template", "--county", typed)
    assert result.exit_code == 0, result.stderr
    assert "  name: 即墨区\n" in result.stdout and "qingdao-2025" in result.stdout


def test_run_near_miss_gets_did_you_mean(cli, tmp_path):
    sheet = tmp_path / "c.yaml"
    sheet.write_text("county:\n  name: 即墨\n  report_date: 2025-11-30\nfacts: {}\n", encoding="utf-8")
    result = cli("run", sheet)
    assert result.exit_code == 2 and "c.yaml: 错误: 没有按辖区适用于 '即墨' 的规则包。 您是否想写 即墨区?" in result.stderr


def test_a_code_that_contradicts_the_name_says_which(cli, tmp_path):
    sheet = tmp_path / "c.yaml"
    sheet.write_text('county:\n  name: 莱西市\n  code: "370283"\n  report_date: 2025-11-30\nfacts: {}\n', encoding="utf-8")
    result = cli("run", sheet)
    assert result.exit_code == 2
    assert "name '莱西市' 是莱西市 (代码 370285), 而 code 370283 是平度市的代码" in result.stderr


def test_an_official_alias_matches(tmp_path):
    import shutil

    shutil.copytree(DEMO_RULES.parent, tmp_path / "lib")
    policy = tmp_path / "lib" / "policies" / "demo" / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace('{name: 示范区, code: "110101"}',
                                                                  '{name: 示范区, code: "110101", aliases: [老城区]}'),
                      encoding="utf-8")
    library = load_library(tmp_path / "lib" / "rules")
    assert [p.id for p in library.for_county("老城區", None, None)] == ["demo"]


# --- the same pack asked for twice ---------------------------------------------------------------

def test_a_pack_requested_twice_by_the_sheet_is_applied_once(cli, write):
    text = demo_sheet("grassroots_share: 50", name="别的区", code="110102").replace("facts:", "packs: [demo, demo]\nfacts:")
    data = json.loads(cli("run", write("c.yaml", text), "--rules", DEMO_RULES, "--format", "json").stdout)
    assert [p["id"] for p in data["packs"]] == ["demo"]
    assert len([f for f in data["findings"] if f["rule"] == "DM-001"]) == 1


def test_a_waiver_names_its_entry_in_either_script_and_bracket_width(cli, write):
    facts = "consortia:\n  - {name: 甲医共体(一), unified: [人员, 财务, 业务], lump_sum_payment: false}"
    waivers = write("w.yaml", "waivers:\n  - {rule: DM-002, subject: 甲醫共體（一）, document: 示卫复〔2025〕8号,\n"
                              "     approver: 示范市卫生健康委员会, justification: 整改中, start: 2025-01-01, expiry: 2026-06-30}\n")
    result = cli("run", write("c.yaml", demo_sheet(facts)), "--rules", DEMO_RULES, "--format", "json", "--waivers", waivers)
    finding = next(f for f in json.loads(result.stdout)["findings"] if f["rule"] == "DM-002")
    assert finding["status"] == "waived", result.stderr


def test_a_name_the_pack_does_not_recognise_says_so_with_the_choices(cli, tmp_path):
    text = (EXAMPLES / "qingdao-laixi.yaml").read_text(encoding="utf-8").replace("name: 莱西市", "name: 萊西")
    text = "\n".join(line for line in text.splitlines() if not line.strip().startswith("code:")) + "\n"
    sheet = tmp_path / "c.yaml"
    sheet.write_text(text, encoding="utf-8")
    result = cli("run", sheet, "--format", "json")
    # no code to decide it, and 萊西 is no place's name: refused, naming the places the packs cover
    assert result.exit_code == 2, result.stderr
    assert "没有按辖区适用于 '萊西' 的规则包" in result.stderr and "莱西市" in result.stderr


@pytest.mark.parametrize("name, code", [("青岛西海岸新区", "370211"), ("西海岸新区", None), ("萊西", "370285")])
def test_the_texts_name_for_a_county_comes_from_its_code_or_an_official_alternative(cli, tmp_path, name, code):
    # A code match always wins; without a code, a jurisdiction's aliases (青岛西海岸新区 for 黄岛区) are accepted.
    sheet = yaml.safe_load((EXAMPLES / "qingdao-laixi.yaml").read_text(encoding="utf-8"))
    sheet["county"]["name"] = name
    if code:
        sheet["county"]["code"] = code
    else:
        sheet["county"].pop("code", None)
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(sheet, allow_unicode=True), encoding="utf-8")
    result = cli("run", path, "--format", "json")
    assert result.exit_code in (0, 1), result.stderr
    data = json.loads(result.stdout)
    assert data["packs"][0]["id"] == "qingdao-2025"
    assert not [f for f in data["findings"] if f["status"] == "missing" and "所属区市" in " ".join(f["missing"])]


# --- what a clerk types for "none", for a share of 1, and for one entry twice ------------------------

def test_a_bare_1_for_a_percentage_is_refused_like_any_excel_fraction(cli, write):
    # Excel stores 100% as 1: read as 1%, a met 100% target became a gap.
    stderr = refused(cli, write, demo_sheet("grassroots_share: 1"))
    assert "写 100% 或 1%" in stderr


@pytest.mark.parametrize("written", ["暂无", "没有", "（无）", "无"])
def test_a_list_whose_one_entry_says_none_is_an_empty_list(demo_library, write, written):
    sheet = sheet_of(demo_library, write, f"consortia:\n  - name: {written}")
    assert sheet.subjects_of("consortia") == []
    assert sheet.value("county", "consortium_count") == 0  # none, as [] says: not a consortium named 暂无


def test_a_none_word_among_real_entries_is_refused(cli, write):
    stderr = refused(cli, write, demo_sheet("consortia:\n  - {name: 甲医共体, has_charter: true}\n  - name: 暂无"))
    assert "表示没有" in stderr and "consortia: []" in stderr


@pytest.mark.parametrize("blank", ['""', '[""]', '"、"'])
def test_a_blank_multiple_choice_is_refused_not_read_as_none_of_them(cli, write, blank):
    stderr = refused(cli, write, demo_sheet(f"consortia:\n  - {{name: 甲医共体, unified: {blank}}}"))
    assert "未填写任何选项" in stderr and "[]" in stderr


def test_none_of_the_choices_is_written_无_and_read_as_an_empty_set(demo_library, write):
    sheet = sheet_of(demo_library, write, "consortia:\n  - {name: 甲医共体, unified: 无}")
    assert sheet.value("consortia#0", "unified") == frozenset()


def test_one_entry_written_twice_in_two_scripts_is_refused_as_a_repeat(cli, write):
    stderr = refused(cli, write, demo_sheet("consortia:\n  - {name: 甲医院医共体, has_charter: true}\n"
                                            "  - {name: 甲醫院醫共體, has_charter: true}\n  - {name: 甲医院 医共体, has_charter: true}"))
    assert stderr.count("重复") == 2


def test_a_full_width_code_is_the_code(demo_library, write):
    sheet = sheet_of(demo_library, write, "grassroots_share: 60%", code="１１０１０１")
    assert sheet.county.code == "110101"


def test_a_short_county_name_with_its_code_is_named_as_the_code_says(cli, tmp_path):
    # 莱西 and 莱西县 (its name until 1990) with 370285: every department is 莱西市's, not 莱西县卫生健康局.
    for name in ("莱西", "莱西县"):
        sheet = yaml.safe_load((EXAMPLES / "qingdao-laixi.yaml").read_text(encoding="utf-8"))
        sheet["county"]["name"] = name
        path = tmp_path / "c.yaml"
        path.write_text(yaml.safe_dump(sheet, allow_unicode=True), encoding="utf-8")
        result = cli("run", path, "--format", "json")
        assert result.exit_code in (0, 1), result.stderr
        data = json.loads(result.stdout)
        assert data["county"]["name"] == "莱西市"
        assert {f["lead"] for f in data["findings"] if f["scope"] == "county"} >= {"莱西市卫生健康局"}
        assert not any(name + "卫生健康局" in f["lead"] for f in data["findings"] if name != "莱西市")


def test_an_open_range_is_said_as_at_least_not_as_none(cli, tmp_path):
    # a count of meetings has no upper bound: "0–None次" was printed
    text = (EXAMPLES / "qingdao-laixi.yaml").read_text(encoding="utf-8")
    path = tmp_path / "c.yaml"
    path.write_text(re.sub(r"exec_meetings_on_consortia: \d+", "exec_meetings_on_consortia: -1", text), encoding="utf-8")
    result = cli("run", path, "--format", "json")
    assert result.exit_code == 2 and "超出允许范围 ≥ 0次" in result.stderr and "None" not in result.stderr


def test_a_number_with_a_unit_other_than_percent_is_told_to_drop_the_sign(cli, tmp_path):
    # a change in 个百分点 written 3.2%: the fix used to suggest "65%", which this fact refuses too
    text = (EXAMPLES / "reform-county.yaml").read_text(encoding="utf-8")
    path = tmp_path / "c.yaml"
    path.write_text(text.replace("grassroots_outpatient_share_change: 3.2 ", "grassroots_outpatient_share_change: 3.2%"),
                    encoding="utf-8")
    result = cli("run", path, "--format", "json")
    assert result.exit_code == 2 and "如 65 (单位 个百分点)" in result.stderr and "65%" not in result.stderr


# --- a development zone's kind -------------------------------------------------------------------

@pytest.mark.parametrize("written", ["功能区", "开发区", "经济技术开发区", "高新区", "产业园"])
def test_a_development_zone_written_as_it_calls_itself_is_a_functional_zone(demo_library, write, written):
    """A zone's clerk writes 开发区 or 高新区; every such zone is a 功能区, governed by its 管理委员会."""
    path = write("z.yaml", demo_sheet("grassroots_share: 70").replace("county:\n", f"county:\n  kind: {written}\n", 1))
    assert load_fact_sheet(path, demo_library.vocabulary).county.kind == "功能区"


def test_a_kind_that_is_no_kind_is_still_refused(cli, write):
    stderr = refused(cli, write, demo_sheet("grassroots_share: 70").replace("county:\n", "county:\n  kind: 新区\n", 1))
    assert "kind '新区'" in stderr
