"""Many counties at once: a province (or the country) in one command.

The parent loads the library once; worker processes are forked from it and
inherit it (where processes can only be spawned, as on Windows, each worker
receives it pickled), so no worker parses a pack again. The engine holds the GIL, so
processes, not threads, use the cores. Every sheet ends as exactly one row:
judged, no pack applies, or not judged with the reason — a bad sheet, or a
worker that died under it (killed, out of memory, a crash in the engine's C
code) or that took longer than the per-sheet limit (stopped, so one sheet that
never finishes cannot hold up the province), never stops or hangs the batch.

Workers write each report to a temporary folder under short names; the parent
moves it into place, so a report is either complete or absent, and an
interrupted batch leaves no temporary file once the command cleans up.
"""
from __future__ import annotations

import datetime as dt
import gc
import multiprocessing as mp
import os
import queue
import signal
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .batchfiles import Sheet, printable
from .errors import NoPackApplies, PolicycheckError
from .library import Library
from .findings import summarise
from .pipeline import Checked, CheckRequest, check_sheet, collector_paused  # imported before forking: no worker imports them again
from .report import render, top_section

_STATE: dict[str, Any] = {}  # set in the parent before forking; the workers inherit it


@dataclass(frozen=True)
class BatchOptions:
    packs: tuple[str, ...]
    as_of: dt.date | None
    fmt: str  # html | json | none
    tmpdir: str  # where workers write reports before the parent moves them into place
    sheet_timeout: float = 0  # seconds one sheet may take before its worker is stopped; 0: no limit


def _context() -> mp.context.BaseContext:
    return mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")


def _inherited(context: mp.context.BaseContext) -> tuple[dict[str, Any], ...]:
    """What a new worker is given: nothing where it is forked (it inherits `_STATE`); the state
    itself, pickled, where processes are spawned (Windows), so no worker parses a pack there either."""
    if context.get_start_method() == "fork":
        return ()
    return ({k: _STATE[k] for k in ("library", "options", "sheets", "started", "started_at", "worker")},)


def _worker_init(state: dict[str, Any] | None = None) -> None:
    # Ctrl-C reaches every process of the terminal's group; only the parent acts on it,
    # so workers print no traceback. The parent's SIGTERM handler is not theirs either.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if state is not None:
        _STATE.update(state)


def evaluate_one(index: int) -> dict[str, Any]:
    """Judge sheet `index` in a worker; return its row (judged, not applicable or unreadable)."""
    # The time and pid before the flag: the parent reads the flag first and must never see a sheet
    # started at time 0 (it would stop it as long overdue).
    _STATE["started_at"][index] = time.monotonic()  # system-wide clock: the parent compares it with its own
    _STATE["worker"][index] = os.getpid()
    _STATE["started"][index] = 1
    # The collector stays off until the sheet's findings and report are freed (by reference counting):
    # switched on while they were alive, its first pass walked every one of them, most of a millisecond.
    with collector_paused():
        return _judged_row(index)


def _judged_row(index: int) -> dict[str, Any]:
    sheet: Sheet = _STATE["sheets"][index]
    options: BatchOptions = _STATE["options"]
    base = {"index": index, "file": sheet.shown}
    try:
        checked = check_sheet(Path(sheet.path), CheckRequest(specs=options.packs, as_of=options.as_of),
                              _STATE["library"])
    except NoPackApplies as exc:
        return {**base, "status": "not_applicable", "reason": _message(exc, sheet)}
    except PolicycheckError as exc:
        return {**base, "status": "unreadable", "error": _message(exc, sheet)}
    temporary = None
    if options.fmt != "none":  # without a report, the run data is never built
        data = checked.data_for(options.fmt)
        data["input"] = sheet.shown.rsplit("/", 1)[-1]
        temporary = os.path.join(options.tmpdir, f"{index}.{options.fmt}")
        with open(temporary, "wb") as handle:
            handle.write(render(options.fmt, data, compact=True).encode("utf-8"))
    return {**base, **row_of(checked), "status": "judged", "temporary": temporary}


def _message(exc: PolicycheckError, sheet: Sheet) -> str:
    """The error as the summary shows it: the sheet named by its path inside the folder."""
    return printable(exc.render().replace(sheet.path, sheet.shown))


