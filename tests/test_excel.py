"""Fact sheets as Excel workbooks: read like YAML, errors at the cell, round trips with YAML, the template."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from checker.convert import packs_for_sheet, sheet_to_yaml, workbook_spec
from checker.facts import load_fact_sheet
from checker.library import load_library
from checker.pipeline import CheckRequest, check_sheet
from checker.report import render
from checker.workbook_template import write_workbook
from conftest import DEMO_RULES, EXAMPLES

SHEETS = sorted(EXAMPLES.glob("*.yaml"))


@pytest.fixture(scope="module")
def library():
    return load_library(None)


def _as_workbook(yaml_path: Path, library, target: Path) -> Path:
    sheet = load_fact_sheet(yaml_path, library.vocabulary)
    target.write_bytes(write_workbook(workbook_spec(packs_for_sheet(library, sheet), library.vocabulary, previous=sheet)))
    return target


def _same_facts(a, b) -> None:
    assert a.values == b.values
    assert a.county == b.county
    assert [(s.key, s.name) for s in a.subjects] == [(s.key, s.name) for s in b.subjects]
    assert (a.requested_packs, a.units) == (b.requested_packs, b.units)


# -- round trips -------------------------------------------------------------------

@pytest.mark.parametrize("example", SHEETS, ids=lambda p: p.stem)
def test_every_example_survives_yaml_to_xlsx_to_yaml(example, library, tmp_path):
    original = load_fact_sheet(example, library.vocabulary)
    book = _as_workbook(example, library, tmp_path / f"{example.stem}.xlsx")
    from_book = load_fact_sheet(book, library.vocabulary)
    back = tmp_path / f"{example.stem}.yaml"
    back.write_text(sheet_to_yaml(from_book, library.vocabulary), encoding="utf-8")
    _same_facts(original, from_book)
    _same_facts(original, load_fact_sheet(back, library.vocabulary))


@pytest.mark.parametrize("example", SHEETS, ids=lambda p: p.stem)
def test_every_example_as_xlsx_gives_the_same_report(example, library, tmp_path):
    book = _as_workbook(example, library, tmp_path / f"{example.stem}.xlsx")
    from_yaml = check_sheet(example, CheckRequest()).data
    from_book = check_sheet(book, CheckRequest()).data
    assert from_book["input"] == book.name
    assert from_book["input_sha256"] == hashlib.sha256(book.read_bytes()).hexdigest()
    for data in (from_yaml, from_book):
        del data["input"], data["input_sha256"]
    assert json.dumps(from_yaml, ensure_ascii=False, sort_keys=True) == json.dumps(from_book, ensure_ascii=False, sort_keys=True)


def test_the_shipped_workbook_matches_its_yaml(library):
    shipped = EXAMPLES / "qingdao-pingdu.xlsx"
    _same_facts(load_fact_sheet(EXAMPLES / "qingdao-pingdu.yaml", library.vocabulary),
                load_fact_sheet(shipped, library.vocabulary))


def test_html_provenance_names_the_workbook_and_its_hash(tmp_path, library):
    book = _as_workbook(EXAMPLES / "qingdao-pingdu.yaml", library, tmp_path / "平度市.xlsx")
    html = render("html", check_sheet(book, CheckRequest()).data)
    assert f"平度市.xlsx · sha256 {hashlib.sha256(book.read_bytes()).hexdigest()}" in html


def test_convert_both_ways_on_the_command_line(cli, tmp_path):
    book, back = tmp_path / "平度市.xlsx", tmp_path / "平度市.yaml"
    assert cli("convert", EXAMPLES / "qingdao-pingdu.yaml", "-o", book).exit_code == 0
    assert cli("convert", book, "-o", back).exit_code == 0
    vocab = load_library(None).vocabulary
    _same_facts(load_fact_sheet(EXAMPLES / "qingdao-pingdu.yaml", vocab), load_fact_sheet(back, vocab))


def test_the_same_sheet_gives_the_same_workbook_bytes(cli, tmp_path):
    # Determinism: no save-time stamp in the document properties or the zip entries (both have 1 s steps).
    import time

    first, second = tmp_path / "1.xlsx", tmp_path / "2.xlsx"
    assert cli("convert", EXAMPLES / "qingdao-pingdu.yaml", "-o", first).exit_code == 0
    time.sleep(2.1)
    assert cli("convert", EXAMPLES / "qingdao-pingdu.yaml", "-o", second).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    # and the shipped workbook is what convert writes for the shipped YAML
    assert first.read_bytes() == (EXAMPLES / "qingdao-pingdu.xlsx").read_bytes()


def test_convert_never_overwrites_its_input_and_asks_before_replacing(cli, tmp_path):
    book, other = tmp_path / "a.xlsx", tmp_path / "b.yaml"
    assert cli("convert", EXAMPLES / "qingdao-pingdu.yaml", "-o", book).exit_code == 0
    before = book.read_bytes()
    result = cli("convert", book, "-o", book, "--force")
    assert result.exit_code == 2 and "不会覆盖输入文件" in result.output and book.read_bytes() == before
    other.write_text("keep me", encoding="utf-8")
    result = cli("convert", book, "-o", other)
    assert result.exit_code == 2 and "已存在" in result.output and other.read_text(encoding="utf-8") == "keep me"
    assert cli("convert", book, "-o", other, "--force").exit_code == 0
    assert "county:" in other.read_text(encoding="utf-8")


def test_run_and_batch_take_workbooks(cli, tmp_path, library):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "laixi.yaml").write_bytes((EXAMPLES / "qingdao-laixi.yaml").read_bytes())
    _as_workbook(EXAMPLES / "qingdao-pingdu.yaml", library, folder / "pingdu.xlsx")
    run = cli("run", folder / "pingdu.xlsx", "--format", "json")
    assert run.exit_code in (0, 1) and '"input": "pingdu.xlsx"' in run.output
    (folder / "~$pingdu.xlsx").write_bytes(b"lock")  # Excel's lock file beside an open workbook: not a sheet
    out = tmp_path / "out"
    result = cli("batch", folder, "-o", out, "--format", "json", "-j", "1")
    assert result.exit_code in (0, 1), result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["counts"]["judged"] == 2 and not summary["unreadable"]
    assert (out / "pingdu.xlsx.json").is_file()


# -- a workbook not written by policycheck ------------------------------------------------

def _foreign_workbook(path: Path) -> Path:
    """What a clerk might build by hand: labels only, a merged heading, a formula, formats, stray spaces, a hidden row."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    percent, date = book.add_format({"num_format": "0.0%"}), book.add_format({"num_format": "yyyy年m月d日"})
    info = book.add_worksheet("基本信息")
    info.write_row(0, 0, ["项目", "填写值"])
    info.write_row(1, 0, ["县(市、区)名称", "示范区 "])
    info.write_row(2, 0, ["行政区划代码", 110101])
    info.write(3, 0, "数据截止日期")
    info.write_datetime(3, 1, dt.datetime(2025, 12, 31), date)
    facts = book.add_worksheet("事实")
    facts.write(0, 0, "2025 年度填报")  # a title above the header row
    facts.write_row(1, 0, ["事实", "填写值", "备注"])
    facts.merge_range(2, 0, 2, 2, "一、基本情况")
    facts.write(3, 0, "基层诊疗量占比")
    facts.write_number(3, 1, 0.615, percent)
    facts.write(5, 0, "计划年度")  # after a blank row
    facts.write_formula(5, 1, "=2020+5", None, 2025)  # as Excel saves it: the formula and its result
    facts.write(6, 0, "县医院等级")
    facts.write(6, 1, "二级甲等  ")
    facts.set_row(6, None, None, {"hidden": True})
    consortia = book.add_worksheet("县域医共体")
    consortia.write_row(0, 0, ["名称", "实行医保基金总额付费", "已统一管理的事项"])
    consortia.write_row(1, 0, ["甲医共体", "是", "人员、财务"])
    consortia.write_row(3, 0, ["乙医共体", "否 ", ""])
    book.close()
    return path


