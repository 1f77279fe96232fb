"""A fact-sheet workbook (.xlsx) into the data the YAML reader builds.

County bureaus keep their figures in Excel or WPS. The workbook is turned into
the same mappings `yamlsource` produces, with every value located at its cell,
and then validated by `facts.parse_fact_sheet`: one set of rules for what a
value may be, whichever format it came in. Cell semantics are kept: a
percent-formatted 0.2 is 20%, a date cell a date, a formula its cached value.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import workbook_layout as layout
from .errors import FactSheetError, Location, Problem, problem
from .script import to_simplified
from .vocabulary import COUNTY, Vocabulary, _fmt, split_list
from .yamlsource import LineList, LineMap

if TYPE_CHECKING:
    from .facts import FactSheet

SUFFIXES = (".xlsx",)
# Formats a clerk may send instead: refused with what to do, never guessed at.
OTHER_FORMATS = {".xls": ("旧版 Excel (.xls)", "Old Excel (.xls)"), ".et": ("WPS 表格 (.et)", "WPS spreadsheet (.et)"),
                 ".csv": ("CSV", "CSV"), ".ods": ("OpenDocument (.ods)", "OpenDocument (.ods)"),
                 ".xlsm": ("带宏的 Excel (.xlsm)", "Macro-enabled Excel (.xlsm)")}
_HEADER_ROWS = 10  # a title or a note may sit above the header row


@dataclass(frozen=True)
class Cell:
    ref: str  # 事实!C12
    label: str  # the fact's Chinese label as the sheet shows it


class WorkbookData(LineMap):
    """The workbook as YAML-like data; `line` numbers index `cells`."""

    cells: dict[int, Cell]
    problems: list[Problem]


def is_workbook(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


def refuse_other_format(path: Path) -> None:
    """A spreadsheet in a format read here only once saved as .xlsx."""
    kinds = OTHER_FORMATS.get(path.suffix.lower())
    if kinds is None:
        return
    kind, kind_en = kinds
    raise FactSheetError(problem(path, None, f"{kind_en} files are not read; save the file as an Excel workbook (.xlsx).",
                                 f"不能读取{kind}文件, 请在 Excel 或 WPS 中\"另存为\" Excel 工作簿 (.xlsx) 后再提交。",
                                 fix_en="Or start from `policycheck template -o COUNTY.xlsx`.",
                                 fix_zh="也可用 policycheck template -o 县名.xlsx 生成模板填写。"))


def read_workbook(path: Path) -> tuple[WorkbookData, str | None, bytes]:
    """The workbook's data (FactSheetError if it is not a readable .xlsx), no encoding note, and its bytes."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FactSheetError(problem(path, None, f"cannot read the file: {exc.strerror}.", f"无法读取文件: {exc.strerror}。")) from None
    values, formulas = _open(path, raw)
    return _Builder(str(path), values, formulas).build(), None, raw


