"""Run a command as a fresh process and measure wall time and peak memory of its whole tree."""
from __future__ import annotations

import os
import statistics
import subprocess
import time


def _tree_rss_kb(root: int) -> int:
    """Resident memory of a process and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            ppid, pages = int(fields[1]), int(fields[21])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = pages * os.sysconf("SC_PAGE_SIZE") // 1024
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def _tree_pss_kb(root: int) -> int:
    """Proportional memory of a process and its descendants: a page shared by k processes counts 1/k in each.

    Summed RSS counts every page a forked worker shares with its parent (the loaded library) once per
    process; PSS counts it once in all, which is what the tree takes from the machine."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                children.setdefault(int(handle.read().rsplit(")", 1)[1].split()[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                total += next(int(line.split()[1]) for line in handle if line.startswith("Pss:"))
        except (OSError, StopIteration, ValueError):
            pass
        stack.extend(children.get(pid, []))
    return total


def measure_memory(cmd: list[str], sample: float = 0.05, env: dict | None = None) -> tuple[float, int, int, int]:
    """(wall seconds, peak tree RSS in MB, peak tree PSS in MB, exit status)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    rss = pss = 0
    while proc.poll() is None:
        rss = max(rss, _tree_rss_kb(proc.pid))
        pss = max(pss, _tree_pss_kb(proc.pid))
        time.sleep(sample)
    wall = time.perf_counter() - start
    return wall, rss // 1024, pss // 1024, proc.returncode


def measure(cmd: list[str], sample: float = 0.02, env: dict | None = None) -> tuple[float, int, int]:
    """(wall seconds, peak tree RSS in MB, exit status)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss_kb(proc.pid))
        time.sleep(sample)
    wall = time.perf_counter() - start
    return wall, max(peak, 0) // 1024, proc.returncode


def repeat(cmd: list[str], runs: int, env: dict | None = None) -> dict:
    measure(cmd, env=env)  # warm-up: file cache, .pyc
    walls, peaks, codes = [], [], set()
    for _ in range(runs):
        wall, peak, code = measure(cmd, env=env)
        walls.append(wall)
        peaks.append(peak)
        codes.add(code)
    return {"median": statistics.median(walls), "min": min(walls), "max": max(walls),
            "peak_mb": max(peaks), "exit": sorted(codes)}
