"""Where one county's time goes, in-process on one core: read, judge, run data, and each report format.

    python bench/phases.py [-n 40] [--only EXAMPLE]

For each shipped example: the CPU milliseconds (median of n, after warm-up) to
read and check the sheet, to judge it (packs chosen, engine, findings), to build
the full run data that JSON, Markdown and text read, and to render JSON (compact,
as a batch writes it), HTML, Markdown and text. HTML is timed with its own run data
(`html data`: the reasoning of the findings the page shows only), as `run` and
`batch` build it. Then the per-county cost of a batch's HTML path
(read + judge + html data + HTML) and the rate one core would reach at it.
The library is loaded once, as a batch worker has it; nothing is written.
Run it against the checkout (`pip install -e .`), on a quiet machine.
"""
from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from checker.facts import load_fact_sheet, read_fact_sheet  # noqa: E402
from checker.pipeline import CheckRequest, judge, library_for_raw  # noqa: E402
from checker.report import render  # noqa: E402

PHASES = ("read", "judge", "data", "json", "hdata", "html", "md", "text")


def measure(example: Path, n: int) -> dict[str, float]:
    request = CheckRequest(rules_dir=REPO / "rules")
    library = library_for_raw(request, read_fact_sheet(example)[0])
    times: dict[str, list[float]] = {phase: [] for phase in PHASES}
    for round_ in range(n + 3):  # three rounds warm the caches a worker would have warm
        clock = time.process_time
        start = clock()
        sheet = load_fact_sheet(example, library.vocabulary, read_fact_sheet(example))
        read = clock()
        checked = judge(sheet, library, request)
        judged = clock()
        data = checked.data
        built = clock()
        spent = {"read": read - start, "judge": judged - read, "data": built - judged}
        fresh = dataclasses.replace(checked)  # no run data built yet, as in a batch writing HTML
        before = clock()
        html_data = fresh.data_for("html")
        spent["hdata"] = clock() - before
        before = clock()
        render("html", html_data, compact=True)
        spent["html"] = clock() - before
        for fmt in ("json", "md", "text"):
            before = clock()
            render(fmt, data, compact=True)
            spent[fmt] = clock() - before
        if round_ >= 3:
            for phase, seconds in spent.items():
                times[phase].append(seconds * 1000)
    return {phase: statistics.median(values) for phase, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=40)
    parser.add_argument("--only", action="append", default=[], help="example stem(s); default: every YAML example")
    args = parser.parse_args()
    examples = sorted(p for p in (REPO / "examples").glob("*.yaml") if not args.only or p.stem in args.only)
    print(f"CPU ms per county, median of {args.n}; html path = read + judge + hdata (html's run data) + html")
    print(f"{'example':<16}" + "".join(f"{p:>7}" for p in PHASES) + f"{'html path':>11}{'/s on 1 core':>14}")
    for example in examples:
        ms = measure(example, args.n)
        path = ms["read"] + ms["judge"] + ms["hdata"] + ms["html"]
        print(f"{example.stem:<16}" + "".join(f"{ms[p]:>7.1f}" for p in PHASES) + f"{path:>11.1f}{1000 / path:>14.0f}")


if __name__ == "__main__":
    main()
