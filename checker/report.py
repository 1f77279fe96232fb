"""Findings → one plain run-data dict → JSON, or Jinja templates (HTML, Markdown, text).

The run data records everything needed to reproduce the report: tool version,
each pack's version and content hash, the fact sheet's hash and the as-of
date. Nothing else that varies (no clock time, no absolute paths) goes in, so
the same inputs give the same bytes.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import re
from pathlib import Path
from typing import Any, Callable

from . import __version__
from .batchfiles import shown_name
from .evaluate import Evaluation
from .findings import CATEGORY_ZH, STATUS_ZH, STATUSES, Finding, summarise, summarise_categories
from .library import templates_dir
from .rulepack import RulePack
from .script import to_simplified
from .vocabulary import COUNTY, Vocabulary

FORMATS = ("html", "json", "md", "text")


def run_data(ev: Evaluation, vocab: Vocabulary, rectify_by: dt.date | None = None,
             explains: Callable[[Finding], bool] | None = None) -> dict[str, Any]:
    """Everything a report shows. With `explains`, only the findings it accepts carry their reasoning
    and shown value (a report that shows the rest only as counts); without, every finding does."""
    county = ev.sheet.county
    names = {s.key: s.name for s in ev.sheet.subjects}
    county_values = ev.sheet.values.get(COUNTY, {})
    findings = [f.as_dict(explains is None or explains(f)) for f in ev.findings]
    for f in findings:
        f["rectify_by"] = f["deadline"] or (rectify_by.isoformat() if rectify_by else None)
    return {
        "tool": "policycheck",
        "tool_version": __version__,
        "as_of": ev.as_of.isoformat(),
        "county": {"name": county.name, "code": county.code, "province": county.province, "city": county.city,
                   "kind": county.kind, "report_date": county.report_date.isoformat() if county.report_date else None},
        "input": shown_name(Path(ev.sheet.path).name),  # a GBK file name from a Windows archive, decoded
        "input_sha256": ev.sheet.sha256,
        "input_note": ev.sheet.encoding_note,
        "vocabulary_sha256": vocab.sha256,
        "rectify_by": rectify_by.isoformat() if rectify_by else None,
        "packs": [{"id": p.id, "version": p.version, "sha256": p.sha256, "title": pack_title(p, county_values),
                   "issuer": to_simplified(p.policy.issuer), "number": to_simplified(p.policy.number or "") or None,
                   "released": p.released,
                   "sections": {k: to_simplified(v) for k, v in p.policy.sections.items()},
                   "undated_deadline": _undated(p, county_values), "undated_label": p.undated_label,
                   "in_force_to": p.in_force_to.isoformat() if p.in_force_to else None,
                   "expired": bool(p.in_force_to and p.in_force_to < ev.as_of),
                   "reference_note": to_simplified(p.reference_note) or None} for p in ev.packs],
        "summary": summarise(ev.findings),
        "categories": summarise_categories(ev.findings),
        "gaps_without_waivers": sum(1 for f in ev.findings if f.status in ("fail", "waived") and f.category == "binding"),
        "waiver_notes": ev.waiver_notes,
        "derived": {pack: [{"subject": names.get(s, s), "fact": f, "label": vocab.facts[f].label, "value": v, "rule": r}
                           for s, f, v, r in items] for pack, items in ev.derived.items()},
        "findings": findings,
    }


def pack_title(pack: RulePack, values: dict[str, Any]) -> str:
    """The document's title in simplified script, placeholders such as {plan_year} filled from the county's facts."""
    title = pack.title if pack.title != pack.policy.title else (pack.policy.title_simplified or pack.policy.title)
    title = to_simplified(title)
    for name in re.findall(r"\{([a-z][a-z0-9_]*)\}", title):
        value = values.get(name)
        title = title.replace("{" + name + "}", str(value) if value is not None else "XX")
    return title


def _undated(pack: RulePack, values: dict[str, Any]) -> str | None:
    if pack.undated_deadline is None:
        return None
    due = pack.undated_deadline.resolve(values)
    return due.isoformat() if due else None


def to_json(data: dict[str, Any], compact: bool = False) -> str:
    """Compact for batches; for one county, indented, with each finding on a line of its own.

    The indenting encoder is pure Python (ten times slower than the C one); a
    report carries hundreds of findings, so each finding is encoded by the C
    encoder and only the levels above it are indented.
    """
    if compact:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
    parts = []
    for key, value in data.items():
        if key == "findings" and value:
            body = ",\n    ".join(json.dumps(f, ensure_ascii=False, separators=(", ", ": ")) for f in value)
            encoded = "[\n    " + body + "\n  ]"
        else:
            encoded = json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n  ")
        parts.append(f"  {json.dumps(key, ensure_ascii=False)}: {encoded}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


ACTIVE = ("fail", "waived", "not_due", "missing")


def html_shows_detail(finding: Finding) -> bool:
    """Whether the HTML report prints a finding's value or reasoning: a binding item still open (its
    row or card), or a 力争, 鼓励, 上级 or 参考 item in its table. A binding item met, and any item that
    does not apply, is only counted. Must agree with `view` and `html_view`; a test renders every
    example both ways and compares the bytes."""
    if finding.category == "binding":
        return finding.status in ACTIVE
    return finding.status != "not_applicable"


# What each format reads of a finding's detail; a format not named here reads all of it.
EXPLAINS: dict[str, Callable[[Finding], bool]] = {"html": html_shows_detail}


def _units(findings: list[dict]) -> list[dict[str, Any]]:
    """Group the county's binding findings by department: what it leads, then what it supports."""
    units: dict[str, dict[str, Any]] = {}

    def unit(name: str) -> dict[str, Any]:
        u = units.get(name)
        if u is None:
            u = units[name] = {"name": name, "gaps": [], "not_due": [], "missing": [], "co_gaps": [],
                               "waived": [], "passed": 0}
        return u

    for f in findings:
        if f["category"] != "binding":
            continue
        lead = unit(f["lead"])
        status = f["status"]
        if status == "pass":
            lead["passed"] += 1
        elif status == "fail":
            lead["gaps"].append(f)
            for co in f["co_responsible"]:
                unit(co)["co_gaps"].append(f)
        elif status in ("not_due", "missing", "waived"):
            lead[status].append(f)
    ordered = sorted(units.values(), key=lambda u: (-len(u["gaps"]), -len(u["co_gaps"]), -len(u["not_due"]),
                                                    -len(u["missing"]), u["name"]))
    active = [u for u in ordered if u["gaps"] or u["not_due"] or u["missing"] or u["co_gaps"] or u["waived"]]
    for index, u in enumerate(active, start=1):
        u["anchor"] = f"u{index}"
    return active