def row_of(checked: Checked) -> dict[str, Any]:
    """What the summary needs of one judged county, counted from its findings."""
    sections: dict[tuple[str, str], list[int]] = {}
    units: Counter = Counter()
    clauses: set[tuple[str, str, str, str]] = set()
    findings = checked.evaluation.findings
    for f in findings:
        if f.category != "binding":
            continue  # 力争, 鼓励 and 上级部门事项 are not the county's 达标率, here as in its report
        counts = sections.setdefault((f.pack, top_section(f.section)), [0, 0])
        if f.status == "pass":
            counts[0] += 1
        elif f.status == "fail":
            counts[1] += 1
            units[f.lead] += 1
            clauses.add((f.pack, f.rule, f.section, f.requirement))
    county = checked.sheet.county
    return {"county": {"name": county.name, "code": county.code, "city": county.city,
                       "report_date": county.report_date.isoformat() if county.report_date else None},
            "as_of": checked.evaluation.as_of.isoformat(), "summary": summarise(findings),
            "packs": [[p.id, p.version] for p in checked.evaluation.packs],
            "sections": [[pack, top, n[0], n[1]] for (pack, top), n in sections.items()],
            "units": dict(units), "clauses": sorted(list(c) for c in clauses)}


def _died(index: int, how: str) -> dict[str, Any]:
    sheet: Sheet = _STATE["sheets"][index]
    return {"index": index, "file": sheet.shown, "status": "unreadable",
            "error": f"{sheet.shown}: 错误: 评估此事实表的工作进程意外终止 ({how}; 可能被终止、内存不足或规则引擎崩溃), 其余事实表照常评估。\n"
                     f"{' ' * len(sheet.shown)}  error: the worker process judging this sheet died ({how}: killed, out of "
                     f"memory or a crash in the rule engine); the other sheets were judged."}


def _timed_out(index: int) -> dict[str, Any]:
    sheet: Sheet = _STATE["sheets"][index]
    limit = _STATE["options"].sheet_timeout
    return {"index": index, "file": sheet.shown, "status": "unreadable",
            "error": f"{sheet.shown}: 错误: 评估此事实表超过 {limit:g} 秒仍未结束, 已停止; 其余事实表照常评估。"
                     f"如此表确需更长时间, 请用 --sheet-timeout 放宽。\n"
                     f"{' ' * len(sheet.shown)}  error: judging this sheet took longer than {limit:g} s and was stopped; "
                     f"the other sheets were judged. If it needs longer, raise --sheet-timeout."}


def run_batch(sheets: list[Sheet], library: Library, options: BatchOptions, jobs: int,
              on_row: Callable[[dict[str, Any]], None]) -> None:
    """Judge every sheet in worker processes, calling `on_row` (in the parent) as each one ends.

    A dead worker breaks the pool: the sheets that had started in it are re-judged one
    at a time in a process of their own (so the one that kills its process is found and
    listed), and those not yet started go to a new pool.
    """
    context = _context()
    _STATE.update(library=library, options=options, sheets=sheets, started=context.RawArray("b", len(sheets)),
                  started_at=context.RawArray("d", len(sheets)), worker=context.RawArray("i", len(sheets)),
                  timed_out=set())
    pending = list(range(len(sheets)))
    if context.get_start_method() == "fork":
        import jinja2  # noqa: F401  (the reports' templates: imported once here, not in every worker)

        # The library is the bulk of every worker's heap and lives as long as the worker: frozen, the
        # workers' collector never walks it (a few ms a sheet) nor copies its pages by touching them.
        gc.freeze()
    try:
        _rounds(context, pending, jobs, on_row)
    finally:
        gc.unfreeze()


def _rounds(context: mp.context.BaseContext, pending: list[int], jobs: int,
            on_row: Callable[[dict[str, Any]], None]) -> None:
    while pending:
        finished = _pool_round(context, pending, jobs, on_row)
        left = [i for i in pending if i not in finished]
        if not left:
            return
        suspects = [i for i in left if _STATE["started"][i]]
        for index in suspects:
            on_row(_timed_out(index) if index in _STATE["timed_out"] else _alone(context, index))
        if not suspects and not finished:  # the pool broke before any sheet started: no worker can run
            for index in left:
                on_row(_died(index, "工作进程无法启动 the worker could not start"))
            return
        pending = [i for i in left if i not in suspects]


