"""Differential tests: the durable_rules engine against a plain-Python oracle (tests/oracle.py).

For the demo pack, a synthetic pack written here that uses every operator and
shape of the pack format, and every shipped pack version that loads, fact sheets
are generated from what each pack reads: each fact absent or a value around the
thresholds its rules use (the boundary itself, just below, just above), booleans,
enum values, subsets of sets, 0-3 entries per list (absent or empty too), and an
as-of date around each deadline. Every (rule, subject) status and every derived
fact must be the same through the engine and through the oracle.

A second test evaluates 200 counties interleaved in one process and compares a
sample with the same counties evaluated each alone in a fresh process.

POLICYCHECK_FUZZ_EXAMPLES sets the examples per pack version (default: see
examples_for, about 1,200 sheets in all); runs are derandomized, so a failure
reproduces on every machine.
"""
from __future__ import annotations

import atexit
import datetime as dt
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import oracle
from checker import conditions as cond
from checker.errors import PolicycheckError
from checker.evaluate import evaluate
from checker.facts import KINDS, load_fact_sheet, parse_fact_sheet
from checker.library import Library, load_library, shipped_root
from checker.rulepack import RulePack
from checker.vocabulary import COUNTY, FactDef
from checker.yamlsource import LineList, LineMap
from conftest import DEMO_RULES, REPO

# Examples per pack version. By default the budget shrinks with the size of the pack and older
# versions of a pack get few, so that the file stays fast however many packs are shipped: the demo
# and synthetic packs 300 each, a shipped pack's latest version 60-300 (60 for 130+ rules), older
# versions 30. POLICYCHECK_FUZZ_EXAMPLES=N runs N for every pack version.
EXAMPLES = int(os.environ.get("POLICYCHECK_FUZZ_EXAMPLES", "0") or 0)
RULE_BUDGET = 8_000