def _urgent(findings: list[dict], limit: int | None = 10) -> list[dict]:
    """Current gaps only: overdue first (most overdue first), then gaps the text gives no date,
    furthest from their target first."""
    def key(f: dict) -> tuple:
        if f["days"] is not None:
            return (0, f["days"], 0.0)
        return (1, 0, -(f.get("shortfall_value") or 0.0))

    gaps = [f for f in findings if f["status"] == "fail" and f["category"] == "binding"]
    return sorted(gaps, key=key)[:limit]


def _upcoming(findings: list[dict], limit: int = 10) -> list[dict]:
    """Binding targets not met yet whose deadline is still ahead, due soonest first (即将到期)."""
    pending = [f for f in findings if f["status"] == "not_due" and f["category"] == "binding"]
    return sorted(pending, key=lambda f: (f["days"] or 0, f["rule"]))[:limit]


def top_section(section: str) -> str:
    """The top-level part of a clause label: 三(二)9 → 三 (half- or full-width brackets)."""
    return section.split("(")[0].split("（")[0] or section


def section_label(pack: dict[str, Any], top: str) -> str:
    """A section as a reader names it: 三、优化管理体制 — its number and the document's own title."""
    title = pack.get("sections", {}).get(top)
    return f"{top}、{title}" if title else f"第{top}部分" if re.fullmatch(r"[一二三四五六七八九十]+", top) else top


