"""Findings: what the engine concluded, classified into the contract's statuses.

`fail` and `not_applicable` come from engine firings; a rule that failed but
whose deadline lies after the as-of date is `not_due` (with its progress); a
rule that neither fired nor has all its facts is `missing` — a fact the county
did not submit is never a failure.
"""
from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

from . import conditions as cond
from .engine import CompiledPack, Firing, Outcome
from .facts import FactSheet, Subject
from .rulepack import PERIODS, Deadline, Rule, RulePack
from .script import to_simplified
from .units import responsible
from .vocabulary import COUNTY, FactDef, Vocabulary

STATUSES = ("fail", "not_due", "missing", "waived", "pass", "not_applicable")
# What a finding counts as in the county's headline: binding duties of the county
# itself. 力争 targets, encouraged items and the duties of bodies above the county
# are shown apart and never counted as the county's gaps.
CATEGORIES = ("binding", "strive", "encouraged", "above", "reference")
CATEGORY_ZH = {"binding": "约束性要求", "strive": "力争目标", "encouraged": "鼓励事项", "above": "上级部门事项",
               "reference": "参考事项"}
STATUS_ZH = {"fail": "未达标", "not_due": "未到期", "missing": "待补充", "waived": "整改期内",
             "pass": "达标", "not_applicable": "不适用"}


@dataclass
class Why:
    """A fact a finding used: submitted, or derived by another rule (with its basis)."""

    fact: str
    label: str
    subject: str
    value: str
    derived: bool = False
    rule: str | None = None
    basis: list["Why"] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"fact": self.fact, "label": self.label, "subject": self.subject, "value": self.value,
                               "derived": self.derived}
        if self.derived:
            out.update(rule=self.rule, basis=[b.as_dict() for b in self.basis])
        return out


@dataclass
class Finding:
    rule: str
    pack: str
    version: str
    status: str
    section: str
    quote: str
    requirement: str
    requirement_en: str
    target: str
    actual: str
    deadline: dt.date | None
    lead: str
    co_responsible: tuple[str, ...]
    why: list[Why]
    subject: str
    subject_kind: str
    note: str = ""
    lead_inferred: bool = False
    missing: list[str] = field(default_factory=list)
    days: int | None = None  # > 0 days remaining, < 0 days overdue
    progress: str = ""
    shortfall: str = ""
    shortfall_value: float | None = None  # distance to the target, in the fact's unit
    waiver: dict[str, Any] | None = None
    order: tuple[int, int, int] = (0, 0, 0)
    force: str = "binding"
    level: str = "county"
    guide: tuple[str, ...] = ()
    quote_original: str | None = None
    deadline_source: str | None = None  # text | plan (the plan's period end) | immediate | None
    deadline_label: str | None = None  # what the plan's own date is, as the pack names it (方案实施期末, 第一阶段目标期末)
    # binding | strive | encouraged | above | reference: what it counts as (set from force and scope; every item of
    # a text that binds no county, a pack with a reference_note, is reference)
    category: str = "binding"

    def as_dict(self, explain: bool = True) -> dict[str, Any]:
        """The finding as the run data carries it. Without `explain`, its reasoning (`why`) and the
        value shown against the target (`actual`) are left empty and never worked out: for a report
        that does not show this finding's detail."""
        return {
            "rule": self.rule, "pack": self.pack, "version": self.version, "status": self.status,
            "subject": self.subject, "subject_kind": self.subject_kind,
            "section": self.section, "quote": self.quote,
            "requirement": self.requirement, "requirement_en": self.requirement_en,
            "target": self.target, "actual": self.actual if explain else "", "shortfall": self.shortfall,
            "shortfall_value": self.shortfall_value,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "days": self.days, "progress": self.progress,
            "lead": self.lead, "lead_inferred": self.lead_inferred, "co_responsible": list(self.co_responsible),
            "guide": list(self.guide), "force": self.force, "scope": self.level, "category": self.category,
            "deadline_source": self.deadline_source, "deadline_label": self.deadline_label,
            "quote_original": self.quote_original,
            "missing": self.missing, "why": [w.as_dict() for w in self.why] if explain else [], "note": self.note,
            "waiver": self.waiver,
        }