def _open(path: Path, raw: bytes) -> tuple[Any, Any]:
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            # Excel and WPS write extensions openpyxl does not keep (slicers, extended validation); reading the
            # cells does not need them.
            warnings.simplefilter("ignore")
            values = load_workbook(io.BytesIO(raw), data_only=True)
            formulas = load_workbook(io.BytesIO(raw), data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
        raise FactSheetError(problem(path, None, f"not a readable Excel workbook ({type(exc).__name__}).",
                                     "不是可读取的 Excel 工作簿 (.xlsx), 文件可能已损坏或并非 Excel 格式。",
                                     fix_en="Open it in Excel or WPS and save it again as .xlsx.",
                                     fix_zh="请在 Excel 或 WPS 中打开后重新另存为 .xlsx。")) from None
    return values, formulas


def _linemap(line: int) -> LineMap:
    node = LineMap()
    node.line, node.key_lines, node.key_columns, node.plain = line, {}, {}, {}
    return node


class _Builder:
    def __init__(self, path: str, values: Any, formulas: Any):
        self.path, self.values, self.formulas = path, values, formulas
        self.cells: dict[int, Cell] = {}
        self.problems: list[Problem] = []
        self.merged: dict[str, dict[tuple[int, int], tuple[int, int]]] = {}

    def mark(self, ref: str, label: str = "") -> int:
        line = len(self.cells) + 1
        self.cells[line] = Cell(ref, label)
        return line

    def build(self) -> WorkbookData:
        data = WorkbookData()
        data.line, data.key_lines, data.key_columns, data.plain = self.mark(f"{layout.FACTS}!A1"), {}, {}, {}
        titles = self.values.sheetnames
        if layout.COUNTY in titles:
            self._county(self.values[layout.COUNTY], data)
        facts = _linemap(data.line)
        if layout.FACTS in titles:
            self._facts(self.values[layout.FACTS], facts)
        for title in titles:
            if title not in (layout.GUIDE, layout.COUNTY, layout.FACTS, layout.OPTIONS):
                self._collection(self.values[title], facts)
        data["facts"] = facts
        data.key_lines["facts"] = facts.line
        labels = {cell.ref: cell.label for cell in self.cells.values()}
        data.cells = self.cells
        # A problem found while reading a cell (a formula) learns the row's label once the row is read.
        data.problems = [Problem(Location(p.where.path, cell=p.where.cell, label=p.where.label or labels.get(p.where.cell, "")),
                                 p.en, p.zh, p.fix_en, p.fix_zh) if p.where else p for p in self.problems]
        return data

    # -- cells ---------------------------------------------------------------

    def value(self, sheet: Any, row: int, column: int) -> Any:
        """What the cell means: merged cells read their first cell, text is trimmed, percent and date formats kept."""
        row, column = self._merged_origin(sheet).get((row, column), (row, column))
        cell = sheet.cell(row, column)
        value = cell.value
        source = self.formulas[sheet.title].cell(row, column)
        if source.data_type == "f" and value is None:
            ref = f"{sheet.title}!{cell.coordinate}"
            self.problems.append(Problem(Location(self.path, cell=ref),
                                         "a formula without a computed value (the workbook was never calculated).",
                                         "单元格是公式, 但没有计算结果 (文件未在 Excel/WPS 中打开保存过)。",
                                         "Open the workbook in Excel or WPS, save it, and submit it again; or type the value.",
                                         "请在 Excel 或 WPS 中打开并保存后重新提交, 或直接填写数值。"))
            return None
        if isinstance(value, str):
            value = value.strip()
            return value or None
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, (int, float)) and _scales_by_100(cell.number_format or ""):
            # Excel stores 20% as 0.2; the sheet shows, and the clerk meant, 20%.
            return f"{_fmt(round(value * 100, 6))}%"
        if isinstance(value, (int, float)) and "%" in (cell.number_format or ""):
            # 0.0"%" shows 67.3 as 67.3%, unscaled: the clerk typed, and meant, 67.3%.
            return f"{_fmt(round(value, 6))}%"
        if isinstance(value, float) and value != round(value, 6) and abs(value - round(value, 6)) < 1e-9:
            return round(value, 6)  # =0.7*100 stores 70.00000000000001; the cell shows, and the clerk meant, 70
        if isinstance(value, dt.datetime) and value.time() == dt.time(0):
            return value.date()
        return value

    def _merged_origin(self, sheet: Any) -> dict[tuple[int, int], tuple[int, int]]:
        if sheet.title not in self.merged:
            origin: dict[tuple[int, int], tuple[int, int]] = {}
            for area in sheet.merged_cells.ranges:
                for row in range(area.min_row, area.max_row + 1):
                    for column in range(area.min_col, area.max_col + 1):
                        origin[(row, column)] = (area.min_row, area.min_col)
            self.merged[sheet.title] = origin
        return self.merged[sheet.title]

    def same_merge(self, sheet: Any, row: int, a: int, b: int) -> bool:
        origin = self._merged_origin(sheet)
        return (row, a) in origin and origin.get((row, a)) == origin.get((row, b))

    def ref(self, sheet: Any, row: int, column: int) -> str:
        from openpyxl.utils import get_column_letter

        return f"{sheet.title}!{get_column_letter(column)}{row}"

    def header(self, sheet: Any, wanted: str) -> tuple[int, dict[str, int]] | None:
        """The header row (the first holding `wanted`) and its columns by title."""
        for row in range(1, min(sheet.max_row, _HEADER_ROWS) + 1):
            titles = {}
            for column in range(1, sheet.max_column + 1):
                text = self.value(sheet, row, column)
                if isinstance(text, str) and text not in titles:
                    titles[text] = column
            if wanted in titles:
                return row, titles
        return None

    def missing_header(self, sheet: Any, wanted: str) -> None:
        self.problems.append(Problem(Location(self.path, cell=f"{sheet.title}!A1"),
                                     f"no header row with a '{wanted}' column.", f"找不到含\"{wanted}\"一列的表头行。",
                                     "Keep the header row of the template.", "请保留模板中的表头行。"))

    # -- sheets --------------------------------------------------------------

    def _county(self, sheet: Any, data: WorkbookData) -> None:
        found = self.header(sheet, layout.VALUE)
        if found is None:
            self.missing_header(sheet, layout.VALUE)
            return
        top, titles = found
        key_col, label_col, value_col = titles.get(layout.KEY), titles.get("项目"), titles[layout.VALUE]
        by_label = {label: key for key, label, _ in layout.COUNTY_FIELDS}
        county, units = _linemap(self.mark(self.ref(sheet, top, value_col))), None
        for row in range(top + 1, sheet.max_row + 1):
            label = self.value(sheet, row, label_col) if label_col else None
            key = self.value(sheet, row, key_col) if key_col else None
            key = str(key) if key is not None else by_label.get(str(label) if label is not None else "")
            value = self.value(sheet, row, value_col)
            if key is None and value is None:
                continue
            key = key or str(label)
            line = self.mark(self.ref(sheet, row, value_col), str(label or key))
            if key == "packs":
                if value is not None:
                    data["packs"] = split_list(str(value))
                    data.key_lines["packs"] = line
            elif key.startswith(layout.UNIT_PREFIX):
                if units is None:
                    units = _linemap(line)
                    data["units"], data.key_lines["units"] = units, line
                role = key[len(layout.UNIT_PREFIX):]
                units[role], units.key_lines[role] = value, line
            else:
                if key == "name" and value is not None:
                    county.line = line
                # Names and codes are text even when typed as numbers (370283).
                county[key] = str(value) if isinstance(value, (int, float)) and key != "report_date" else value
                county.key_lines[key] = line
        data["county"], data.key_lines["county"] = county, county.line

    def _facts(self, sheet: Any, facts: LineMap) -> None:
        found = self.header(sheet, layout.VALUE)
        if found is None:
            self.missing_header(sheet, layout.VALUE)
            return
        top, titles = found
        key_col, label_col, value_col = titles.get(layout.KEY), titles.get(layout.LABEL), titles[layout.VALUE]
        for row in range(top + 1, sheet.max_row + 1):
            key = self.value(sheet, row, key_col) if key_col else None
            label = self.value(sheet, row, label_col) if label_col else None
            value = self.value(sheet, row, value_col)
            if key is None and (value is None or (label_col and self.same_merge(sheet, row, label_col, value_col))):
                continue  # a blank row, or a section heading across the row
            name = str(key if key is not None else label)
            self._put(facts, name, value, self.mark(self.ref(sheet, row, value_col), str(label or "")))

    def _put(self, node: LineMap, name: str, value: Any, line: int) -> None:
        if name in node:
            first, again = self.cells[node.key_lines[name]].ref, self.cells[line].ref
            self.problems.append(Problem(Location(self.path, cell=again, label=self.cells[line].label),
                                         f"'{name}' is given twice ({first} and {again}).",
                                         f"'{name}' 填写了两次 ({first} 和 {again})。",
                                         "Keep one of the two rows.", "请只保留其中一行。"))
            return
        node[name], node.key_lines[name] = value, line

    def _collection(self, sheet: Any, facts: LineMap) -> None:
        keys = self.header(sheet, layout.NAME_KEY)
        labels = self.header(sheet, layout.NAME_LABEL)
        if keys is None and labels is None:
            if sheet.max_row > 1 or sheet.cell(1, 1).value is not None:
                # Not a sheet of ours and not empty: say so rather than silently leave its figures out.
                self._put(facts, sheet.title, [], self.mark(f"{sheet.title}!A1", sheet.title))
            return
        top, columns = keys if keys is not None else labels  # type: ignore[misc]
        top = max(top, labels[0] if labels else 0)
        entries = LineList()
        entries.line, entries.item_lines, entries.plain = self.mark(f"{sheet.title}!A1", sheet.title), [], {}
        name_col = columns.get(layout.NAME_KEY) or columns.get(layout.NAME_LABEL)
        label_of = {column: title for title, column in (labels[1] if labels else {}).items()}
        for row in range(top + 1, sheet.max_row + 1):
            cells = {title: self.value(sheet, row, column) for title, column in columns.items()}
            if all(v is None for v in cells.values()):
                continue
            entry = _linemap(self.mark(self.ref(sheet, row, name_col or 1), layout.NAME_LABEL))
            for title, column in columns.items():
                key = layout.NAME_KEY if column == name_col else title
                if cells[title] is not None or key == layout.NAME_KEY:
                    self._put(entry, key, cells[title], self.mark(self.ref(sheet, row, column), label_of.get(column, title)))
            entries.append(entry)
            entries.item_lines.append(entry.line)
        if not entries:
            return  # an unfilled sheet: not submitted (one entry named 无 is read as none, as in YAML: facts.says_none)
        self._put(facts, sheet.title, entries, entries.line)