def test_a_workbook_written_by_another_program_reads_as_meant(demo_library, tmp_path):
    sheet = load_fact_sheet(_foreign_workbook(tmp_path / "示范区.xlsx"), demo_library.vocabulary)
    assert sheet.county.name == "示范区" and sheet.county.code == "110101"
    assert sheet.county.report_date == dt.date(2025, 12, 31)
    county = sheet.values["county"]
    assert county["grassroots_share"] == 61.5  # 0.615 shown as 61.5%, not 0.615%
    assert county["plan_year"] == 2025  # the formula's saved result
    assert county["hospital_grade"] == "二级甲等"  # hidden, with trailing spaces
    assert [s.name for s in sheet.subjects_of("consortia")] == ["甲医共体", "乙医共体"]
    first, second = (sheet.values[s.key] for s in sheet.subjects_of("consortia"))
    assert first == {"lump_sum_payment": True, "unified": frozenset({"人员", "财务"})}
    assert second == {"lump_sum_payment": False}
    assert county["consortium_count"] == 2


# -- errors, each at its cell -------------------------------------------------------------

def _demo_template(cli, path: Path) -> Path:
    result = cli("template", "--rules", DEMO_RULES, "-p", "demo", "--county", "示范区", "-o", path)
    assert result.exit_code == 0, result.output
    return path


