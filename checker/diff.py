"""What changed between two versions of a pack, and which verdicts flip."""
from __future__ import annotations

from typing import Any

from . import conditions as cond
from .rulepack import Rule, RulePack

FIELDS = ("kind", "section", "quote", "requirement", "for_each", "when", "require", "derive", "target",
          "deadline", "lead", "co_responsible")


def _fields(rule: Rule) -> dict[str, Any]:
    return {
        "kind": rule.kind, "section": rule.section, "quote": rule.quote, "requirement": rule.requirement_zh,
        "for_each": rule.for_each, "when": cond.describe(rule.when), "require": cond.describe(rule.require),
        "derive": rule.derive, "target": rule.target, "deadline": str(rule.deadline) if rule.deadline else None,
        "lead": rule.lead, "co_responsible": list(rule.co_responsible),
    }


def diff_packs(old: RulePack, new: RulePack) -> dict[str, Any]:
    before = {r.id: r for r in old.rules}
    after = {r.id: r for r in new.rules}
    changed = []
    for rid in [r.id for r in new.rules if r.id in before]:
        a, b = _fields(before[rid]), _fields(after[rid])
        fields = {k: {"from": a[k], "to": b[k]} for k in FIELDS if a[k] != b[k]}
        if fields:
            changed.append({"id": rid, "changes": fields})
    return {
        "from": old.ref, "to": new.ref,
        "in_force": {"from": [str(old.in_force_from or ""), str(old.in_force_to or "")],
                     "to": [str(new.in_force_from or ""), str(new.in_force_to or "")]},
        "added": [{"id": r.id, **_fields(r)} for r in new.rules if r.id not in before],
        "removed": [{"id": r.id, **_fields(r)} for r in old.rules if r.id not in after],
        "changed": changed,
    }


def flipped(old_findings: list, new_findings: list) -> list[dict[str, Any]]:
    a = {(f.rule, f.subject): f.status for f in old_findings}
    b = {(f.rule, f.subject): f.status for f in new_findings}
    out = []
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            out.append({"rule": key[0], "subject": key[1], "from": a.get(key), "to": b.get(key)})
    return out


def render_text(d: dict[str, Any]) -> str:
    lines = [f"{d['from']} → {d['to']}",
             f"有效期 in force: {' – '.join(d['in_force']['from'])}  →  {' – '.join(d['in_force']['to'])}"]
    for r in d["added"]:
        lines.append(f"+ {r['id']} [{r['section']}] {r['requirement']} | 目标 {r['target']} | 期限 {r['deadline'] or '—'} | 牵头 {r['lead']}")
    for r in d["removed"]:
        lines.append(f"- {r['id']} [{r['section']}] {r['requirement']}")
    for c in d["changed"]:
        lines.append(f"~ {c['id']}")
        for field, change in c["changes"].items():
            lines.append(f"    {field}: {change['from']!s} → {change['to']!s}")
    if "flipped" in d:
        lines.append(f"{d['facts']} 结论改变的规则 verdicts that flip:" if d["flipped"]
                     else f"{d['facts']} 没有结论改变 no verdict flips")
        for f in d["flipped"]:
            lines.append(f"    {f['rule']} ({f['subject']}): {f['from']} → {f['to']}")
    if not (d["added"] or d["removed"] or d["changed"]):
        lines.append("规则没有变化 no rule changed")
    return "\n".join(lines) + "\n"