# -- after reading: labels to names, and problems to cells -----------------------

_FORMAT_TEXT = re.compile(r'"[^"]*"|\\.')


def _scales_by_100(number_format: str) -> bool:
    """A percent format (0.0%), not a number shown with a literal % (0.0"%" or 0.0\\%), which Excel does not scale."""
    return "%" in _FORMAT_TEXT.sub("", number_format)


_PREFIX = re.compile(r"^[a-z][a-z0-9_]* \(.*?\): ")


def resolve_labels(data: WorkbookData, vocab: Vocabulary) -> None:
    """Rows and sheets named by their Chinese label (a workbook typed by hand) take the fact's name."""
    facts = data.get("facts")
    if not isinstance(facts, LineMap):
        return
    county = {to_simplified(d.label): n for n, d in vocab.facts.items() if d.scope == COUNTY}
    county.update({to_simplified(c.label): n for n, c in vocab.collections.items()})
    _rename(facts, county, vocab)
    for name, entries in list(facts.items()):
        if name in vocab.collections and isinstance(entries, LineList):
            pool = {to_simplified(d.label): n for n, d in vocab.facts.items() if d.scope == name}
            for entry in entries:
                _rename(entry, pool, vocab)


def _rename(node: LineMap, pool: dict[str, str], vocab: Vocabulary) -> None:
    for key in list(node):
        if key in vocab.facts or key in vocab.collections or key == layout.NAME_KEY:
            continue
        name = pool.get(to_simplified(str(key)))
        if name is not None and name not in node:
            value, line = node.pop(key), node.key_lines.pop(key)
            node[name], node.key_lines[name] = value, line