class _Later:
    """A finding's reasoning or shown value, worked out the first time something reads it.

    A county has 200–400 findings and its HTML report shows the detail of a few
    dozen; a batch without reports shows none. Building every explanation up front
    was a fifth of judging a county.
    """

    __slots__ = ("make", "args")

    def __init__(self, make: Any, *args: Any):
        self.make, self.args = make, args

    def __call__(self) -> Any:
        return self.make(*self.args)


def _worked_out_when_read(name: str) -> property:
    slot = f"_{name}"

    def read(finding: "Finding") -> Any:
        value = finding.__dict__[slot]
        if type(value) is _Later:
            value = finding.__dict__[slot] = value()
        return value

    def write(finding: "Finding", value: Any) -> None:
        finding.__dict__[slot] = value

    return property(read, write)


# Set after the dataclass is made, so its __init__ assigns through them: a _Later given as `why` or
# `actual` is kept and worked out on first read; any other value is stored as it is.
Finding.why = _worked_out_when_read("why")  # type: ignore[assignment,method-assign]
Finding.actual = _worked_out_when_read("actual")  # type: ignore[assignment,method-assign]

# Every field's default but those made per finding (`missing`), as a Finding's own attributes hold them.
_DEFAULTS = {f.name: f.default for f in fields(Finding) if f.default is not MISSING}


def _finding(values: dict[str, Any]) -> Finding:
    """A Finding from all its values (`why` and `actual` under their stored names, `_why` and `_actual`),
    made without the dataclass's __init__: a county has hundreds, and the __init__ of 30 fields, two of them
    through properties, was a fifth of classifying them."""
    finding = object.__new__(Finding)
    attributes = finding.__dict__
    attributes.update(_DEFAULTS)
    attributes.update(values)
    return finding


def summarise(findings: list[Finding]) -> dict[str, int]:
    """Count per status of the county's binding duties (the headline)."""
    counts = Counter(f.status for f in findings if f.category == "binding")
    return {status: counts.get(status, 0) for status in STATUSES}


def summarise_categories(findings: list[Finding]) -> dict[str, dict[str, int]]:
    """Counts per status for each category, binding included."""
    out: dict[str, dict[str, int]] = {}
    for category in CATEGORIES:
        counts = Counter(f.status for f in findings if f.category == category)
        out[category] = {status: counts.get(status, 0) for status in STATUSES}
    return out


def classify(pack_index: int, compiled: CompiledPack, outcome: Outcome, sheet: FactSheet,
             vocab: Vocabulary, as_of: dt.date) -> list[Finding]:
    """Turn one pack's engine outcome into findings, in rule order."""
    pack = compiled.pack
    out: list[Finding] = []
    seen = _Seen(sheet, vocab, outcome, {s.key: s.name for s in sheet.subjects})
    county_values = sheet.values.get(COUNTY, {})
    by_collection: dict[str | None, list[Subject]] = {}
    for subject in sheet.subjects:
        by_collection.setdefault(subject.collection, []).append(subject)
    deadlines: dict[int, dt.date | None] = {}  # most rules share the plan's own deadline: resolved once
    for rule_index, rule in enumerate(pack.rules):
        if rule.kind != "check":
            continue
        subjects = by_collection.get(rule.for_each, [])
        if rule.for_each and not subjects:
            out.append(_no_entries(pack, rule, sheet, vocab, (pack_index, rule_index, 0)))
            continue
        static = _static_of(pack, rule, vocab)
        deadline = None
        if static.due is not None:
            if id(static.due) not in deadlines:
                deadlines[id(static.due)] = static.due.resolve(county_values)
            deadline = _after_lag(rule, deadlines[id(static.due)])
        for subject_index, subject in enumerate(subjects):
            finding = _classify_one(static, pack, compiled, rule, subject, outcome, sheet, vocab, as_of, deadline, seen)
            finding.order = (pack_index, rule_index, subject_index)
            out.append(finding)
    return out


