"""Authoring: lint reports every mistake of a pack in one pass, with its line, and no false one;
the authoring commands use the rules of the checkout they run in, even after a non-editable install."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

TEXT = """示范卫生文件
一、总体目标
到2025年底,基层诊疗量占比达到65%以上。
二、重点任务
(一)强化管理。医共体应有章程,实行统一管理。
(二)加强培训。每年培训人员占比达到30%以上。
三、考核
综合评分达到80分以上。
"""

POLICY = """id: mini
title: 示范卫生文件
issuer: 示范市卫生健康委员会
issued: 2024年1月
in_force_from: 2024-01-01
jurisdictions:
  - {name: 示范区, code: "110101"}
"""

VOCAB = """facts:
  grassroots_share: {label: 基层诊疗量占比, type: percent}
  training_share: {label: 培训人员占比, type: percent}
  has_charter: {label: 有医共体章程, type: boolean}
  score: {label: 综合评分, type: integer}
"""

DRAFT = """pack:
  id: mini
  version: 0.9.0
  policy: mini
  released: false
  in_force: {from: 2024-01-01, to: 2025-06-30}
rules:
  - id: MN-001
    kind: check
    section: 一
    quote: 基层诊疗量占比达到65%以上
    requirement: {zh: 基层诊疗量占比达到65%以上, en: Grassroots share at least 65%.}
    require: {fact: grassroots_share, ge: 65}
    lead: 区卫生健康局
"""

# One mistake of each kind; the comment on each line names it (the test finds lines by these marks).
PACK = """pack:
  id: mini
  version: 1.0.0
  policy: mini
  released: false
  in_force: {from: 2024-01-01, to: null}    # OVERLAP with 0.9.0
rules:
  - id: MN-001
    kind: check
    section: 一
    quote: 基层诊疗量占比达到65%以上
    requirement: {zh: 基层诊疗量占比达到65%以上, en: Grassroots share at least 65%.}
    require: {fact: grasroots_share, ge: 65}    # FACT_TYPO
    lead: 区卫生健康局
  - id: MN-001    # DUPLICATE
    kind: check
    section: 一
    quote: 到2025年底
    requirement: {zh: 到2025年底基层诊疗量占比达到65%以上, en: By end 2025.}
    require: {fact: grassroots_share, ge: 65}
    lead: 区卫生健康局
  - id: MN-002    # WRONG_SECTION
    kind: check
    section: 一
    quote: 医共体应有章程
    requirement: {zh: 医共体应有章程, en: Each consortium has a charter.}
    require: {fact: has_charter, eq: true}
    lead: 区卫生健康局
  - id: MN-003    # NO_SUCH_SECTION NO_EN
    kind: check
    section: 五
    quote: 实行统一管理
    requirement: {zh: 实行统一管理}
    require: {fact: has_charter, eq: true}
    lead: 区卫生健康局
  - id: MN-004    # ABBREVIATION NUMBER
    kind: check
    section: 二(二)
    quote: 每年培训人员占比达到30%以上
    requirement: {zh: 每年培训人员占比达到30%以上, en: At least 30% trained each year.}
    require: {fact: training_share, ge: 35}
    lead: 区卫健局
  - id: MN-005    # NOT_COVERED INVERTED
    kind: check
    section: 三
    quote: 综合评分达到80分以上
    requirement: {zh: 综合评分达到八十分以上, en: Score at least eighty.}
    require: {all: [{fact: score, ge: 80}, {fact: score, le: 20}]}
    lead: 区卫生健康局
  - id: MN-006
    kind: check
    section: 二(一)
    quote: 医共体应有章程，实行统一管理    # NOT_VERBATIM
    requirement: {zh: 医共体应有章程并统一管理, en: Charter and unified management.}
    require: {fact: has_charter, eq: true}
    lead: 区卫生健康局
coverage:
  - {section: 一, status: encoded, rules: [MN-001]}
  - {section: 二, status: encoded, rules: [MN-002, MN-003, MN-004, MN-006]}
