"""The province summary as an Excel workbook (summary.xlsx): what an office forwards.

Two sheets: the matrix (counties × the documents' sections, grouped by city) and
the per-county counts by status. The same summary gives the same bytes: the
workbook's timestamps are fixed (openpyxl stamps the time of saving).
"""
from __future__ import annotations

import io
import multiprocessing as mp
import re
import zipfile
from typing import Any

from .findings import STATUS_ZH, STATUSES

_FIXED = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry
_STAMP = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


class WorkbookJob:
    """summary.xlsx built in a forked process while the parent writes summary.json and summary.html.

    openpyxl's import and writing are the slowest third of a batch's summary; on a machine with a
    second core they cost no wall time this way. Where processes cannot be forked, or the child
    fails, the workbook is built here instead, so the bytes — and any error — are as before.
    """

    def __init__(self, summary: dict[str, Any]):
        self.summary = summary
        self._process: Any = None
        self._receive: Any = None
        if "fork" not in mp.get_all_start_methods():
            return
        context = mp.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(target=_child, args=(summary, send), daemon=True)
        self._process.start()
        send.close()

    def result(self) -> bytes:
        data = None
        if self._process is not None:
            try:
                data = self._receive.recv()
            except EOFError:  # the child died: build the workbook here
                data = None
            self.cancel()
        return data if isinstance(data, bytes) else workbook_bytes(self.summary)

    def cancel(self) -> None:
        """Stop the child (Ctrl-C, or a failed write of the other summary files) and reap it."""
        if self._process is not None:
            if self._process.is_alive():
                self._process.terminate()
            self._process.join()
            self._receive.close()
            self._process = None


def _child(summary: dict[str, Any], send: Any) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C and SIGTERM are the parent's to handle:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # it stops this child
    try:
        data: bytes | None = workbook_bytes(summary)
    except BaseException:  # the parent builds it again and reports the error itself
        data = None
    send.send(data)
    send.close()


def workbook_bytes(summary: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    # Written as a stream: a province's cells go to the file as each row is appended instead of
    # being held as objects until the save (at 5,000 counties that was over 100 MB, the batch's peak).
    # Column widths and frozen panes are written before the first row, so they are set first.
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="F3F4F6")
    city_fill = PatternFill("solid", fgColor="E8EAED")
    wrap = Alignment(wrap_text=True, vertical="top")
    matrix = book.create_sheet("达标率矩阵")
    fixed = ["地市", "县(市、区)", "代码", "报告日期", "未达标", "事实表"]
    width = len(fixed) + len(summary["columns"])
    _lay_out(matrix, [12, 14, 9, 11, 7, 28] + [12] * len(summary["columns"]), "C6")

    def styled(sheet: Any, values: list[Any], **style: Any) -> list[Any]:
        cells = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=value)
            for name, setting in style.items():
                setattr(cell, name, setting)
            cells.append(cell)
        return cells

    as_of = summary["as_of"] or "各事实表的报告日期"
    matrix.append([f"政策落实情况汇总 · 评估日期 {as_of} · policycheck {summary['tool_version']}"])
    matrix.append(["依据文件: " + "; ".join(f"{p['title']} ({p['id']}@{'、'.join(p['versions'])})" for p in summary["packs"])])
    matrix.append([])
    for header in (fixed + [c["pack_title"] for c in summary["columns"]],
                   [""] * len(fixed) + [c["label"] for c in summary["columns"]]):
        matrix.append(styled(matrix, header, font=bold, fill=head_fill, alignment=wrap))
    for group in summary["groups"]:
        city = styled(matrix, [group["city"]] + [None] * (width - 1), fill=city_fill)
        city[0].font = bold
        matrix.append(city)
        for r in group["rows"]:
            rates = [c["rate"] / 100 if c["rate"] is not None else "—" if c["applies"] else "" for c in r["cells"]]
            matrix.append([group["city"], r["name"], r["code"] or "", r["report_date"] or "", r["gaps"], r["file"]]
                          + [styled(matrix, [rate], number_format="0%")[0] if isinstance(rate, float) else rate
                             for rate in rates])

    counts = book.create_sheet("各县计数")
    _lay_out(counts, [12, 14, 9, 11, 11, 28, 26] + [8] * len(STATUSES) + [24], "C2")
    counts.append(styled(counts, ["地市", "县(市、区)", "代码", "报告日期", "评估日期", "事实表", "规则包"]
                         + [STATUS_ZH[s] for s in STATUSES] + ["重复"], font=bold, fill=head_fill))
    for group in summary["groups"]:
        for r in group["rows"]:
            counts.append([group["city"], r["name"], r["code"] or "", r["report_date"] or "", r["as_of"], r["file"],
                           ", ".join(r["packs"])] + [r["summary"][s] for s in STATUSES]
                          + [_duplicates_cell(summary, r)])
    return _fixed_times(_stored(book))


def _lay_out(sheet: Any, widths: list[int], frozen: str) -> None:
    """Column widths and frozen panes: a streamed sheet writes them before its first row."""
    from openpyxl.utils import get_column_letter

    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = frozen


def _duplicates_cell(summary: dict[str, Any], row: dict[str, Any]) -> str:
    """The other sheets of the row's county, at most DUPLICATES_SHOWN of them (a cell holds 32,767 characters)."""
    from .summary import other_copies

    if row["duplicate_group"] is None:
        return ""
    shown, count = other_copies(summary, row)
    names = "; ".join(d["file"] for d in shown)
    return names if count <= len(shown) else f"{names} 等 {count} 份"


def _stored(book: Any) -> bytes:
    """The workbook as Workbook.save writes it, but with its parts stored, not deflated:
    `_fixed_times` deflates every part again anyway, and deflating twice was a quarter of the time."""
    import datetime as dt

    from openpyxl.writer.excel import ExcelWriter

    raw = io.BytesIO()
    book.properties.modified = dt.datetime.now(tz=dt.timezone.utc).replace(tzinfo=None)  # as save() does
    ExcelWriter(book, zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED, allowZip64=True)).save()
    return raw.getvalue()


def _fixed_times(data: bytes) -> bytes:
    """The workbook with every timestamp fixed, so the bytes depend on the content alone."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _STAMP.sub(rb"\g<1>1980-01-01T00:00:00Z\g<2>", content)
            entry = zipfile.ZipInfo(info.filename, _FIXED)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, content)
    return out.getvalue()
