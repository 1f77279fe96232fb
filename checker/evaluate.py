"""One county against its packs: facts → engine → findings."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import engine
from .facts import FactSheet
from .findings import Finding, classify
from .rulepack import RulePack
from .vocabulary import Vocabulary


@dataclass
class Evaluation:
    sheet: FactSheet
    packs: list[RulePack]
    as_of: dt.date
    findings: list[Finding]
    derived: dict[str, list[tuple[str, str, bool, str]]]  # pack id -> (subject, fact, value, rule)
    firings: int


def evaluate(sheet: FactSheet, packs: list[RulePack], vocab: Vocabulary, as_of: dt.date) -> Evaluation:
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
    return Evaluation(sheet, packs, as_of, findings, derived, firings)
