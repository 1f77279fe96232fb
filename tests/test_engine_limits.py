"""lint refuses what run cannot evaluate, and run refuses it before the engine crashes or hangs.

Each shape is generated at the largest size the engine was measured to handle
(it must still run) and one past it (lint and run must both refuse it, exit 2,
naming the rule and the limit). Before this check, the sizes past the limit
passed lint; run then aborted the process, hung, or exited 3.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from checker import limits
from conftest import DEMO_RULES

QUOTE = "到2025年底,基层诊疗量占比达到65%以上"
EACH = "    for_each: consortia\n"
SHEET = ('county:\n  name: 示范区\n  code: "110101"\n  report_date: 2025-12-31\nfacts:\n  grassroots_share: 70\n'
         "  consortia:\n    - {name: 甲, has_charter: true, centre_kind: 甲类}\n"
         "    - {name: 乙, has_charter: false, centre_kind: 戊类}\n")
# A per-entry enum fact, like a community centre's designation, that only the generated rules read.
KIND = "  centre_kind:\n    label: 类别\n    type: enum\n    values: [甲类, 乙类, 丙类, 丁类, 戊类]\n    scope: consortia\n"


def _derive(i: int, when: str, each: bool = False) -> str:
    return (f"  - id: DM-X{i:05d}\n    kind: derive\n    section: 一\n    quote: {QUOTE}\n    requirement: {{zh: 推导, en: d}}\n"
            f"{EACH if each else ''}    when: {when}\n    derive: dx{i}\n")


def _check(i: int, require: str, each: bool = False, when: str = "") -> str:
    return (f"  - id: DM-C{i:05d}\n    section: 一\n    quote: {QUOTE}\n    requirement: {{zh: 检查, en: c}}\n"
            f"{EACH if each else ''}{f'    when: {when}' + chr(10) if when else ''}    require: {require}\n    lead: 市卫生健康委\n")


def shape(kind: str, n: int) -> tuple[list[str], int, bool]:
    """(rules, derived facts, per entry) of one generated shape."""
    if kind == "at_once":  # n check rules joined on one per-entry derived fact
        return [_derive(0, "{fact: has_charter, eq: true}", True)] + [_check(i, "{fact: dx0, eq: true}", True) for i in range(n)], 1, True
    if kind == "shared":  # n derive rules testing one fact the same way
        return [_derive(i, "{fact: grassroots_share, ge: 50}") for i in range(n)], n, False
    if kind == "distinct":  # n different thresholds on one fact; a share of 0 falls short of n of them at once
        return [_check(i, "{fact: grassroots_share, ge: %d}" % i) for i in range(n)], 0, False
    if kind == "entry_when":  # n per-entry rules that apply to entries of one kind
        return [_check(i, "{fact: grassroots_share, ge: 65}", True, "{fact: centre_kind, eq: 甲类}") for i in range(n)], 0, True
    if kind == "entry_in":  # the same with a list of kinds: one alternative per kind, and one for the rest
        return [_check(i, "{fact: grassroots_share, ge: 65}", True, "{fact: centre_kind, in: [甲类, 乙类, 丙类]}")
                for i in range(n)], 0, True
    if kind == "rules":  # n check rules in all
        return [_check(i, "{fact: grassroots_share, ge: %d}" % (i % 50)) for i in range(n)], 0, False
    if kind == "chain":  # a derive chain n long
        return [_derive(0, "{fact: grassroots_share, ge: 50}")] + [_derive(i, f"{{fact: dx{i - 1}, eq: true}}") for i in range(1, n)], n, False
    raise ValueError(kind)


def library_with(tmp_path: Path, kind: str, n: int) -> Path:
    root = tmp_path / f"{kind}-{n}"
    shutil.copytree(DEMO_RULES.parent, root)
    rules, derived, each = shape(kind, n)
    vocab = root / "rules" / "vocabulary" / "demo.yaml"
    vocab.write_text(vocab.read_text(encoding="utf-8") + KIND + "".join(
        f"  dx{i}:\n    label: 推导{i}\n    type: boolean\n    derived: true\n" + ("    scope: consortia\n" if each else "")
        for i in range(derived)), encoding="utf-8")
    pack = root / "rules" / "demo" / "1.0.0.yaml"
    # An edited copy of the demo pack is a draft, not the released file the lock records.
    text = pack.read_text(encoding="utf-8").replace("  version: 1.0.0\n", "  version: 1.0.0\n  released: false\n", 1)
    pack.write_text(text + "".join(rules), encoding="utf-8")
    (root / "c.yaml").write_text(SHEET, encoding="utf-8")
    return root


STACK = f"the engine holds at most {limits.MAX_ALPHA_STACK} and cannot evaluate such a county beyond"
# (shape, largest size that ran, message past it); the demo pack's own rules count too
LIMITS = [
    ("at_once", 64, STACK),
    ("entry_when", 64, STACK),
    ("shared", 256, f"the engine takes at most {limits.MAX_SHARED_TEST}"),
    ("distinct", 64, STACK),
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
    root = library_with(tmp_path, kind, largest + 1)
    lint = cli("lint", "-p", "demo", "--rules", root / "rules")
    assert lint.exit_code == 2 and message in lint.stderr, lint.stderr[-2000:]
    assert "1.0.0.yaml:" in lint.stderr
    run = cli("run", root / "c.yaml", "--rules", root / "rules", "-p", "demo", "--format", "json", "-o", root / "r.json")
    assert run.exit_code == 2 and message in run.stderr and "超过引擎" in run.stderr
    assert not (root / "r.json").exists()


def _run_in_child(root: Path, sheet: Path | None = None, check_limits: bool = True) -> subprocess.CompletedProcess:
    """`policycheck run` on a generated county in a child process: an abort in the engine fails the test
    instead of ending the test session. Without `check_limits` the pack goes to the engine unchecked."""
    skip = "" if check_limits else "import checker.engine as e; e.enforce_limits = lambda pack, vocab: None; "
    code = skip + "import sys; from checker.cli import main; sys.argv[0] = 'policycheck'; main()"
    return subprocess.run([sys.executable, "-c", code, "run", str(sheet or root / "c.yaml"), "--rules", str(root / "rules"),
                           "-p", "demo", "--format", "json", "-o", str(root / "r.json")],
                          capture_output=True, text=True, timeout=600)


def test_per_entry_in_lists_that_aborted_the_engine_run(tmp_path):
    # 17 per-entry rules `when: {fact: centre_kind, in: [3 kinds]}` compile into 68 alternatives reading
    # centre_kind. The engine pushed every one of them on its 64-entry matching stack for each centre_kind
    # fact (error 303), and deleting that county's session then aborted the process: `free(): invalid
    # pointer`, as a Chuzhou draft pack with five- and three-name lists did. Lint passed it.
    root = library_with(tmp_path, "entry_in", 17)
    done = _run_in_child(root)
    assert done.returncode in (0, 1), (done.returncode, done.stderr[-2000:])
    findings = json.loads((root / "r.json").read_text(encoding="utf-8"))["findings"]
    status = {(f["rule"], f["subject"]): f["status"] for f in findings if f["rule"].startswith("DM-C")}
    assert len(status) == 2 * 17
    assert {s for (_, subject), s in status.items() if subject == "甲"} == {"pass"}  # 甲类: applies, 70% ≥ 65%
    assert {s for (_, subject), s in status.items() if subject == "乙"} == {"not_applicable"}  # 戊类: not listed


@pytest.mark.parametrize("kind", ["entry_in", "entry_when", "at_once", "distinct"])
@pytest.mark.parametrize("n", [17, 64, 65])
def test_the_measure_is_what_one_value_can_meet_at_once(tmp_path, kind, n):
    from checker.library import load_library

    library = load_library(library_with(tmp_path, kind, n) / "rules")
    library.allow_draft = True
    measured = limits.alpha_stack(library.resolve("demo", None), library.vocabulary)
    # entries of one kind meet all n rules' tests at once, and so do entries of no listed kind (their
    # not-applicable alternatives); with a list, an entry of its second kind may also leave the first test of
    # the not-applicable chain waiting on the stack; a share of 0 is below n thresholds (n - 1 of the
    # generated ones and the demo pack's 65%); a false dx0 fails all n checks of it
    fact = {"entry_in": "centre_kind", "entry_when": "centre_kind", "at_once": "dx0", "distinct": "grassroots_share"}[kind]
    assert measured[fact][0] == n + (kind == "entry_in")
    assert (measured[fact][0] > limits.MAX_ALPHA_STACK) == any(fact in p.en for p in limits.limit_problems(library.resolve("demo", None), library.vocabulary))


def test_a_county_the_engine_refuses_is_an_error_and_not_a_crash(tmp_path):
    # Past the limit (65 thresholds, a share of 0 below all of them) and with lint's check switched off, the
    # engine refuses the county's facts (error 303). Deleting that session used to abort the process, since
    # the engine sets up a session's action context only when an action starts.
    root = library_with(tmp_path, "distinct", 65)
    sheet = root / "zero.yaml"
    sheet.write_text(SHEET.replace("grassroots_share: 70", "grassroots_share: 0"), encoding="utf-8")
    done = _run_in_child(root, sheet, check_limits=False)
    assert done.returncode == 3, (done.returncode, done.stderr[-2000:])
    assert "error code: 303" in done.stderr and "No report was written" in done.stderr
    assert not (root / "r.json").exists()
    checked = _run_in_child(root, sheet)
    assert checked.returncode == 2 and STACK in checked.stderr and "超过引擎" in checked.stderr