def _sections(findings: list[dict], packs: list[dict]) -> list[dict[str, Any]]:
    by_pack = {p["id"]: p for p in packs}
    by: dict[tuple[str, str], dict[str, Any]] = {}
    clauses: dict[tuple[str, str], dict[str, Any]] = {}  # many findings share a clause: its section found once
    for f in findings:
        if f["category"] != "binding":
            continue
        entry = clauses.get((f["pack"], f["section"]))
        if entry is None:
            top = top_section(f["section"])
            entry = by.get((f["pack"], top))
            if entry is None:
                entry = by[(f["pack"], top)] = {"pack": f["pack"], "section": top,
                                                "label": section_label(by_pack.get(f["pack"], {}), top),
                                                "pass": 0, "fail": 0, "other": 0}
            clauses[(f["pack"], f["section"])] = entry
        status = f["status"]
        if status == "pass":
            entry["pass"] += 1
        elif status == "fail":
            entry["fail"] += 1
        elif status in ("not_due", "missing", "waived"):
            entry["other"] += 1
    out = list(by.values())  # in the order the documents' rules come: the text's own order
    for index, e in enumerate(out, start=1):
        e["applicable"] = e["pass"] + e["fail"] + e["other"]
        e["rate"] = round(100 * e["pass"] / e["applicable"]) if e["applicable"] else None
        e["anchor"] = f"s{index}"
    return out


# How the asides say where an item stands, by the force of its wording: a city body's encouraged item
# not taken up is 未做到 like the county's own, never 未完成 as if a duty were missed. 做到, not 开展: an
# encouraged item may be an activity (开展试点) or a limit (一般不超过2个), and "已开展" reads wrong for a limit.
ASIDE_WORDS = {
    "binding": {"fail": "未完成", "not_due": "未到期", "pass": "已完成", "missing": "待补充"},
    "strive": {"fail": "尚未达到", "not_due": "未到期", "pass": "已达到", "missing": "待补充"},
    "encouraged": {"fail": "未做到", "not_due": "未做到", "pass": "已做到", "missing": "未填报"},
}
# another place's material, checked as a baseline: whatever its wording, nothing in it is owed
ASIDE_WORDS["reference"] = ASIDE_WORDS["encouraged"]


def _aside(findings: list[dict], category: str) -> list[dict]:
    """力争目标, 鼓励事项 and 上级部门事项: shown for what they are, never as the county's gaps."""
    order = {"fail": 0, "not_due": 1, "missing": 2, "waived": 3, "pass": 4}
    chosen = [f for f in findings if f["category"] == category and f["status"] in order]
    return sorted(chosen, key=lambda f: order[f["status"]])


def view(data: dict[str, Any]) -> dict[str, Any]:
    by_category: dict[str, list[dict]] = {}  # one pass over the findings; each part below reads its own category
    for f in data["findings"]:
        kind = by_category.get(f["category"])
        if kind is None:
            kind = by_category[f["category"]] = []
        kind.append(f)
    findings = by_category.get("binding", [])
    summary = data["summary"]
    applicable = sum(summary[s] for s in ("pass",) + ACTIVE)
    units = _units(findings)
    return {
        **data,
        "status_zh": STATUS_ZH,
        "aside_words": ASIDE_WORDS,
        "category_zh": CATEGORY_ZH,
        "statuses": STATUSES,
        "applicable": applicable,
        "compliance": round(100 * summary["pass"] / applicable) if applicable else None,
        "units": units,
        "unit_anchor": {u["name"]: u["anchor"] for u in units},
        # A department's own list shows all its current gaps up front; its not-yet-due items follow as cards.
        "urgent": (sorted(_urgent(findings, None), key=lambda f: f["lead"] != data["unit_only"])  # 牵头 first, then 配合
                   if data.get("unit_only") else _urgent(findings)),
        "upcoming": [] if data.get("unit_only") else _upcoming(findings),
        "strive": _aside(by_category.get("strive", []), "strive"),
        "encouraged": _aside(by_category.get("encouraged", []), "encouraged"),
        "above": _aside(by_category.get("above", []), "above"),
        "reference": _aside(by_category.get("reference", []), "reference"),
        "sections": _sections(findings, data["packs"]),
        "gap_count": summary["fail"],
        # a lead the text does not name is marked (推定) wherever it is printed, and the mark explained once
        "inferred_note": any(f["lead_inferred"] and f["status"] != "not_applicable" for f in data["findings"]),
        "unit_only": data.get("unit_only"),
        "pack_refs": ", ".join(f"{p['id']}@{p['version']}" for p in data["packs"]),
    }


_ROW_TEXTS = ("status", "requirement", "subject_kind", "subject", "target", "actual", "shortfall", "progress",
              "deadline", "deadline_label", "rectify_by", "lead", "section", "rule")
_CARD_TEXTS = ("quote", "note", "pack", "version")
_WHY_TEXTS = ("label", "subject", "value", "rule")
_WAIVER_TEXTS = ("document", "approver", "start", "expiry", "justification")