def examples_for(profile: "Profile") -> int:
    if EXAMPLES:
        return EXAMPLES
    if not profile.latest:
        return 30
    return max(60, min(300, RULE_BUDGET // max(1, len(profile.pack.rules))))


FUZZ = settings(derandomize=True, deadline=None, database=None, print_blob=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
COUNTY_NAME = "测试县"
ENTRY_NAMES = ("甲医共体", "乙医共体", "丙医共体", "丁医共体", "戊医共体", "己医共体", "庚医共体", "辛医共体")
ABSENT = object()
MAX_ENTRIES = 3


# ---------------------------------------------------------------- what a pack reads

def _tests(expr: Any) -> list[cond.Test]:
    if expr is None:
        return []
    if isinstance(expr, cond.Test):
        return [expr]
    if isinstance(expr, cond.Not):
        return _tests(expr.part)
    assert isinstance(expr, (cond.All, cond.Any_))
    return [t for p in expr.parts for t in _tests(p)]


def _round6(value: float) -> float | int:
    value = round(value, 6)
    return int(value) if float(value).is_integer() else value


def _number_candidates(fdef: FactDef, thresholds: list[Any], years: bool) -> list[Any]:
    low, high = fdef.range if fdef.range else (None, None)
    integer = fdef.type == "integer"
    raw: list[float] = [0, 1]
    for t in thresholds:
        raw += [t, t - 1, t + 1]
        if not integer:
            raw += [t - 0.5, t + 0.5, t - 0.000001, t + 0.000001]
    if years:
        raw += list(range(2023, 2028))
    for bound in (low, high):
        if bound is not None:
            raw += [bound, bound + 1, bound - 1]
    if low is not None and high is not None:
        raw += [(low + high) / 2, low + (high - low) / 7]
    out: list[Any] = []
    for value in raw:
        value = _round6(value)
        if integer and value != int(value):
            continue
        if (low is not None and value < low) or (high is not None and value > high) or abs(value) > 1e9:
            continue
        if value not in out:
            out.append(value)
    return sorted(out)


def _candidates(fdef: FactDef, thresholds: list[Any], years: bool) -> tuple[list[Any], list[Any]]:
    """(preferred, all) values of a fact: the preferred ones are those the rules name."""
    if fdef.type in ("number", "integer", "percent"):
        values = _number_candidates(fdef, thresholds, years)
        return values, values
    if fdef.type == "boolean":
        return [False, True], [False, True]
    if fdef.type == "enum":
        named = [v for v in fdef.values if v in thresholds]
        return named, list(fdef.values)
    if fdef.type == "set":
        return list(fdef.values), list(fdef.values)  # members; a value is drawn as a subset
    if fdef.type == "date":
        out = {dt.date(2020, 1, 1), dt.date(2030, 1, 1)}
        for t in thresholds:
            out |= {t - dt.timedelta(days=1), t, t + dt.timedelta(days=1)}
        return sorted(out), sorted(out)
    if fdef.type == "text":
        named = list(dict.fromkeys(str(t) for t in thresholds))
        return named, named + ["其他内容"]
    raise AssertionError(f"unknown fact type {fdef.type}")


def _county_field_candidates(fdef: FactDef, thresholds: list[Any]) -> list[str]:
    """Values of a county block field (name, code, …) that a `from_county` fact is taken from."""
    values = list(dict.fromkeys([str(t) for t in thresholds] + list(fdef.values)))
    field_name = fdef.from_county
    if field_name == "code":
        values = [v for v in values if re.fullmatch(r"\d{6}", v)] + ["110101"]
    elif field_name == "kind":
        values = [v for v in values if v in KINDS] + ["县"]
    else:
        values += ["其他"]  # outside an enum: the fact is absent
    return list(dict.fromkeys(values))


@dataclass
class Profile:
    """How to generate fact sheets for one pack version."""

    label: str
    library: Library
    pack: RulePack
    county: dict[str, tuple[list, list]] = field(default_factory=dict)             # fact -> candidates
    collections: dict[str, dict[str, tuple[list, list]]] = field(default_factory=dict)  # list -> fact -> candidates
    sizes: dict[str, int] = field(default_factory=dict)                     # list -> most entries drawn
    county_fields: dict[str, list[str]] = field(default_factory=dict)       # county block field -> candidates
    as_of: list[dt.date] = field(default_factory=list)
    latest: bool = True  # the newest version of its pack

    @property
    def vocab(self):
        return self.library.vocabulary

    def __repr__(self) -> str:
        return f"Profile({self.label})"


def profile_of(label: str, library: Library, pack: RulePack) -> Profile:
    vocab = library.vocabulary
    thresholds: dict[str, list[Any]] = {}
    years: set[str] = set()
    collections: set[str] = set()
    for rule in pack.rules:
        if rule.for_each:
            collections.add(rule.for_each)
        for test in _tests(rule.when) + _tests(rule.require):
            thresholds.setdefault(test.fact.partition(".")[0], []).append(test.value)
        if rule.deadline is not None and rule.deadline.year_fact:
            years.add(rule.deadline.year_fact)
            thresholds.setdefault(rule.deadline.year_fact, [])
    profile = Profile(label, library, pack)
    for name in sorted(thresholds):
        fdef = vocab.facts[name]
        if fdef.derived:
            continue
        if getattr(fdef, "from_county", None):  # taken from the county block, not submitted
            profile.county_fields[fdef.from_county] = _county_field_candidates(fdef, thresholds[name])
            continue
        if fdef.count_of:
            collections.add(fdef.count_of)
            counts = [t for t in thresholds[name] if isinstance(t, (int, float))]
            wanted = max([MAX_ENTRIES] + [int(t) + 1 for t in counts])
            profile.sizes[fdef.count_of] = max(profile.sizes.get(fdef.count_of, 0), min(wanted, len(ENTRY_NAMES)))
            continue
        values = [v for v in thresholds[name] if not (fdef.type == "set" and isinstance(v, bool))]
        candidates = _candidates(fdef, values, name in years)
        if fdef.scope == COUNTY:
            profile.county[name] = candidates
        else:
            collections.add(fdef.scope)
            profile.collections.setdefault(fdef.scope, {})[name] = candidates
    for name in sorted(collections):
        profile.collections.setdefault(name, {})
        profile.sizes.setdefault(name, MAX_ENTRIES)
    dates = {dt.date(2025, 12, 31), dt.date(2020, 6, 30), dt.date(2030, 1, 1)}
    for rule in pack.rules:
        d = rule.deadline
        if d is None:
            continue
        if d.date is not None:
            bases = [d.date]
        else:
            bases = []
            for year in profile.county.get(d.year_fact or "", ([], []))[1]:
                try:
                    bases.append(dt.date.fromisoformat(f"{int(year) + d.year_offset:04d}-{d.month_day}"))
                except ValueError:
                    continue
        for base in bases:
            for delta in (-1, 0, 1):
                try:
                    dates.add(base + dt.timedelta(days=delta))
                except OverflowError:
                    continue
    profile.as_of = sorted(dates)
    return profile


# ---------------------------------------------------------------- building fact sheets

Pick = Callable[[list[Any]], Any]


LEAN = {"even": [False, True], "true": [True, True, True, False], "false": [False, False, False, True]}


@dataclass(frozen=True)
class Knobs:
    """Sheet-wide leanings, so that long conjunctions (six unifications, …) are met often enough."""

    complete: bool  # no fact left out
    lean: str       # booleans and set members: even, mostly true, mostly false


def _value(pick: Pick, fdef: FactDef, candidates: tuple[list, list], knobs: Knobs) -> Any:
    preferred, every = candidates
    if not knobs.complete and pick(["absent", "present", "present"]) == "absent":
        return ABSENT
    if fdef.type == "set":
        if pick(["some", "all"]) == "all":
            return list(every)
        return [m for m in every if pick(LEAN[knobs.lean])]
    if fdef.type == "boolean":
        return pick(LEAN[knobs.lean])
    value = pick(preferred) if preferred and preferred != every and pick(["any", "named"]) == "named" else pick(every)
    if fdef.type == "percent" and isinstance(value, (int, float)) and (0 < abs(value) < 1 or value == 1):
        # a bare 0.5 or 1 is refused as ambiguous (50% or 0.5%? 100% or 1%?); write the sign
        value = f"{value:.6f}".rstrip("0").rstrip(".") + "%"
    return value


def build_case(profile: Profile, pick: Pick) -> tuple[dict, dt.date]:
    """A fact sheet (plain dict) and an as-of date, every choice made by `pick`."""
    vocab = profile.vocab
    knobs = Knobs(pick([False, True]), pick(["even", "true", "false"]))
    facts: dict[str, Any] = {}
    for name, candidates in profile.county.items():
        value = _value(pick, vocab.facts[name], candidates, knobs)
        if value is not ABSENT:
            facts[name] = value
    for collection, spec in profile.collections.items():
        size = pick([None] + list(range(profile.sizes[collection] + 1)))
        if size is None:
            continue
        entries = []
        for index in range(size):
            entry: dict[str, Any] = {"name": ENTRY_NAMES[index]}
            for name, candidates in spec.items():
                value = _value(pick, vocab.facts[name], candidates, knobs)
                if value is not ABSENT:
                    entry[name] = value
            entries.append(entry)
        facts[collection] = entries
    as_of = pick(profile.as_of)
    county = {"name": COUNTY_NAME, "code": "110101", "report_date": as_of}
    for field_name, candidates in profile.county_fields.items():
        value = pick(["default"] + candidates)
        if value != "default":
            county[field_name] = value
    return {"county": county, "facts": facts}, as_of


def located(value: Any) -> Any:
    """Plain dicts and lists as the line-tracking containers the parser expects (line 0)."""
    if isinstance(value, dict):
        out = LineMap((k, located(v)) for k, v in value.items())
        out.line, out.key_lines, out.key_columns = 0, {}, {}
        return out
    if isinstance(value, list):
        items = LineList(located(v) for v in value)
        items.line, items.item_lines = 0, []
        return items
    return value


@st.composite
def cases(draw: Any, profile: Profile) -> tuple[dict, dt.date]:
    strategies: dict[tuple, Any] = {}

    def pick(options: list[Any]) -> Any:
        key = tuple(map(repr, options))
        strategy = strategies.get(key)
        if strategy is None:
            strategy = strategies[key] = st.sampled_from(options)
        return draw(strategy)

    return build_case(profile, pick)


# ---------------------------------------------------------------- comparing

def engine_result(pack: RulePack, sheet, vocab, as_of: dt.date) -> tuple[dict, dict]:
    ev = evaluate(sheet, [pack], vocab, as_of)
    statuses = {(f.rule, f.subject): f.status for f in ev.findings}
    assert len(statuses) == len(ev.findings), "two findings for the same rule and subject"
    names = {s.key: s.name for s in sheet.subjects}
    derived = {(names[s], f): v for s, f, v, _ in ev.derived.get(pack.id, [])}
    return statuses, derived


def differences(engine: tuple[dict, dict], expected: oracle.OracleResult) -> list[str]:
    out = []
    statuses, derived = engine
    for key in sorted(set(statuses) | set(expected.statuses)):
        got, want = statuses.get(key, "(no finding)"), expected.statuses.get(key, "(no finding)")
        if got != want:
            out.append(f"{key[0]} [{key[1]}]: engine {got}, oracle {want}")
    for key in sorted(set(derived) | set(expected.derived)):
        got, want = derived.get(key, "unknown"), expected.derived.get(key, "unknown")
        if got != want:
            out.append(f"derived {key[1]} [{key[0]}]: engine {got}, oracle {want}")
    return out


def assert_agree(profile: Profile, data: dict, as_of: dt.date) -> None:
    vocab = profile.vocab
    sheet = parse_fact_sheet(located(data), "<generated>", vocab)
    engine = engine_result(profile.pack, sheet, vocab, as_of)
    expected = oracle.evaluate(profile.pack, sheet, vocab, as_of)
    diff = differences(engine, expected)
    assert not diff, (f"{profile.label}, as of {as_of}:\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
                      + "\n".join(diff))


# ---------------------------------------------------------------- the packs under test

def _shipped() -> tuple[list[tuple[str, Library, RulePack]], list[str]]:
    """Every shipped pack version that loads; packs being edited are retried, then left out (lint reports them)."""
    rules = shipped_root() / "rules"
    last: Exception | None = None
    for attempt in range(3):
        try:
            library = load_library(rules)
            return [(f"shipped:{p.ref}", library, p) for p in library.all_packs()], []
        except Exception as exc:  # usually a pack or the vocabulary in the middle of an edit
            last = exc
            time.sleep(0.5)
    found, broken = [], []
    folders = sorted(p.name for p in rules.iterdir() if p.is_dir() and p.name != "vocabulary") if rules.is_dir() else []
    for name in folders:
        try:
            library = load_library(rules, only={name})
        except PolicycheckError as exc:
            broken.append(f"{name}: {exc.render().splitlines()[0]}")
            continue
        except Exception as exc:  # a crash while loading is a bug of its own; lint and the pack tests show it
            broken.append(f"{name}: {type(exc).__name__}: {exc}")
            continue
        found += [(f"shipped:{p.ref}", library, p) for p in library.all_packs()]
    if not folders and last is not None:
        broken.append(str(last).splitlines()[0])
    return found, broken


# A synthetic pack that uses every operator and shape the pack format allows: numbers with
# decimals, between, in, not, any across county and entry facts, dates, text, ordered and
# unordered enums, county and entry sets, a count, deadline templates with offsets, a county
# derived fact read by entry rules, and chained derivations.
SYNTHETIC_VOCABULARY = """
collections:
  units:
    label: 单位
facts:
  share: {label: 占比, type: percent}
  amount: {label: 金额, type: number, unit: 万元, range: [-1000, 100000]}
  staff: {label: 人数, type: integer, unit: 人, range: [0, 500]}
  year: {label: 年度, type: integer, range: [2000, 2100]}
  opened: {label: 启用日期, type: date}
  grade: {label: 等级, type: enum, values: [一级, 二级, 三级, 四级], ordered: true}
  region: {label: 片区, type: enum, values: [东, 西, 南, 北]}
  status_text: {label: 进展, type: text}
  flag_a: {label: 甲项, type: boolean}
  flag_b: {label: 乙项, type: boolean}
  services: {label: 服务, type: set, values: [甲, 乙, 丙, 丁]}
  unit_count: {label: 单位数, type: integer, count_of: units}
  county_ok: {label: 县级达标, type: boolean, derived: true}
  u_flag: {label: 单位标志, type: boolean, scope: units}
  u_share: {label: 单位占比, type: percent, scope: units}
  u_level: {label: 单位级别, type: enum, values: [低, 中, 高], ordered: true, scope: units}
  u_items: {label: 单位事项, type: set, values: [x, y, z], scope: units}
  u_date: {label: 单位日期, type: date, scope: units}
  u_ready: {label: 单位就绪, type: boolean, scope: units, derived: true}
  u_star: {label: 单位优秀, type: boolean, scope: units, derived: true}
"""

SYNTHETIC_RULES = [
    ("S-001", None, None, "{fact: share, between: [40, 60.5]}", "2025-06-30"),
    ("S-002", None, None, "{fact: amount, in: [0, 12.5, 99.999999]}", None),
    ("S-003", None, "{fact: region, in: [东, 南]}", "{not: {fact: staff, lt: 10}}", None),
    ("S-004", None, None, "{any: [{fact: flag_a, eq: true}, {all: [{fact: flag_b, eq: true}, {fact: share, gt: 50}]}]}", None),
    ("S-005", None, None, "{fact: opened, le: 2024-12-31}", "'{year+1}-03-31'"),
    ("S-006", None, "{fact: region, ne: 西}", "{fact: grade, gt: 二级}", None),
    ("S-007", None, None, "{fact: status_text, eq: 已完成}", None),
    ("S-008", None, None, "{fact: services, includes: [甲, 丙]}", "'{year-1}-12-31'"),
    ("S-009", None, None, "{fact: unit_count, ge: 2}", None),
    ("S-D01", None, "{any: [{fact: services, includes: [甲, 乙, 丙, 丁]}, "
                    "{all: [{fact: flag_a, eq: true}, {not: {fact: region, eq: 北}}]}]}", "county_ok", None),
    ("S-010", None, "{fact: county_ok, eq: false}", "{fact: staff, ge: 100}", None),
    ("S-D02", "units", "{all: [{fact: u_flag, eq: true}, {fact: u_items, includes: [x]}]}", "u_ready", None),
    ("S-D03", "units", "{any: [{all: [{fact: u_ready, eq: true}, {fact: county_ok, eq: true}]}, "
                       "{fact: u_level, ge: 高}]}", "u_star", None),
    ("S-011", "units", "{fact: u_star, eq: true}", "{all: [{fact: u_share, ge: 30}, {fact: share, ge: 45}]}", None),
    ("S-012", "units", None, "{any: [{fact: u_flag, eq: true}, {fact: flag_b, eq: true}]}", None),
    ("S-013", "units", "{not: {fact: u_date, gt: 2025-01-01}}", "{fact: u_level, in: [中, 高]}", "'{year}-12-31'"),
    ("S-014", "units", None, "{not: {any: [{fact: u_items, includes: [z]}, {fact: staff, lt: 5}]}}", None),
    ("S-015", None, "{fact: amount, between: [10, 1000]}", "{fact: flag_b, ne: false}", None),
    ("S-016", "units", "{fact: grade, ge: 三级}", "{fact: u_level, ne: 低}", "2025-12-31"),
]


def _synthetic_library() -> Library:
    root = Path(tempfile.mkdtemp(prefix="policycheck-synthetic-"))
    atexit.register(shutil.rmtree, root, True)
    (root / "rules" / "vocabulary").mkdir(parents=True)
    (root / "rules" / "synthetic").mkdir()
    (root / "policies" / "synthetic").mkdir(parents=True)
    (root / "rules" / "vocabulary" / "synthetic.yaml").write_text(SYNTHETIC_VOCABULARY, encoding="utf-8")
    (root / "policies" / "synthetic" / "policy.yaml").write_text(
        "id: synthetic\ntitle: 合成文件\nissuer: 测试\n", encoding="utf-8")
    lines, rules = ["合成文件"], []
    for rid, for_each, when, body, deadline in SYNTHETIC_RULES:
        quote = f"第{len(lines)}条 {rid}"
        lines.append(quote)
        spec = [f"  - id: {rid}", f"    section: {rid}", f"    quote: {quote}",
                f"    requirement: {{zh: 要求{rid}, en: Requirement {rid}.}}"]
        if for_each:
            spec.append(f"    for_each: {for_each}")
        if when:
            spec.append(f"    when: {when}")
        if rid.startswith("S-D"):
            spec += ["    kind: derive", f"    derive: {body}"]
        else:
            spec += [f"    require: {body}", "    lead: 测试局"]
        if deadline:
            spec.append(f"    deadline: {deadline}")
        rules.append("\n".join(spec))
    (root / "policies" / "synthetic" / "text.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "rules" / "synthetic" / "1.0.0.yaml").write_text(
        "pack:\n  id: synthetic\n  version: 1.0.0\n  policy: synthetic\n  applies_to: request\n"
        "rules:\n" + "\n".join(rules) + "\n", encoding="utf-8")
    return load_library(root / "rules")


def _targets() -> tuple[list[Profile], list[str]]:
    demo = load_library(DEMO_RULES)
    profiles = [profile_of(f"demo:{p.ref}", demo, p) for p in demo.all_packs()]
    synthetic = _synthetic_library()
    profiles += [profile_of(f"synthetic:{p.ref}", synthetic, p) for p in synthetic.all_packs()]
    shipped, broken = _shipped()
    profiles += [profile_of(label, library, pack) for label, library, pack in shipped]
    newest: dict[str, tuple[int, ...]] = {}
    for profile in profiles:
        newest[profile.pack.id] = max(newest.get(profile.pack.id, ()), profile.pack.version_key)
    for profile in profiles:
        profile.latest = profile.pack.version_key == newest[profile.pack.id]
    return profiles, broken


PROFILES, BROKEN = _targets()


@pytest.mark.parametrize("profile", PROFILES, ids=[p.label for p in PROFILES])
def test_engine_agrees_with_the_oracle(profile: Profile) -> None:
    @settings(FUZZ, max_examples=examples_for(profile))
    @given(case=cases(profile))
    def agree(case: tuple[dict, dt.date]) -> None:
        assert_agree(profile, *case)

    agree()


def test_every_shipped_pack_was_generated_from() -> None:
    """A pack that does not load is not silently left out of the differential tests."""
    if BROKEN:
        pytest.skip("shipped packs that do not load (lint reports them): " + "; ".join(BROKEN))
    shipped = [p for p in PROFILES if p.label.startswith("shipped:")]
    assert shipped or not (shipped_root() / "rules").is_dir()


# ---------------------------------------------------------------- hand-picked edge cases

@pytest.fixture(scope="module")
def demo_profile() -> Profile:
    return next(p for p in PROFILES if p.label.startswith("demo:"))


@pytest.mark.parametrize("facts, as_of", [
    ({}, dt.date(2025, 12, 31)),
    ({"grassroots_share": 65}, dt.date(2025, 12, 31)),
    ({"grassroots_share": 64.999999}, dt.date(2025, 12, 30)),
    ({"grassroots_share": 64.999999}, dt.date(2026, 1, 1)),
    ({"hospital_grade": "二级乙等", "plan_year": 2025}, dt.date(2025, 6, 30)),
    ({"hospital_grade": "二级乙等", "plan_year": 2025}, dt.date(2025, 6, 29)),
    ({"hospital_grade": "二级乙等"}, dt.date(2025, 6, 29)),
    ({"hospital_grade": "三级"}, dt.date(2025, 6, 29)),
    ({"consortia": []}, dt.date(2025, 12, 31)),
    ({"consortia": [{"name": "甲", "unified": ["人员", "财务", "业务"], "lump_sum_payment": False},
                    {"name": "乙", "unified": ["人员"]}, {"name": "丙", "has_council": True},
                    {"name": "丁", "has_charter": False}]}, dt.date(2025, 12, 31)),
])
def test_edge_cases_agree(demo_profile: Profile, facts: dict, as_of: dt.date) -> None:
    assert_agree(demo_profile, {"county": {"name": COUNTY_NAME, "code": "110101", "report_date": as_of},
                                "facts": facts}, as_of)


def test_the_generator_reaches_every_status_and_derived_value(demo_profile: Profile) -> None:
    """Guard against a generator that only ever produces `missing`."""
    rng = random.Random(7)
    seen: dict[str, set[str]] = {}
    derived: set[Any] = set()
    vocab = demo_profile.vocab
    for _ in range(400):
        data, as_of = build_case(demo_profile, rng.choice)
        sheet = parse_fact_sheet(located(data), "<generated>", vocab)
        result = oracle.evaluate(demo_profile.pack, sheet, vocab, as_of)
        for (rule, _), status in result.statuses.items():
            seen.setdefault(rule, set()).add(status)
        derived |= set(result.derived.values())
    assert seen["DM-001"] >= {"pass", "fail", "not_due", "missing"}
    assert seen["DM-002"] >= {"pass", "fail", "not_applicable", "missing"}
    assert seen["DM-004"] >= {"pass", "fail", "missing"}
    assert seen["DM-005"] >= {"pass", "fail", "not_due", "missing"}
    assert seen["DM-006"] >= {"pass", "fail", "missing"}
    assert derived == {True, False}


# ---------------------------------------------------------------- isolation across counties

CHILD = textwrap.dedent("""
    import datetime as dt, json, sys
    from pathlib import Path
    from checker.evaluate import evaluate
    from checker.facts import load_fact_sheet
    from checker.library import load_library
    rules, pack_id, ref, path, as_of = sys.argv[1:6]
    library = load_library(Path(rules), only={pack_id})
    pack = library.resolve(ref, None)
    sheet = load_fact_sheet(Path(path), library.vocabulary)
    ev = evaluate(sheet, [pack], library.vocabulary, dt.date.fromisoformat(as_of))
    names = {s.key: s.name for s in sheet.subjects}
    print(json.dumps({"statuses": sorted([f.rule, f.subject, f.status] for f in ev.findings),
                      "derived": sorted([names[s], f, v] for s, f, v, _ in ev.derived[pack.id])},
                     ensure_ascii=False))
""")


def _plain(statuses: dict, derived: dict) -> dict:
    return {"statuses": sorted([r, s, v] for (r, s), v in statuses.items()),
            "derived": sorted([s, f, v] for (s, f), v in derived.items())}


def test_interleaved_counties_match_each_county_alone_in_a_fresh_process(tmp_path: Path) -> None:
    rng = random.Random(20251231)
    runs = []
    for index in range(200):  # round-robin over every pack version: counties interleave in one process
        profile = PROFILES[index % len(PROFILES)]
        data, as_of = build_case(profile, rng.choice)
        if "name" not in profile.county_fields:
            data["county"]["name"] = f"县{index:03d}"
        path = tmp_path / f"county{index:03d}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        runs.append((profile, path, as_of))
    results = []
    for profile, path, as_of in runs:
        sheet = load_fact_sheet(path, profile.vocab)
        statuses, derived = engine_result(profile.pack, sheet, profile.vocab, as_of)
        expected = oracle.evaluate(profile.pack, sheet, profile.vocab, as_of)
        assert not differences((statuses, derived), expected), path.read_text(encoding="utf-8")
        results.append(_plain(statuses, derived))
    # some of the same counties again, in another order: nothing carried over from earlier sessions
    for index in rng.sample(range(len(runs)), 50):
        profile, path, as_of = runs[index]
        sheet = load_fact_sheet(path, profile.vocab)
        assert _plain(*engine_result(profile.pack, sheet, profile.vocab, as_of)) == results[index]
    sample = [7, 38, 101, 150, 199]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    children = []
    for index in sample:
        profile, path, as_of = runs[index]
        args = [sys.executable, "-c", CHILD, str(profile.library.rules_dir), profile.pack.id, profile.pack.ref,
                str(path), as_of.isoformat()]
        children.append(subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                          text=True, encoding="utf-8"))
    for index, child in zip(sample, children):
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        alone = json.loads(out)
        assert alone == results[index], f"{runs[index][1].name} ({runs[index][0].label}) differs when evaluated alone"
