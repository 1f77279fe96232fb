"""The province summary of a batch: one plain dict, rendered as HTML, JSON and an Excel workbook.

What an office files: what was judged (as-of date, packs and versions, folder,
counts, tool version); the counties grouped by city, each with its code, report
date and file; the matrix of counties × the documents' sections, in each
document's own order and under its own headings; sheets no pack applies to,
sheets that could not be read, duplicates; gaps per lead unit, counted per
city (青岛市卫生健康委 is not 滁州市卫生健康委).
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .batchfiles import Skipped
from .library import Library
from .report import pack_title as report_title, top_section
from .script import to_simplified as simplified

_HEADING = re.compile(r"^\s*([一二三四五六七八九十]+)[、.．]\s*(.+)$")
_SHORT = 14  # characters of a section heading shown in a column label


def href(report: str) -> str:
    """A relative link to a report: every character that means something in a URL is escaped,
    so `javascript:…`, `#`, `?`, `%` and spaces in a file name stay part of the file name."""
    return "./" + quote(report, safe="/")


def pack_title(library: Library, pack_id: str) -> str:
    """The document's own name, short: 《…》 or what the notice 印发, in simplified characters."""
    versions = library.packs.get(pack_id)
    if not versions:
        return pack_id
    title = report_title(next(iter(versions.values())), {})
    inner = re.search(r"《(.+?)》", title) or re.search(r"关于印发(.+?)的通知", title)
    return inner.group(1) if inner else title


_NUMERALS = "一二三四五六七八九十"


def _numeral_key(top: str) -> tuple[int, str]:
    """一 … 九十九 as numbers (二 after 一, though 二 sorts after 三 by code point); anything else last."""
    if not top or any(ch not in _NUMERALS for ch in top):
        return (10_000, top)
    if "十" not in top:
        return (_NUMERALS.index(top) + 1, top)
    tens, _, units = top.partition("十")
    return ((_NUMERALS.index(tens) + 1 if tens else 1) * 10 + (_NUMERALS.index(units) + 1 if units else 0), top)


def section_columns(library: Library, used: dict[str, set[str]]) -> list[dict[str, Any]]:
    """For each pack used (by id), the top-level sections its rules cite, in the document's own order
    (the order of `sections:` in its policy.yaml, which runs 一, 二, 三 … as the text does), each
    labelled with the document's heading for that section."""
    columns = []
    for pack_id in sorted(used):
        versions = library.packs.get(pack_id, {})
        chosen = [versions[v] for v in sorted(used[pack_id]) if v in versions]
        pack = max(chosen, key=lambda p: p.version_key) if chosen else None
        cited: list[str] = []
        for source in chosen:
            for rule in source.rules:
                top = simplified(top_section(rule.section))
                if top not in cited:
                    cited.append(top)
        headings = _headings(pack.policy) if pack else {}
        position = {top: i for i, top in enumerate(headings)}
        order = sorted(cited, key=lambda top: (position.get(top, len(position)), _numeral_key(top)))
        title = pack_title(library, pack_id)
        for top in order:
            heading = headings.get(top, "")
            short = heading if len(heading) <= _SHORT else heading[:_SHORT - 1] + "…"
            columns.append({"pack": pack_id, "pack_title": title, "section": top, "heading": heading,
                            "label": f"{top}、{short}" if short else f"{top} ({title})",
                            "versions": sorted(used[pack_id])})
    return columns


def _headings(policy: Any) -> dict[str, str]:
    """一 → 总体要求, in the document's order: the policy's `sections:`, else the clean text's
    top-level headings (up to the first 。), in simplified characters."""
    if policy.sections:
        return {simplified(top): simplified(title) for top, title in policy.sections.items()}
    found: dict[str, str] = {}
    for line in policy.lines:
        match = _HEADING.match(line)
        if match and match.group(1) not in found:
            found[match.group(1)] = simplified(match.group(2).split("。")[0].strip())
    return found


def _city(county: dict[str, Any], by_prefix: dict[str, str]) -> tuple[str, str]:
    """(sort key, label) of a county's city: the sheet's `city`, else named from its code's first four digits."""
    code = county.get("code") or ""
    if county.get("city"):
        return (code[:4] or "9999", simplified(county["city"]))
    if len(code) >= 4:
        return (code[:4], by_prefix.get(code[:4], f"代码 {code[:4]}** 的地市"))
    return ("9999", "未填写地市")


