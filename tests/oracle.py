"""A deliberately simple evaluator of rule packs, used only by the tests.

It shares nothing with the real pipeline (`checker.engine`, `checker.findings`):
it walks the condition tree directly in three-valued (Kleene) logic, iterates
the derive rules to a fixpoint, and classifies each check rule and subject by
the rules of docs/rule-packs.md. What it reuses is only the parsed input: the
loaded packs (`checker.rulepack`), the vocabulary and the parsed fact sheet
(`checker.facts`). The differential tests compare its answers with the real
engine's on thousands of generated fact sheets.

Truth values are True, False and None (unknown).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from checker.conditions import All, Any_, Not, Test
from checker.facts import FactSheet, Subject
from checker.rulepack import Rule, RulePack
from checker.vocabulary import COUNTY, Vocabulary


@dataclass
class OracleResult:
    statuses: dict[tuple[str, str], str] = field(default_factory=dict)   # (rule id, subject name) -> status
    derived: dict[tuple[str, str], bool] = field(default_factory=dict)   # (subject name, fact) -> value


def _and(values: list[bool | None]) -> bool | None:
    if any(v is False for v in values):
        return False
    if all(v is True for v in values):
        return True
    return None


def _or(values: list[bool | None]) -> bool | None:
    if any(v is True for v in values):
        return True
    if all(v is False for v in values):
        return False
    return None


def _not(value: bool | None) -> bool | None:
    return None if value is None else not value


class _Scope:
    """The facts visible to one subject: its own, the county's and the derived ones so far."""

    def __init__(self, vocab: Vocabulary, sheet: FactSheet, subject: Subject, derived: dict[tuple[str, str], bool],
                 counts: dict[str, int] | None = None):
        self.vocab, self.sheet, self.subject, self.derived = vocab, sheet, subject, derived
        self.counts = counts or {}  # counts known only in part that no test of the pack depends on the blanks of

    def owner(self, base: str) -> str:
        fdef = self.vocab.facts[base]
        return COUNTY if fdef.scope == COUNTY else self.subject.key

    def lookup(self, fact: str) -> tuple[bool, Any]:
        """(known, value) of a fact, `set.member` facts included."""
        base, dot, member = fact.partition(".")
        fdef = self.vocab.facts[base]
        owner = self.owner(base)
        if fdef.derived:
            if (owner, base) in self.derived:
                return True, self.derived[(owner, base)]
            return False, None
        if base in self.sheet.counted_in_part:  # whatever the engine's evaluation left in the sheet's values
            return (True, self.counts[base]) if base in self.counts else (False, None)
        values = self.sheet.values.get(owner, {})
        if base not in values:
            return False, None
        value = values[base]
        if dot:
            return True, member in value
        return True, value


def _compare(vocab: Vocabulary, test: Test, actual: Any) -> bool:
    fdef = vocab.facts[test.fact.partition(".")[0]]
    expected = test.value
    if "." in test.fact:  # a member of a set: a boolean
        fdef_type = "boolean"
    else:
        fdef_type = "boolean" if fdef.derived else fdef.type
    if fdef_type == "enum" and test.op not in ("eq", "ne"):
        actual, expected = fdef.values.index(actual), fdef.values.index(expected)
    op = test.op
    if op == "eq":
        return actual == expected
    if op == "ne":
        return actual != expected
    if op == "lt":
        return actual < expected
    if op == "le":
        return actual <= expected
    if op == "gt":
        return actual > expected
    if op == "ge":
        return actual >= expected
    raise AssertionError(f"unknown operator {op}")


def truth(expr: Any, scope: _Scope) -> bool | None:
    """Kleene value of a condition for one subject."""
    if isinstance(expr, Test):
        known, value = scope.lookup(expr.fact)
        return _compare(scope.vocab, expr, value) if known else None
    if isinstance(expr, Not):
        return _not(truth(expr.part, scope))
    if isinstance(expr, All):
        return _and([truth(p, scope) for p in expr.parts])
    if isinstance(expr, Any_):
        return _or([truth(p, scope) for p in expr.parts])
    raise AssertionError(f"not a condition: {expr!r}")


def _subjects(sheet: FactSheet, rule: Rule) -> list[Subject]:
    return [s for s in sheet.subjects if s.collection == rule.for_each]


def settled_counts(pack: RulePack, sheet: FactSheet, vocab: Vocabulary) -> dict[str, int]:
    """Counts some entries left blank, taken as the number answered where every test the pack makes of the
    count gives one answer for each possible count (tried one by one, from none of the blanks to all)."""
    out = {}
    for name, (counted, blank) in sheet.counted_in_part.items():
        tests = [t for r in pack.rules for e in (r.when, r.require) for t in _tests(e) if t.fact == name]
        if tests and all(len({_compare(vocab, t, n) for n in range(counted, counted + blank + 1)}) == 1 for t in tests):
            out[name] = counted
    return out


def _tests(expr: Any) -> list[Test]:
    if expr is None:
        return []
    if isinstance(expr, Test):
        return [expr]
    return [t for part in ((expr.part,) if isinstance(expr, Not) else expr.parts) for t in _tests(part)]


