"""Synthetic fact sheets for every shipped pack, drawn around the rules' targets.

Values sit just below, on and just above the thresholds the rules use, some
facts are left out, and lists have realistic lengths, so that every status
occurs. Deterministic for a given seed.

    python bench/generate.py OUTDIR -n 300 [--pack ID]... [--seed 1]
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from checker import conditions as cond  # noqa: E402
from checker.library import load_library  # noqa: E402
from checker.vocabulary import COUNTY  # noqa: E402

ABSENT = 0.08  # share of facts a county leaves out


def thresholds(packs) -> dict[str, list]:
    """Every constant each fact is compared with, across the packs' rules."""
    found: dict[str, list] = {}

    def walk(expr):
        if expr is None:
            return
        if isinstance(expr, cond.Test):
            found.setdefault(expr.fact.split(".")[0], []).append(expr.value)
        elif isinstance(expr, cond.Not):
            walk(expr.part)
        else:
            for part in expr.parts:
                walk(part)

    for pack in packs:
        for rule in pack.rules:
            walk(rule.when)
            walk(rule.require)
    return found


def draw(fdef, near: list, rng: random.Random):
    if fdef.type == "boolean":
        return rng.random() < 0.75
    if fdef.type in ("enum",):
        return rng.choice(fdef.values)
    if fdef.type == "set":
        return [v for v in fdef.values if rng.random() < 0.8]
    if fdef.type == "date":
        return dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(1500))
    if fdef.type == "text":
        return rng.choice(["是", "否", "已完成"])
    numbers = [v for v in near if isinstance(v, (int, float)) and not isinstance(v, bool)]
    low, high = fdef.range or (None, None)
    if numbers:
        base = rng.choice(numbers)
        value = base + rng.choice([-2, -1, -0.5, 0, 0, 0.5, 1, 3]) * max(abs(base) * 0.05, 1)
    else:
        value = rng.uniform(low if low is not None else 0, high if high is not None else 100)
    if low is not None:
        value = max(low, value)
    if high is not None:
        value = min(high, value)
    if fdef.type == "integer":
        return int(round(value))
    if fdef.type == "percent":  # with its sign: a bare number up to 1 is refused as ambiguous (50% or 0.5%?)
        return f"{round(value, 2)}%"
    return round(value, 2)


def sheet(index: int, packs, library, near, rng: random.Random) -> dict:
    vocab = library.vocabulary
    names = sorted({f.split(".")[0] for p in packs for r in p.rules for f in r.reads})
    facts = [vocab.facts[n] for n in names if n in vocab.facts and vocab.facts[n].submittable]
    jurisdictions = [j for p in packs for j in p.jurisdictions]
    place = jurisdictions[index % len(jurisdictions)] if jurisdictions else None
    county = {"name": place.name if place else f"合成县{index:04d}", "code": (place.code if place and place.code else None),
              "province": "合成省", "city": "合成市", "kind": "县", "report_date": dt.date(2025, 11, 30)}
    if not county["code"]:
        county.pop("code")
    body: dict = {}
    for fdef in facts:
        if fdef.scope == COUNTY and rng.random() > ABSENT:
            value = draw(fdef, near.get(fdef.name, []), rng)
            if fdef.name == "plan_year":
                value = 2025
            body[fdef.name] = value
    for collection in vocab.collections:
        members = [f for f in facts if f.scope == collection]
        if not members:
            continue
        entries = []
        for k in range(rng.choice([1, 2, 2, 3])):
            entry = {"name": f"{vocab.collections[collection].label}{k + 1}"}
            for fdef in members:
                if rng.random() > ABSENT:
                    entry[fdef.name] = draw(fdef, near.get(fdef.name, []), rng)
            entries.append(entry)
        body[collection] = entries
    return {"county": county, "facts": body}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("-n", type=int, default=300)
    parser.add_argument("--pack", action="append", default=[], help="pack id (default: every shipped pack)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    library = load_library()
    packs = [library.resolve(p, None) for p in args.pack] if args.pack else library.latest()
    near = thresholds(packs)
    rng = random.Random(args.seed)
    args.outdir.mkdir(parents=True, exist_ok=True)
    for index in range(args.n):
        data = sheet(index, packs, library, near, rng)
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        (args.outdir / f"county{index:05d}.yaml").write_text(text, encoding="utf-8")
    print(f"wrote {args.n} fact sheets for {', '.join(p.ref for p in packs)} to {args.outdir}")


if __name__ == "__main__":
    main()