def _fill(path: Path, facts: dict | None = None, consortia: list[dict] | None = None, report_date="2025-12-31") -> Path:
    """Type values into a template the way a clerk would, by the grey key beside each row."""
    book = load_workbook(path)
    for key, value in (("report_date", report_date), ("code", "110101")):
        for row in book["基本信息"].iter_rows(min_row=2):
            if row[0].value == key:
                row[2].value = value
    for row in book["事实"].iter_rows(min_row=2):
        if row[0].value in (facts or {}):
            row[2].value = facts[row[0].value]
    sheet = book["县域医共体"]
    keys = [c.value for c in sheet[2]]
    for index, entry in enumerate(consortia or []):
        for key, value in entry.items():
            sheet.cell(3 + index, keys.index(key) + 1, value)
    book.save(path)
    return path


def _row_of(path: Path, sheet: str, key: str) -> int:
    return next(r[0].row for r in load_workbook(path)[sheet].iter_rows(min_row=2) if r[0].value == key)


def test_text_in_a_number_cell_names_the_cell_and_the_label(cli, tmp_path):
    book = _fill(_demo_template(cli, tmp_path / "示范区.xlsx"), {"grassroots_share": "约67%"})
    result = cli("run", "--rules", DEMO_RULES, book)
    assert result.exit_code == 2
    row = _row_of(book, "事实", "grassroots_share")
    assert f"示范区.xlsx 事实!C{row} (基层诊疗量占比): 错误: '约67%' 不是单纯的数字" in result.output


def test_a_formula_without_a_saved_result_is_refused_at_its_cell(cli, tmp_path):
    book = _fill(_demo_template(cli, tmp_path / "f.xlsx"), {"plan_year": "=2020+5"})  # openpyxl saves no result
    result = cli("run", "--rules", DEMO_RULES, book)
    assert result.exit_code == 2
    assert f"事实!C{_row_of(book, '事实', 'plan_year')} (计划年度)" in result.output and "没有计算结果" in result.output


def test_an_unknown_fact_row_gets_did_you_mean(cli, tmp_path):
    book = _demo_template(cli, tmp_path / "u.xlsx")
    wb = load_workbook(book)
    wb["事实"].append(["grasroots_share", "基层诊疗量", 65])
    wb.save(book)
    result = cli("run", "--rules", DEMO_RULES, _fill(book))
    assert result.exit_code == 2
    assert f"事实!C{wb['事实'].max_row}" in result.output and "did you mean 'grassroots_share'" in result.output


def test_a_fact_given_twice_names_both_cells(cli, tmp_path):
    book = _fill(_demo_template(cli, tmp_path / "d.xlsx"), {"plan_year": 2025})
    wb = load_workbook(book)
    wb["事实"].append(["plan_year", "计划年度", 2026])
    wb.save(book)
    result = cli("run", "--rules", DEMO_RULES, book)
    first = _row_of(book, "事实", "plan_year")
    assert result.exit_code == 2 and f"事实!C{first} 和 事实!C{wb['事实'].max_row}" in result.output


def test_a_bad_value_in_a_collection_sheet_names_its_cell(cli, tmp_path):
    book = _fill(_demo_template(cli, tmp_path / "c.xlsx"), consortia=[{"name": "甲", "lump_sum_payment": "也许"}])
    keys = [c.value for c in load_workbook(book)["县域医共体"][2]]
    column = "ABCDEFGH"[keys.index("lump_sum_payment")]
    result = cli("run", "--rules", DEMO_RULES, book)
    assert result.exit_code == 2 and f"县域医共体!{column}3 (实行医保基金总额付费)" in result.output
    assert "也许" in result.output


