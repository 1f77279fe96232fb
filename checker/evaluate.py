"""One county against its packs: facts → engine → findings."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import conditions as cond
from . import engine
from .facts import COUNTY, FactSheet
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