@dataclass(frozen=True)
class _Read:
    """A fact a rule reads, looked up in the vocabulary once per rule rather than once per finding."""

    name: str
    fdef: FactDef
    base: str
    member: str
    county: bool  # a county-wide fact, read from the county whatever the finding's subject

    @staticmethod
    def of(name: str, vocab: Vocabulary) -> "_Read":
        fdef = vocab.fact(name)
        assert fdef is not None  # validated when the pack was loaded
        base, _, member = name.partition(".")
        return _Read(name, fdef, base, member, fdef.scope == COUNTY)


@dataclass(frozen=True)
class _RuleStatic:
    """What a finding takes from its rule alone, the same for every county: worked out once per process."""

    reads: tuple[_Read, ...]  # conditions then requirement, each fact once
    shows: tuple[tuple[_Read, list[str]], ...]  # what `actual` shows: each fact the requirement reads, with the set members it names
    due: Deadline | None
    source: str | None
    section: str
    quote: str
    quote_original: str | None
    category: str
    either: frozenset[str] = frozenset()  # set facts whose named members are alternatives (any one meets it)


_STATICS: dict[tuple[int, int, int], tuple[RulePack, Rule, Vocabulary, _RuleStatic]] = {}


def _static_of(pack: RulePack, rule: Rule, vocab: Vocabulary) -> _RuleStatic:
    key = (id(pack), id(rule), id(vocab))
    found = _STATICS.get(key)
    if found is not None and found[0] is pack and found[1] is rule and found[2] is vocab:
        return found[3]
    require = list(dict.fromkeys(cond.facts_of(rule.require)))
    reads = tuple(_Read.of(name, vocab) for name in dict.fromkeys(cond.facts_of(rule.when) + require))
    shows = tuple((_Read.of(base, vocab), members) for base, members in _grouped(require).items())
    due, source = _due(pack, rule)
    static = _RuleStatic(reads, shows, due, source, to_simplified(rule.section),
                         to_simplified(rule.quote), pack.policy.original_of(rule.quote, pack.text), _category(pack, rule),
                         _alternatives(rule.require))
    _STATICS[key] = (pack, rule, vocab, static)
    return static


class _Seen:
    """One county's facts as the findings show them: each submitted value's `Why` built once per pack,
    however many findings read it."""

    __slots__ = ("sheet", "vocab", "outcome", "names", "shown")

    def __init__(self, sheet: FactSheet, vocab: Vocabulary, outcome: Outcome, names: dict[str, str]):
        self.sheet, self.vocab, self.outcome, self.names = sheet, vocab, outcome, names
        self.shown: dict[tuple[str, str], Why] = {}

    def why(self, fact: str, subject_key: str, fdef: FactDef | None = None, depth: int = 0) -> Why:
        fdef = fdef or self.vocab.fact(fact)
        assert fdef is not None
        if fdef.derived:
            found = self.outcome.derived.get((subject_key, fact))
            if found is None:
                return Why(fact, fdef.label, self.names.get(subject_key, ""), "未能推导 (依据不全)", True)
            value, firing = found
            basis = [] if depth > 8 else [self.why(f, s, None, depth + 1) for s, f in firing.matched]
            return Why(fact, fdef.label, self.names.get(subject_key, ""), "是" if value else "否", True, firing.rule, basis)
        key = (subject_key, fact)
        item = self.shown.get(key)
        if item is None:
            base, _, member = fact.partition(".")
            value = self.sheet.values.get(subject_key, {}).get(base)
            shown = _in_part(self.sheet, base, fdef) if subject_key == COUNTY else None
            shown = shown or fdef.show(member in value if member and value is not None else value)
            item = self.shown[key] = Why(fact, fdef.label, self.names.get(subject_key, ""), shown)
        return item

    def fired(self, firing: Firing) -> list[Why]:
        return [self.why(fact, subject) for subject, fact in firing.matched]

    def listed(self, reads: tuple[_Read, ...], subject: Subject) -> list[Why]:
        return [self.why(r.name, COUNTY if r.county else subject.key, r.fdef) for r in reads]