def test_an_entry_named_twice_names_both_rows(cli, tmp_path):
    book = _fill(_demo_template(cli, tmp_path / "e.xlsx"), consortia=[{"name": "甲"}, {"name": "乙"}, {"name": "甲 "}])
    result = cli("run", "--rules", DEMO_RULES, book)
    assert result.exit_code == 2 and "县域医共体!A3 和 县域医共体!A5" in result.output


def test_numbers_and_yes_no_typed_as_text_go_through_the_yaml_parsing(cli, tmp_path, demo_library):
    book = _fill(_demo_template(cli, tmp_path / "t.xlsx"), {"plan_year": "２０２５", "grassroots_share": "65%"},
                 consortia=[{"name": "甲", "lump_sum_payment": "是", "unified": "人员,財務"}])
    sheet = load_fact_sheet(book, demo_library.vocabulary)
    assert sheet.values["county"]["plan_year"] == 2025 and sheet.values["county"]["grassroots_share"] == 65
    assert sheet.values["consortia#0"] == {"lump_sum_payment": True, "unified": frozenset({"人员", "财务"})}


def test_a_bare_fraction_in_an_unformatted_cell_is_ambiguous_as_in_yaml(cli, tmp_path):
    book = _fill(_demo_template(cli, tmp_path / "p.xlsx"), {"grassroots_share": 0.2})
    wb = load_workbook(book)
    wb["事实"].cell(_row_of(book, "事实", "grassroots_share"), 3).number_format = "General"
    wb.save(book)
    result = cli("run", "--rules", DEMO_RULES, book)
    assert result.exit_code == 2 and "无法确定是 20%" in result.output


@pytest.mark.parametrize("number_format", ['0.0"%"', '0.0\\%'])
def test_a_number_shown_with_a_literal_percent_sign_is_that_many_percent(tmp_path, cli, demo_library, number_format):
    # 0.0"%" shows 0.8 as 0.8%, unscaled; only a real percent format (0.0%) stores 0.8% as 0.008.
    book = _fill(_demo_template(cli, tmp_path / "lit.xlsx"), {"grassroots_share": 0.8})
    wb = load_workbook(book)
    wb["事实"].cell(_row_of(book, "事实", "grassroots_share"), 3).number_format = number_format
    wb.save(book)
    assert load_fact_sheet(book, demo_library.vocabulary).values["county"]["grassroots_share"] == 0.8


def test_excel_floating_point_residue_is_the_value_the_cell_shows(tmp_path, cli, demo_library):
    book = _fill(_demo_template(cli, tmp_path / "res.xlsx"), {"grassroots_share": 70.00000000000001})
    wb = load_workbook(book)
    wb["事实"].cell(_row_of(book, "事实", "grassroots_share"), 3).number_format = "0.0"
    wb.save(book)
    assert load_fact_sheet(book, demo_library.vocabulary).values["county"]["grassroots_share"] == 70


@pytest.mark.parametrize("written", ["无", "暂无", "（无）"])
def test_a_collection_sheet_that_says_none_has_no_entries(tmp_path, cli, demo_library, written):
    book = _fill(_demo_template(cli, tmp_path / "none.xlsx"), consortia=[{"name": written}])
    sheet = load_fact_sheet(book, demo_library.vocabulary)
    assert sheet.subjects_of("consortia") == [] and sheet.values["county"]["consortium_count"] == 0


def test_none_of_the_choices_survives_yaml_to_workbook_and_back(tmp_path, cli, demo_library, write):
    from conftest import demo_sheet

    source = write("none.yaml", demo_sheet("consortia:\n  - {name: 甲医共体, unified: []}"))
    book, back = tmp_path / "none.xlsx", tmp_path / "back.yaml"
    assert cli("convert", "--rules", DEMO_RULES, source, "-o", book).exit_code == 0
    assert cli("convert", "--rules", DEMO_RULES, book, "-o", back).exit_code == 0
    for path in (book, back):
        assert load_fact_sheet(path, demo_library.vocabulary).values["consortia#0"]["unified"] == frozenset()


