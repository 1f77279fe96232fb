"""Reports: the same inputs give the same bytes, provenance is recorded, HTML is escaped."""
from __future__ import annotations

import hashlib
import json

import pytest

from conftest import DEMO_RULES, demo_sheet

FACTS = """
grassroots_share: 50
hospital_grade: 二级乙等
plan_year: 2025
consortia:
  - {name: 甲医共体, unified: [人员, 财务, 业务], lump_sum_payment: false, has_charter: true}
  - {name: 乙医共体, lead_is_tcm: true, tcm_department: false}
"""


@pytest.mark.parametrize("fmt", ["html", "json", "md", "text"])
def test_same_inputs_give_the_same_bytes(cli, write, tmp_path, fmt):
    sheet = write("c.yaml", demo_sheet(FACTS))
    outs = []
    for name in ("a", "b"):
        out = tmp_path / f"{name}.{fmt}"
        assert cli("run", sheet, "--rules", DEMO_RULES, "--format", fmt, "-o", out).exit_code == 1
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and len(outs[0]) > 500


def test_provenance_is_recorded(cli, write):
    sheet = write("c.yaml", demo_sheet(FACTS))
    data = json.loads(cli("run", sheet, "--rules", DEMO_RULES, "--format", "json").stdout)
    assert data["input_sha256"] == hashlib.sha256(sheet.read_bytes()).hexdigest()
    pack_file = DEMO_RULES / "demo" / "1.0.0.yaml"
    assert data["packs"][0]["sha256"] == hashlib.sha256(pack_file.read_bytes()).hexdigest()
    assert data["tool_version"] and data["as_of"] == "2025-12-31" and len(data["vocabulary_sha256"]) == 64
    html = cli("run", sheet, "--rules", DEMO_RULES, "--format", "html", "-o", sheet.with_suffix(".html"))
    text = sheet.with_suffix(".html").read_text(encoding="utf-8")
    assert data["input_sha256"] in text and data["packs"][0]["sha256"] in text and "demo@1.0.0" in text
    assert html.exit_code == 1


def test_html_groups_gaps_by_lead_unit_with_the_why_chain(cli, write, tmp_path):
    sheet = write("c.yaml", demo_sheet(FACTS))
    out = tmp_path / "r.html"
    cli("run", sheet, "--rules", DEMO_RULES, "-o", out)
    html = out.read_text(encoding="utf-8")
    assert "<h2>市医保局</h2>" in html and "<h2>市卫生健康委</h2>" in html
    assert "因 已实现统一管理 (甲医共体): 是" in html  # the derived fact that made DM-002 apply
    assert "待补充材料" in html and '配合 <span class="nw">市卫生健康委</span>、<span class="nw">区政府</span>' in html
    assert "http://" not in html and "https://" not in html  # works offline: nothing fetched


def test_names_are_escaped_in_html(cli, write, tmp_path):
    facts = "consortia:\n  - {name: '<script>alert(1)</script>', lead_is_tcm: true, tcm_department: false}"
    sheet = write("c.yaml", demo_sheet(facts, name="<b>区</b>"))
    out = tmp_path / "r.html"
    cli("run", sheet, "--rules", DEMO_RULES, "-o", out)
    html = out.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>区</b>" not in html


def test_markdown_and_text_carry_the_gaps_and_units(cli, write):
    sheet = write("c.yaml", demo_sheet(FACTS))
    for fmt in ("md", "text"):
        out = cli("run", sheet, "--rules", DEMO_RULES, "--format", fmt).stdout
        assert "DM-001" in out and "市卫生健康委" in out and "50%" in out and "65%" in out


def test_by_unit_writes_one_work_list_per_lead_unit(cli, write, tmp_path):
    sheet = write("c.yaml", demo_sheet(FACTS))
    out = tmp_path / "units"
    result = cli("run", sheet, "--rules", DEMO_RULES, "--by-unit", "-o", out)
    assert result.exit_code == 1
    # Every department that leads or supports a gap gets its list, named with the county;
    # 区政府 only supports (always co-responsible) and still gets one.
    assert sorted(p.name for p in out.iterdir()) == ["c.html", "示范区-整改任务清单-区政府.html",
                                                     "示范区-整改任务清单-市医保局.html", "示范区-整改任务清单-市卫生健康委.html"]
    insurance = (out / "示范区-整改任务清单-市医保局.html").read_text(encoding="utf-8")
    assert "市医保局 整改任务清单" in insurance and "DM-002" in insurance and "DM-003" not in insurance
    assert "签收人" in insurance and "整改期限" in insurance
    support = (out / "示范区-整改任务清单-区政府.html").read_text(encoding="utf-8")
    assert "配合事项" in support and "<h3>牵头整改事项</h3>" not in support
    assert '<span>0</span>项牵头未达标' in support  # the tile counts the department's own items only
    assert cli("run", sheet, "--rules", DEMO_RULES, "--by-unit").exit_code == 2  # needs -o DIR


def test_html_draws_the_section_chart(cli, write, tmp_path):
    sheet = write("c.yaml", demo_sheet(FACTS))
    out = tmp_path / "r.html"
    cli("run", sheet, "--rules", DEMO_RULES, "-o", out)
    html = out.read_text(encoding="utf-8")
    assert html.count('<rect class="bar"') == 3 and "第三部分" in html


