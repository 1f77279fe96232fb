"""Cost of one county against the number of entries in its collection: is it linear?

    POLICYCHECK_CACHE=off python bench/entries.py [-n 7] [--sizes 0 1 10 50 100 200]

Each shipped example with a collection is grown to N entries by repeating its
entries under new names (Qingdao Pingdu's consortia; Chuzhou Langya's community
centres), written to a temporary YAML file, and timed in-process (CPU time,
best of n after one warm-up): read (YAML → FactSheet), judge (packs → engine →
findings → run data) and the engine alone (engine.evaluate on the compiled pack).

Printed per phase: cost at each N, the marginal cost per entry between
successive sizes, and the linearity ratio
    (cost(200) - cost(0)) / (200 × m1),   m1 = (cost(10) - cost(0)) / 10,
the cost of 200 entries over 200 times the cost of the first entries
(target ≤ 1: an entry costs no more when there are many; the fixed cost of a
county is taken out). The raw cost(200) / (200 × m1) is printed too.
"""
from __future__ import annotations

import argparse
import copy
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from checker import engine  # noqa: E402
from checker.facts import load_fact_sheet, read_fact_sheet  # noqa: E402
from checker.pipeline import CheckRequest, collector_paused, judge, library_for_raw  # noqa: E402

CASES = [  # (example, collection it grows)
    ("qingdao-pingdu.yaml", "consortia"),
    ("chuzhou-langya.yaml", "community_centres"),
]


def grown(data: dict, collection: str, size: int) -> dict:
    """The sheet with `size` entries: its own entries repeated, each under a new name."""
    out = copy.deepcopy(data)
    seeds = data["facts"][collection]
    entries = []
    for index in range(size):
        entry = copy.deepcopy(seeds[index % len(seeds)])
        entry["name"] = f"{entry['name']}{index + 1:03d}"
        entries.append(entry)
    if size:
        out["facts"][collection] = entries
    else:
        out["facts"].pop(collection)
    return out


def best(fn, repeat: int) -> float:
    """Best CPU time of `fn`, run as check_sheet runs a sheet (Python's cycle collector paused)."""
    with collector_paused():
        fn()  # warm-up: compile the pack, fill caches
    times = []
    for _ in range(repeat):
        with collector_paused():
            start = time.process_time()
            fn()
            times.append(time.process_time() - start)
    return min(times) * 1000


def measure(path: Path, repeat: int) -> dict[str, float]:
    request = CheckRequest()
    read = read_fact_sheet(path)
    library = library_for_raw(request, read[0])
    vocab = library.vocabulary
    sheet = load_fact_sheet(path, vocab, read)
    checked = judge(sheet, library, request)
    compiled = [engine.compiled(p, vocab) for p in checked.evaluation.packs]
    return {
        "read": best(lambda: load_fact_sheet(path, vocab, read_fact_sheet(path)), repeat),
        "judge": best(lambda: judge(sheet, library, request), repeat),
        "engine": best(lambda: [engine.evaluate(c, sheet, vocab) for c in compiled], repeat),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=7, help="timed repeats per point (best is kept)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[0, 1, 10, 50, 100, 200])
    args = parser.parse_args()
    sizes = sorted(set(args.sizes) | {0, 10, 200})
    examples = HERE.parent / "examples"
    with tempfile.TemporaryDirectory() as tmp:
        for example, collection in CASES:
            data = yaml.safe_load((examples / example).read_text(encoding="utf-8"))
            cost: dict[int, dict[str, float]] = {}
            for size in sizes:
                path = Path(tmp) / f"{Path(example).stem}-{size}.yaml"
                path.write_text(yaml.safe_dump(grown(data, collection, size), allow_unicode=True, sort_keys=False),
                                encoding="utf-8")
                cost[size] = measure(path, args.n)
            print(f"\n{example}: {collection} (CPU ms per county, best of {args.n})")
            print(f"{'entries':>8} " + " ".join(f"{k:>9} {'/entry':>7}" for k in ("read", "judge", "engine")))
            previous = None
            for size in sizes:
                cells = []
                for phase in ("read", "judge", "engine"):
                    value = cost[size][phase]
                    slope = (value - cost[previous][phase]) / (size - previous) if previous is not None else float("nan")
                    cells.append(f"{value:9.2f} {slope:7.3f}")
                print(f"{size:>8} " + " ".join(cells))
                previous = size
            print(f"{'ratio':>8} " + " ".join(_ratio(cost, phase) for phase in ("read", "judge", "engine")))
    print("\n/entry: marginal ms per entry since the previous size; ratio: (cost(200) - cost(0)) / (200 × m1), "
          "m1 = (cost(10) - cost(0)) / 10, target ≤ 1; in brackets cost(200) / (200 × m1)")


def _ratio(cost: dict[int, dict[str, float]], phase: str) -> str:
    m1 = (cost[10][phase] - cost[0][phase]) / 10
    if m1 <= 0:
        return f"{'n/a':>17}"
    net = (cost[200][phase] - cost[0][phase]) / (200 * m1)
    raw = cost[200][phase] / (200 * m1)
    return f"{net:7.2f} ({raw:5.2f})".rjust(17)


if __name__ == "__main__":
    main()