def _foreign_sheets(data: WorkbookData, path: str, vocab: Vocabulary) -> None:
    """A sheet the template does not have (notes, a list sheet renamed) is refused as a sheet, by its
    name, with what to do: not as an unknown fact, and never read as nothing."""
    import difflib

    facts = data.get("facts")
    if not isinstance(facts, LineMap):
        return
    lists = {to_simplified(c.label): c.label for c in vocab.collections.values()}
    for key in list(facts):
        if key in vocab.facts or key in vocab.collections:
            continue
        cell = data.cells.get(facts.key_lines.get(key, -1))
        if cell is None or cell.ref != f"{key}!A1":
            continue  # a row of the 事实 sheet: the unknown-fact message, with its own "did you mean"
        facts.pop(key)
        facts.key_lines.pop(key, None)
        close = difflib.get_close_matches(to_simplified(str(key)), list(lists), n=1, cutoff=0.4)
        guess_en = f" Did you mean the list sheet '{lists[close[0]]}'?" if close else ""
        guess_zh = f" 您是否想写名单表「{lists[close[0]]}」?" if close else ""
        data.problems.append(Problem(
            Location(path, cell=cell.ref, label=str(key)),
            f"sheet '{key}' is not a sheet of the template, so what it holds would not be read.{guess_en}",
            f"工作表「{key}」不是模板中的表, 其中内容不会被读取。{guess_zh}",
            f"If it is a list sheet you renamed, give it back its name from the template; if it holds notes, "
            f"put them on the '{layout.GUIDE}' sheet (which is not read) or delete the sheet.",
            f"如是改过名的名单表, 请改回模板中的表名; 如是备注, 请写在「{layout.GUIDE}」表 (该表不读取) 或删除此表。"))


_TWO_LINES = re.compile(r"lines (\d+) and (\d+)|第 (\d+) 行和第 (\d+) 行")


def relocate(prob: Problem, data: WorkbookData) -> Problem:
    """A problem the YAML checks found, moved from its line number to the cell it came from."""
    cell = data.cells.get(prob.where.line) if prob.where and prob.where.line is not None else None
    if cell is None:
        return prob

    def cells(found: re.Match) -> str:
        first, second = (data.cells.get(int(n)) for n in found.groups() if n is not None)
        if first is None or second is None:
            return found.group(0)
        return f"{first.ref} and {second.ref}" if found.group(1) else f"{first.ref} 和 {second.ref}"

    # The label is shown with the cell, so the machine name before it is dropped; line numbers become cells.
    en, zh = (_TWO_LINES.sub(cells, _PREFIX.sub("", text)) for text in (prob.en, prob.zh))
    return Problem(Location(prob.where.path, cell=cell.ref, label=cell.label), en, zh, prob.fix_en, prob.fix_zh)


def parse_workbook(data: WorkbookData, path: str, vocab: Vocabulary, sha256: str) -> "FactSheet":
    """Validate the workbook as a fact sheet; every problem of the workbook at once, each at its cell."""
    from .facts import parse_fact_sheet

    resolve_labels(data, vocab)
    _foreign_sheets(data, path, vocab)
    try:
        sheet = parse_fact_sheet(data, path, vocab, sha256)
    except FactSheetError as exc:
        raise FactSheetError(data.problems + [relocate(p, data) for p in exc.problems]) from None
    if data.problems:
        raise FactSheetError(list(data.problems))
    return sheet
