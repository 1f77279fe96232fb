"""Pack fidelity: every shipped pack loads and lints clean, every quote is verbatim in its
clean text, and the policy test cases written next to each pack hold."""
from __future__ import annotations

from pathlib import Path

import pytest

from checker.cases import run_cases
from checker.library import load_library
from checker.lint import lint_library

LIBRARY = load_library()
PACKS = LIBRARY.all_packs()
RULES = [(p, r) for p in PACKS for r in p.rules]


def test_shipped_library_lints_clean():
    assert [p.render() for p in lint_library(LIBRARY)] == []


@pytest.mark.parametrize("pack, rule", RULES, ids=[f"{p.ref}:{r.id}" for p, r in RULES])
def test_quote_is_verbatim_in_the_clean_text(pack, rule):
    text = (Path(pack.policy.text_path).parent / pack.text).read_text(encoding="utf-8")
    assert any(rule.quote in line for line in text.splitlines()), f"{rule.id}: {rule.quote}"


def test_clean_texts_carry_no_scrape_junk():
    for policy in LIBRARY.policies.values():
        for name in ["text.txt", *policy.texts]:
            text = (policy.text_path.parent / name).read_text(encoding="utf-8")
            assert "\ufffd" not in text and "?" not in text and "(wǎng)" not in text, (policy.id, name)
            assert all(line == line.strip() and line for line in text.splitlines()), (policy.id, name)


def test_restored_texts_are_simplified_and_aligned_with_the_original():
    """A restored text is what a county reads (simplified script) and maps back to the scrape line by line."""
    from checker.script import to_simplified

    for policy in LIBRARY.policies.values():
        for name, lines in policy.texts.items():
            assert to_simplified("\n".join(lines)) == "\n".join(lines), (policy.id, name)
            assert len(lines) == len(policy.lines), (policy.id, name)


NEWEST = [max(versions.values(), key=lambda p: p.version_key) for versions in LIBRARY.packs.values()]


@pytest.mark.parametrize("pack", NEWEST, ids=[p.ref for p in NEWEST])
def test_newest_versions_speak_to_the_county(pack):
    """What a county reads carries no review remarks, and the newest versions name units at their level."""
    for rule in pack.rules:
        assert "请审核" not in rule.note and "請審核" not in rule.note, f"{pack.ref}:{rule.id}"
    if pack.version_key >= (2, 0, 0):
        assert pack.units is not None, f"{pack.ref} lists no units with their levels"


def test_every_check_rule_names_a_lead_unit():
    for pack, rule in RULES:
        if rule.kind == "check":
            assert rule.lead, f"{pack.ref}:{rule.id}"


CASE_REPORTS = run_cases(LIBRARY)
CASES = [(r.pack_ref, c) for r in CASE_REPORTS for c in r.cases]


@pytest.mark.parametrize("ref, case", CASES, ids=[f"{ref}:{c.name}" for ref, c in CASES])
def test_policy_case(ref, case):
    assert case.ok, "\n".join(case.errors)


@pytest.mark.parametrize("report", CASE_REPORTS, ids=[r.pack_ref for r in CASE_REPORTS])
def test_cases_drive_every_check_rule_to_pass_and_fail(report):
    # Coverage is of the newest version: a rule an older version had and a newer one dropped needs no new case.
    newest = max((p for p in PACKS if p.ref in report.pack_ref), key=lambda p: p.version_key)
    checks = {r.id for r in newest.rules if r.kind == "check"}
    not_failed = sorted(r for r in checks if "fail" not in report.driven.get(r, ()) and "not_due" not in report.driven.get(r, ()))
    not_passed = sorted(r for r in checks if "pass" not in report.driven.get(r, ()))
    not_missing = sorted(r for r in checks if "missing" not in report.driven.get(r, ()))
    assert (not_failed, not_passed, not_missing) == ([], [], [])


def test_every_pack_has_cases():
    with_cases = {r.pack_ref.split("@")[0] for r in CASE_REPORTS}
    assert with_cases == set(LIBRARY.packs)


@pytest.mark.parametrize("pack", PACKS, ids=[p.ref for p in PACKS])
def test_every_sentence_of_the_text_is_classified(pack):
    from checker.coverage import text_coverage

    open_sentences = [s["text"] for s in text_coverage(pack)["sentences"] if s["status"] == "open"]
    assert open_sentences == []