def test_every_problem_of_a_workbook_is_reported_at_once(cli, tmp_path):
    book = _fill(_demo_template(cli, tmp_path / "all.xlsx"), {"grassroots_share": "约67%", "plan_year": "=1+1",
                                                              "hospital_grade": "特级"},
                 consortia=[{"name": "甲", "lump_sum_payment": "也许"}], report_date="2025-13-01")
    result = cli("run", "--rules", DEMO_RULES, book)
    assert result.exit_code == 2
    for expected in ("(基层诊疗量占比)", "(计划年度)", "(县医院等级)", "县域医共体!", "基本信息!C"):
        assert expected in result.output


@pytest.mark.parametrize("suffix", [".xls", ".et", ".csv"])
def test_other_spreadsheet_formats_are_refused_with_what_to_do(cli, tmp_path, suffix):
    path = tmp_path / f"平度市{suffix}"
    path.write_bytes(b"\xd0\xcf\x11\xe0 not read")
    result = cli("run", path)
    assert result.exit_code == 2 and "另存为" in result.output and ".xlsx" in result.output


def test_a_damaged_workbook_is_refused_not_crashed_on(cli, tmp_path):
    path = tmp_path / "坏.xlsx"
    path.write_bytes(b"PK\x03\x04 truncated")
    result = cli("run", path)
    assert result.exit_code == 2 and "不是可读取的 Excel 工作簿" in result.output


# -- the template ----------------------------------------------------------------------

def test_the_template_workbook_guides_the_clerk(cli, tmp_path):
    book = load_workbook(_demo_template(cli, tmp_path / "t.xlsx"))
    assert book.sheetnames[:4] == ["填表说明", "基本信息", "事实", "县域医共体"]
    assert book["选项"].sheet_state == "hidden"
    info = {r[0].value: r[2] for r in book["基本信息"].iter_rows(min_row=2)}
    assert info["name"].value == "示范区" and info["code"].number_format == "@"
    facts = book["事实"]
    assert facts.freeze_panes == "C2" and facts.protection.sheet
    rows = {r[0].value: r for r in facts.iter_rows(min_row=2)}
    share = rows["grassroots_share"]
    assert share[1].value == "基层诊疗量占比" and share[1].protection.locked
    assert not share[2].protection.locked and "%" in share[2].number_format
    validations = {str(v.sqref): v for v in facts.data_validations.dataValidation}
    by_cell = {cell: v for ref, v in validations.items() for cell in ref.split()}
    assert by_cell[share[2].coordinate].type == "decimal" and by_cell[share[2].coordinate].formula2 == "1"
    grade = rows["hospital_grade"][2].coordinate
    assert by_cell[grade].type == "list" and by_cell[grade].formula1.startswith("选项!")
    consortia = book["县域医共体"]
    lists = [v for v in consortia.data_validations.dataValidation if v.type == "list" and v.formula1 == '"是,否"']
    assert lists and consortia.freeze_panes == "B3"
    assert consortia["A1"].protection.locked and not consortia["A3"].protection.locked
    assert not consortia.column_dimensions["B"].protection.locked  # rows past the prepared ones stay writable


def test_an_unfilled_template_submits_nothing(cli, tmp_path, demo_library):
    sheet = load_fact_sheet(_fill(_demo_template(cli, tmp_path / "blank.xlsx")), demo_library.vocabulary)
    assert sheet.values == {"county": {}} and sheet.county.name == "示范区"


def test_the_output_name_picks_the_workbook_format(cli, tmp_path):
    result = cli("template", "--rules", DEMO_RULES, "-p", "demo", "-o", tmp_path / "x.xlsx")
    assert result.exit_code == 0 and load_workbook(tmp_path / "x.xlsx")["事实"]["C1"].value == "填写值"
    result = cli("template", "--rules", DEMO_RULES, "-p", "demo", "--format", "xlsx")
    assert result.exit_code == 2 and "-o" in result.output


