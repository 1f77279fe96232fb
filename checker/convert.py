"""A read fact sheet written out again, as YAML or as a workbook.

A sheet is kept in version control as YAML and sent to the county as Excel;
both are written from the validated `FactSheet`, so what comes out is what
policycheck understood, in the form a person would type it.
"""
from __future__ import annotations

from typing import Any

import yaml

from .facts import COUNTY_KEYS, FactSheet
from .library import Library
from .rulepack import RulePack
from .template import facts_read, roles_used
from .vocabulary import COUNTY, FactDef, Vocabulary, _fmt
from .workbook_template import WorkbookSpec


def packs_for_sheet(library: Library, sheet: FactSheet) -> list[RulePack]:
    """The packs that would judge this sheet (by jurisdiction and request), else the latest of each."""
    county = sheet.county
    return library.for_county(county.name, county.code, county.report_date, sheet.requested_packs) or library.latest()


def submitted(sheet: FactSheet, vocab: Vocabulary) -> dict[str, dict[str, Any]]:
    """The values the county wrote: counted and county-block facts are left out, as it never writes them."""
    return {subject: {f: v for f, v in values.items() if f in vocab.facts and vocab.facts[f].submittable}
            for subject, values in sheet.values.items()}


def listed_empty(sheet: FactSheet, vocab: Vocabulary) -> set[str]:
    """Collections written as "none" ([]): their count is 0 rather than missing."""
    return {f.count_of for f in vocab.facts.values()
            if f.count_of and sheet.values.get(COUNTY, {}).get(f.name) == 0}


def _typed_for_yaml(fdef: FactDef, value: Any) -> Any:
    if fdef.type == "percent":
        return f"{_fmt(value)}%"
    if fdef.type == "set":
        return [v for v in fdef.values if v in value]
    return value


def sheet_to_yaml(sheet: FactSheet, vocab: Vocabulary) -> str:
    """The sheet as a YAML fact sheet that reads back to the same facts."""
    county = {key: getattr(sheet.county, key) for key in COUNTY_KEYS}
    out: dict[str, Any] = {"county": {k: v for k, v in county.items() if v not in (None, "")}}
    if sheet.requested_packs:
        out["packs"] = list(sheet.requested_packs)
    if sheet.units:
        out["units"] = dict(sheet.units)
    values = submitted(sheet, vocab)
    facts: dict[str, Any] = {name: _typed_for_yaml(vocab.facts[name], value) for name, value in values[COUNTY].items()}
    empty = listed_empty(sheet, vocab)
    order = list(dict.fromkeys(s.collection for s in sheet.subjects if s.collection))
    for name in [*order, *(n for n in vocab.collections if n not in order)]:  # the sheet's order of lists
        entries = sheet.subjects_of(name)
        if entries:
            facts[name] = [{"name": s.name, **{f: _typed_for_yaml(vocab.facts[f], v) for f, v in values[s.key].items()}}
                           for s in entries]
        elif name in empty:
            facts[name] = []
    out["facts"] = facts
    header = f"# {sheet.county.name} 事实表 (由 policycheck convert 自 {_name(sheet.path)} 生成)\n"
    return header + yaml.dump(out, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120)


class _Dumper(yaml.SafeDumper):
    """Blocks for mappings, one line per list of values (as people write `[甲, 乙]`); entries of a collection in blocks."""

    def represent_list(self, data: list) -> yaml.Node:  # type: ignore[override]
        flow = all(not isinstance(item, dict) for item in data)
        return self.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _Dumper.represent_list)


def _name(path: str) -> str:
    from pathlib import Path

    return Path(path).name


def workbook_spec(packs: list[RulePack], vocab: Vocabulary, county_name: str | None = None, code: str | None = None,
                  previous: FactSheet | None = None, before: list[RulePack] | None = None) -> WorkbookSpec:
    """What to write: the packs' facts, pre-filled from `previous`; with `before` (the packs that judged
    `previous`), facts the current packs added or dropped are marked."""
    facts = facts_read(packs, vocab)
    values = submitted(previous, vocab) if previous is not None else {COUNTY: {}}
    given = {f for subject in values.values() for f in subject}
    current = {f.name for f in facts}
    facts += [d for n, d in vocab.facts.items() if n in given and n not in current]
    spec = WorkbookSpec(facts, packs, vocab, roles=[r for r in vocab.roles if r in roles_used(packs)])
    if county_name:
        spec.county = {"name": county_name, "code": code}
    if previous is not None:
        _prefill(spec, previous, values, vocab)
        if before is not None:
            old = {f.name for f in facts_read(before, vocab)} | given
            spec.changes = {n: "新增" for n in current - old}
            spec.changes.update({n: "现行文件不再使用" for n in given - current})
    return spec


def _prefill(spec: WorkbookSpec, sheet: FactSheet, values: dict[str, dict[str, Any]], vocab: Vocabulary) -> None:
    county = sheet.county
    spec.county = {"name": county.name, "code": county.code, "province": county.province, "city": county.city,
                   "kind": county.kind, "report_date": county.report_date, "packs": list(sheet.requested_packs)}
    spec.units = dict(sheet.units)
    spec.roles += [r for r in sheet.units if r not in spec.roles]
    spec.values = values[COUNTY]
    # in the sheet's own order of lists (its entries' order), so a round trip puts each list back where it was
    order = list(dict.fromkeys(s.collection for s in sheet.subjects if s.collection))
    for name in [*order, *(n for n in vocab.collections if n not in order)]:
        entries = [(s.name, values[s.key]) for s in sheet.subjects_of(name)]
        if entries or name not in order:
            spec.entries[name] = entries
    spec.listed_empty = listed_empty(sheet, vocab)
