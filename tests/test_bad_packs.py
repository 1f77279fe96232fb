"""A broken pack never silently passes: lint and run both refuse it with file:line."""
from __future__ import annotations

import shutil

import pytest

from conftest import DEMO_RULES, demo_sheet

CYCLE = """  - id: DM-D02
    kind: derive
    section: 二
    quote: 每个医共体实现人员、财务、业务统一管理
    requirement: {zh: 循环, en: cycle}
    for_each: consortia
    when: {fact: fully_unified, eq: true}
    derive: fully_unified
"""


# Each mistake is named at its line in Chinese first, then in English beside it.
@pytest.mark.parametrize("old, new, expected", [
    ("{fact: grassroots_share, ge: 65}", "{fact: grasroots_share, ge: 65}",
     (":12: 错误: 规则 DM-001: require: 词表中没有事实 'grasroots_share'。是否应为 'grassroots_share'",
      "error: rule DM-001: require: unknown fact 'grasroots_share'; did you mean 'grassroots_share'")),
    ("{fact: grassroots_share, ge: 65}", "{fact: grassroots_share, gte: 65}",
     (":12: 错误: 规则 DM-001: require: 每个判断须且只能有一个运算符 (现有: gte; 可用: eq、ne、lt、le、gt、ge、between、in、includes)",
      "error: rule DM-001: require: a test needs exactly one operator (found: gte; allowed: eq, ne, lt, le, gt, ge, between, in, includes)")),
    ("quote: 到2025年底,基层诊疗量占比达到65%以上", "quote: 到2025年底,基层诊疗量占比达到60%以上",
     (":10: 错误: 规则 DM-001: 引文与 policies/demo/text.txt 原文不一致; 最接近的原文 (text.txt 第 2 行): «到2025年底,基层诊疗量占比达到6【5】%以上。",)),
    ("deadline: 2025-12-31", "deadline: 2025年底",
     (":13: 错误: 规则 DM-001: deadline '2025年底' 不是日期 (YYYY-MM-DD)", "error: rule DM-001: deadline '2025年底' is not a date")),
    ("  - id: DM-002\n", CYCLE + "  - id: DM-002\n",
     ("错误: 规则 DM-D02: 'fully_unified' 已由 DM-D01 推导", "error: rule DM-D02: 'fully_unified' is already derived by DM-D01")),
    ("  - id: DM-003\n", "  - id: DM-002\n",
     ("错误: 规则编号 'DM-002' 重复使用 (第一次在第", "error: rule id 'DM-002' is used twice (first at line")),
    ("{fact: lead_is_tcm, eq: true}", "{fact: lead_is_tcm, ge: 1}",
     ("'lead_is_tcm' 是 是/否 事实, 请写 eq: true 或 eq: false", "'lead_is_tcm' is true/false; use eq: true or eq: false")),
    ("{fact: hospital_grade, ge: 二级甲等}", "{fact: hospital_grade, ge: 特级}",
     ("'特级' 不是 'hospital_grade' 的可选值", "'特级' is not a value of 'hospital_grade'")),
    ("    lead: 市医保局\n", "", ("错误: 规则 DM-002: 缺少牵头单位 'lead'。", "error: rule DM-002: 'lead' (牵头单位) is required")),
    ("version: 1.0.0", "version: 1.0", ("版本号 '1.0' 不符合 主.次.修订 格式", "version '1.0' is not semantic")),
    ("  version: 1.0.0\n", "  version: 1.0.0\n  role_names: {health_burea: \"{county}卫生局\"}\n",
     ("role_names: 未知的角色 health_burea", "role_names: unknown role(s) health_burea")),
    ("deadline: '{plan_year}-06-30'", "deadline: '{plan_year}-02-29'",
     ("月日须每年都有 (不能是 02-29)", "with a month-day that exists in every year (not 02-29)")),
])
def test_broken_pack_is_refused_by_lint_and_run(cli, write, tmp_path, old, new, expected):
    lib = tmp_path / "lib"
    shutil.copytree(DEMO_RULES.parent, lib)
    pack = lib / "rules" / "demo" / "1.0.0.yaml"
    text = pack.read_text(encoding="utf-8")
    assert old in text
    pack.write_text(text.replace(old, new, 1), encoding="utf-8")
    for args in (("lint",), ("run", write("c.yaml", demo_sheet("grassroots_share: 70")))):
        result = cli(*args, "--rules", lib / "rules")
        assert result.exit_code == 2, (args, result.output)
        for line in expected:
            assert line in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


def test_derive_cycle_is_refused(cli, tmp_path):
    lib = tmp_path / "lib"
    shutil.copytree(DEMO_RULES.parent, lib)
    vocab = lib / "rules" / "vocabulary" / "demo.yaml"
    vocab.write_text(vocab.read_text(encoding="utf-8") + "  second_flag:\n    label: 第二结论\n    type: boolean\n"
                     "    scope: consortia\n    derived: true\n", encoding="utf-8")
    pack = lib / "rules" / "demo" / "1.0.0.yaml"
    text = pack.read_text(encoding="utf-8").replace(
        "    when: {fact: unified, includes: [人员, 财务, 业务]}\n    derive: fully_unified",
        "    when: {fact: second_flag, eq: true}\n    derive: fully_unified")
    text += CYCLE.replace("DM-D02", "DM-D03").replace("derive: fully_unified", "derive: second_flag")
    pack.write_text(text, encoding="utf-8")
    result = cli("lint", "--rules", lib / "rules")
    assert result.exit_code == 2
    assert "derive rules form a cycle: fully_unified → second_flag → fully_unified" in result.stderr


def test_unused_vocabulary_fact_is_a_lint_error(cli, tmp_path):
    lib = tmp_path / "lib"
    shutil.copytree(DEMO_RULES.parent, lib)
    vocab = lib / "rules" / "vocabulary" / "demo.yaml"
    vocab.write_text(vocab.read_text(encoding="utf-8") + "  orphan:\n    label: 孤立\n    type: integer\n", encoding="utf-8")
    result = cli("lint", "--rules", lib / "rules")
    assert result.exit_code == 2 and "fact 'orphan' is read by no rule" in result.stderr


def test_an_expected_entry_must_name_an_option_of_an_enum_fact_of_the_list(cli, tmp_path):
    lib = tmp_path / "lib"
    shutil.copytree(DEMO_RULES.parent, lib)
    vocab = lib / "rules" / "vocabulary" / "demo.yaml"
    text = vocab.read_text(encoding="utf-8")
    assert "    label: 县域医共体\n" in text
    vocab.write_text(text.replace("    label: 县域医共体\n", "    label: 县域医共体\n    expected:\n      fact: lead_is_tcm\n"
                                  "      entries: {是: \"{county}中医医院医共体\"}\n", 1), encoding="utf-8")
    result = cli("lint", "--rules", lib / "rules")
    assert result.exit_code == 2 and "expected names 'lead_is_tcm'" in result.stderr, result.stderr
    assert "demo.yaml:" in result.stderr
