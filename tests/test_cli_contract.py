"""The CLI contract: commands, exit statuses, the JSON fields other tools depend on."""
from __future__ import annotations

import json

import pytest

from conftest import DEMO_RULES, demo_sheet

FINDING_FIELDS = {"rule", "pack", "version", "status", "section", "quote", "requirement", "target", "actual",
                  "deadline", "lead", "co_responsible", "why"}
RULE_FIELDS = {"pack", "version", "id", "kind", "section", "quote", "requirement", "deadline", "lead", "co_responsible"}


def test_run_json_has_the_contract_fields_and_exit_1_on_gaps(cli, write):
    sheet = write("c.yaml", demo_sheet("grassroots_share: 50"))
    result = cli("run", sheet, "--rules", DEMO_RULES, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert {"tool_version", "as_of", "county", "packs", "input_sha256", "summary", "findings"} <= set(data)
    assert data["county"] == {**data["county"], "name": "示范区", "code": "110101"}
    assert {"id", "version", "sha256"} <= set(data["packs"][0]) and len(data["packs"][0]["sha256"]) == 64
    assert data["summary"]["fail"] == 1
    for finding in data["findings"]:
        assert FINDING_FIELDS <= set(finding)
    gap = next(f for f in data["findings"] if f["status"] == "fail")
    assert (gap["lead"], gap["co_responsible"]) == ("市卫生健康委", ["市医保局", "区政府"])
    assert gap["target"].endswith("65%") and gap["actual"] == "50%"


def test_run_exit_0_without_gaps(cli, write):
    sheet = write("c.yaml", demo_sheet("grassroots_share: 80"))
    result = cli("run", sheet, "--rules", DEMO_RULES, "--format", "text")
    assert result.exit_code == 0, result.output
    assert "达标 1" in result.stderr


def test_run_picks_packs_by_jurisdiction_and_as_of_defaults_to_report_date(cli, write):
    sheet = write("c.yaml", demo_sheet("grassroots_share: 50", report_date="2025-03-01"))
    data = json.loads(cli("run", sheet, "--rules", DEMO_RULES, "--format", "json").stdout)
    assert data["as_of"] == "2025-03-01" and [p["id"] for p in data["packs"]] == ["demo"]
    assert next(f for f in data["findings"] if f["rule"] == "DM-001")["status"] == "not_due"
    data = json.loads(cli("run", sheet, "--rules", DEMO_RULES, "--format", "json", "--as-of", "2026-01-01").stdout)
    assert next(f for f in data["findings"] if f["rule"] == "DM-001")["status"] == "fail"


def test_county_outside_every_jurisdiction_needs_p(cli, write):
    sheet = write("c.yaml", demo_sheet("grassroots_share: 50", name="别处", code="120101"))
    result = cli("run", sheet, "--rules", DEMO_RULES, "--format", "json")
    assert result.exit_code == 2 and "-p" in result.stderr
    assert cli("run", sheet, "--rules", DEMO_RULES, "-p", "demo", "--format", "json").exit_code == 1


def test_run_writes_html_by_default(cli, write, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sheet = write("c.yaml", demo_sheet("grassroots_share: 50"))
    result = cli("run", sheet, "--rules", DEMO_RULES)
    assert result.exit_code == 1
    # named after the county and the as-of date, so two counties in one folder never overwrite each other
    html = (tmp_path / "示范区-2025-12-31.html").read_text(encoding="utf-8")
    assert "市卫生健康委" in html and "示范区-2025-12-31.html" in result.stderr
    assert not (tmp_path / "report.html").exists()


def test_rules_json_lists_every_rule_with_contract_fields(cli):
    result = cli("rules", "--rules", DEMO_RULES, "--format", "json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == ["DM-001", "DM-D01", "DM-002", "DM-003", "DM-004", "DM-005", "DM-006"]
    for row in rows:
        assert RULE_FIELDS <= set(row)
    assert rows[1]["kind"] == "derive" and rows[0]["deadline"] == "2025-12-31"


def test_unknown_pack_is_exit_2_with_a_suggestion(cli, write):
    sheet = write("c.yaml", demo_sheet("grassroots_share: 50"))
    result = cli("run", sheet, "--rules", DEMO_RULES, "-p", "dmeo")
    assert result.exit_code == 2 and "did you mean 'demo'" in result.stderr
    result = cli("run", sheet, "--rules", DEMO_RULES, "-p", "demo@9.9.9")
    assert result.exit_code == 2 and "no version 9.9.9" in result.stderr


def test_template_lists_every_fact_the_pack_reads_with_labels(cli):
    result = cli("template", "--rules", DEMO_RULES, "-p", "demo")
    assert result.exit_code == 0
    text = result.stdout
    for name in ("grassroots_share", "hospital_grade", "plan_year", "unified", "lump_sum_payment"):
        assert f"{name}:" in text
    assert "基层诊疗量占比" in text and "可选: 「一级」「二级乙等」「二级甲等」「三级」" in text
    assert "fully_unified" not in text and "consortium_count" not in text  # concluded or counted, not submitted


def test_lint_passes_on_demo_and_fails_with_file_line_on_a_broken_pack(cli, tmp_path):
    import shutil

    assert cli("lint", "--rules", DEMO_RULES).exit_code == 0
    lib = tmp_path / "lib"
    shutil.copytree(DEMO_RULES.parent, lib)
    pack = lib / "rules" / "demo" / "1.0.0.yaml"
    text = pack.read_text(encoding="utf-8").replace("ge: 65}", "gte: 65}").replace("基层诊疗量占比达到65%以上", "基层诊疗量占比达到60%以上")
    pack.write_text(text, encoding="utf-8")
    result = cli("lint", "--rules", lib / "rules")
    assert result.exit_code == 2
    assert f"{pack}:12: 错误: 规则 DM-001: require: 每个判断须且只能有一个运算符 (现有: gte" in result.stderr
    assert "error: rule DM-001: require: a test needs exactly one operator (found: gte" in result.stderr
    assert f"{pack}:10: 错误: 规则 DM-001: 引文与 policies/demo/text.txt 原文不一致" in result.stderr
    assert "error: rule DM-001: quote is not verbatim" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_and_version(cli):
    result = cli("--help")
    assert result.exit_code == 0 and "run" in result.stdout and "Exit status" in result.stdout
    assert cli("--version").exit_code == 0


def test_batch_writes_every_good_report_and_names_the_broken_sheet(cli, tmp_path):
    import json

    folder = tmp_path / "sheets"
    folder.mkdir()
    for i, share in enumerate((50, 70, 80, 40, 66)):
        (folder / f"c{i}.yaml").write_text(demo_sheet(f"grassroots_share: {share}", name=f"示范区{i}", code=f"11010{i + 1}"),
                                           encoding="utf-8")
    (folder / "broken.yaml").write_text("county: {name: 坏}\nfacts:\n  grassroots_shar: 1\n", encoding="utf-8")
    out = tmp_path / "out"
    result = cli("batch", folder, "-o", out, "--rules", DEMO_RULES, "-p", "demo", "--as-of", "2026-01-01", "-j", "2")
    assert result.exit_code == 2, result.output  # a sheet could not be read
    assert sorted(p.name for p in out.iterdir()) == sorted([f"c{i}.yaml.html" for i in range(5)]
                                                          + ["summary.html", "summary.json", "summary.xlsx"])
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["counts"]["judged"] == 5 and summary["totals"]["fail"] == 2
    assert [b["file"] for b in summary["unreadable"]] == ["broken.yaml"]
    assert "did you mean 'grassroots_share'" in summary["unreadable"][0]["error"]
    assert str(tmp_path) not in summary["unreadable"][0]["error"]
    assert summary["clauses"][0]["rule"] == "DM-001" and summary["clauses"][0]["counties"] == 2
    html = (out / "summary.html").read_text(encoding="utf-8")
    assert "broken.yaml" in html and "示范区3" in html
    assert "broken.yaml" in result.stderr and "1 份事实表无法读取" in result.stderr


def test_an_unfilled_template_is_a_valid_sheet_with_everything_missing(cli, write):
    import json

    text = cli("template", "--rules", DEMO_RULES, "-p", "demo", "--county", "示范区").stdout
    text = text.replace('  code: ""', '  code: "110101"').replace("  report_date:        # 数据截止日期 YYYY-MM-DD", "  report_date: 2025-12-31")
    sheet = write("blank.yaml", text)
    result = cli("run", sheet, "--rules", DEMO_RULES, "--format", "json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)["summary"]
    assert summary["fail"] == 0 and summary["missing"] >= 6


def test_a_sheet_can_request_packs_besides_its_jurisdiction(cli, write):
    import json

    elsewhere = demo_sheet("grassroots_share: 50", name="别处", code="120101")
    sheet = write("c.yaml", elsewhere.replace("facts:", "packs: [demo]\nfacts:", 1))
    data = json.loads(cli("run", sheet, "--rules", DEMO_RULES, "--format", "json").stdout)
    assert [p["id"] for p in data["packs"]] == ["demo"]
    bad = write("d.yaml", elsewhere.replace("facts:", "packs: [nope]\nfacts:", 1))
    result = cli("run", bad, "--rules", DEMO_RULES)
    assert result.exit_code == 2 and "unknown pack 'nope'" in result.stderr


def test_packs_lists_the_documents_in_simplified_script(cli):
    # two of the documents were scraped in traditional characters; listings read as every report does
    result = cli("packs")
    assert result.exit_code == 0, result.output
    assert "青岛市全面深化紧密型县域医疗卫生共同体建设实施方案" in result.output
    assert "青島" not in result.output and "縣域" not in result.output


@pytest.mark.parametrize("county, name_fact", [("平度市", "consortium_lead_hospital"), ("云州区", "medical_group_lead_hospital"),
                                               ("琅琊区", "alliance_lead_unit")])
def test_template_asks_for_the_name_of_each_entrys_own_body(cli, county, name_fact):
    """A pack that hands a task to a consortium's lead hospital needs the hospital's name; a sheet made from
    the template must be asked for it, or every such task would go to the consortium."""
    result = cli("template", "--county", county)
    assert result.exit_code == 0 and f"{name_fact}:" in result.stdout


@pytest.mark.parametrize("args", [("--county", "平度市"), ("--county", "云州区"), ("--county", "琅琊区"),
                                  ("-p", "reform-annual", "--county", "商河县"), ("-p", "consortium-experience", "--county", "莒县")])
def test_every_template_reads_back_as_yaml_with_the_roles_its_packs_name(cli, args):
    """A role whose key is as long as the comment column (maternal_child_centre) once ran into its comment
    (`maternal_child_centre:# …`), and the clerk's first save of the template was refused as broken YAML."""
    import yaml

    from checker.library import load_library

    result = cli("template", *args)
    assert result.exit_code == 0, result.output
    units = yaml.safe_load(result.stdout)["units"]
    roles = load_library().vocabulary.roles
    assert units and set(units) <= set(roles)
    if "平度市" in args:  # the newest Qingdao pack hands three tasks to the MCH institution and the CDC
        assert {"maternal_child_centre", "cdc", "county_tcm_hospital"} <= set(units)
