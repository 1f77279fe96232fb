"""Cold single runs: `policycheck --help` and `policycheck run` of each example as a fresh process.

    python bench/cold.py [-n 7]

Prints median wall time (with min–max) and peak memory per command, against
the targets: run ≤ 0.2 s, --help ≤ 0.25 s (2-core machine).
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from proc import repeat  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CASES = [
    ("chuzhou-2020 (by jurisdiction)", ["examples/chuzhou-langya.yaml"]),
    ("qingdao-2025 (by jurisdiction)", ["examples/qingdao-pingdu.yaml"]),
    ("yunzhou-2023 (by jurisdiction)", ["examples/yunzhou.yaml"]),
    ("reform-annual (-p)", ["examples/reform-county.yaml", "-p", "reform-annual"]),
    ("qingdao-2025 + consortium-experience", ["examples/qingdao-pingdu.yaml", "-p", "qingdao-2025", "-p", "consortium-experience"]),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=7, help="counted runs per command")
    args = parser.parse_args()
    exe = shutil.which("policycheck") or sys.exit("policycheck is not on PATH: pip install . first")
    out = Path(tempfile.mkdtemp()) / "x.html"
    rows = [("policycheck --help", repeat([exe, "--help"], args.n), 0.25)]
    for label, argv in CASES:
        if not (REPO / argv[0]).exists():
            continue
        cmd = [exe, "run", str(REPO / argv[0]), *argv[1:], "-o", str(out)]
        rows.append((f"run {label}", repeat(cmd, args.n), 0.2))
    print(f"cold single runs, {args.n} counted runs each after one warm-up")
    print(f"{'command':<48} {'median s':>9} {'min–max s':>13} {'peak MB':>8} {'target':>7} {'ratio':>6}")
    for label, r, target in rows:
        print(f"{label:<48} {r['median']:>9.3f} {r['min']:>6.3f}–{r['max']:<6.3f} {r['peak_mb']:>8} "
              f"{'≤' + str(target):>7} {r['median'] / target:>6.2f}  exit {r['exit']}")


if __name__ == "__main__":
    main()
