"""Progress over time: which gaps closed, which opened, which moved toward target."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .errors import UsageError, problem

GAP = ("fail",)
CLOSED = ("pass", "waived", "not_applicable")


def load_run(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(problem(path, None, "file not found.", "找不到文件。")) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(problem(path, getattr(exc, "lineno", None), f"not a policycheck JSON report: {exc}.",
                                 "不是 policycheck 的 JSON 报告。",
                                 fix_en="Give the output of `policycheck run … --format json`.",
                                 fix_zh="请使用 policycheck run … --format json 的输出。")) from None
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list) or "county" not in data:
        raise UsageError(problem(path, None, "not a policycheck JSON report (no findings).", "不是 policycheck 的 JSON 报告。"))
    return data


def _key(f: dict[str, Any]) -> tuple[str, str, str]:
    return (f.get("pack", ""), f.get("rule", ""), f.get("subject", ""))


def compare_runs(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    before = {_key(f): f for f in old["findings"]}
    after = {_key(f): f for f in new["findings"]}
    closed, opened, closer, further, still = [], [], [], [], []
    for key, f in after.items():
        prev = before.get(key)
        was = prev["status"] if prev else None
        row = {"pack": key[0], "rule": key[1], "subject": key[2], "requirement": f.get("requirement", ""),
               "lead": f.get("lead", ""), "target": f.get("target", ""), "from": was, "to": f["status"],
               "actual_before": prev.get("actual") if prev else None, "actual": f.get("actual")}
        if was in GAP and f["status"] in CLOSED:
            closed.append(row)
        elif f["status"] in GAP and was not in GAP:
            opened.append(row)
        elif f["status"] in GAP and was in GAP:
            a, b = prev.get("shortfall_value"), f.get("shortfall_value")
            if a is not None and b is not None and b < a:
                closer.append(row)
            elif a is not None and b is not None and b > a:
                further.append(row)
            else:
                still.append(row)
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
            lines.append(f"  {r['rule']} {r['requirement']} ({r['subject']}) [{r['from'] or '—'} → {r['to']}] "
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
