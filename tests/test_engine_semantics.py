"""Engine semantics: statuses, chaining through derived facts, isolation, failure handling."""
from __future__ import annotations

import pytest

from checker import engine
from checker.errors import EvaluationError


def status(findings, rule, subject="示范区"):
    return findings[(rule, subject)].status


def test_threshold_pass_fail_missing_and_not_due(evaluate_demo):
    found, _ = evaluate_demo("grassroots_share: 70")
    assert status(found, "DM-001") == "pass"
    found, _ = evaluate_demo("grassroots_share: 61.5%")
    assert status(found, "DM-001") == "fail"
    assert found[("DM-001", "示范区")].shortfall.startswith("差 3.5 个百分点")
    found, _ = evaluate_demo("grassroots_share: 61.5", as_of="2025-06-30")
    f = found[("DM-001", "示范区")]
    assert (f.status, f.days, f.progress) == ("not_due", 184, "94.6%")
    # An unmet target never shows as complete: 64.9 of 65 is 99.8%, not a rounded 100%.
    found, _ = evaluate_demo("grassroots_share: 64.9", as_of="2025-06-30")
    assert found[("DM-001", "示范区")].progress == "99.8%"
    found, _ = evaluate_demo("plan_year: 2025")
    assert status(found, "DM-001") == "missing"
    assert found[("DM-001", "示范区")].missing == ["基层诊疗量占比"]


def test_boundary_value_is_exact(evaluate_demo):
    found, _ = evaluate_demo("grassroots_share: 65")
    assert status(found, "DM-001") == "pass"
    found, _ = evaluate_demo("grassroots_share: 64.999999")
    assert status(found, "DM-001") == "fail"


def test_check_applies_only_through_a_derived_fact(evaluate_demo):
    found, ev = evaluate_demo("""
        consortia:
          - name: 甲
            unified: [人员, 财务, 业务]
            lump_sum_payment: false
          - name: 乙
            unified: [人员]
            lump_sum_payment: false
          - name: 丙
            lump_sum_payment: false
    """)
    assert status(found, "DM-002", "甲") == "fail"
    assert status(found, "DM-002", "乙") == "not_applicable"
    assert status(found, "DM-002", "丙") == "missing"  # cannot tell whether it is unified
    why = found[("DM-002", "甲")].why
    assert why[0].derived and why[0].rule == "DM-D01" and why[0].value == "是"
    assert [(b.label, b.value) for b in why[0].basis] == [("已统一管理的事项", "人员、财务、业务")]
    assert ("consortia#1", "fully_unified", False, "DM-D01") in ev.derived["demo"]


def test_condition_false_is_not_applicable_and_true_checks(evaluate_demo):
    found, _ = evaluate_demo("""
        consortia:
          - {name: 中医, lead_is_tcm: true, tcm_department: false}
          - {name: 西医, lead_is_tcm: false}
    """)
    assert status(found, "DM-003", "中医") == "fail"
    assert status(found, "DM-003", "西医") == "not_applicable"


@pytest.mark.parametrize("facts, expected", [
    ("{name: 甲, has_charter: true}", "pass"),          # true although has_council is unknown
    ("{name: 甲, has_charter: false}", "missing"),      # false or unknown: undetermined
    ("{name: 甲, has_charter: false, has_council: false}", "fail"),
    ("{name: 甲, has_council: true, has_charter: false}", "pass"),
])
def test_any_across_facts_is_three_valued(evaluate_demo, facts, expected):
    found, _ = evaluate_demo(f"consortia:\n  - {facts}")
    assert status(found, "DM-004", "甲") == expected


def test_ordered_enum_and_deadline_from_a_fact(evaluate_demo):
    found, _ = evaluate_demo("hospital_grade: 二级乙等\nplan_year: 2025", as_of="2025-07-01")
    f = found[("DM-005", "示范区")]
    assert (f.status, str(f.deadline)) == ("fail", "2025-06-30")
    found, _ = evaluate_demo("hospital_grade: 二级乙等\nplan_year: 2026", as_of="2025-07-01")
    assert status(found, "DM-005") == "not_due"
    found, _ = evaluate_demo("hospital_grade: 三级\nplan_year: 2025")
    assert status(found, "DM-005") == "pass"
    found, _ = evaluate_demo("hospital_grade: 一级")  # no plan year: no deadline can be judged
    assert status(found, "DM-005") == "missing"


def test_count_of_a_collection(evaluate_demo):
    found, _ = evaluate_demo("consortia:\n  - {name: 甲}\n  - {name: 乙}\n  - {name: 丙}")
    assert status(found, "DM-006") == "fail"
    found, _ = evaluate_demo("consortia: []")
    assert status(found, "DM-006") == "pass"
    found, _ = evaluate_demo("grassroots_share: 1%")
    assert status(found, "DM-006") == "missing"


def test_no_entries_in_a_collection_is_reported_not_dropped(evaluate_demo):
    found, _ = evaluate_demo("grassroots_share: 70")
    assert status(found, "DM-003", "(未提交县域医共体)") == "missing"


@pytest.mark.parametrize("written", ["[]", "无", "[{name: 暂无}]"])
def test_a_list_given_as_none_does_not_apply_and_is_not_asked_for(evaluate_demo, written):
    """A county that says it has none of a list is not asked to submit it: its per-entry rules do not apply."""
    found, _ = evaluate_demo(f"grassroots_share: 70\nconsortia: {written}")
    assert status(found, "DM-003", "(无县域医共体)") == "not_applicable"
    assert ("DM-003", "(未提交县域医共体)") not in found
    finding = found[("DM-003", "(无县域医共体)")]
    assert finding.missing == [] and "无县域医共体" in finding.actual


