"""Bad input: every problem is exit 2 with file:line and a bilingual message, never a traceback,
and never a report half-written over a good one."""
from __future__ import annotations

import pytest

from conftest import DEMO_RULES, demo_sheet

HEAD = 'county:\n  name: 示范区\n  code: "110101"\n  report_date: 2025-12-31\n'


@pytest.mark.parametrize("body, expected", [
    # YAML syntax
    (HEAD + "facts:\n  grassroots_share: [65\n", ["c.yaml:7:1:", "YAML 语法错误", "YAML syntax error"]),
    # wrong type
    (HEAD + "facts:\n  hospital_grade: 二级\n", ["c.yaml:6:3:", "不是允许的取值", "is not one of the allowed values 「一级」「二级乙等」「二级甲等」「三级」"]),
    (HEAD + "facts:\n  consortia:\n    - {name: 甲, lump_sum_payment: 也许}\n", ["c.yaml:7:", "expected true or false"]),
    # out of range
    (HEAD + "facts:\n  grassroots_share: 165\n", ["c.yaml:6:3:", "超出允许范围 0–100%", "outside the allowed range"]),
    # unknown fact, with did-you-mean by name and by Chinese label (traditional characters too)
    (HEAD + "facts:\n  grasroots_share: 65\n", ["c.yaml:6:3:", "未知的事实名 'grasroots_share'", "did you mean 'grassroots_share' (基层诊疗量占比)?"]),
    (HEAD + "facts:\n  基層診療量占比: 65\n", ["c.yaml:6:3:", "did you mean 'grassroots_share'"]),
    # duplicate keys name both lines
    (HEAD + "facts:\n  grassroots_share: 65\n  grassroots_share: 70\n", ["c.yaml:7:3:", "lines 6 and 7", "第 6 行和第 7 行"]),
    # empty file; a list where a mapping belongs
    ("", ["c.yaml:1:", "文件为空", "the file is empty"]),
    ("- a\n- b\n", ["c.yaml:1:", "fact sheet is a mapping"]),
    (HEAD + "facts:\n  - grassroots_share: 65\n", ["c.yaml:5:", "'facts:' must be a mapping"]),
    (HEAD + "facts:\n  consortia: {name: 甲}\n", ["c.yaml:6:", "must be a list"]),
    # ambiguous numbers are refused, never misread
    (HEAD + "facts:\n  grassroots_share: 65%以上\n", ["c.yaml:6:3:", "不是单纯的数字", "以上"]),
    # county block
    ("facts:\n  grassroots_share: 65\n", ["c.yaml:1:", "缺少 'county:' 块"]),
    ('county:\n  name: 示范区\n  code: 11010\n  report_date: 2025-12-31\n', ["c.yaml:3:", "6 位行政区划代码"]),
    # a fact the rules conclude cannot be submitted
    (HEAD + "facts:\n  consortia:\n    - {name: 甲, fully_unified: true}\n", ["c.yaml:7:", "由规则推导得出"]),
    # YAML tags and alias bombs
    (HEAD + "facts:\n  grassroots_share: !!python/object/apply:os.system [ls]\n", ["c.yaml:6:", "YAML 标签"]),
    (HEAD + "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
            "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n", ["别名", "aliases"]),
])
def test_fact_sheet_problems(cli, write, body, expected):
    sheet = write("c.yaml", body)
    result = cli("run", sheet, "--rules", DEMO_RULES, "--format", "json")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.stderr and result.stdout == ""
    for text in expected:
        assert text in result.stderr, result.stderr


def test_all_problems_of_a_file_are_reported_at_once(cli, write):
    sheet = write("c.yaml", HEAD + "facts:\n  grassroots_share: 165\n  plan_yaer: 2025\n  hospital_grade: 特级\n")
    result = cli("run", sheet, "--rules", DEMO_RULES)
    assert result.exit_code == 2
    assert [line.split(":")[1] for line in result.stderr.splitlines() if line.startswith(str(sheet))] == ["6", "7", "8"]


@pytest.mark.parametrize("value, expected", [("６５．５％", 65.5), ("65.5%", 65.5), ("65.5", 65.5), ('"1,065"', None)])
def test_full_width_and_percent_forms_parse_exactly(cli, write, value, expected):
    sheet = write("c.yaml", HEAD + f"facts:\n  grassroots_share: {value}\n")
    result = cli("run", sheet, "--rules", DEMO_RULES, "--format", "json")
    if expected is None:  # 1065 is out of range for a percentage: refused, not misread as 1.065
        assert result.exit_code == 2 and "1065" in result.stderr
    else:
        assert result.exit_code == 0 and '"actual": "65.5%"' in result.stdout


def test_gbk_file_is_read_and_noted(cli, write):
    sheet = write("c.yaml", (HEAD + "facts:\n  grassroots_share: 70\n").encode("gbk"))
    result = cli("run", sheet, "--rules", DEMO_RULES, "--format", "json")
    assert result.exit_code == 0 and "GB18030" in result.stdout


def test_utf8_bom_is_accepted_and_utf16_refused(cli, write):
    ok = write("bom.yaml", b"\xef\xbb\xbf" + (HEAD + "facts:\n  grassroots_share: 70\n").encode())
    assert cli("run", ok, "--rules", DEMO_RULES, "--format", "json").exit_code == 0
    bad = write("u16.yaml", (HEAD + "facts: {}\n").encode("utf-16"))
    result = cli("run", bad, "--rules", DEMO_RULES, "--format", "json")
    assert result.exit_code == 2 and "UTF-8" in result.stderr


def test_oversized_file_is_refused_before_parsing(cli, write):
    sheet = write("big.yaml", HEAD + "facts:\n" + "# padding\n" * 300_000)
    result = cli("run", sheet, "--rules", DEMO_RULES)
    assert result.exit_code == 2 and "limit" in result.stderr


def test_missing_file_and_bad_as_of(cli, write, tmp_path):
    result = cli("run", tmp_path / "nope.yaml", "--rules", DEMO_RULES)
    assert result.exit_code == 2 and "找不到文件" in result.stderr
    sheet = write("c.yaml", demo_sheet("grassroots_share: 70"))
    result = cli("run", sheet, "--rules", DEMO_RULES, "--as-of", "2025-13-01")
    assert result.exit_code == 2 and "--as-of" in result.stderr


def test_bad_input_never_overwrites_a_good_report(cli, write, tmp_path):
    out = tmp_path / "r.html"
    good = write("good.yaml", demo_sheet("grassroots_share: 50"))
    assert cli("run", good, "--rules", DEMO_RULES, "-o", out).exit_code == 1
    before = out.read_bytes()
    bad = write("bad.yaml", HEAD + "facts:\n  grassroots_share: lots\n")
    assert cli("run", bad, "--rules", DEMO_RULES, "-o", out).exit_code == 2
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".r.html")] == []


def test_output_into_a_missing_folder_is_refused_before_work(cli, write, tmp_path):
    sheet = write("c.yaml", demo_sheet("grassroots_share: 50"))
    result = cli("run", sheet, "--rules", DEMO_RULES, "-o", tmp_path / "no" / "r.html")
    assert result.exit_code == 2 and "does not exist" in result.stderr
