"""No command destroys an input; waivers, packs and subcommands never mislead (issue 14, second half).

Each test here failed before the change it guards.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import DEMO_RULES, demo_sheet

WAIVER = ("  - {{rule: DM-001, document: 示卫复〔2025〕{n}号, approver: 示范市卫生健康委员会, justification: 整改中,\n"
          "     start: 2025-01-01, expiry: {expiry}}}\n")


# --- outputs ---------------------------------------------------------------------------------------

def test_run_refuses_to_write_over_its_own_fact_sheet(cli, write):
    sheet = write("x.yaml", demo_sheet("grassroots_share: 50"))
    before = sheet.read_bytes()
    result = cli("run", sheet, "--rules", DEMO_RULES, "-o", sheet)
    assert result.exit_code == 2 and "-o 指向本命令的输入文件" in result.stderr and "--force" in result.stderr
    assert sheet.read_bytes() == before


def test_run_refuses_to_replace_a_file_it_did_not_write_unless_forced(cli, write, tmp_path):
    sheet = write("x.yaml", demo_sheet("grassroots_share: 50"))
    notes = write("notes.html", "<p>会议纪要</p>")
    result = cli("run", sheet, "--rules", DEMO_RULES, "-o", notes)
    assert result.exit_code == 2 and "不是 policycheck run 以前生成的文件" in result.stderr
    assert notes.read_text(encoding="utf-8") == "<p>会议纪要</p>"
    assert cli("run", sheet, "--rules", DEMO_RULES, "-o", notes, "--force").exit_code == 1
    assert "policycheck" in notes.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["html", "json", "md", "text"])
def test_run_replaces_its_own_previous_report(cli, write, tmp_path, fmt):
    sheet = write("x.yaml", demo_sheet("grassroots_share: 50"))
    target = tmp_path / f"r.{fmt}"
    assert cli("run", sheet, "--rules", DEMO_RULES, "--format", fmt, "-o", target).exit_code == 1
    sheet.write_text(demo_sheet("grassroots_share: 70"), encoding="utf-8")
    assert cli("run", sheet, "--rules", DEMO_RULES, "--format", fmt, "-o", target).exit_code == 0


def test_template_never_writes_over_a_sheet_being_filled_in(cli, tmp_path):
    target = tmp_path / "filled.yaml"
    assert cli("template", "--rules", DEMO_RULES, "-p", "demo", "-o", target).exit_code == 0
    assert cli("template", "--rules", DEMO_RULES, "-p", "demo", "-o", target).exit_code == 0  # still blank: fine
    filled = target.read_text(encoding="utf-8").replace("  grassroots_share:\n", "  grassroots_share: 61%\n")
    target.write_text(filled, encoding="utf-8")
    result = cli("template", "--rules", DEMO_RULES, "-p", "demo", "-o", target)
    assert result.exit_code == 2 and "不是 policycheck template 以前生成的文件" in result.stderr
    assert target.read_text(encoding="utf-8") == filled


def test_compare_refuses_to_write_over_an_input(cli, write, tmp_path):
    sheet = write("x.yaml", demo_sheet("grassroots_share: 50"))
    a = tmp_path / "a.json"
    cli("run", sheet, "--rules", DEMO_RULES, "--format", "json", "-o", a)
    before = a.read_bytes()
    result = cli("compare", a, a, "-o", a)
    assert result.exit_code == 2 and "-o 指向本命令的输入文件" in result.stderr
    assert a.read_bytes() == before


def test_a_named_pipe_is_written_to_never_replaced(tmp_path):
    # The same path as -o /dev/null: a non-regular target is opened and written,
    # never renamed over. (Tested on a pipe of our own: a regression run as root
    # would otherwise replace the system's /dev/null with a regular file.)
    sheet = tmp_path / "x.yaml"
    sheet.write_text(demo_sheet("grassroots_share: 50"), encoding="utf-8")
    fifo = tmp_path / "out.pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    def drain() -> None:
        with open(fifo, "rb") as pipe:
            received.append(pipe.read())

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    result = subprocess.run([sys.executable, "-m", "checker.cli", "run", str(sheet), "--rules", str(DEMO_RULES),
                             "--format", "json", "-o", str(fifo)], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    reader.join(timeout=10)
    assert result.returncode == 1, result.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert json.loads(received[0])["county"]["name"] == "示范区"


def test_dev_null_counts_as_a_device_target():
    from checker.output import is_special

    assert is_special(Path("/dev/null")) and is_special(Path("/dev/stdout"))
    assert not is_special(Path("report.html"))


def test_standard_output_named_as_a_path_receives_the_report(tmp_path):
    # /dev/fd/1 rather than /dev/stdout: the same kind of target, but a regression
    # cannot rename a regular file over it (it lives in /proc), so running this
    # test never damages the system.
    sheet = tmp_path / "x.yaml"
    sheet.write_text(demo_sheet("grassroots_share: 50"), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "checker.cli", "run", str(sheet), "--rules", str(DEMO_RULES),
                             "--format", "json", "-o", "/dev/fd/1"], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["county"]["name"] == "示范区"


def test_the_default_report_is_named_after_county_and_date(cli, write, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name, code in (("示范区", "110101"), ("示范区", "110101")):
        result = cli("run", write(f"{code}.yaml", demo_sheet("grassroots_share: 50", name=name, code=code)), "--rules", DEMO_RULES)
        assert result.exit_code == 1, result.stderr
    assert sorted(p.name for p in tmp_path.glob("*.html")) == ["示范区-2025-12-31.html"]


# --- input size on pipes and devices ---------------------------------------------------------------

def test_dev_zero_is_refused_not_read_into_memory(cli):
    result = cli("run", "/dev/zero", "--rules", DEMO_RULES)
    assert result.exit_code == 2 and "超过上限 2,097,152 字节" in result.stderr


def test_a_huge_pipe_is_refused(cli, tmp_path):
    fifo = tmp_path / "big.yaml"
    os.mkfifo(fifo)

    def feed() -> None:
        try:
            with open(fifo, "wb") as pipe:
                for _ in range(64):  # 4 MB in all
                    pipe.write(b"#" * 65536)
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    result = cli("run", fifo, "--rules", DEMO_RULES)
    writer.join(timeout=10)
    assert result.exit_code == 2 and "more than 2,097,152 bytes" in result.stderr


# --- waivers -------------------------------------------------------------------------------------

def test_two_waivers_for_one_rule_are_refused_naming_both_lines(cli, write):
    waivers = write("w.yaml", "waivers:\n" + WAIVER.format(n=8, expiry="2025-06-30") + WAIVER.format(n=9, expiry="2026-06-30"))
    result = cli("run", write("c.yaml", demo_sheet("grassroots_share: 50")), "--rules", DEMO_RULES, "--waivers", waivers)
    assert result.exit_code == 2
    assert re.search(r"w\.yaml:4: 错误: DM-001 有两条整改承诺 \(另一条在 .*w\.yaml:2\)", result.stderr), result.stderr


def test_a_misspelt_top_level_key_in_a_waivers_file_is_an_error(cli, write):
    waivers = write("w.yaml", "waviers:\n" + WAIVER.format(n=8, expiry="2026-06-30"))
    result = cli("run", write("c.yaml", demo_sheet("grassroots_share: 50")), "--rules", DEMO_RULES, "--waivers", waivers)
    assert result.exit_code == 2 and "w.yaml:1:1: 错误: 整改承诺文件中未知的顶层键 'waviers'" in result.stderr


# --- wrong YAML types in packs, policies, vocabulary; malformed cases; near-reports -----------------

@pytest.mark.parametrize("rel, old, new, expected", [
    ("rules/demo/1.0.0.yaml", "in_force: {from: 2024-01-01, to: null}", "in_force: 2024", ":5: 错误: in_force 应写作 {from: YYYY-MM-DD, to: YYYY-MM-DD 或 null}"),
    ("rules/demo/1.0.0.yaml", "co_responsible: [市医保局]", "co_responsible: 5", ":15: 错误: 此处应为单位名称列表"),
    ("rules/demo/1.0.0.yaml", "    for_each: consortia\n    when: {fact: unified", "    for_each: [consortia]\n    when: {fact: unified",
     ":21: 错误: 规则 DM-D01: 未知的集合"),
    ("rules/demo/1.0.0.yaml", "require: {fact: grassroots_share, ge: 65}", "require: null", "rule DM-001: a check rule needs 'require'"),
    ("rules/vocabulary/demo.yaml", "label: 牵头医院为中医医院", "label: [牵头, 医院]", ":27: 错误: 事实 'lead_is_tcm': 'label' 应为文字"),
    ("rules/vocabulary/demo.yaml", "    scope: consortia\n    values: [人员", "    scope: [consortia]\n    values: [人员",
     "fact 'unified': 'scope' must be text"),
    ("policies/demo/policy.yaml", "jurisdictions:\n  - {name: 示范区, code: \"110101\"}", "jurisdictions: 示范区",
     "policy.yaml:8: 错误: jurisdictions 应为列表"),
])
def test_wrong_yaml_types_are_refused_with_file_and_line(cli, tmp_path, rel, old, new, expected):
    shutil.copytree(DEMO_RULES.parent, tmp_path / "lib")
    path = tmp_path / "lib" / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = cli("lint", "--rules", tmp_path / "lib" / "rules")
    assert result.exit_code == 2, result.output
    assert expected in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("case, expected", [
    ("    as_of: 去年年底\n", "c.yaml:5: as_of: '去年年底' is not a date"),
    ("    expect: [DM-001]\n", "'expect' must be a mapping, not LineList"),
])
def test_a_malformed_policy_test_case_exits_2_with_its_line(cli, tmp_path, case, expected):
    shutil.copytree(DEMO_RULES.parent, tmp_path / "lib")
    tests = tmp_path / "lib" / "rules" / "demo" / "tests"
    tests.mkdir()
    (tests / "c.yaml").write_text("pack: demo\ncases:\n  - name: 一\n    facts: {grassroots_share: 50}\n" + case
                                  + ("    expect: {DM-001: fail}\n" if "expect" not in case else ""), encoding="utf-8")
    result = cli("test", "--rules", tmp_path / "lib" / "rules")
    assert result.exit_code == 2, result.output
    assert expected in result.stdout


def test_compare_refuses_a_near_report_with_its_line(cli, write, tmp_path):
    sheet = write("x.yaml", demo_sheet("grassroots_share: 50"))
    a = tmp_path / "a.json"
    cli("run", sheet, "--rules", DEMO_RULES, "--format", "json", "-o", a)
    data = json.loads(a.read_text(encoding="utf-8"))
    del data["findings"][0]["status"]
    b = tmp_path / "b.json"
    b.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    result = cli("compare", a, b)
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    line = next(i for i, text in enumerate(b.read_text(encoding="utf-8").splitlines(), 1) if '"findings"' in text)
    assert f"b.json:{line}: 错误: 不是 policycheck 的 JSON 报告: 第 1 条结论缺少 rule 或 status" in result.stderr


@pytest.mark.parametrize("fmt", ["text", "json", "md", "html"])
def test_compare_of_two_counties_is_refused_in_every_format(cli, write, tmp_path, fmt):
    reports = []
    for name, code in (("示范区", "110101"), ("别的区", "110102")):
        target = tmp_path / f"{code}.json"
        cli("run", write(f"{code}.yaml", demo_sheet("grassroots_share: 50", name=name, code=code)), "--rules", DEMO_RULES,
            "-p", "demo", "--format", "json", "-o", target)
        reports.append(target)
    result = cli("compare", *reports, "--format", fmt)
    assert result.exit_code == 2 and "两份报告不是同一县(市、区)" in result.stderr and result.stdout == ""
    assert cli("compare", *reports, "--format", fmt, "--force").exit_code == 0


# --- console and command line ----------------------------------------------------------------------

def test_a_console_that_cannot_show_a_character_does_not_crash(tmp_path):
    sheet = tmp_path / "x.yaml"
    sheet.write_text(demo_sheet("grassroots_share: 50", name='"示范区\\U0001F3E5"'), encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "gbk"}
    result = subprocess.run([sys.executable, "-m", "checker.cli", "run", str(sheet), "--rules", str(DEMO_RULES),
                             "-p", "demo", "--format", "text"], capture_output=True, env=env, cwd=tmp_path)
    assert result.returncode == 1, result.stderr.decode("gbk", "replace")
    assert b"Traceback" not in result.stderr
    assert "示范区?".encode("gbk") in result.stdout


@pytest.mark.parametrize("args, zh, en", [
    (["run"], "错误: 缺少参数 'FACT_SHEET'。", "error: Missing argument 'FACT_SHEET'."),
    (["run", "x.yaml", "--bogus"], "错误: 没有这个选项: --bogus。", "No such option"),
    (["run", "x.yaml", "--format", "pdf"], "'--format' 的取值无效: 'pdf' 不在可选值", "Invalid value for '--format'"),
    (["rnu"], "没有这个命令: 'rnu'。 您是否想写 'run'?", "No such command 'rnu'"),
])
def test_usage_errors_read_in_chinese_and_english(cli, args, zh, en):
    result = cli(*args)
    assert result.exit_code == 2
    assert zh in result.stderr and en in result.stderr
