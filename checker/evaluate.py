"""One county against its packs: facts → engine → findings."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import engine
from .facts import FactSheet
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