def derive(pack: RulePack, sheet: FactSheet, vocab: Vocabulary, counts: dict[str, int] | None = None) -> dict[tuple[str, str], bool]:
    """Derived facts by subject key: iterate the derive rules until nothing changes."""
    derived: dict[tuple[str, str], bool] = {}
    rules = [r for r in pack.rules if r.kind == "derive"]
    changed = True
    while changed:
        changed = False
        for rule in rules:
            for subject in _subjects(sheet, rule):
                key = (subject.key, rule.derive)
                if key in derived:
                    continue
                value = truth(rule.when, _Scope(vocab, sheet, subject, derived, counts))
                if value is not None:
                    derived[key] = value
                    changed = True
    return derived


def _foreign(pack: RulePack | None, rule: Rule, scope: _Scope) -> bool:
    """Led by a unit that belongs to another county (by code, else by the jurisdiction's name)."""
    units = (pack.units or {}) if pack is not None else {}
    unit = units.get(rule.lead)
    if unit is not None and unit.level == "institution" and unit.name_fact and scope.subject.collection == unit.collection:
        # the entry names its lead (centre_builder: 琅琊区政府); a body the pack lists is judged as listed
        known, named = scope.lookup(unit.name_fact)
        listed = units.get(named.strip()) if known and isinstance(named, str) else None
        if listed is not None and listed.level != "institution":
            unit = listed
    if unit is None or (unit.county is None and not unit.counties):
        return False
    county = scope.sheet.county

    def other(code: str) -> bool:
        if not code.isdigit():
            return code != county.name
        if county.code:
            return code != county.code
        return county.name not in {j.name for j in pack.policy.jurisdictions if j.code == code}

    # a unit of a few named counties (两区政府) is foreign only to a county that is none of them
    return all(other(code) for code in (unit.counties or (unit.county,)))


def _periods_done(every: str, year: int, as_of: dt.date, start: dt.date | None = None, lag: int = 0) -> int:
    """Periods of `year` owed by as_of: ended on or before as_of - lag (the period's last day counts), and
    not ended before the text came into force in that year. Walks the year day by day."""
    months = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}[every]
    owed, day = 0, dt.date(year, 1, 1)
    while day.year == year:
        tomorrow = day + dt.timedelta(days=1)
        last_of_period = tomorrow.day == 1 and day.month % months == 0
        if last_of_period and day + dt.timedelta(days=lag) <= as_of and (start is None or day >= start):
            owed += 1
        day = tomorrow
    return owed


def check(rule: Rule, scope: _Scope, as_of: dt.date, pack: RulePack | None = None) -> str:
    if _foreign(pack, rule, scope):
        return "not_applicable"
    applies = True if rule.when is None else truth(rule.when, scope)
    if applies is False:
        return "not_applicable"
    if applies is None:
        return "missing"
    met = truth(rule.require, scope)
    if met is True:
        return "pass"
    if met is None:
        return "missing"
    deadline = rule.deadline if rule.deadline is not None else (pack.undated_deadline if pack is not None else None)
    if deadline is None or deadline.immediate:
        return "fail"
    due = deadline.resolve(scope.sheet.values.get(COUNTY, {}))
    if due is None:  # a template whose year fact was not submitted
        return "missing"
    lag = rule.periodic.lag_days if rule.periodic is not None else 0
    year = due.year  # the year whose periods are owed; work reporting on them is owed `lag` days later
    due += dt.timedelta(days=lag)
    start = pack.in_force_from if pack is not None else None
    if start is not None and start.year != year:
        start = None
    if rule.periodic is not None and start is not None and (start.month, start.day) != (1, 1):
        # the text's first, partial year owes only the periods from its start; once they are done, it is met
        known, done = scope.lookup(rule.require.fact)
        if known and done >= _periods_done(rule.periodic.every, year, due, start, lag) * rule.periodic.times:
            return "pass"
    if due <= as_of:
        return "fail"
    if rule.periodic is not None and as_of.year in (year, due.year):
        known, done = scope.lookup(rule.require.fact)
        if not known or done < _periods_done(rule.periodic.every, year, as_of, start, lag) * rule.periodic.times:
            return "fail"
    return "not_due"


def evaluate(pack: RulePack, sheet: FactSheet, vocab: Vocabulary, as_of: dt.date) -> OracleResult:
    """Every check rule's status by (rule id, subject name), and the derived facts by (subject name, fact)."""
    result = OracleResult()
    counts = settled_counts(pack, sheet, vocab)
    derived = derive(pack, sheet, vocab, counts)
    names = {s.key: s.name for s in sheet.subjects}
    result.derived = {(names[key], fact): value for (key, fact), value in derived.items()}
    for rule in pack.rules:
        if rule.kind != "check":
            continue
        subjects = _subjects(sheet, rule)
        if rule.for_each and not subjects:
            # one finding for the list itself: missing when left out, not applicable when given as none
            label = vocab.collections[rule.for_each].label
            if rule.for_each in sheet.listed:
                result.statuses[(rule.id, f"(无{label})")] = "not_applicable"
            else:
                result.statuses[(rule.id, f"(未提交{label})")] = "missing"
            continue
        for subject in subjects:
            key = (rule.id, subject.name)
            assert key not in result.statuses, f"two subjects named {subject.name!r} for {rule.id}"
            result.statuses[key] = check(rule, _Scope(vocab, sheet, subject, derived, counts), as_of, pack)
    return result


def evaluate_library(library: Any, pack: RulePack, sheet: FactSheet, as_of: dt.date) -> OracleResult:
    """Convenience: evaluate with the library's vocabulary."""
    return evaluate(pack, sheet, library.vocabulary, as_of)