def _known(fact: str, subject: Subject, sheet: FactSheet, vocab: Vocabulary, outcome: Outcome) -> tuple[bool, Any]:
    return _known_read(_Read.of(fact, vocab), subject, sheet, outcome)


def _known_read(read: _Read, subject: Subject, sheet: FactSheet, outcome: Outcome) -> tuple[bool, Any]:
    key = COUNTY if read.county else subject.key
    if read.fdef.derived:
        found = outcome.derived.get((key, read.name))
        return (found is not None, found[0] if found else None)
    value = sheet.values.get(key, {}).get(read.base)
    if value is None:
        return False, None
    return True, (read.member in value) if read.member else value


def _classify_one(static: _RuleStatic, pack: RulePack, compiled: CompiledPack, rule: Rule, subject: Subject,
                  outcome: Outcome, sheet: FactSheet, vocab: Vocabulary, as_of: dt.date, deadline: dt.date | None,
                  seen: _Seen) -> Finding:
    key = (rule.id, subject.key)
    reads = static.reads
    unknown: list[str] | None = None  # the facts not submitted: looked up only where the status turns on them
    due = static.due
    why: Any  # list[Why], or the _Later that makes it
    days = None
    if key in outcome.fails:
        why = _Later(seen.fired, outcome.fails[key])
        if due and not due.immediate and deadline is None:
            status, unknown = "missing", [due.year_fact or ""]
        elif deadline is not None and _first_year_met(rule, subject, sheet, vocab, outcome, deadline, pack.in_force_from):
            # all the plan's first, partial year owes is done: met, however early in the year
            status, why = "pass", _Later(seen.listed, reads, subject)
        elif deadline is not None and deadline > as_of and _on_track(rule, subject, sheet, vocab, outcome, deadline, as_of,
                                                                               pack.in_force_from):
            status, days = "not_due", (deadline - as_of).days
        else:
            status = "fail"
            days = (deadline - as_of).days if deadline else None
    elif key in outcome.not_applicable:
        status, why = "not_applicable", _Later(seen.fired, outcome.not_applicable[key])
    elif rule.id in compiled.pass_fired:
        if key in outcome.passes:
            status, why = "pass", _Later(seen.fired, outcome.passes[key])
        else:
            status, why = "missing", _Later(seen.listed, reads, subject)
    else:
        unknown = [r.name for r in reads if not _known_read(r, subject, sheet, outcome)[0]]
        status, why = ("missing" if unknown else "pass"), _Later(seen.listed, reads, subject)
    who = responsible(pack, rule, subject, sheet, vocab)
    if who.foreign:
        status, why, unknown, days = "not_applicable", [], [], None
    finding = _finding(dict(
        rule=rule.id, pack=pack.id, version=pack.version, status=status, section=static.section,
        quote=static.quote,
        requirement=rule.requirement_zh, requirement_en=rule.requirement_en, target=rule.target,
        _actual=_Later(_actual, static, subject, sheet, outcome), deadline=deadline, lead=who.lead,
        co_responsible=who.co, _why=why,
        subject=subject.name, subject_kind=vocab.collections[subject.collection].label if subject.collection else "县(市、区)",
        note=rule.note, lead_inferred=rule.lead_inferred,
        missing=_missing(vocab, unknown, reads, subject, sheet, outcome, rule) if status == "missing" else [], days=days,
        force=rule.force, level="above" if who.above else rule.level, guide=who.guide,
        quote_original=static.quote_original,
        deadline_source=static.source if deadline is not None or static.source == "immediate" else None,
        deadline_label=pack.undated_label if static.source == "plan" and deadline is not None else None,
        category="above" if who.above and static.category != "reference" else static.category))
    if who.foreign:
        finding.actual = "本条由其他县(市、区)的单位负责"
    year_owed = _first_year_owed(rule, deadline, pack.in_force_from)
    if year_owed is not None and status in ("fail", "not_due", "pass"):
        owed_fdef = vocab.fact(rule.require.fact)  # type: ignore[union-attr]  (a periodic rule is one threshold)
        finding.target = (f"{rule.target}; 方案{pack.in_force_from.year}年{pack.in_force_from.month}月起施行, "  # type: ignore[union-attr]
                          f"当年应完成 {owed_fdef.show(year_owed) if owed_fdef else year_owed}")
    if status in ("fail", "not_due"):
        finding.shortfall, finding.progress, finding.shortfall_value = _gap(rule, subject, sheet, vocab, outcome,
                                                                             deadline if status == "fail" else None, as_of,
                                                                             pack.in_force_from, year_owed)
    if status == "fail" and deadline is not None and deadline > as_of and rule.periodic is not None:
        # behind on a periodic duty before the year ends: what is overdue is the last period that ended
        missed = _last_period_end(rule, deadline, as_of)
        if missed is not None:
            finding.deadline, finding.days = missed, (missed - as_of).days
    return finding


