"""Coverage of the text: every sentence of a policy's clean text, and what the pack made of it.

A sentence is `encoded` when a rule's quote lies in it, `uncheckable` when a
coverage entry of the pack quotes it with a reason, and otherwise `open`: not
yet considered. This is how a reviewer sees at a glance that nothing was skipped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .rulepack import RulePack

_END = re.compile(r"[。；;！？!?]")


@dataclass
class Sentence:
    line: int
    text: str
    start: int
    end: int
    rules: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    heading: bool = False

    @property
    def status(self) -> str:
        if self.rules:
            return "encoded"
        if self.reasons:
            return "uncheckable"
        return "heading" if self.heading else "open"


_UNITS = re.compile(r"^[(（][^()（）]*[)）]$")
HEADING_MAX = 30


def sentences(lines: list[str]) -> list[Sentence]:
    """Split each paragraph at sentence ends; a trailing "(责任单位:…)" stays with its sentence."""
    out: list[Sentence] = []
    for number, line in enumerate(lines, start=1):
        start = 0
        pieces = []
        for match in _END.finditer(line):
            if match.end() > start:
                pieces.append((start, match.end()))
            start = match.end()
        if start < len(line):
            pieces.append((start, len(line)))
        for begin, end in pieces:
            text = line[begin:end]
            if out and out[-1].line == number and _UNITS.match(text.strip("。；;")):
                out[-1].text += text
                out[-1].end = end
            else:
                out.append(Sentence(number, text, begin, end))
    return out


def _is_heading(s: Sentence, lines: list[str]) -> bool:
    line = lines[s.line - 1]
    return not _END.search(line) and len(line) <= HEADING_MAX


def _mark(found: list[Sentence], lines: list[str], quote: str, add) -> None:
    for number, line in enumerate(lines, start=1):
        pos = line.find(quote)
        while pos >= 0:
            end = pos + len(quote)
            for s in found:
                if s.line == number and s.start < end and pos < s.end:
                    add(s)
            pos = line.find(quote, pos + 1)


def text_coverage(pack: RulePack) -> dict[str, Any]:
    lines = pack.policy.lines_of(pack.text)
    found = sentences(lines)
    for s in found:
        s.heading = _is_heading(s, lines)
    for rule in pack.rules:
        _mark(found, lines, rule.quote, lambda s, rid=rule.id: s.rules.append(rid) if rid not in s.rules else None)
    for entry in pack.coverage:
        if entry.status != "uncheckable":
            continue
        for quote in entry.quotes:
            reason = f"{entry.section}: {entry.reason}"
            _mark(found, lines, quote, lambda s, r=reason: s.reasons.append(r) if r not in s.reasons else None)
    counts = {k: sum(1 for s in found if s.status == k) for k in ("encoded", "uncheckable", "open", "heading")}
    return {
        "pack": pack.ref, "title": pack.policy.title, "counts": counts, "total": len(found),
        "sentences": [{"line": s.line, "text": s.text, "status": s.status, "rules": s.rules, "reasons": s.reasons}
                      for s in found],
    }


def render_text(cov: dict[str, Any]) -> str:
    mark = {"encoded": "E", "uncheckable": "U", "open": "?", "heading": "H"}
    c = cov["counts"]
    lines = [f"{cov['pack']} 《{cov['title']}》: 共 {cov['total']} 句 sentences — 已编码 encoded {c['encoded']}, "
             f"不可核查 uncheckable {c['uncheckable']}, 尚未考虑 not yet considered {c['open']}, 标题 headings {c['heading']}",
             "[E] 已编码 encoded (规则 rules)  [U] 不可核查 uncheckable (理由 reason)  [?] 尚未考虑 not yet considered  "
             "[H] 标题 heading or title"]
    for s in cov["sentences"]:
        detail = ", ".join(s["rules"]) if s["rules"] else "; ".join(s["reasons"])
        lines.append(f"[{mark[s['status']]}] {s['line']:>3}  {s['text']}" + (f"   ⟨{detail}⟩" if detail else ""))
    return "\n".join(lines) + "\n"