def _duplicate_groups(judged: list[dict[str, Any]]) -> list[list[int]]:
    """Rows that are the same county, in groups: a row joins the group of any row with its code or its name
    (so a sheet that left out the code still joins the sheets that gave it). In linear time, however large
    a group: a province folder can hold hundreds of copies of one county."""
    parent = list(range(len(judged)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[tuple[str, str], int] = {}
    for i, row in enumerate(judged):
        county = row["county"]
        keys = [("name", simplified(county.get("name") or "").strip())]
        if county.get("code"):
            keys.insert(0, ("code", county["code"]))
        for key in keys:
            if key in first:
                a, b = root(i), root(first[key])
                parent[max(a, b)] = min(a, b)
            else:
                first[key] = i
    members: dict[int, list[int]] = {}
    for i in range(len(judged)):
        members.setdefault(root(i), []).append(i)
    return sorted(group for group in members.values() if len(group) > 1)


def summarise(rows: list[dict[str, Any]], skipped: list[Skipped], library: Library, *, folder: str,
              as_of: dt.date | None, tool_version: str) -> dict[str, Any]:
    from .findings import STATUSES

    judged = [r for r in rows if r["status"] == "judged"]
    used: dict[str, set[str]] = {}
    for r in judged:
        for pack_id, version in r["packs"]:
            used.setdefault(pack_id, set()).add(version)
    columns = section_columns(library, used)
    index = {(c["pack"], c["section"]): i for i, c in enumerate(columns)}
    by_prefix = {r["county"]["code"][:4]: simplified(r["county"]["city"]) for r in sorted(judged, key=lambda r: r["file"])
                 if r["county"].get("city") and len(r["county"].get("code") or "") >= 4}
    dup_groups = _duplicate_groups(judged)
    # A row names its group in `duplicates`, which lists each group's sheets once: listing every other
    # sheet in every row grows with the square of a group (1,000 copies of a county: 250 MB of JSON).
    group_of = {i: k for k, group in enumerate(dup_groups) for i in group}
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    units: dict[tuple[str, str], list[int]] = {}
    clauses: Counter = Counter()
    totals: Counter = Counter()
    for i, r in enumerate(judged):
        city = _city(r["county"], by_prefix)
        applied = {pack_id for pack_id, _ in r["packs"]}
        cells = [{"rate": None, "pass": 0, "fail": 0, "applies": c["pack"] in applied} for c in columns]
        for pack_id, top, passed, failed in r["sections"]:
            cell = cells[index[(pack_id, top)]] if (pack_id, top) in index else None
            if cell is not None:
                cell.update({"pass": cell["pass"] + passed, "fail": cell["fail"] + failed})
        for cell in cells:
            total = cell["pass"] + cell["fail"]
            cell["rate"] = round(100 * cell["pass"] / total) if total else None
        groups.setdefault(city, []).append({
            "name": r["county"]["name"], "code": r["county"].get("code"), "report_date": r["county"].get("report_date"),
            "as_of": r["as_of"], "file": r["file"], "report": r.get("report"),
            "href": href(r["report"]) if r.get("report") else None, "summary": r["summary"], "gaps": r["summary"]["fail"],
            "packs": [f"{p}@{v}" for p, v in r["packs"]], "cells": cells,
            "duplicate_group": group_of.get(i),
        })
        for unit, n in r["units"].items():
            entry = units.setdefault((city[1], simplified(unit)), [0, 0])
            entry[0] += n
            entry[1] += 1
        clauses.update(tuple(c) for c in r["clauses"])
        totals.update(r["summary"])
    not_applicable = [{"file": r["file"], "reason": r["reason"]} for r in rows if r["status"] == "not_applicable"]
    unreadable = ([{"file": r["file"], "error": r["error"]} for r in rows if r["status"] == "unreadable"]
                  + [{"file": s.shown, "error": s.reason} for s in skipped if s.unreadable])
    unreadable.sort(key=lambda u: u["file"])
    city_groups = [{"city": label, "rows": sorted(members, key=lambda m: (m["code"] or "", m["name"], m["file"]))}
                   for (_, label), members in sorted(groups.items())]
    return {
        "tool_version": tool_version,
        "folder": folder,
        "as_of": as_of.isoformat() if as_of else None,
        "packs": [{"id": pack_id, "versions": sorted(versions), "title": pack_title(library, pack_id),
                   "counties": sum(1 for r in judged if any(p == pack_id for p, _ in r["packs"]))}
                  for pack_id, versions in sorted(used.items())],
        "counts": {"sheets": len(rows) + sum(1 for s in skipped if s.unreadable), "judged": len(judged),
                   "with_gaps": sum(1 for r in judged if r["summary"]["fail"]),
                   "not_applicable": len(not_applicable), "unreadable": len(unreadable),
                   "skipped": sum(1 for s in skipped if not s.unreadable), "duplicates": len(dup_groups)},
        "totals": {s: totals.get(s, 0) for s in STATUSES},
        "columns": columns,
        "groups": city_groups,
        "duplicates": [[{"file": judged[i]["file"], "county": judged[i]["county"]["name"],
                         "code": judged[i]["county"].get("code"), "report_date": judged[i]["county"].get("report_date")}
                        for i in group] for group in dup_groups],
        "not_applicable": not_applicable,
        "unreadable": unreadable,
        "skipped": [{"file": s.shown, "reason": s.reason} for s in skipped if not s.unreadable],
        "units": [{"city": city, "unit": unit, "gaps": n, "counties": c}
                  for (city, unit), (n, c) in sorted(units.items(), key=lambda kv: (-kv[1][0], kv[0]))],
        "clauses": [{"pack": k[0], "rule": k[1], "section": k[2], "requirement": k[3], "counties": n}
                    for k, n in sorted(clauses.items(), key=lambda kv: (-kv[1], kv[0]))[:30]],
    }


# A county's row names at most this many other sheets of the same county; past it the row points to the
# table of duplicates, which lists every group once (listing all in every row grows with the square of a group).
DUPLICATES_SHOWN = 5


def other_copies(summary: dict[str, Any], row: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """The first DUPLICATES_SHOWN other sheets of a row's county, and how many there are in all."""
    group = summary["duplicates"][row["duplicate_group"]]
    shown = [d for d in group[:DUPLICATES_SHOWN + 1] if d["file"] != row["file"]][:DUPLICATES_SHOWN]
    return shown, len(group) - 1


def summary_files(outdir: Path) -> dict[str, Path]:
    return {"html": outdir / "summary.html", "json": outdir / "summary.json", "xlsx": outdir / "summary.xlsx"}