def test_from_last_year_prefills_and_marks_dropped_facts(cli, tmp_path):
    text = (EXAMPLES / "qingdao-pingdu.yaml").read_text(encoding="utf-8")
    # A fact last year's sheet gave that the packs for this county no longer read.
    last = tmp_path / "last.yaml"
    last.write_text(text.replace("facts:\n", "facts:\n  urban_insurance_enrolment_rate: 92.3%\n", 1), encoding="utf-8")
    book = tmp_path / "this.xlsx"
    result = cli("template", "--from", last, "-o", book)
    assert result.exit_code == 0, result.output
    wb = load_workbook(book)
    rows = {r[0].value: r for r in wb["事实"].iter_rows(min_row=2)}
    assert rows["grassroots_visit_share"][2].value == pytest.approx(0.615)
    assert rows["urban_insurance_enrolment_rate"][6].value == "现行文件不再使用"
    assert rows["grassroots_visit_share"][6].value is None
    assert wb["县域医共体"]["A3"].value
    info = {r[0].value: r[2].value for r in wb["基本信息"].iter_rows(min_row=2)}
    assert info["name"] == "平度市" and info["report_date"] is None  # this year's date is for the clerk to give


def test_facts_the_current_packs_add_are_marked(library):
    sheet = load_fact_sheet(EXAMPLES / "qingdao-pingdu.yaml", library.vocabulary)
    packs = packs_for_sheet(library, sheet)
    spec = workbook_spec(packs, library.vocabulary, previous=sheet, before=[])  # last year judged by no pack
    given = set(sheet.values["county"])
    added = {n for n, mark in spec.changes.items() if mark == "新增"}
    assert added and not added & given
    assert all(n in {f.name for f in spec.facts} for n in added)


def test_an_unfilled_report_date_is_named_as_the_workbook_names_it(cli, tmp_path):
    book = tmp_path / "平度市.xlsx"
    assert cli("template", "--county", "平度市", "-o", book).exit_code == 0
    result = cli("run", book)
    assert result.exit_code == 2
    assert "「基本信息」表" in result.stderr and "数据截止日期" in result.stderr and "county:" not in result.stderr


def test_a_count_excel_turned_into_a_date_says_so_not_a_python_value(cli, tmp_path):
    # typing 1-2 in a General cell makes Excel store the date 1900-01-02
    book = _fill(_demo_template(cli, tmp_path / "date.xlsx"), {"plan_year": dt.datetime(1900, 1, 2)})
    result = cli("run", "--rules", DEMO_RULES, book)
    assert result.exit_code == 2
    assert "该值是日期或时间 (1900-01-02)" in result.output and "datetime" not in result.output


def test_choices_on_separate_lines_of_one_cell_are_separate_choices(tmp_path, cli, demo_library):
    book = _fill(_demo_template(cli, tmp_path / "lines.xlsx"), consortia=[{"name": "甲", "unified": "人员\n财务"}])
    assert load_fact_sheet(book, demo_library.vocabulary).values["consortia#0"]["unified"] == frozenset({"人员", "财务"})


@pytest.mark.parametrize("title, content, guess", [
    ("备注", ["联系人", "张三"], None),
    ("Sheet1", ["数据由办公室汇总"], None),
    ("医共体名单", ["甲", "是"], "县域医共体"),
], ids=["notes", "default-name", "renamed-list"])
def test_a_sheet_the_template_does_not_have_is_refused_as_a_sheet(cli, tmp_path, title, content, guess):
    """Notes on a sheet of their own, or a list sheet given a new name: the clerk is told it is a sheet
    the template does not have and what to do, never 'unknown fact', and no report is judged without it."""
    book = _fill(_demo_template(cli, tmp_path / "n.xlsx"), {"plan_year": 2025})
    wb = load_workbook(book)
    wb.create_sheet(title).append(content)
    wb.save(book)
    result = cli("run", "--rules", DEMO_RULES, book, "-o", tmp_path / "n.html")
    assert result.exit_code == 2 and not (tmp_path / "n.html").exists()
    assert f"{title}!A1" in result.output and f"工作表「{title}」不是模板中的表" in result.output
    assert "未知的事实名" not in result.output and "unknown fact" not in result.output
    assert "填表说明" in result.output
    assert (f"名单表「{guess}」" in result.output) == bool(guess)


def test_an_empty_extra_sheet_is_no_problem(cli, tmp_path):
    book = _fill(_demo_template(cli, tmp_path / "e.xlsx"), {"plan_year": 2025})
    wb = load_workbook(book)
    wb.create_sheet("Sheet2")
    wb.save(book)
    assert cli("run", "--rules", DEMO_RULES, book, "--format", "json").exit_code in (0, 1)
