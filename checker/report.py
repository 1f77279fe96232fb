"""Findings → one plain run-data dict → JSON, or Jinja templates (HTML, Markdown, text).

The run data records everything needed to reproduce the report: tool version,
each pack's version and content hash, the fact sheet's hash and the as-of
date. Nothing else that varies (no clock time, no absolute paths) goes in, so
the same inputs give the same bytes.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from . import __version__
from .evaluate import Evaluation
from .findings import STATUS_ZH, STATUSES, summarise
from .library import templates_dir
from .vocabulary import Vocabulary

FORMATS = ("html", "json", "md", "text")


def run_data(ev: Evaluation, vocab: Vocabulary) -> dict[str, Any]:
    county = ev.sheet.county
    names = {s.key: s.name for s in ev.sheet.subjects}
    return {
        "tool": "policycheck",
        "tool_version": __version__,
        "as_of": ev.as_of.isoformat(),
        "county": {"name": county.name, "code": county.code, "province": county.province, "city": county.city,
                   "kind": county.kind, "report_date": county.report_date.isoformat() if county.report_date else None},
        "input": Path(ev.sheet.path).name,
        "input_sha256": ev.sheet.sha256,
        "input_note": ev.sheet.encoding_note,
        "vocabulary_sha256": vocab.sha256,
        "packs": [{"id": p.id, "version": p.version, "sha256": p.sha256, "title": p.policy.title,
                   "issuer": p.policy.issuer, "number": p.policy.number,
                   "in_force_to": p.in_force_to.isoformat() if p.in_force_to else None,
                   "expired": bool(p.in_force_to and p.in_force_to < ev.as_of)} for p in ev.packs],
        "summary": summarise(ev.findings),
        "gaps_without_waivers": sum(1 for f in ev.findings if f.status in ("fail", "waived")),
        "waiver_notes": ev.waiver_notes,
        "derived": {pack: [{"subject": names.get(s, s), "fact": f, "label": vocab.facts[f].label, "value": v, "rule": r}
                           for s, f, v, r in items] for pack, items in ev.derived.items()},
        "findings": [f.as_dict() for f in ev.findings],
    }


def to_json(data: dict[str, Any], compact: bool = False) -> str:
    """Indented for one county; compact (one line, C encoder, ~10x faster) for batches."""
    if compact:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _units(findings: list[dict]) -> list[dict[str, Any]]:
    """Group findings by lead unit: what it leads (gaps, not yet due, to supply) and what it co-owns."""
    units: dict[str, dict[str, Any]] = {}

    def unit(name: str) -> dict[str, Any]:
        return units.setdefault(name, {"name": name, "gaps": [], "not_due": [], "missing": [], "co_gaps": [],
                                       "waived": [], "passed": 0})

    for f in findings:
        lead = unit(f["lead"])
        if f["status"] == "fail":
            lead["gaps"].append(f)
            for co in f["co_responsible"]:
                unit(co)["co_gaps"].append(f)
        elif f["status"] == "not_due":
            lead["not_due"].append(f)
        elif f["status"] == "missing":
            lead["missing"].append(f)
        elif f["status"] == "waived":
            lead["waived"].append(f)
        elif f["status"] == "pass":
            lead["passed"] += 1
    ordered = sorted(units.values(), key=lambda u: (-len(u["gaps"]), -len(u["not_due"]), -len(u["missing"]), u["name"]))
    return [u for u in ordered if u["gaps"] or u["not_due"] or u["missing"] or u["co_gaps"] or u["waived"]]


def _urgent(findings: list[dict], limit: int = 10) -> list[dict]:
    """Overdue gaps first (most overdue first), then targets due soonest, then undated
    gaps furthest from their target."""
    def key(f: dict) -> tuple:
        if f["status"] == "fail" and f["days"] is not None:
            return (0, f["days"], 0.0)
        if f["status"] == "not_due":
            return (1, f["days"] or 0, 0.0)
        return (2, 0, -(f.get("shortfall_value") or 0.0))

    gaps = [f for f in findings if f["status"] in ("fail", "not_due")]
    return sorted(gaps, key=key)[:limit]


def top_section(section: str) -> str:
    """The top-level part of a clause label: 三(二)9 → 三 (half- or full-width brackets)."""
    return section.split("(")[0].split("（")[0] or section


def _sections(findings: list[dict]) -> list[dict[str, Any]]:
    by: dict[tuple[str, str], dict[str, Any]] = {}
    for f in findings:
        top = top_section(f["section"])
        entry = by.setdefault((f["pack"], top), {"pack": f["pack"], "section": top, "pass": 0, "fail": 0, "other": 0})
        if f["status"] == "pass":
            entry["pass"] += 1
        elif f["status"] == "fail":
            entry["fail"] += 1
        elif f["status"] in ("not_due", "missing"):
            entry["other"] += 1
    out = list(by.values())
    for e in out:
        judged = e["pass"] + e["fail"]
        e["rate"] = round(100 * e["pass"] / judged) if judged else None
    return out


def view(data: dict[str, Any]) -> dict[str, Any]:
    findings = data["findings"]
    summary = data["summary"]
    judged = summary["pass"] + summary["fail"]
    return {
        **data,
        "status_zh": STATUS_ZH,
        "statuses": STATUSES,
        "compliance": round(100 * summary["pass"] / judged) if judged else None,
        "units": _units(findings),
        "urgent": _urgent(findings),
        "sections": _sections(findings),
        "gap_count": summary["fail"],
        "unit_only": data.get("unit_only"),
        "pack_refs": ", ".join(f"{p['id']}@{p['version']}" for p in data["packs"]),
    }


_ENV = None


def _env():
    global _ENV
    if _ENV is None:
        import jinja2

        _ENV = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(templates_dir())),
            autoescape=jinja2.select_autoescape(["html", "html.j2"], default_for_string=False),
            trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
        _ENV.filters["css_string"] = css_string
    return _ENV


def css_string(text: str) -> str:
    """A CSS string literal: anything but plain characters is written as a CSS escape."""
    out = []
    for ch in str(text):
        if ch.isalnum() or ch in " .-_@·()（）/:、,，" or ord(ch) > 0x2000:
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):x} ")
    from markupsafe import Markup

    # Safe inside <style>: every character that could end the element or the string is escaped.
    return Markup('"' + "".join(out) + '"')



def for_unit(data: dict[str, Any], unit: str) -> dict[str, Any]:
    """The run data restricted to what one unit leads or co-owns (its 整改任务清单)."""
    findings = [f for f in data["findings"] if f["lead"] == unit or unit in f["co_responsible"]]
    return {**data, "findings": findings, "summary": summarise_dicts(findings), "unit_only": unit}


def summarise_dicts(findings: list[dict]) -> dict[str, int]:
    return {s: sum(1 for f in findings if f["status"] == s) for s in STATUSES}


def lead_units(data: dict[str, Any]) -> list[str]:
    return sorted({f["lead"] for f in data["findings"] if f["status"] in ("fail", "not_due", "missing", "waived")})


def safe_name(text: str) -> str:
    """A file name from a unit name (Chinese kept; path separators and the like replaced)."""
    return "".join("_" if c in '/\\:*?"<>| ' else c for c in text).strip("._") or "unit"


def _rate_colour(rate: int | None) -> str:
    """A matrix cell's background: red (0%) → amber → green (100%); grey where nothing was judged."""
    if rate is None:
        return "#f3f4f6"
    return f"hsl({round(rate * 1.2)}, 70%, 85%)"


def render_summary(summary: dict[str, Any]) -> str:
    """The province summary page of a batch."""
    return _env().get_template("summary.html.j2").render(**summary, status_zh=STATUS_ZH, colour=_rate_colour)


def render(fmt: str, data: dict[str, Any], compact: bool = False) -> str:
    if fmt == "json":
        return to_json(data, compact)
    template = {"html": "report.html.j2", "md": "report.md.j2", "text": "report.txt.j2"}[fmt]
    return _env().get_template(template).render(**view(data))