def _missing(vocab: Vocabulary, unknown: list[str] | None, reads: tuple[_Read, ...], subject: Subject,
             sheet: FactSheet, outcome: Outcome, rule: Rule | None = None) -> list[str]:
    """The facts a county must still submit for a finding that is missing, by their labels: only those whose
    answer can still change the finding (a hospital is not asked whether it runs an MCH clinic where the rule
    applies to hospitals or to centres with a clinic)."""
    if unknown is None:
        unknown = [r.name for r in reads if not _known_read(r, subject, sheet, outcome)[0]]
    if rule is not None and len(unknown) > 1:
        try:
            needed = _open_facts(rule.when, subject, sheet, vocab, outcome) \
                | _open_facts(rule.require, subject, sheet, vocab, outcome)
        except (ValueError, TypeError):  # a value this reading cannot compare: ask for everything, as before
            needed = set(unknown)
        unknown = [f for f in unknown if f in needed] or unknown
    return [_label(vocab, f) for f in _grouped(unknown)]


def _open_facts(expr: cond.Expr | None, subject: Subject, sheet: FactSheet, vocab: Vocabulary,
                outcome: Outcome) -> set[str]:
    """The unsubmitted facts a condition still turns on: none where its answer is already settled (an `any`
    with a part already true, an `all` with a part already false); else those of its unsettled parts."""
    if expr is None or _settled(expr, subject, sheet, vocab, outcome) is not None:
        return set()
    if isinstance(expr, cond.Test):
        return {expr.fact}
    parts = (expr.part,) if isinstance(expr, cond.Not) else expr.parts
    return {f for part in parts for f in _open_facts(part, subject, sheet, vocab, outcome)}


def _settled(expr: cond.Expr, subject: Subject, sheet: FactSheet, vocab: Vocabulary, outcome: Outcome) -> bool | None:
    """A condition's answer from what is known, or None where it turns on what is not."""
    if isinstance(expr, cond.Test):
        known, value = _known(expr.fact, subject, sheet, vocab, outcome)
        return _holds(vocab, expr, value) if known else None
    if isinstance(expr, cond.Not):
        inner = _settled(expr.part, subject, sheet, vocab, outcome)
        return None if inner is None else not inner
    answers = [_settled(part, subject, sheet, vocab, outcome) for part in expr.parts]
    decisive = isinstance(expr, cond.Any_)  # any: one true settles it; all: one false does
    if decisive in answers:
        return decisive
    return None if None in answers else not decisive


