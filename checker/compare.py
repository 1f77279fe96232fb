"""Progress over time: which gaps closed, which opened, which moved toward target."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .errors import UsageError, problem
from .yamlsource import YamlSourceError, read_bounded

GAP = ("fail",)
PENDING = ("fail", "not_due")  # not met: a gap now, or one whose deadline is still ahead
CLOSED = ("pass", "waived", "not_applicable")


MAX_REPORT_BYTES = 256 * 1024 * 1024  # a province-sized report is far smaller; bounds /dev/zero and pipes


def load_run(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise UsageError(problem(path, None, "file not found.", "找不到文件。")) from None
    try:
        raw = read_bounded(path, MAX_REPORT_BYTES)
        if raw is None:
            raise UsageError(problem(path, None, f"more than {MAX_REPORT_BYTES:,} bytes; not a policycheck JSON report.",
                                     f"超过 {MAX_REPORT_BYTES:,} 字节, 不是 policycheck 的 JSON 报告。"))
        text = raw.decode("utf-8")
        data = json.loads(text)
    except YamlSourceError as exc:
        raise UsageError(exc.problem) from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise _not_a_report(path, getattr(exc, "lineno", None), str(exc)) from None
    _check_shape(data, path, text)
    return data


def _not_a_report(path: Path, line: int | None, why_en: str, why_zh: str = "") -> UsageError:
    return UsageError(problem(path, line, f"not a policycheck JSON report: {why_en}.",
                              f"不是 policycheck 的 JSON 报告{': ' + why_zh if why_zh else ''}。",
                              fix_en="Give the output of `policycheck run … --format json`.",
                              fix_zh="请使用 policycheck run … --format json 的输出。"))


def _line_of(text: str, key: str) -> int | None:
    at = text.find(f'"{key}"')
    return text.count("\n", 0, at) + 1 if at >= 0 else None


def _check_shape(data: Any, path: Path, text: str) -> None:
    """Everything compare reads, with the right types: a near-report is refused, never a traceback."""
    if not isinstance(data, dict):
        raise _not_a_report(path, 1, "the top level is not an object", "顶层不是对象")
    if not isinstance(data.get("county"), dict) or not isinstance(data["county"].get("name"), str):
        raise _not_a_report(path, _line_of(text, "county"), "'county' must be an object with a name", "缺少 county.name")
    findings = data.get("findings")
    if not isinstance(findings, list):
        raise _not_a_report(path, _line_of(text, "findings"), "'findings' must be a list", "缺少 findings 列表")
    for index, finding in enumerate(findings):
        if not isinstance(finding, dict) or not isinstance(finding.get("status"), str) or not isinstance(finding.get("rule"), str):
            raise _not_a_report(path, _line_of(text, "findings"),
                                f"finding {index + 1} needs at least 'rule' and 'status' (text)",
                                f"第 {index + 1} 条结论缺少 rule 或 status")
        for key in ("shortfall_value",):
            value = finding.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise _not_a_report(path, _line_of(text, "findings"), f"finding {index + 1}: '{key}' must be a number",
                                    f"第 {index + 1} 条结论的 {key} 应为数字")
        for key in ("pack", "subject"):
            if finding.get(key) is not None and not isinstance(finding[key], str):
                raise _not_a_report(path, _line_of(text, "findings"), f"finding {index + 1}: '{key}' must be text",
                                    f"第 {index + 1} 条结论的 {key} 应为文字")


def _key(f: dict[str, Any]) -> tuple[str, str, str]:
    return (f.get("pack", ""), f.get("rule", ""), f.get("subject", ""))


def compare_runs(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    before = {_key(f): f for f in old["findings"]}
    after = {_key(f): f for f in new["findings"]}
    from .findings import STATUS_ZH

    closed, opened, closer, further, still = [], [], [], [], []
    for key, f in after.items():
        if f.get("category", "binding") != "binding":
            continue
        prev = before.get(key)
        was = prev["status"] if prev else None
        row = {"pack": key[0], "rule": key[1], "subject": key[2], "requirement": f.get("requirement", ""),
               "lead": f.get("lead", ""), "target": f.get("target", ""), "from": was, "to": f["status"],
               "from_zh": STATUS_ZH.get(was or "", "—"), "to_zh": STATUS_ZH.get(f["status"], f["status"]),
               "actual_before": prev.get("actual") if prev else None, "actual": f.get("actual")}
        if was in PENDING and f["status"] in CLOSED:
            closed.append(row)
        elif was in PENDING and f["status"] in PENDING:
            # Movement is judged on the value, not the status: a target that moved
            # closer while its deadline passed (未到期 → 未达标) still moved closer.
            a, b = prev.get("shortfall_value"), f.get("shortfall_value")
            if a is not None and b is not None and b < a:
                closer.append(row)
            elif a is not None and b is not None and b > a:
                further.append(row)
            elif f["status"] in GAP and was not in GAP:
                opened.append(row)
            else:
                still.append(row)
        elif f["status"] in GAP:
            opened.append(row)
    return {
        "county": new["county"], "from": {"county": old["county"], "as_of": old.get("as_of"), "input_sha256": old.get("input_sha256"),
                                          "packs": old.get("packs")},
        "to": {"as_of": new.get("as_of"), "input_sha256": new.get("input_sha256"), "packs": new.get("packs")},
        "same_county": (old["county"].get("code"), old["county"].get("name")) == (new["county"].get("code"), new["county"].get("name")),
        "closed": closed, "opened": opened, "closer": closer, "further": further, "still_open": still,
    }


def render_text(c: dict[str, Any]) -> str:
    lines = [f"{c['county'].get('name')}: {c['from']['as_of']} → {c['to']['as_of']}"]
    if not c["same_county"]:
        lines.append("注意: 两份报告不是同一县(市、区) (the two reports are of different counties)")
    for title, rows in (("已整改 closed", c["closed"]), ("新增差距 opened", c["opened"]),
                        ("向目标靠近 moved toward target", c["closer"]), ("离目标更远 moved away", c["further"]),
                        ("仍未达标 still open", c["still_open"])):
        lines.append(f"{title}: {len(rows)}")
        for r in rows:
            before = f"{r['actual_before']} → " if r["actual_before"] is not None else ""
            lines.append(f"  {r['rule']} {r['requirement']} ({r['subject']}) [{r['from_zh']} → {r['to_zh']}] "
                         f"{before}{r['actual']} | 目标 {r['target']} | 牵头 {r['lead']}")
    return "\n".join(lines) + "\n"


def different_counties(result: dict[str, Any], previous: str, current: str) -> Any:
    """The refusal to compare two different counties (a progress report across counties means nothing)."""
    old, new = result["from"].get("county") or {}, result["county"]
    return problem(current, None,
                   f"the two reports are of different counties ({old.get('name')} {old.get('code') or ''} in {previous}, "
                   f"{new.get('name')} {new.get('code') or ''} here); progress is compared within one county.",
                   f"两份报告不是同一县(市、区) ({previous}: {old.get('name')}; 本报告: {new.get('name')}), 只能比较同一县的进展。",
                   fix_en="Give two reports of the same county, or add --force to compare them anyway.",
                   fix_zh="请给出同一县的两份报告; 确需比较请加 --force。")