def test_two_counties_one_after_another_do_not_leak(evaluate_demo):
    first, _ = evaluate_demo("consortia:\n  - {name: 甲, unified: [人员, 财务, 业务], lump_sum_payment: false}", name="一区")
    assert first[("DM-002", "甲")].status == "fail"
    # Same consortium name, nothing unified: a leaked derived fact would make DM-002 apply.
    second, ev = evaluate_demo("consortia:\n  - {name: 甲, lump_sum_payment: false}", name="二区")
    assert second[("DM-002", "甲")].status == "missing"
    assert ev.derived["demo"] == []


def test_interleaved_counties_match_isolated_results(evaluate_demo):
    sheets = [f"grassroots_share: {60 + i}\nconsortia:\n  - {{name: 甲, unified: [人员{', 财务, 业务' if i % 2 else ''}], "
              f"lump_sum_payment: {str(i % 3 == 0).lower()}}}" for i in range(12)]
    first = [{k: f.status for k, f in evaluate_demo(s)[0].items()} for s in sheets]
    again = [{k: f.status for k, f in evaluate_demo(s)[0].items()} for s in reversed(sheets)]
    assert first == list(reversed(again))
    assert {r["DM-002", "甲"] for r in first} == {"fail", "pass", "not_applicable"}


def test_sessions_are_deleted_after_each_county(evaluate_demo):
    for _ in range(3):
        evaluate_demo("grassroots_share: 70")
    assert engine._SESSIONS == {}


def test_exception_inside_an_action_fails_the_evaluation(evaluate_demo, monkeypatch):
    evaluate_demo("grassroots_share: 70")  # compile first

    def exploding_firing(rule, *args):
        raise RuntimeError(f"boom in {rule}")

    monkeypatch.setattr(engine, "Firing", exploding_firing)
    with pytest.raises(EvaluationError) as err:
        evaluate_demo("grassroots_share: 50")
    assert "DM-001" in str(err.value) and "boom" in str(err.value)
    assert err.value.exit_code == 3
    assert engine._SESSIONS == {}
    monkeypatch.undo()
    found, _ = evaluate_demo("grassroots_share: 50")  # the next county is unaffected
    assert found[("DM-001", "示范区")].status == "fail"


def test_each_pack_version_is_compiled_once(demo_library, evaluate_demo):
    evaluate_demo("grassroots_share: 70")
    before = dict(engine._COMPILED)
    evaluate_demo("grassroots_share: 10")
    assert engine._COMPILED == before
    pack = demo_library.resolve("demo", None)
    assert engine.compiled(pack, demo_library.vocabulary) is before[(pack.id, pack.version, pack.sha256)]


# Two ids whose 32-bit FNV-1a hashes are equal (found by a birthday search).
COLLIDING = ("k32728", "k261234")


def test_the_engine_takes_two_facts_with_colliding_id_hashes_for_one(demo_library):
    """The sharp edge itself: the engine files a session's facts by a 32-bit hash of their id."""
    import json

    assert engine.fnv1a32(COLLIDING[0]) == engine.fnv1a32(COLLIDING[1])
    compiled = engine.compiled(demo_library.resolve("demo", None), demo_library.vocabulary)
    facts = [{"sid": "collide", "id": COLLIDING[0], "t": engine.BEGIN},
             {"sid": "collide", "id": COLLIDING[1], "t": engine.INPUT, "s": "county", "n": "plan_year", "v": 1}]
    try:
        result = engine._c_engine.assert_facts(compiled.handle, json.dumps(facts))
        assert result[0] == 2  # MessageObservedException: the second, different fact is "already observed"
    finally:
        engine.delete_state(compiled, "collide")


def test_a_session_skips_any_id_whose_hash_is_taken():
    session = engine._Session()
    session._used.add(engine.fnv1a32("1"))  # as if another fact already had that hash
    assert [session.new_id() for _ in range(3)] == ["0", "2", "3"]


def test_a_county_with_hundreds_of_entries_evaluates_cleanly_again_and_again(evaluate_demo):
    """Many large sessions in one process: every result the same, never 'already observed'."""
    entries = "\n".join(f"  - {{name: 医共体{i}, unified: [人员, 财务, 业务], lump_sum_payment: {str(i % 3 == 0).lower()}, "
                        f"has_charter: {str(i % 2 == 0).lower()}, lead_is_tcm: {str(i % 5 == 0).lower()}, "
                        f"tcm_department: {str(i % 7 == 0).lower()}}}" for i in range(200))
    first, _ = evaluate_demo(f"grassroots_share: 61\nplan_year: 2025\nconsortia:\n{entries}")
    for _ in range(40):
        again, _ = evaluate_demo(f"grassroots_share: 61\nplan_year: 2025\nconsortia:\n{entries}")
        assert {k: f.status for k, f in again.items()} == {k: f.status for k, f in first.items()}


def test_a_count_that_must_be_zero_reads_as_who_falls_short(evaluate_demo):
    from checker import findings

    class Fact:  # an integer count of entries that fall short
        type, unit = "integer", "家"

        def show(self, v):
            return f"{v}家"

    import checker.conditions as cond
    rule = type("R", (), {"require": cond.Test("members_lacking", "le", 0), "periodic": None})()
    subject = type("S", (), {"key": "county"})()
    original_fact, original_known = findings.Vocabulary.fact, findings._known
    try:
        findings.Vocabulary.fact = lambda self, name: Fact()
        findings._known = lambda *a: (True, 2)
        shortfall, progress, _ = findings._gap(rule, subject, type("Sheet", (), {"counted_in_part": {}})(), findings.Vocabulary(), None)
    finally:
        findings.Vocabulary.fact, findings._known = original_fact, original_known
    assert shortfall == "2家未达到要求" and "超出" not in shortfall
