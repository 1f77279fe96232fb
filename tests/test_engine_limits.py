"""lint refuses what run cannot evaluate, and run refuses it before the engine crashes or hangs.

Each shape is generated at the largest size the engine was measured to handle
(it must still run) and one past it (lint and run must both refuse it, exit 2,
naming the rule and the limit). Before this check, the sizes past the limit
passed lint; run then aborted the process, hung, or exited 3.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from checker import limits
from conftest import DEMO_RULES

QUOTE = "到2025年底,基层诊疗量占比达到65%以上"
EACH = "    for_each: consortia\n"
SHEET = ('county:\n  name: 示范区\n  code: "110101"\n  report_date: 2025-12-31\nfacts:\n  grassroots_share: 70\n'
         "  consortia:\n    - {name: 甲, has_charter: true}\n    - {name: 乙, has_charter: false}\n")


def _derive(i: int, when: str, each: bool = False) -> str:
    return (f"  - id: DM-X{i:05d}\n    kind: derive\n    section: 一\n    quote: {QUOTE}\n    requirement: {{zh: 推导, en: d}}\n"
            f"{EACH if each else ''}    when: {when}\n    derive: dx{i}\n")


def _check(i: int, require: str, each: bool = False) -> str:
    return (f"  - id: DM-C{i:05d}\n    section: 一\n    quote: {QUOTE}\n    requirement: {{zh: 检查, en: c}}\n"
            f"{EACH if each else ''}    require: {require}\n    lead: 市卫生健康委\n")


def shape(kind: str, n: int) -> tuple[list[str], int, bool]:
    """(rules, derived facts, per entry) of one generated shape."""
    if kind == "at_once":  # n check rules joined on one per-entry derived fact
        return [_derive(0, "{fact: has_charter, eq: true}", True)] + [_check(i, "{fact: dx0, eq: true}", True) for i in range(n)], 1, True
    if kind == "shared":  # n derive rules testing one fact the same way
        return [_derive(i, "{fact: grassroots_share, ge: 50}") for i in range(n)], n, False
    if kind == "distinct":  # n different thresholds on one fact
        return [_check(i, "{fact: grassroots_share, ge: %d}" % i) for i in range(n)], 0, False
    if kind == "rules":  # n check rules in all
        return [_check(i, "{fact: grassroots_share, ge: %d}" % (i % 100)) for i in range(n)], 0, False
    if kind == "chain":  # a derive chain n long
        return [_derive(0, "{fact: grassroots_share, ge: 50}")] + [_derive(i, f"{{fact: dx{i - 1}, eq: true}}") for i in range(1, n)], n, False
    raise ValueError(kind)


def library_with(tmp_path: Path, kind: str, n: int) -> Path:
    root = tmp_path / f"{kind}-{n}"
    shutil.copytree(DEMO_RULES.parent, root)
    rules, derived, each = shape(kind, n)
    vocab = root / "rules" / "vocabulary" / "demo.yaml"
    vocab.write_text(vocab.read_text(encoding="utf-8") + "".join(
        f"  dx{i}:\n    label: 推导{i}\n    type: boolean\n    derived: true\n" + ("    scope: consortia\n" if each else "")
        for i in range(derived)), encoding="utf-8")
    pack = root / "rules" / "demo" / "1.0.0.yaml"
    # An edited copy of the demo pack is a draft, not the released file the lock records.
    text = pack.read_text(encoding="utf-8").replace("  version: 1.0.0\n", "  version: 1.0.0\n  released: false\n", 1)
    pack.write_text(text + "".join(rules), encoding="utf-8")
    (root / "c.yaml").write_text(SHEET, encoding="utf-8")
    return root


# (shape, largest size that ran, message past it); the demo pack's own rules count too
LIMITS = [
    ("at_once", 64, f"the engine handles at most {limits.MAX_AT_ONCE}"),
    ("shared", 256, f"the engine takes at most {limits.MAX_SHARED_TEST}"),
    ("distinct", limits.MAX_DISTINCT_TESTS - 2, f"the engine takes at most {limits.MAX_DISTINCT_TESTS} and crashes beyond"),
    ("chain", 511, f"the engine never finishes chains over {limits.MAX_DERIVE_DEPTH}"),
    ("rules", 4078, f"the engine takes at most {limits.MAX_ENGINE_RULES:,}"),
]


@pytest.mark.parametrize("kind, largest, message", LIMITS, ids=[k for k, _, _ in LIMITS])
def test_the_largest_size_that_runs_passes_lint_and_runs(cli, tmp_path, kind, largest, message):
    root = library_with(tmp_path, kind, largest)
    lint = cli("lint", "-p", "demo", "--rules", root / "rules")
    assert lint.exit_code == 0, lint.stderr[-2000:]
    run = cli("run", root / "c.yaml", "--rules", root / "rules", "-p", "demo", "--format", "json", "-o", root / "r.json")
    assert run.exit_code in (0, 1), run.stderr[-2000:]


@pytest.mark.parametrize("kind, largest, message", LIMITS, ids=[k for k, _, _ in LIMITS])
def test_one_past_the_limit_is_refused_by_lint_and_by_run(cli, tmp_path, kind, largest, message):
    root = library_with(tmp_path, kind, largest + (3 if kind == "distinct" else 1))
    lint = cli("lint", "-p", "demo", "--rules", root / "rules")
    assert lint.exit_code == 2 and message in lint.stderr, lint.stderr[-2000:]
    assert "1.0.0.yaml:" in lint.stderr
    run = cli("run", root / "c.yaml", "--rules", root / "rules", "-p", "demo", "--format", "json", "-o", root / "r.json")
    assert run.exit_code == 2 and message in run.stderr and "超过引擎" in run.stderr
    assert not (root / "r.json").exists()