def _holds(vocab: Vocabulary, test: cond.Test, value: Any) -> bool:
    fdef = vocab.fact(test.fact)
    expected = test.value
    if fdef is not None and fdef.type == "enum" and not fdef.derived and "." not in test.fact \
            and test.op not in ("eq", "ne"):
        value, expected = fdef.values.index(value), fdef.values.index(expected)
    return bool(cond.COMPARE[test.op](value, expected))


def _after_lag(rule: Rule, deadline: dt.date | None) -> dt.date | None:
    """A periodic duty that reports on its periods is owed for the year's last one only after the lag."""
    if deadline is None or rule.periodic is None or not rule.periodic.lag_days:
        return deadline
    return deadline + dt.timedelta(days=rule.periodic.lag_days)


def _period_ends(rule: Rule, deadline: dt.date) -> tuple[int, list[dt.date]]:
    """The year a periodic duty's deadline judges, and the last day of each of its periods."""
    assert rule.periodic is not None
    year = (deadline - dt.timedelta(days=rule.periodic.lag_days)).year
    step = 12 // PERIODS[rule.periodic.every]
    ends = [dt.date(year + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1) for m in range(step, 13, step)]
    return year, ends


def _last_period_end(rule: Rule, deadline: dt.date, as_of: dt.date) -> dt.date | None:
    """When the work of the latest period of the deadline's year owed by `as_of` fell due: the period's
    last day, or that many days after it for work that reports on the period."""
    ended = _periods_ended(rule, deadline, as_of)
    if not ended or rule.periodic is None:
        return None
    return _period_ends(rule, deadline)[1][ended - 1] + dt.timedelta(days=rule.periodic.lag_days)


def _due(pack: RulePack, rule: Rule) -> tuple[Deadline | None, str | None]:
    """The deadline that judges a rule: its own, else (binding or not) the end of the plan's period."""
    if rule.deadline is not None:
        return rule.deadline, "immediate" if rule.deadline.immediate else "text"
    if pack.undated_deadline is not None:
        return pack.undated_deadline, "plan"
    return None, None


def _periods_ended(rule: Rule, deadline: dt.date, as_of: dt.date, start: dt.date | None = None) -> int | None:
    """How many of a periodic duty's periods of the deadline's year are owed by `as_of`: those that have
    ended (a period's last day counts), and whose lag, for work reporting on them, has passed.

    Periods that ended before the text came into force (`start`) are not owed: a plan in force from
    August owes no monthly report for January to July.
    """
    if rule.periodic is None:
        return None
    year, ends = _period_ends(rule, deadline)
    if as_of.year not in (year, deadline.year):
        return None
    lag = dt.timedelta(days=rule.periodic.lag_days)
    return sum(1 for end in ends if end + lag <= as_of and (start is None or start.year != year or end >= start))


def _on_track(rule: Rule, subject: Subject, sheet: FactSheet, vocab: Vocabulary, outcome: Outcome,
              deadline: dt.date, as_of: dt.date, start: dt.date | None = None) -> bool:
    """A periodic duty whose past periods were missed is a gap now, before the year's end."""
    ended = _periods_ended(rule, deadline, as_of, start)
    if ended is None:
        return True
    test = rule.require
    assert isinstance(test, cond.Test) and rule.periodic is not None
    known, value = _known(test.fact, subject, sheet, vocab, outcome)
    return known and value >= ended * rule.periodic.times


def _first_year_owed(rule: Rule, deadline: dt.date | None, start: dt.date | None) -> int | None:
    """What a periodic duty owes for the year the text came into force, when that is after 1 January:
    a plan in force from August 2023 owes five monthly reports for 2023, not twelve. None otherwise."""
    if rule.periodic is None or start is None or deadline is None or start.year != _period_ends(rule, deadline)[0] \
            or (start.month, start.day) == (1, 1):
        return None
    owed = _periods_ended(rule, deadline, deadline, start)
    return None if owed is None else owed * rule.periodic.times


