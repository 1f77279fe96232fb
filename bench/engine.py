"""Engine cost: rule compilation per pack, and per-county evaluation through durable_rules
against the deliberately simple evaluator the tests use (tests/oracle.py), in the same run.

    python bench/engine.py [-n 300] [--pack ID]...

Target: engine time per county ≤ 2 ms (median) for the largest shipped pack.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))

import oracle  # noqa: E402
from generate import sheet as make_sheet, thresholds  # noqa: E402

from checker import engine  # noqa: E402
from checker.facts import parse_fact_sheet  # noqa: E402
from checker.library import load_library  # noqa: E402
from checker.yamlsource import load_text  # noqa: E402

AS_OF = dt.date(2025, 11, 30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=300, help="generated counties per pack")
    parser.add_argument("--pack", action="append", default=[])
    args = parser.parse_args()
    import yaml

    library = load_library()
    packs = [library.resolve(p, None) for p in args.pack] if args.pack else library.latest()
    vocab = library.vocabulary
    print(f"{'pack':<28} {'rules':>5} {'compile ms':>10} {'facts/county':>12} {'firings':>8} "
          f"{'engine ms':>10} {'oracle ms':>10} {'ratio':>6} {'target':>7}")
    for pack in packs:
        rng = random.Random(7)
        near = thresholds([pack])
        sheets = []
        for i in range(args.n):
            text = yaml.safe_dump(make_sheet(i, [pack], library, near, rng), allow_unicode=True, sort_keys=False)
            sheets.append(parse_fact_sheet(load_text(text, f"gen{i}"), f"gen{i}", vocab))
        start = time.perf_counter()
        compiled = engine.compiled(pack, vocab)
        compile_ms = (time.perf_counter() - start) * 1000
        engine_ms, oracle_ms, firings, facts = [], [], [], []
        for sheet in sheets:
            facts.append(len(engine.input_facts(compiled, sheet, vocab, "x")))
            t = time.perf_counter()
            outcome = engine.evaluate(compiled, sheet, vocab)
            engine_ms.append((time.perf_counter() - t) * 1000)
            firings.append(outcome.firings)
            t = time.perf_counter()
            oracle.evaluate(pack, sheet, vocab, AS_OF)
            oracle_ms.append((time.perf_counter() - t) * 1000)
        e, o = statistics.median(engine_ms), statistics.median(oracle_ms)
        print(f"{pack.ref:<28} {len(pack.rules):>5} {compile_ms:>10.1f} {statistics.median(facts):>12.0f} "
              f"{statistics.median(firings):>8.0f} {e:>10.2f} {o:>10.2f} {e / o:>6.1f} {'≤2 ms':>7}")
    print("engine ms: durable_rules assert + chaining + session delete per county (median); "
          "oracle ms: plain-Python evaluation of the same rules (median); ratio = engine / oracle")


if __name__ == "__main__":
    main()