"""

EXPECTED = {  # mark -> a phrase the message on that line must contain
    "FACT_TYPO": "unknown fact 'grasroots_share'",
    "DUPLICATE": "rule id 'MN-001' is used twice",
    "WRONG_SECTION": "the quote is in section 二(一)",
    "NO_SUCH_SECTION": "section '五' does not exist",
    "NO_EN": "requirement has no 'en'",
    "ABBREVIATION": "unit '区卫健局' is '区卫生健康局'",
    "NUMBER": "requirement.zh says 30% but require: checks 35",
    "NOT_COVERED": "rule MN-005 is in no coverage: entry",
    "INVERTED": "range inverted",
    "NOT_VERBATIM": "full-width/half-width",
    "OVERLAP": "overlapping mini@0.9.0",
}


def make_checkout(root: Path) -> Path:
    (root / "policies" / "mini").mkdir(parents=True)
    (root / "rules" / "mini").mkdir(parents=True)
    (root / "rules" / "vocabulary").mkdir(parents=True)
    (root / "policies" / "mini" / "text.txt").write_text(TEXT, encoding="utf-8")
    (root / "policies" / "mini" / "policy.yaml").write_text(POLICY, encoding="utf-8")
    (root / "rules" / "vocabulary" / "mini.yaml").write_text(VOCAB, encoding="utf-8")
    (root / "rules" / "mini" / "0.9.0.yaml").write_text(DRAFT, encoding="utf-8")
    (root / "rules" / "mini" / "1.0.0.yaml").write_text(PACK, encoding="utf-8")
    return root


def _line(mark: str) -> int:
    return next(i for i, line in enumerate(PACK.splitlines(), start=1) if re.search(rf"#.*\b{mark}\b", line))


def _problem_count(stderr: str) -> int:
    return sum(1 for line in stderr.splitlines() if line.lstrip().startswith("error:") or ": error:" in line)


def test_lint_reports_every_mistake_once_with_its_line(cli, tmp_path, monkeypatch):
    root = make_checkout(tmp_path / "checkout")
    monkeypatch.chdir(root / "rules" / "mini")  # found upwards, no --rules
    monkeypatch.delenv("POLICYCHECK_RULES", raising=False)
    result = cli("lint")
    assert result.exit_code == 2, result.output
    err = result.stderr
    assert f"using rules folder: {root.resolve() / 'rules'}" in err
    pack = (root / "rules" / "mini" / "1.0.0.yaml").resolve()
    for mark, phrase in EXPECTED.items():
        hits = [line for line in err.splitlines() if phrase in line]
        assert hits, (mark, err)
        assert any(f"{pack}:{_line(mark)}" in line or f":{_line(mark)}:" in line for line in err.splitlines()
                   if phrase in line or line.startswith(str(pack))), (mark, _line(mark), err)
    policy = (root / "policies" / "mini" / "policy.yaml").resolve()
    assert f"{policy}:4: 错误: issued: '2024年1月' 不是日期" in err
    assert "names unknown rules" not in err  # MN-001 exists, though invalid
    assert _problem_count(err) == len(EXPECTED) + 1, err  # and no false error


def test_quote_not_verbatim_marks_first_difference(cli, tmp_path):
    root = make_checkout(tmp_path / "c")
    result = cli("lint", "--rules", root / "rules")
    assert "«医共体应有章程【,】实行统一管理。" in result.stderr
    assert "引文第 8 个字符为 '，', 原文为 ','" in result.stderr


def test_shipped_packs_still_pass_lint(cli):
    result = cli("lint", "--rules", REPO / "rules")
    assert result.exit_code == 0, result.stderr
    assert "通过 ok:" in result.output


def test_lock_refuses_the_installed_copy(cli, tmp_path, monkeypatch):
    site = _installed_copy(tmp_path / "site-packages")
    env = {**os.environ, "PYTHONPATH": str(site), "POLICYCHECK_RULES": ""}
    env.pop("POLICYCHECK_RULES")
    out = subprocess.run([sys.executable, "-c", "from checker.cli import main; main()", "lock"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, encoding="utf-8")
    assert out.returncode == 2, out.stderr
    assert "拒绝写入已安装软件包中的 releases.lock" in out.stderr


def _installed_copy(site: Path) -> Path:
    """What `pip install .` produces: the package, with rules/ policies/ reports/ bundled inside."""
    shutil.copytree(REPO / "checker", site / "checker", ignore=shutil.ignore_patterns("__pycache__"))
    for folder in ("rules", "policies", "reports"):
        shutil.copytree(REPO / folder, site / "checker" / "bundled" / folder)
    return site


@pytest.mark.parametrize("args, expect_rc, expect", [
    (("lint",), 2, "unknown fact 'grasroots_share'"),
    (("coverage", "mini@0.9.0"), None, "mini@0.9.0"),
    (("rules", "-p", "mini@0.9.0"), 0, "MN-001"),
    (("test", "mini"), 2, "未找到测试用例"),
    (("lock",), 0, "nothing to lock"),
])
def test_installed_tool_uses_the_checkout_it_runs_in(tmp_path, args, expect_rc, expect):
    site = _installed_copy(tmp_path / "site-packages")
    root = make_checkout(tmp_path / "checkout")
    if args[0] != "lint":
        (root / "rules" / "mini" / "1.0.0.yaml").unlink()  # the broken one is lint's business
    env = {k: v for k, v in os.environ.items() if k != "POLICYCHECK_RULES"}
    env["PYTHONPATH"] = str(site)
    probe = subprocess.run([sys.executable, "-c", "import checker; print(checker.__file__)"],
                           cwd=root, env=env, capture_output=True, text=True)
    assert probe.stdout.startswith(str(site)), probe.stdout  # really the installed copy, not the source tree
    out = subprocess.run([sys.executable, "-c", "from checker.cli import main; main()", *args],
                         cwd=root / "policies", env=env, capture_output=True, text=True, encoding="utf-8")
    if expect_rc is not None:
        assert out.returncode == expect_rc, out.stderr
    assert expect in out.stdout + out.stderr, out.stdout + out.stderr
    assert f"{root.resolve() / 'rules'}" in out.stderr


def _draft_lib(tmp_path: Path) -> Path:
    from conftest import DEMO_RULES

    root = tmp_path / "lib"
    shutil.copytree(DEMO_RULES.parent, root)
    text = (root / "rules" / "demo" / "1.0.0.yaml").read_text(encoding="utf-8")
    draft = text.replace("version: 1.0.0", "version: 1.1.0").replace("released: true", "released: false")
    if "released: false" not in draft:
        draft = draft.replace("  version: 1.1.0\n", "  version: 1.1.0\n  released: false\n", 1)
    (root / "rules" / "demo" / "1.1.0.yaml").write_text(draft, encoding="utf-8")
    return root / "rules"


def test_run_prefers_the_released_version_and_flags_a_draft(cli, write, tmp_path):
    import json

    from conftest import demo_sheet

    lib = _draft_lib(tmp_path)
    sheet = write("c.yaml", demo_sheet("grassroots_share: 70"))
    data = json.loads(cli("run", sheet, "--rules", lib, "--format", "json").stdout)
    assert data["packs"][0]["version"] == "1.0.0" and "draft_packs" not in data
    result = cli("run", sheet, "--rules", lib, "--format", "json", "--allow-draft")
    assert json.loads(result.stdout)["draft_packs"] == ["demo@1.1.0"]
    assert "使用了未发布的草稿版本 demo@1.1.0" in result.stderr
    html = tmp_path / "r.html"
    cli("run", sheet, "--rules", lib, "-p", "demo@1.1.0", "-o", html)
    assert "使用了未发布的草稿 (released: false): demo@1.1.0" in html.read_text(encoding="utf-8")


def test_run_refuses_a_released_pack_edited_after_locking(cli, write, tmp_path):
    from conftest import DEMO_RULES, demo_sheet

    root = tmp_path / "lib"
    shutil.copytree(DEMO_RULES.parent, root)
    pack = root / "rules" / "demo" / "1.0.0.yaml"
    pack.write_text(pack.read_text(encoding="utf-8").replace("ge: 65}", "ge: 60}"), encoding="utf-8")
    result = cli("run", write("c.yaml", demo_sheet("grassroots_share: 70")), "--rules", root / "rules", "--format", "json")
    assert result.exit_code == 2
    assert f"{pack.resolve()}: 错误: demo@1.0.0 已发布" in result.stderr


def test_cases_accept_chinese_statuses_and_list_rules_lacking_cases(cli, tmp_path):
    root = make_checkout(tmp_path / "c")
    (root / "rules" / "mini" / "1.0.0.yaml").unlink()
    (root / "rules" / "mini" / "tests").mkdir()
    (root / "rules" / "mini" / "tests" / "cases.yaml").write_text(
        "pack: mini@0.9.0\ndefaults:\n  county: {name: 示范区, code: '110101', report_date: 2025-12-31}\n"
        "  facts: {grassroots_share: 70}\ncases:\n"
        "- name: 达标\n  expect: {MN-001: 达标}\n"
        "- name: 未达标\n  facts: {grassroots_share: 50}\n  expect: {MN-001: 未达标}\n"
        "- name: 编号写错\n  expect: {MN-01: pass}\n", encoding="utf-8")
    result = cli("test", "--rules", root / "rules")
    assert result.exit_code == 1
    assert "ok   " in result.output and result.output.count("ok   ") == 2, result.output
    assert "did you mean MN-001? 是否应为 MN-001?" in result.output
    assert "缺少用例 lacks a case: MN-001 → missing" in result.output


def test_coverage_strict_fails_on_sentences_not_considered(cli, tmp_path):
    root = make_checkout(tmp_path / "c")
    (root / "rules" / "mini" / "1.0.0.yaml").unlink()
    assert cli("coverage", "mini", "--rules", root / "rules").exit_code == 0
    result = cli("coverage", "mini", "--strict", "--rules", root / "rules")
    assert result.exit_code == 1 and "5 sentences not yet considered" in result.stderr