def _has_markup_characters(text: str) -> bool:
    return "&" in text or "<" in text or ">" in text or '"' in text or "'" in text


class _Escaper:
    """Values as HTML text, exactly as autoescape prints them (markupsafe), for the one place they are escaped.

    Text without & < > " ' is its own HTML and stays a plain str (escaping it
    again changes nothing); the rest becomes Markup, which is never escaped
    twice. Empty values stay as they are, for the templates' tests.
    """

    def __init__(self) -> None:
        from markupsafe import escape

        self.escape = escape

    def one(self, value: Any) -> Any:
        if not value:
            return value
        text = value if type(value) is str else str(value)
        return self.escape(text) if _has_markup_characters(text) else text

    def fields(self, source: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
        """The named fields of a dict, escaped."""
        return dict(zip(names, self.many([source.get(k) for k in names])))

    def many(self, values: list[Any]) -> list[Any]:
        """Values escaped; one look over them all first, as nearly all are plain text."""
        try:
            if not _has_markup_characters("\0".join([v for v in values if v])):
                return values
        except TypeError:  # something other than text: each value on its own
            pass
        return [self.one(v) for v in values]


def _html_row(f: dict[str, Any], esc: _Escaper) -> dict[str, Any]:
    """What a table row of the HTML report shows of a finding, every text escaped once, here.

    The HTML macros and rows print these with autoescape off (escaping each of a
    few thousand expressions in the template was a third of the report's time).
    Only the fields named here exist: a template reading any other field of a
    finding fails (StrictUndefined) rather than print it unescaped.
    """
    row = esc.fields(f, _ROW_TEXTS)
    row["deadline_source"] = f["deadline_source"]
    row["days"] = f["days"]
    row["lead_inferred"] = f["lead_inferred"]
    row["force"] = f["force"]
    row["category"] = f["category"]
    row["guide"] = esc.many(list(f["guide"])) if f["guide"] else []
    row["missing"] = esc.many(list(f["missing"])) if f["missing"] else []
    return row


def _html_card(row: dict[str, Any], f: dict[str, Any], esc: _Escaper) -> dict[str, Any]:
    """A finding's row pieces and the rest its card shows: co-responsible units, quote, reasoning, waiver, note."""
    card = {**row, **esc.fields(f, _CARD_TEXTS)}
    card["co_responsible"] = esc.many(list(f["co_responsible"])) if f["co_responsible"] else []
    card["why"] = [{**esc.fields(w, _WHY_TEXTS), "derived": w.get("derived"),
                    "basis": [esc.fields(b, ("label", "value")) for b in w.get("basis") or ()]}
                   for w in f["why"] or ()]
    waiver = f.get("waiver")
    card["waiver"] = {**esc.fields(waiver, _WAIVER_TEXTS), "state": waiver.get("state")} if waiver else waiver
    return card


def html_view(v: dict[str, Any]) -> dict[str, Any]:
    """The view with every finding the HTML report shows replaced by its escaped display pieces (each made once)."""
    esc = _Escaper()
    # The deadline and responsibility cells come from their macros, made once for each distinct value
    # (most findings share a few departments and deadlines) rather than once per row printed.
    macros = _env().get_template("_macros.html.j2").module
    rectify_cells: dict[tuple, Any] = {}
    who_cells: dict[tuple, Any] = {}
    rows: dict[int, dict[str, Any]] = {}  # a finding shown in several tables is escaped once

    def row(f: dict, rectify: bool = True, who: bool = True) -> dict[str, Any]:
        p = rows.get(id(f))
        if p is None:
            p = rows[id(f)] = _html_row(f, esc)
        if rectify and "rectify" not in p:
            due = (p["deadline"], p["deadline_source"], p["deadline_label"], p["days"], p["rectify_by"])
            if due not in rectify_cells:
                rectify_cells[due] = macros.rectify(p)
            p["rectify"] = rectify_cells[due]
        if who and "who" not in p:
            unit = (p["lead"], p["lead_inferred"], tuple(p["guide"]))
            if unit not in who_cells:
                who_cells[unit] = macros.who(p)
            p["who"] = who_cells[unit]
        return p

    def table(findings: list[dict], rectify: bool = True, who: bool = True) -> list[dict]:
        return [row(f, rectify, who) for f in findings]

    def cards(findings: list[dict]) -> list[dict]:
        return [_html_card(row(f), f, esc) for f in findings]

    return {**v, "urgent": table(v["urgent"]), "upcoming": table(v["upcoming"]),
            "sections": [{**s, "label_html": esc.one(s["label"]), "pack_html": esc.one(s["pack"])}
                         for s in v["sections"]],
            # the aside tables show no deadline, the missing-facts table neither deadline nor department
            **{k: table(v[k], rectify=False) for k in ("strive", "encouraged", "above", "reference")},
            "units": [{**u, "gaps": cards(u["gaps"]), "waived": cards(u["waived"]), "not_due": cards(u["not_due"]),
                       "co_gaps": table(u["co_gaps"]), "missing": table(u["missing"], rectify=False, who=False)}
                      for u in v["units"]]}


_ENV = None

_DICT_ATTRIBUTES = frozenset(dir(dict))


def _report_environment_class():
    import jinja2

    class ReportEnvironment(jinja2.Environment):
        """Jinja with a fast `f.name` for the plain dicts the reports are made of.

        Jinja tries the attribute first and the item only after an AttributeError;
        a report reads a few thousand dict fields, and raising that many errors was a
        third of its rendering time. A plain dict's only attributes are dict's own, so
        for any other name the item is what Jinja would have found anyway.
        """

        def getattr(self, obj: Any, attribute: str) -> Any:
            if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
                try:
                    return obj[attribute]
                except KeyError:
                    pass
            return super().getattr(obj, attribute)

    return ReportEnvironment


def _env():
    global _ENV
    if _ENV is None:
        import jinja2

        from .libcache import cache_folder

        folder = cache_folder()
        cache = None
        if folder is not None:  # compiled templates, keyed by each template's source: an edit recompiles it
            try:
                (folder / "templates").mkdir(parents=True, exist_ok=True)
                cache = jinja2.FileSystemBytecodeCache(str(folder / "templates"))
            except OSError:
                cache = None
        _ENV = _report_environment_class()(
            loader=jinja2.FileSystemLoader(str(templates_dir())), bytecode_cache=cache,
            autoescape=jinja2.select_autoescape(["html", "html.j2"], default_for_string=False),
            trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined,
            auto_reload=False)  # templates are the installed package's: no stat of each file on every render
        _ENV.filters["css_string"] = css_string
    return _ENV


@functools.lru_cache(maxsize=None)  # a report has a few hundred distinct characters at most
def _css_char(ch: str) -> str:
    if ch.isalnum() or ch in " .-_@·()（）/:、,，" or ord(ch) > 0x2000:
        return ch
    return f"\\{ord(ch):x} "


def css_string(text: str) -> str:
    """A CSS string literal: anything but plain characters is written as a CSS escape."""
    from markupsafe import Markup

    # Safe inside <style>: every character that could end the element or the string is escaped.
    return Markup('"' + "".join(map(_css_char, str(text))) + '"')



def for_unit(data: dict[str, Any], unit: str) -> dict[str, Any]:
    """The run data restricted to one department's binding items it leads or supports (its 整改任务清单)."""
    findings = [f for f in data["findings"]
                if f["category"] == "binding" and (f["lead"] == unit or unit in f["co_responsible"])]
    led = [f for f in findings if f["lead"] == unit]
    return {**data, "findings": findings, "summary": summarise_dicts(led), "unit_only": unit}


def summarise_dicts(findings: list[dict]) -> dict[str, int]:
    return {s: sum(1 for f in findings if f["status"] == s) for s in STATUSES}


def lead_units(data: dict[str, Any]) -> list[str]:
    """Every department that leads or supports an open binding item: each gets a work list."""
    names: set[str] = set()
    for f in data["findings"]:
        if f["category"] == "binding" and f["status"] in ACTIVE:
            names.add(f["lead"])
            if f["status"] == "fail":
                names.update(f["co_responsible"])
    return sorted(names)


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
    from .summary import other_copies

    return _env().get_template("summary.html.j2").render(**summary, status_zh=STATUS_ZH, colour=_rate_colour,
                                                         others=lambda row: other_copies(summary, row))


def render(fmt: str, data: dict[str, Any], compact: bool = False) -> str:
    if fmt == "json":
        return to_json(data, compact)
    template = {"html": "report.html.j2", "md": "report.md.j2", "text": "report.txt.j2"}[fmt]
    return _env().get_template(template).render(**(html_view(view(data)) if fmt == "html" else view(data)))