def _first_year_met(rule: Rule, subject: Subject, sheet: FactSheet, vocab: Vocabulary, outcome: Outcome,
                    deadline: dt.date, start: dt.date | None) -> bool:
    """A periodic duty of the text's first, partial year that has done all that year owes."""
    owed = _first_year_owed(rule, deadline, start)
    if owed is None:
        return False
    test = rule.require
    assert isinstance(test, cond.Test)
    known, value = _known(test.fact, subject, sheet, vocab, outcome)
    return bool(known) and value >= owed


def _no_entries(pack: RulePack, rule: Rule, sheet: FactSheet, vocab: Vocabulary, order: tuple[int, int, int]) -> Finding:
    """A rule on each entry of a list with no entries: `missing` when the sheet left the list out;
    when it gave the list as none (`[]`, 无), the county has no such entry and the rule does not apply."""
    collection = vocab.collections[rule.for_each or ""]
    said_none = rule.for_each in sheet.listed
    subject = Subject(f"{rule.for_each}#-", rule.for_each, f"(无{collection.label})" if said_none else f"(未提交{collection.label})")
    who = responsible(pack, rule, subject, sheet, vocab)
    due, source = _due(pack, rule)
    deadline = _after_lag(rule, due.resolve(sheet.values.get(COUNTY, {})) if due else None)
    return Finding(
        rule=rule.id, pack=pack.id, version=pack.version, status="not_applicable" if said_none else "missing",
        section=to_simplified(rule.section), quote=to_simplified(rule.quote),
        requirement=rule.requirement_zh, requirement_en=rule.requirement_en, target=rule.target,
        actual=f"本县(市、区)填报: 无{collection.label}" if said_none else "未提交",
        deadline=deadline, lead=who.lead, co_responsible=who.co, why=[], subject=subject.name,
        subject_kind=collection.label, note=rule.note, lead_inferred=rule.lead_inferred,
        missing=[] if said_none else [f"{collection.label}名单 ({collection.name})"], order=order,
        force=rule.force, level=rule.level, guide=who.guide, quote_original=pack.policy.original_of(rule.quote, pack.text),
        deadline_source=source if deadline is not None else None,
        category=_category(pack, rule),
        deadline_label=pack.undated_label if source == "plan" and deadline is not None else None)


def _category(pack: RulePack, rule: Rule) -> str:
    """Every item of a text that binds no county (a pack with a reference_note) is for reference only."""
    if pack.reference_note:
        return "reference"
    return "above" if rule.level == "above" else rule.force


def _label(vocab: Vocabulary, fact: str) -> str:
    fdef = vocab.fact(fact)
    return fdef.label if fdef else fact


def _grouped(facts: list[str]) -> dict[str, list[str]]:
    """Facts grouped by base name: a set fact's members (`fact.member`) under their set."""
    out: dict[str, list[str]] = {}
    for fact in facts:
        base, _, member = fact.partition(".")
        out.setdefault(base, [])
        if member:
            out[base].append(member)
    return out


def _alternatives(require: cond.Expr | None) -> frozenset[str]:
    """The set fact whose members a requirement names as alternatives (`any:` of `includes`, "通过托管、
    专科共建…等方式"): any one meets it, so the others are not shown as lacking."""
    if not isinstance(require, cond.Any_):
        return frozenset()
    bases = set()
    for part in require.parts:
        while isinstance(part, cond.All) and len(part.parts) == 1:
            part = part.parts[0]
        if not (isinstance(part, cond.Test) and "." in part.fact and part.op == "eq" and part.value is True):
            return frozenset()
        bases.add(part.fact.partition(".")[0])
    return frozenset(bases) if len(bases) == 1 else frozenset()


