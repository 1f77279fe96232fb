"""One county against its packs: facts → engine → findings."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import conditions as cond
from . import engine
from .facts import COUNTY, UNLISTED, FactSheet, Subject
from .script import to_simplified
from .findings import Finding, classify
from .rulepack import RulePack
from .vocabulary import Vocabulary
from .waivers import Waiver, apply_waivers, parse_waivers


@dataclass
class Evaluation:
    sheet: FactSheet
    packs: list[RulePack]
    as_of: dt.date
    findings: list[Finding]
    derived: dict[str, list[tuple[str, str, bool, str]]]  # pack id -> (subject, fact, value, rule)
    firings: int
    waiver_notes: list[str]


def evaluate(sheet: FactSheet, packs: list[RulePack], vocab: Vocabulary, as_of: dt.date,
             waivers: list[Waiver] | None = None) -> Evaluation:
    """Evaluate one county against its packs; waivers from the sheet and from `waivers` apply."""
    findings: list[Finding] = []
    derived: dict[str, list[tuple[str, str, bool, str]]] = {}
    firings = 0
    _settle_counts_in_part(sheet, packs)
    _add_unlisted_entries(sheet, vocab)
    for index, pack in enumerate(packs):
        compiled = engine.compiled(pack, vocab)
        outcome = engine.evaluate(compiled, sheet, vocab)
        firings += outcome.firings
        findings.extend(classify(index, compiled, outcome, sheet, vocab, as_of))
        derived[pack.id] = sorted((s, f, v, firing.rule) for (s, f), (v, firing) in outcome.derived.items())
    findings.sort(key=lambda f: f.order)
    all_waivers = parse_waivers(sheet.waivers, sheet.path) + list(waivers or [])
    notes = apply_waivers(findings, all_waivers, as_of)
    return Evaluation(sheet, packs, as_of, findings, derived, firings, notes)


def _settle_counts_in_part(sheet: FactSheet, packs: list[RulePack]) -> None:
    """A count of entries some of which left their answer blank is known only as a range: two hospitals
    answered 是 and one said nothing is 2 to 3. Where every test these packs make of the count comes out
    the same anywhere in that range ("不少于1所"), the answer does not turn on the blanks and the engine
    reads the number answered; otherwise the count stays missing. Worked out afresh for each set of packs,
    since another pack may ask what the blanks decide."""
    for name, (counted, blank) in sheet.counted_in_part.items():
        tests = [test for pack in packs for rule in pack.rules for expr in (rule.when, rule.require)
                 for test in cond.tests_of(expr) if test.fact == name]
        if tests and all(cond.same_across(test, counted, counted + blank) for test in tests):
            sheet.values[COUNTY][name] = counted
        else:
            sheet.values[COUNTY].pop(name, None)


def _add_unlisted_entries(sheet: FactSheet, vocab: Vocabulary) -> None:
    """A list that every county's sheet holds certain entries of (区人民医院 and the MCH centre among its
    区级医疗机构) but that lacks one: that entry is judged as submitted with nothing but what it is, so each of
    its duties is to be supplied and it gets its own page, rather than its duties vanishing and the rate
    counting only what was listed. Only where every listed entry says what it is (one that does not may be
    the one missing). Counts of the list were made from the sheet before, so the added entry is in none."""
    for collection in vocab.collections.values():
        if not collection.expected_fact:
            continue
        entries = sheet.subjects_of(collection.name)
        kinds = [sheet.values.get(e.key, {}).get(collection.expected_fact) for e in entries]
        if not entries or None in kinds:
            continue
        for value, template in collection.expected:
            if value in kinds:  # listed, or added by an earlier evaluation of this sheet
                continue
            key = f"{collection.name}#unlisted-{value}"
            name = f"{template.format(county=to_simplified(sheet.county.name))} {UNLISTED}"
            sheet.subjects.append(Subject(key, collection.name, name))
            sheet.values[key] = {collection.expected_fact: value}
