"""A count the sheet's own list already gives is taken from the list (count_of with count_where).

reform-annual "每个县不少于1所医院" (RA-150) asked a number beside a list of the county's hospitals that says,
hospital by hospital, which receive rotating doctors (RA-151); the two answers could disagree silently.
"""
from __future__ import annotations

import yaml

from checker.facts import load_fact_sheet
from checker.library import load_library
from checker.pipeline import CheckRequest, check_sheet
from conftest import EXAMPLES


def _sheet(tmp_path, hospitals, extra=None):
    sheet = yaml.safe_load((EXAMPLES / "reform-county.yaml").read_text(encoding="utf-8"))
    sheet["facts"]["county_hospitals"] = hospitals
    sheet["facts"].update(extra or {})
    path = tmp_path / "平阴县.yaml"
    path.write_text(yaml.safe_dump(sheet, allow_unicode=True), encoding="utf-8")
    return path


def _ra150(path):
    data = check_sheet(path, CheckRequest(specs=("reform-annual@2.2.0",))).data
    return next(f for f in data["findings"] if f["rule"] == "RA-150")


def test_the_count_is_the_hospitals_the_list_marks(tmp_path):
    vocab = load_library(None).vocabulary
    path = _sheet(tmp_path, [{"name": "甲院", "county_hospital_receives_stationed_doctors": True,
                              "county_hospital_stationed_doctors": 5},
                             {"name": "乙院", "county_hospital_receives_stationed_doctors": True,
                              "county_hospital_stationed_doctors": 6},
                             {"name": "丙院", "county_hospital_receives_stationed_doctors": False}])
    assert load_fact_sheet(path, vocab).values["county"]["hospitals_receiving_stationed_doctors"] == 2
    assert _ra150(path)["status"] in ("pass", "not_due")


def test_a_list_where_no_hospital_receives_doctors_falls_short_whatever_number_is_typed(tmp_path):
    # the old separate number (1) no longer hides the list's answer (none)
    path = _sheet(tmp_path, [{"name": "甲院", "county_hospital_receives_stationed_doctors": False}],
                  {"hospitals_with_stationed_doctors": 1})
    assert _ra150(path)["status"] in ("fail", "not_due")
    assert _ra150(path)["actual"].startswith("0")


def test_an_unanswered_entry_leaves_the_count_to_be_supplied(tmp_path):
    path = _sheet(tmp_path, [{"name": "甲院", "county_hospital_receives_stationed_doctors": False}, {"name": "乙院"}])
    assert _ra150(path)["status"] == "missing"


def test_the_count_cannot_be_typed_in(tmp_path, cli):
    path = _sheet(tmp_path, [{"name": "甲院", "county_hospital_receives_stationed_doctors": True}],
                  {"hospitals_receiving_stationed_doctors": 3})
    result = cli("run", path, "-p", "reform-annual@2.2.0", "--format", "json")
    assert result.exit_code == 2 and "hospitals_receiving_stationed_doctors" in result.stderr


ENUM_COUNT = """  consortium_lead_kind:
    label: 牵头医院类别
    type: enum
    scope: consortia
    values: [综合医院, 中医医院]
  tcm_led_consortia:
    label: 中医医院牵头的医共体数
    type: integer
    count_of: consortia
    count_where: consortium_lead_kind
    count_value: {value}
"""


def _demo_vocabulary(tmp_path, value):
    import shutil

    from checker.vocabulary import load_vocabulary
    from conftest import DEMO_RULES

    lib = tmp_path / "lib"
    shutil.copytree(DEMO_RULES.parent, lib)
    vocab = lib / "rules" / "vocabulary" / "demo.yaml"
    vocab.write_text(vocab.read_text(encoding="utf-8") + ENUM_COUNT.replace("{value}", value), encoding="utf-8")
    return load_vocabulary(lib / "rules" / "vocabulary")


def test_an_enum_answer_is_counted_by_the_option_named(tmp_path):
    """云州区's list says of each institution what it is; "has the district its TCM hospital" is the number
    of entries that chose 县级中医医院, and an entry that did not say leaves that number unknown."""
    from conftest import demo_sheet

    vocab = _demo_vocabulary(tmp_path, "中医医院")

    def counted(entries: str):
        path = tmp_path / "s.yaml"
        path.write_text(demo_sheet("consortia:\n" + entries), encoding="utf-8")
        return load_fact_sheet(path, vocab).values["county"].get("tcm_led_consortia")

    assert counted("  - {name: 甲, consortium_lead_kind: 中医医院}\n  - {name: 乙, consortium_lead_kind: 综合医院}\n"
                   "  - {name: 丙, consortium_lead_kind: 中医医院}\n") == 2
    assert counted("  - {name: 甲, consortium_lead_kind: 综合医院}\n") == 0
    assert counted("  - {name: 甲, consortium_lead_kind: 中医医院}\n  - {name: 乙}\n") is None


def test_an_enum_count_must_name_one_of_the_options(tmp_path):
    import pytest

    from checker.errors import RulePackError

    with pytest.raises(RulePackError) as refused:
        _demo_vocabulary(tmp_path, "专科医院")
    assert "count_value" in str(refused.value.problems[0])


def test_a_count_already_met_by_the_answers_given_does_not_wait_for_the_blanks(tmp_path):
    """商河县人民医院 answered 是 and 妇幼保健院 left it blank: "每个县不少于1所医院" is met whatever the
    blank would say, so it is not asked for again; the report says the count is at least one."""
    path = _sheet(tmp_path, [{"name": "甲院", "county_hospital_receives_stationed_doctors": True,
                              "county_hospital_stationed_doctors": 3}, {"name": "乙院"}])
    finding = _ra150(path)
    assert finding["status"] == "pass"
    assert finding["actual"] == "至少 1所 (另有 1 项未填)"
    assert "至少 1所" in str(finding["why"])


def test_a_count_whose_answer_turns_on_the_blanks_stays_to_be_supplied(tmp_path):
    """One hospital answered 否, one is blank: not less than one turns on the blank."""
    path = _sheet(tmp_path, [{"name": "甲院", "county_hospital_receives_stationed_doctors": False}, {"name": "乙院"}])
    finding = _ra150(path)
    assert finding["status"] == "missing" and finding["actual"] == "尚不确定 (1 项未填)"


def test_whether_the_blanks_matter_is_asked_of_every_test_the_packs_make():
    from checker.conditions import Test, same_across

    assert same_across(Test("n", "ge", 1), 1, 3) and not same_across(Test("n", "ge", 2), 1, 3)
    assert same_across(Test("n", "le", 5), 1, 3) and not same_across(Test("n", "lt", 3), 1, 3)
    assert same_across(Test("n", "eq", 4), 1, 3) and not same_across(Test("n", "eq", 2), 1, 3)
    assert same_across(Test("n", "ne", 0), 1, 3) and same_across(Test("n", "eq", 2), 2, 2)