def _actual(static: _RuleStatic, subject: Subject, sheet: FactSheet, outcome: Outcome) -> str:
    shows = static.shows
    parts = []
    for read, members in shows:
        fdef = read.fdef
        if members and fdef.type == "set":
            value = sheet.values.get(COUNTY if read.county else subject.key, {}).get(read.base)
            if value is None:
                shown = "未提交"
            else:
                have = [m for m in members if m in value]
                lacking = [m for m in members if m not in value]
                if read.base in static.either:  # any one will do: what is there, or that none is
                    shown = f"已有 {'、'.join(have)}" if have else f"一种也没有 (可选: {'、'.join(members)})"
                else:
                    shown = "; ".join(([f"已有 {'、'.join(have)}"] if have else []) + ([f"缺 {'、'.join(lacking)}"] if lacking else []))
        else:
            known, value = _known_read(read, subject, sheet, outcome)
            shown = (_in_part(sheet, read.base, fdef) if read.county else None) \
                or (fdef.show(value) if known else "未提交")
        parts.append(shown if len(shows) == 1 else f"{fdef.label}: {shown}")
    return "; ".join(parts)


def _in_part(sheet: FactSheet, fact: str, fdef: FactDef) -> str | None:
    """A count some of whose entries left the answer blank, shown as what is known of it."""
    part = sheet.counted_in_part.get(fact)
    if part is None:
        return None
    counted, blank = part
    return f"至少 {fdef.show(counted)} (另有 {blank} 项未填)" if counted else f"尚不确定 ({blank} 项未填)"


def _gap(rule: Rule, subject: Subject, sheet: FactSheet, vocab: Vocabulary, outcome: Outcome,
         deadline: dt.date | None = None, as_of: dt.date | None = None,
         start: dt.date | None = None, year_owed: int | None = None) -> tuple[str, str, float | None]:
    """For a single numeric threshold: how far off (shortfall) and how far along (progress).

    A periodic duty that fails before its year ends is short of what the
    periods already ended required, not of the whole year's number.
    """
    test = rule.require
    if not isinstance(test, cond.Test) or test.op not in ("ge", "gt", "le", "lt"):
        return "", "", None
    fdef = vocab.fact(test.fact)
    if fdef is None or fdef.type not in ("number", "integer", "percent") or test.fact in sheet.counted_in_part:
        return "", "", None  # (a count known only in part: how far off is not known either)
    known, value = _known(test.fact, subject, sheet, vocab, outcome)
    if not known:
        return "", "", None
    target = test.value if year_owed is None else year_owed  # the text's first, partial year owes less
    ended = _periods_ended(rule, deadline, as_of, start) if deadline and as_of and deadline > as_of else None
    if ended is not None and rule.periodic is not None:
        target = ended * rule.periodic.times
    diff = _tidy(abs(target - value))
    if test.op in ("le", "lt") and target == 0 and fdef.type == "integer":
        # "none may fall short" (a count of those that do must be 0): say who falls short, not an excess.
        return f"{fdef.show(value)}未达到要求", "", diff
    word = "差 " if test.op in ("ge", "gt") else "超出 "
    if fdef.type == "percent" and fdef.unit == "%":
        shortfall = f"{word}{diff} 个百分点"
    else:
        shortfall = word + fdef.show(diff)
    if ended is not None:
        shortfall += f" (截至评估日应完成 {fdef.show(target)})"
    progress = ""
    if test.op in ("ge", "gt") and target > 0:
        progress = _percent_floor(value / target)
    return shortfall, progress, diff


def _percent_floor(share: float) -> str:
    """Progress rounded down to one decimal: an unmet target never shows 100%."""
    tenths = math.floor(min(max(share, 0.0), 1.0) * 1000 + 1e-9)
    if share < 1 and tenths >= 1000:
        tenths = 999
    return f"{tenths // 10}%" if tenths % 10 == 0 else f"{tenths / 10:.1f}%"


def _tidy(value: float) -> float | int:
    value = round(value, 6)
    return int(value) if float(value).is_integer() else value
