"""Rectification commitments (整改承诺): approved, dated waivers of specific gaps.

A waiver names a rule (and, for rules that apply to each entry of a list, the
entry), the approving document number (批复文号), the approver, the
justification, and the dates it runs from and to. Dates are calendar dates in
China Standard Time; a waiver covers its expiry day itself.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .dates import DateProblem, parse_date
from .errors import FactSheetError, Problem, problem
from .findings import Finding
from .script import to_simplified
from .yamlsource import LineList, LineMap, YamlSourceError, read_yaml

FIELDS = ("rule", "subject", "document", "approver", "justification", "start", "expiry")
REQUIRED = ("rule", "document", "approver", "justification", "start", "expiry")


@dataclass(frozen=True)
class Waiver:
    rule: str
    subject: str | None
    document: str
    approver: str
    justification: str
    start: dt.date
    expiry: dt.date
    source: str
    line: int

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "subject": self.subject, "document": self.document, "approver": self.approver,
                "justification": self.justification, "start": self.start.isoformat(),
                "expiry": self.expiry.isoformat(), "source": f"{Path(self.source).name}:{self.line}"}


def load_waivers_file(path: Path) -> list[Waiver]:
    try:
        data, _, _ = read_yaml(path)
    except YamlSourceError as exc:
        raise FactSheetError(exc.problem) from None
    if isinstance(data, LineMap):
        # A misspelt `waviers:` would otherwise leave every commitment unread, silently.
        for key in data:
            if key != "waivers":
                raise FactSheetError(problem(
                    path, data.line_of(key), f"unknown top-level key '{key}' in a waivers file (allowed: waivers).",
                    f"整改承诺文件中未知的顶层键 '{key}' (只允许 waivers)。", column=data.column_of(key),
                    fix_en="Put the commitments in a list under 'waivers:'.", fix_zh="请将整改承诺列在 waivers: 下。"))
        node = data.get("waivers")
    else:
        node = data
    return parse_waivers(node, str(path))


def parse_waivers(node: Any, path: str) -> list[Waiver]:
    if node is None:
        return []
    if not isinstance(node, LineList):
        raise FactSheetError(problem(path, getattr(node, "line", None), "waivers must be a list, one entry per commitment.",
                                     "waivers 应为列表, 每项一条整改承诺。"))
    problems: list[Problem] = []
    out = []
    for index, item in enumerate(node):
        line = node.line_of(index)
        if not isinstance(item, LineMap):
            problems.append(problem(path, line, "each waiver must be a mapping (rule, document, approver, …).", "每条整改承诺应为映射。"))
            continue
        for key in item:
            if key not in FIELDS:
                problems.append(problem(path, item.line_of(key), f"waiver: unknown key '{key}' (allowed: {', '.join(FIELDS)}).",
                                        f"整改承诺: 未知的键 '{key}'。"))
        absent = [k for k in REQUIRED if not item.get(k)]
        if absent:
            problems.append(problem(path, line, f"waiver lacks: {', '.join(absent)}.", f"整改承诺缺少: {', '.join(absent)}。",
                                    fix_en="A waiver needs the approving document number (document), approver, justification, start and expiry.",
                                    fix_zh="整改承诺须写明批复文号 (document)、批准单位、理由、起止日期。"))
            continue
        # Commitments run by calendar day (China Standard Time): a time of day is dropped.
        try:
            start, expiry = parse_date(item["start"]), parse_date(item["expiry"])
        except DateProblem as bad:
            key = "start" if not _is_date(item["start"]) else "expiry"
            problems.append(problem(path, item.line_of(key), f"waiver {key}: {bad.en}.", f"整改承诺 {key}: {bad.zh}。",
                                    fix_en=bad.fix_en, fix_zh=bad.fix_zh))
            continue
        if expiry < start:
            problems.append(problem(path, item.line_of("expiry"), "waiver expires before it starts.", "整改承诺的到期日早于起始日。"))
            continue
        out.append(Waiver(str(item["rule"]), str(item["subject"]) if item.get("subject") else None, str(item["document"]),
                          str(item["approver"]), str(item["justification"]), start, expiry, path, line))
    problems += _duplicates(out)
    if problems:
        raise FactSheetError(problems)
    return out


def _is_date(value: Any) -> bool:
    try:
        parse_date(value)
    except DateProblem:
        return False
    return True


def _duplicates(waivers: list[Waiver]) -> list[Problem]:
    """Two commitments for one rule and subject are refused: which one holds is for the approver to say.

    A commitment without a subject covers every entry, so it overlaps any other of its rule.
    """
    problems = []
    for index, later in enumerate(waivers):
        for earlier in waivers[:index]:
            if earlier.rule == later.rule and (earlier.subject is None or later.subject is None
                                               or to_simplified(earlier.subject) == to_simplified(later.subject)):
                label = later.rule + (f" ({later.subject or earlier.subject})" if later.subject or earlier.subject else "")
                first = f"{earlier.source}:{earlier.line}"
                problems.append(problem(
                    later.source, later.line,
                    f"a second rectification commitment for {label}; the first is at {first}.",
                    f"{label} 有两条整改承诺 (另一条在 {first}), 无法确定以哪条为准。",
                    fix_en="Keep one: the one the latest approval (document) names.",
                    fix_zh="请只保留一条: 以最新批复 (document) 为准。"))
                break
    return problems


def apply_waivers(findings: list[Finding], waivers: list[Waiver], as_of: dt.date) -> list[str]:
    """Turn waived gaps into `waived`; return notes on waivers that did not apply."""
    notes: list[str] = []
    for waiver in waivers:
        # an entry named in traditional characters or with full-width brackets is the same entry
        matched = [f for f in findings if f.rule == waiver.rule
                   and (waiver.subject is None or to_simplified(f.subject) == to_simplified(waiver.subject))]
        where = f"{Path(waiver.source).name}:{waiver.line}"
        label = f"{waiver.rule}" + (f" ({waiver.subject})" if waiver.subject else "")
        if not matched:
            notes.append(f"{where}: 整改承诺 {label} 未匹配任何规则 (matches no rule finding)")
            continue
        for finding in matched:
            info = {**waiver.as_dict(), "state": ""}
            if finding.status not in ("fail", "waived"):
                notes.append(f"{where}: 整改承诺 {label} 对应的规则状态为 {finding.status}, 无需豁免 (the rule does not fail)")
                continue
            if as_of < waiver.start:
                info["state"] = "not_started"
                finding.waiver = info
            elif as_of > waiver.expiry:
                info["state"] = "expired"
                finding.waiver = info
                notes.append(f"{where}: 整改承诺 {label} 已于 {waiver.expiry} 到期, 恢复为未达标 (expired: counted as a gap again)")
            else:
                info["state"] = "active"
                finding.waiver = info
                finding.status = "waived"
    return notes
