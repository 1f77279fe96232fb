"""Many counties at once: a province (or the country) in one command.

Each worker process loads the library and compiles each pack once, then
evaluates its share of fact sheets; the engine holds the GIL, so processes,
not threads, use the cores. One unreadable fact sheet is listed with its
reason and never stops the batch.
"""
from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from .errors import NoPackApplies, PolicycheckError

_STATE: dict[str, Any] = {}


@dataclass(frozen=True)
class BatchOptions:
    rules_dir: str | None
    packs: tuple[str, ...]
    as_of: dt.date | None
    fmt: str  # html | json | none
    outdir: str


def _init(options: BatchOptions) -> None:
    from .library import load_library

    only = {p.partition("@")[0] for p in options.packs} or None
    _STATE["library"] = load_library(Path(options.rules_dir) if options.rules_dir else None, only=only)
    _STATE["options"] = options


def evaluate_one(path: str) -> dict[str, Any]:
    """Evaluate one fact sheet in a worker; return its summary row (or its error)."""
    from .output import write_atomic
    from .pipeline import CheckRequest, check_sheet
    from .report import render

    library = _STATE["library"]
    options: BatchOptions = _STATE["options"]
    request = CheckRequest(specs=options.packs, as_of=options.as_of)
    try:
        data = check_sheet(Path(path), request, library).data
    except NoPackApplies:
        return {"file": path, "error": "没有适用的规则包 (no pack applies by jurisdiction; use -p)"}
    except PolicycheckError as exc:
        return {"file": path, "error": exc.render()}
    report = None
    if options.fmt != "none":
        report = f"{Path(path).stem}.{options.fmt}"
        try:
            write_atomic(Path(options.outdir) / report, render(options.fmt, data, compact=True), durable=False)
        except PolicycheckError as exc:
            return {"file": path, "error": exc.render()}
    return _row(path, data, report)


def _row(path: str, data: dict[str, Any], report: str | None) -> dict[str, Any]:
    from .report import top_section

    sections: dict[str, list[int]] = {}
    units: Counter = Counter()
    clauses: Counter = Counter()
    for f in data["findings"]:
        key = f"{f['pack']} {top_section(f['section'])}"
        counts = sections.setdefault(key, [0, 0])
        if f["status"] == "pass":
            counts[0] += 1
        elif f["status"] == "fail":
            counts[1] += 1
            units[f["lead"]] += 1
            clauses[(f["pack"], f["rule"], f["section"], f["requirement"])] += 1
    return {"file": path, "county": data["county"], "as_of": data["as_of"], "summary": data["summary"],
            "packs": [f"{p['id']}@{p['version']}" for p in data["packs"]], "sections": sections,
            "units": dict(units), "clauses": [list(k) for k in clauses], "report": report}


def fact_sheets(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml", ".xlsx") and p.is_file()
                  and not p.name.startswith("~$"))  # ~$平度市.xlsx: the lock file of a workbook open in Excel


def run_batch(paths: list[Path], options: BatchOptions, jobs: int) -> Iterator[dict[str, Any]]:
    """Yield one row per fact sheet, in input order."""
    names = [str(p) for p in paths]
    if jobs <= 1 or len(names) < 4:
        _init(options)
        for name in names:
            yield evaluate_one(name)
        return
    context = mp.get_context("fork" if hasattr(os, "fork") else "spawn")
    chunk = max(1, min(32, len(names) // (jobs * 8) or 1))
    with context.Pool(jobs, initializer=_init, initargs=(options,)) as pool:
        yield from pool.imap(evaluate_one, names, chunksize=chunk)


def summarise_batch(rows: list[dict[str, Any]]) -> dict[str, Any]:
    from . import __version__
    from .findings import STATUSES

    good = [r for r in rows if "error" not in r]
    bad = [{"file": r["file"], "error": r["error"]} for r in rows if "error" in r]
    sections = sorted({s for r in good for s in r["sections"]})
    units: Counter = Counter()
    clauses: Counter = Counter()
    totals: Counter = Counter()
    from .suggest import simplify

    for r in good:
        # Packs keep each text's script (Qingdao writes 市衛生健康委); across a
        # province one department is one line.
        units.update({simplify(unit): n for unit, n in r["units"].items()})
        clauses.update(tuple(c) for c in r["clauses"])
        totals.update(r["summary"])
    matrix = []
    for r in good:
        cells = []
        for s in sections:
            passed, failed = r["sections"].get(s, [0, 0])
            judged = passed + failed
            cells.append({"rate": round(100 * passed / judged) if judged else None, "pass": passed, "fail": failed})
        matrix.append({"county": r["county"], "file": Path(r["file"]).name, "report": r["report"],
                       "summary": r["summary"], "cells": cells})
    return {
        "tool_version": __version__,
        "counties": len(good), "unreadable": bad, "sections": sections, "matrix": matrix,
        "totals": {s: totals.get(s, 0) for s in STATUSES},
        "units": [{"unit": u, "gaps": n} for u, n in sorted(units.items(), key=lambda kv: (-kv[1], kv[0]))],
        "clauses": [{"pack": k[0], "rule": k[1], "section": k[2], "requirement": k[3], "counties": n}
                    for k, n in sorted(clauses.items(), key=lambda kv: (-kv[1], kv[0]))[:30]],
    }
