"""Batch throughput: `policycheck batch` over N generated counties, for evaluation only,
JSON output and HTML output; counties per second, peak memory, and how time grows with N.

    python bench/batch.py [--sizes 300 3000] [--pack ID]... [--jobs 2]

Targets (2 cores): JSON ≥ 300 counties/s, HTML ≥ 100 counties/s, peak memory of a
3,000-county batch ≤ 500 MB, time linear in N.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from proc import measure  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 3000])
    parser.add_argument("--pack", action="append", default=[], help="pack ids (default: every shipped pack)")
    parser.add_argument("--jobs", type=int, default=0, help="worker processes (default: one per core)")
    args = parser.parse_args()
    exe = shutil.which("policycheck") or sys.exit("policycheck is not on PATH: pip install . first")
    work = Path(tempfile.mkdtemp(prefix="pc-bench-"))
    packs = args.pack or [p.name for p in sorted((HERE.parent / "rules").iterdir())
                          if p.is_dir() and p.name != "vocabulary" and any(p.glob("*.yaml"))]
    pack_args = [a for p in packs for a in ("-p", p)]
    print(f"packs: {', '.join(packs)}; workers: {args.jobs or 'one per core'}")
    print(f"{'N':>6} {'output':<8} {'wall s':>8} {'counties/s':>11} {'peak MB':>8} {'target':>8}")
    per_size: dict[int, float] = {}
    for n in args.sizes:
        folder = work / f"sheets{n}"
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(folder), "-n", str(n),
                        *[a for p in packs for a in ("--pack", p)]], check=True, stdout=subprocess.DEVNULL)
        for fmt, target in (("none", None), ("json", 300), ("html", 100)):
            out = work / f"out{n}{fmt}"
            cmd = [exe, "batch", str(folder), "-o", str(out), "--format", fmt, *pack_args]
            if args.jobs:
                cmd += ["-j", str(args.jobs)]
            wall, peak, code = measure(cmd, sample=0.05)
            rate = n / wall
            if fmt == "json":
                per_size[n] = wall
            shown = f"≥{target}/s" if target else ""
            print(f"{n:>6} {fmt:<8} {wall:>8.2f} {rate:>11.0f} {peak:>8} {shown:>8}  exit {code}")
            shutil.rmtree(out, ignore_errors=True)
    if len(per_size) >= 2:
        sizes = sorted(per_size)
        a, b = sizes[0], sizes[-1]
        print(f"growth (JSON): {b}/{a} counties = ×{b / a:.1f}, time ×{per_size[b] / per_size[a]:.1f} "
              f"(linear would be ×{b / a:.1f})")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
