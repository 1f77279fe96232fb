"""Policy test cases written in YAML next to each pack (`rules/<pack>/tests/*.yaml`).

Each case is a few facts and the status named rules must get; the runner
evaluates it through the same engine as `run` and reports coverage: the share
of check rules that some passing case drives to `fail` and to `pass`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .dates import DateProblem, parse_date
from .errors import PolicycheckError
from .pipeline import CheckRequest, judge
from .facts import parse_fact_sheet
from .findings import STATUS_ZH as FINDING_STATUS_ZH
from .findings import STATUSES

# Authors may write the statuses as the report shows them (未达标 = fail).
STATUS_FROM_ZH = {zh: status for status, zh in FINDING_STATUS_ZH.items()}
from .library import Library
from .yamlsource import LineList, LineMap, YamlSourceError, read_yaml

DEFAULT_COUNTY = {"name": "测试县", "report_date": dt.date(2025, 12, 31)}


@dataclass
class CaseResult:
    file: str
    line: int
    name: str
    errors: list[str] = field(default_factory=list)
    malformed: bool = False  # the case file itself is wrong (exit 2), not the pack's verdict
    observed: dict[tuple[str, str], str] = field(default_factory=dict)  # (rule, subject) -> status asserted and seen

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class PackCases:
    pack_ref: str
    check_rules: int
    cases: list[CaseResult]
    driven: dict[str, set[str]]  # rule id -> statuses reached in passing cases

    @property
    def passed(self) -> int:
        return sum(1 for c in self.cases if c.ok)

    @property
    def failed(self) -> int:
        return len(self.cases) - self.passed

    def coverage_of(self, status: str) -> float:
        return (sum(1 for s in self.driven.values() if status in s) / self.check_rules) if self.check_rules else 1.0

    @property
    def fail_coverage(self) -> float:
        return self.coverage_of("fail")

    @property
    def pass_coverage(self) -> float:
        return self.coverage_of("pass")


def case_files(library: Library, pack_id: str) -> list[Path]:
    return sorted((library.rules_dir / pack_id / "tests").glob("*.yaml"))


def run_cases(library: Library, only: set[str] | None = None) -> list[PackCases]:
    out = []
    for pack_id in sorted(library.packs):
        if only and pack_id not in only:
            continue
        files = case_files(library, pack_id)
        if not files:
            continue
        results: list[CaseResult] = []
        refs: set[str] = set()
        driven: dict[str, set[str]] = {}
        for path in files:
            for result, ref in _run_file(library, pack_id, path):
                results.append(result)
                refs.add(ref)
                if result.ok:
                    for (rule, _), status in result.observed.items():
                        driven.setdefault(rule, set()).add(status)
        latest = max(library.packs[pack_id].values(), key=lambda p: p.version_key)
        checks = {r.id for r in latest.rules if r.kind == "check"}
        out.append(PackCases(", ".join(sorted(refs)) or pack_id, len(checks),
                             results, {k: driven.get(k, set()) for k in sorted(checks)}))  # every check rule, driven or not
    return out


def _run_file(library: Library, pack_id: str, path: Path) -> list[tuple[CaseResult, str]]:
    try:
        data, _, _ = read_yaml(path)
    except YamlSourceError as exc:
        return [(CaseResult(str(path), exc.problem.where.line or 0 if exc.problem.where else 0, "(file)", [exc.problem.render()],
                            malformed=True), pack_id)]
    if not isinstance(data, LineMap) or not isinstance(data.get("cases"), LineList):
        return [(CaseResult(str(path), 1, "(file)", [f"{path}:1: 用例文件须有 'cases:' 列表 / a case file needs 'cases:' (a list)"], malformed=True), pack_id)]
    spec = str(data.get("pack") or pack_id)
    defaults = data.get("defaults") or _plain({})
    bad = _shape_errors(defaults, ("county", "facts"))
    if not isinstance(defaults, LineMap) or bad:
        where = f"{path}:{data.line_of('defaults')}"
        return [(CaseResult(str(path), data.line_of("defaults"), "(defaults)",
                            [f"{where}: defaults: " + ("; ".join(bad) or "应写成含 county: 和 facts: 的映射 / must be a mapping with county: and facts:")],
                            malformed=True), spec)]
    out = []
    for index, case in enumerate(data["cases"]):
        line = data["cases"].line_of(index)
        if not isinstance(case, LineMap):
            out.append((CaseResult(str(path), line, f"#{index + 1}", [f"{path}:{line}: 每个用例应写成映射 (name:、facts:、expect:) / a case must be a mapping"], malformed=True),
                        spec))
            continue
        result = CaseResult(str(path), line, str(case.get("name") or f"#{index + 1}"))
        result.errors += [f"{path}:{line}: {e}" for e in _shape_errors(case, ("county", "facts", "expect", "derived"))]
        if case.get("as_of") is not None:
            try:
                case["as_of"] = parse_date(case["as_of"])
            except DateProblem as exc:
                result.errors.append(f"{path}:{case.line_of('as_of')}: as_of: {exc.en} / {exc.zh}")
        result.malformed = bool(result.errors)
        if not result.errors:
            ref = _run_case(library, spec, defaults, case, result)
        else:
            ref = spec
        out.append((result, ref))
    return out


def _shape_errors(node: Any, mappings: tuple[str, ...]) -> list[str]:
    """Keys of a case (or of defaults) that must be mappings but are not: reported, never a traceback."""
    if not isinstance(node, LineMap):
        return []
    return [f"第 {node.line_of(k)} 行: '{k}' 应写成映射 / line {node.line_of(k)}: '{k}' must be a mapping, not {type(node[k]).__name__}"
            for k in mappings if node.get(k) is not None and not isinstance(node[k], LineMap)]


def _merged(base: Any, over: Any) -> LineMap:
    merged = LineMap()
    merged.line = getattr(over, "line", 0) or getattr(base, "line", 0)
    merged.key_lines, merged.key_columns = {}, {}
    for source in (base, over):
        if isinstance(source, LineMap):
            for key, value in source.items():
                if value is None and source is over:  # `fact: null` in a case removes a default
                    merged.pop(key, None)
                    merged.key_lines.pop(key, None)
                    continue
                merged[key] = value
                merged.key_lines[key] = source.line_of(key)
    return merged


def _run_case(library: Library, spec: str, defaults: Any, case: LineMap, result: CaseResult) -> str:
    county = _merged(_merged(_plain(DEFAULT_COUNTY), defaults.get("county")), case.get("county"))
    facts = _merged(defaults.get("facts"), case.get("facts"))
    sheet_data = _merged(None, None)
    sheet_data.update(county=county, facts=facts)
    sheet_data.key_lines = {"county": county.line, "facts": facts.line}
    try:
        sheet = parse_fact_sheet(sheet_data, result.file, library.vocabulary)
        checked = judge(sheet, library, CheckRequest(specs=(spec,), as_of=case.get("as_of")))
        pack, evaluation = checked.evaluation.packs[0], checked.evaluation
    except PolicycheckError as exc:
        result.errors.append(exc.render())
        return spec
    _compare(pack, evaluation, case, result)
    return pack.ref


def _zh(status: str) -> str:
    return FINDING_STATUS_ZH.get(status, status)


def _plain(values: dict) -> LineMap:
    out = LineMap(values)
    out.line, out.key_lines, out.key_columns = 0, {}, {}
    return out


def _compare(pack, evaluation, case: LineMap, result: CaseResult) -> None:
    by_rule: dict[str, dict[str, str]] = {}
    for f in evaluation.findings:
        by_rule.setdefault(f.rule, {})[f.subject] = f.status
    expect = case.get("expect") or {}
    if not expect and not case.get("derived"):
        result.errors.append("用例没有写预期结果 (请写 expect: 或 derived:) / the case expects nothing (add expect: or derived:)")
    for rule_id, wanted in expect.items():
        rule = pack.rule(str(rule_id))
        if rule is None or rule.kind != "check":
            from difflib import get_close_matches

            close = get_close_matches(str(rule_id), [r.id for r in pack.rules if r.kind == "check"], n=1)
            hint = f"; did you mean {close[0]}? 是否应为 {close[0]}?" if close else ""
            result.errors.append(f"第 {expect.line_of(rule_id)} 行 line {expect.line_of(rule_id)}: {rule_id} is not a check rule of {pack.ref} "
                                 f"({rule_id} 不是 {pack.ref} 的检查规则){hint}")
            continue
        seen = by_rule.get(rule.id, {})
        pairs = wanted.items() if isinstance(wanted, dict) else [(None, wanted)]
        for subject, status in pairs:
            status = STATUS_FROM_ZH.get(str(status), status)
            if status not in STATUSES:
                result.errors.append(f"第 {expect.line_of(rule_id)} 行 line {expect.line_of(rule_id)}: 未知的状态 unknown status "
                                     f"'{status}' (可用 allowed: {', '.join(STATUSES)}; "
                                     f"{'、'.join(FINDING_STATUS_ZH[s] for s in STATUSES if s in FINDING_STATUS_ZH)})")
                continue
            targets = seen.items() if subject is None else [(subject, seen.get(str(subject)))]
            if not seen:
                result.errors.append(f"{rule.id}: 没有得出结论 produced no finding")
            for name, got in targets:
                if got != status:
                    label = f" [{name}]" if rule.for_each else ""
                    result.errors.append(f"{rule.id}{label}: 预期 {_zh(status)}, 实际 {_zh(got) if got else '没有结论'} "
                                         f"(expected {status}, got {got or 'no finding'})")
                else:
                    result.observed[(rule.id, str(name))] = status
    names = {s.key: s.name for s in evaluation.sheet.subjects}
    derived = {(names.get(s, s), f): v for s, f, v, _ in evaluation.derived.get(pack.id, [])}
    county_name = evaluation.sheet.county.name
    for fact, wanted in (case.get("derived") or {}).items():
        pairs = wanted.items() if isinstance(wanted, dict) else [(county_name, wanted)]
        for subject, value in pairs:
            got = derived.get((str(subject), str(fact)))
            if got is not value:
                shown = "unknown" if got is None else str(got).lower()
                result.errors.append(f"推导事实 derived {fact} [{subject}]: 预期 expected {str(value).lower()}, "
                                     f"实际 got {shown}")