def _pool_round(context: mp.context.BaseContext, pending: list[int], jobs: int,
                on_row: Callable[[dict[str, Any]], None]) -> set[int]:
    """One pool over `pending`; the indices that finished (a broken pool leaves the rest)."""
    finished: set[int] = set()
    executor = ProcessPoolExecutor(max_workers=max(1, min(jobs, len(pending))), mp_context=context,
                                   initializer=_worker_init, initargs=_inherited(context))
    try:
        # Each sheet's future reports itself on a queue as it ends: waiting on the set of those still
        # open instead (concurrent.futures.wait) costs the parent a pass over all of them per sheet,
        # quadratic in a province's sheets and a core's share of the time the workers need.
        ended: queue.SimpleQueue = queue.SimpleQueue()
        futures: dict[Any, int] = {}
        for index in pending:
            future = executor.submit(evaluate_one, index)
            futures[future] = index
            future.add_done_callback(ended.put)
        open_ = len(futures)
        limit = _STATE["options"].sheet_timeout
        checked_at = time.monotonic()
        while open_:
            done = []
            try:
                done.append(ended.get(timeout=min(limit, 1.0) if limit else None))
                while True:
                    done.append(ended.get_nowait())
            except queue.Empty:
                pass
            if limit and time.monotonic() - checked_at >= min(limit, 1.0):
                checked_at = time.monotonic()
                _stop_overdue([f for f in futures if futures[f] not in finished and not f.done()], futures, limit)
            open_ -= len(done)
            for future in sorted(done, key=futures.__getitem__):
                try:
                    row = future.result()
                except BrokenProcessPool:
                    continue
                finished.add(futures[future])
                on_row(row)
    except BaseException:  # Ctrl-C, SIGTERM: stop the workers now, do not wait for the queue
        _stop(executor)
        raise
    executor.shutdown(wait=True)
    return finished


def _stop_overdue(waiting: list, futures: dict, limit: float) -> None:
    """Kill the worker of any sheet judged for longer than `limit`; the broken pool's other sheets are re-judged."""
    now = time.monotonic()
    for future in waiting:
        index = futures[future]
        started_at = _STATE["started_at"][index]
        if _STATE["started"][index] and started_at and now - started_at > limit and not future.done() \
                and index not in _STATE["timed_out"]:
            _STATE["timed_out"].add(index)
            try:
                os.kill(_STATE["worker"][index], signal.SIGKILL)
            except ProcessLookupError:
                pass


def _stop(executor: ProcessPoolExecutor) -> None:
    processes = list((getattr(executor, "_processes", None) or {}).values())
    for process in processes:
        if process.is_alive():
            process.terminate()
    executor.shutdown(wait=True, cancel_futures=True)


def _alone(context: mp.context.BaseContext, index: int) -> dict[str, Any]:
    """Judge one sheet in a process of its own; if the process dies, say how."""
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_alone_main, args=(index, send, *_inherited(context)), daemon=True)
    process.start()
    send.close()
    limit = _STATE["options"].sheet_timeout
    try:
        if limit and not receive.poll(limit):  # neither a row nor the end of the pipe in time: stop it
            process.kill()
            process.join()
            return _timed_out(index)
        try:
            row = receive.recv()
        except EOFError:
            row = None
        process.join()
    except BaseException:
        process.terminate()
        process.join()
        raise
    if row is not None:
        return row
    code = process.exitcode or 0
    how = f"信号 {signal.Signals(-code).name} signal" if code < 0 else f"退出码 {code} exit status"
    return _died(index, how)


def _alone_main(index: int, send: Any, state: dict[str, Any] | None = None) -> None:
    _worker_init(state)
    send.send(evaluate_one(index))
    send.close()


def place_report(row: dict[str, Any], sheet: Sheet, outdir: Path) -> None:
    """Move a worker's finished report to the sheet's own path in the output folder."""
    temporary = row.pop("temporary", None)
    if temporary is None:
        row["report"] = None
        return
    target = outdir / sheet.report
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except OSError as exc:
        row.update(status="unreadable", report=None,
                   error=printable(f"{sheet.report}: 错误: 无法写入报告: {exc.strerror}。\n"
                                   f"{' ' * len(sheet.report)}  error: cannot write the report: {exc.strerror}."))
        return
    row["report"] = sheet.report