def test_compare_shows_closed_opened_and_moved(cli, write, tmp_path):
    last = write("last.yaml", demo_sheet(FACTS.replace("grassroots_share: 50", "grassroots_share: 40"), report_date="2024-12-31"))
    now = write("now.yaml", demo_sheet(FACTS.replace("has_charter: true", "has_charter: false, has_council: false")
                                       .replace("tcm_department: false", "tcm_department: true")))
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    cli("run", last, "--rules", DEMO_RULES, "--format", "json", "-o", a, "--as-of", "2026-01-01")
    cli("run", now, "--rules", DEMO_RULES, "--format", "json", "-o", b, "--as-of", "2026-01-01")
    result = cli("compare", a, b, "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [(r["rule"], r["subject"]) for r in data["closed"]] == [("DM-003", "乙医共体")]
    assert [(r["rule"], r["subject"]) for r in data["opened"]] == [("DM-004", "甲医共体")]
    assert [r["rule"] for r in data["closer"]] == ["DM-001"]  # 40% → 50%, toward 65%
    html = tmp_path / "c.html"
    assert cli("compare", a, b, "--format", "html", "-o", html).exit_code == 0
    assert "已整改" in html.read_text(encoding="utf-8")
    bad = write("bad.json", '{"not": "a report"}')
    assert cli("compare", a, bad).exit_code == 2  # JSON that is not a report is refused


def test_compare_takes_fact_sheets_and_judges_movement_on_values(cli, write, tmp_path):
    """40% (not yet due) → 50% (deadline passed): still 向目标靠近, statuses in words."""
    last = write("last.yaml", demo_sheet(FACTS.replace("grassroots_share: 50", "grassroots_share: 40"), report_date="2025-06-30"))
    now = write("now.yaml", demo_sheet(FACTS, report_date="2026-01-15"))
    result = cli("compare", last, now, "--rules", DEMO_RULES, "--format", "json")
    assert result.exit_code == 0, result.output
    closer = {r["rule"]: r for r in json.loads(result.stdout)["closer"]}
    assert closer["DM-001"]["from"] == "not_due" and closer["DM-001"]["to"] == "fail"
    text = cli("compare", last, now, "--rules", DEMO_RULES).stdout
    assert "[未到期 → 未达标]" in text and "40% → 50%" in text


def test_an_above_item_is_worded_by_the_force_of_its_text():
    """A city body's encouraged item not taken up reads 未做到 in every format, never 未完成 like a missed duty."""
    import html
    import re
    from pathlib import Path

    from checker.pipeline import CheckRequest, check_sheet
    from checker.report import ASIDE_WORDS, render

    data = check_sheet(Path(__file__).parent.parent / "examples" / "chuzhou-langya.yaml", CheckRequest()).data
    above = [f for f in data["findings"] if f["category"] == "above" and f["status"] in ("fail", "pass", "missing")]
    assert {f["force"] for f in above} >= {"binding", "encouraged"}
    shown = {fmt: render(fmt, data) for fmt in ("html", "md", "text")}
    html_rows = [tuple(map(html.unescape, row)) for row in re.findall(r"<tr><td>(.*?)<div.*?</td><td>(.*?)</td>\s*<td class=\"nw\">(.*?)</td>",
                           shown["html"][shown["html"].index('id="above"'):], re.S)]
    for f in above:
        word = ASIDE_WORDS[f["force"]][f["status"]]
        assert f"| {word} | {f['requirement']} | {f['subject']} |" in shown["md"], f["rule"]
        assert f"[{word}] {f['requirement']} ({f['subject']})" in shown["text"], f["rule"]
        assert (f["requirement"], f["subject"], word) in html_rows, f["rule"]


@pytest.mark.parametrize("example", sorted(p.name for p in (__import__("conftest").EXAMPLES).glob("*.yaml")))
def test_html_built_from_the_findings_it_shows_is_the_full_report(example):
    """The HTML report works out the reasoning only of the findings it shows (`html_shows_detail`).
    Rendered from the full run data instead, every byte is the same, for the county's report and for
    each department's work list: the page never reads the detail of a finding it was not given."""
    from checker.pipeline import CheckRequest, check_sheet
    from checker.report import for_unit, lead_units, render

    path = __import__("conftest").EXAMPLES / example
    shown = check_sheet(path, CheckRequest()).data_for("html")
    full = check_sheet(path, CheckRequest()).data
    assert shown["findings"] != full["findings"]  # something was in fact left out
    assert render("html", shown) == render("html", full)
    units = lead_units(full)
    assert units and units == lead_units(shown)
    for unit in units:
        assert render("html", for_unit(shown, unit)) == render("html", for_unit(full, unit)), unit


def test_a_lead_the_text_does_not_name_is_marked_in_every_format():
    """Markdown and text printed an inferred lead as if the text named it; HTML alone said (推定)."""
    from pathlib import Path

    from checker.pipeline import CheckRequest, check_sheet
    from checker.report import render

    data = check_sheet(Path(__file__).parent.parent / "examples" / "qingdao-pingdu.yaml", CheckRequest()).data
    inferred = [f for f in data["findings"] if f["lead_inferred"] and f["status"] in ("fail", "not_due")]
    assert inferred
    for fmt in ("html", "md", "text"):
        shown = render(fmt, data)
        assert "(推定)" in shown and "按发文单位或该项工作的主管部门推定" in shown, fmt
    md = render("md", data)
    assert f"{inferred[0]['lead']} (推定)" in md
