"""The province job on real sheets: `policycheck batch` over copies of every shipped example.

    python bench/realmix.py [--copies 200] [--jobs 2] [--formats none json html] [--only EXAMPLE] [--mix-only]

Each example in examples/ is copied --copies times (packs chosen by jurisdiction,
as a provincial office would run it; the reform-annual example asks for its pack
in the sheet). Prints wall time, counties/s and peak memory of the process tree
for each example alone and for the whole mix, each as a ratio to its target:

    --format html ≥ 200 counties/s, json ≥ 250/s, none ≥ 300/s on 2 cores.

Memory is given twice: summed RSS counts a page a forked worker shares with the
parent once per process; PSS counts it once for the tree. The memory target
(≤ 200 MB at 5,000 sheets) is `--copies 1000 --formats none --mix-only`.

Run it against an installed policycheck (pip install .), on a quiet machine.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from proc import measure_memory  # noqa: E402

TARGETS = {"html": 200, "json": 250, "none": 300}


def copies(folder: Path, examples: list[Path], n: int) -> int:
    folder.mkdir(parents=True)
    for example in examples:
        text = example.read_bytes()
        for i in range(n):
            (folder / f"{example.stem}-{i:04d}.yaml").write_bytes(text)
    return n * len(examples)


def run(exe: str, folder: Path, out: Path, fmt: str, jobs: int, count: int, label: str) -> None:
    cmd = [exe, "batch", str(folder), "-o", str(out), "--format", fmt]
    if jobs:
        cmd += ["-j", str(jobs)]
    wall, peak, pss, code = measure_memory(cmd)
    rate = count / wall
    target = TARGETS[fmt]
    print(f"{label:<18} {fmt:<5} {count:>6} {wall:>8.2f} {rate:>11.0f} {peak:>8} {pss:>7} {target:>7}/s {rate / target:>7.2f}  exit {code}")
    shutil.rmtree(out, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--formats", nargs="+", default=["none", "json", "html"], choices=list(TARGETS))
    parser.add_argument("--only", action="append", default=[], help="example stem(s); default: every example")
    parser.add_argument("--mix-only", action="store_true", help="only the mix of all examples")
    args = parser.parse_args()
    exe = shutil.which("policycheck") or sys.exit("policycheck is not on PATH: pip install . first")
    examples = sorted(p for p in (HERE.parent / "examples").glob("*.yaml") if not args.only or p.stem in args.only)
    work = Path(tempfile.mkdtemp(prefix="pc-realmix-"))
    try:
        print(f"{args.copies} copies of each of {len(examples)} examples; -j {args.jobs}")
        print(f"{'sheets':<18} {'fmt':<5} {'N':>6} {'wall s':>8} {'counties/s':>11} {'RSS MB':>8} {'PSS MB':>7} {'target':>9} {'ratio':>7}")
        for example in [] if args.mix_only else examples:
            count = copies(work / example.stem, [example], args.copies)
            for fmt in args.formats:
                run(exe, work / example.stem, work / f"out-{example.stem}-{fmt}", fmt, args.jobs, count, example.stem)
        if len(examples) > 1:
            count = copies(work / "mix", examples, args.copies)
            for fmt in args.formats:
                run(exe, work / "mix", work / f"out-mix-{fmt}", fmt, args.jobs, count, "mix")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
