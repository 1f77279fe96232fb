"""The fact-sheet workbook a county fills in: labelled rows, drop-downs, formats.

A clerk should be able to fill it without reading any documentation: labels
are Chinese and locked, value cells are unlocked and validated, percent and
date cells are formatted as such, and each row says the clause it serves.
The layout is `workbook_layout`'s, so `workbook` reads back what is written here.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from . import workbook_layout as layout
from .rulepack import RulePack
from .vocabulary import COUNTY, FactDef, Vocabulary, _fmt

GREY = Font(color="808080", size=9)
BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
VALUE_FILL = PatternFill("solid", fgColor="FFF2CC")  # where to type: the one colour a clerk needs to learn
WRAP = Alignment(wrap_text=True, vertical="top")
LEFT = Alignment(horizontal="left", vertical="top")  # numbers, dates and text line up under the header
OPEN = Protection(locked=False)
ENTRY_ROWS = 50  # blank, validated rows offered on each collection sheet
YES, NO = "是", "否"
PERCENT_FORMAT = "0.0##%"
DATE_FORMAT = "yyyy-mm-dd"


@dataclass
class WorkbookSpec:
    """What one workbook holds: facts in order, packs, county and (optionally) last year's answers."""

    facts: list[FactDef]
    packs: list[RulePack]
    vocab: Vocabulary
    county: dict[str, Any] = field(default_factory=dict)  # name, code, province, city, kind, report_date, packs
    units: dict[str, str] = field(default_factory=dict)
    roles: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)  # county fact -> typed value
    entries: dict[str, list[tuple[str, dict[str, Any]]]] = field(default_factory=dict)  # collection -> (name, values)
    listed_empty: set[str] = field(default_factory=set)  # collections submitted as "none"
    changes: dict[str, str] = field(default_factory=dict)  # fact -> 新增 / 已不再使用


def write_workbook(spec: WorkbookSpec) -> bytes:
    """The workbook's .xlsx bytes."""
    book = Workbook()
    guide = book.active
    guide.title = layout.GUIDE
    options = book.create_sheet(layout.OPTIONS)
    lists = _Lists(options)
    _guide(guide, spec)
    _county_sheet(book.create_sheet(layout.COUNTY), spec, lists)
    _facts_sheet(book.create_sheet(layout.FACTS), spec, lists)
    # the sheet's own collections first, in its order, so YAML → xlsx → YAML keeps every entry where it was
    order = [*spec.entries, *(n for n in spec.vocab.collections if n not in spec.entries)]
    for name in order:
        coll = spec.vocab.collections[name]
        members = [f for f in spec.facts if f.scope == name]
        if members or spec.entries.get(name) or name in spec.listed_empty:
            _collection_sheet(book.create_sheet(_title(coll.label)), name, members, spec, lists)
    book.move_sheet(options, offset=len(book.sheetnames))
    options.sheet_state = "hidden"
    book.active = 1  # opens on 基本信息, the first sheet to fill
    book.properties.creator = "policycheck"
    out = io.BytesIO()
    book.save(out)
    return _reproducible(out.getvalue())


def _reproducible(data: bytes) -> bytes:
    """The same workbook for the same sheet: no save-time stamps in the document properties or the zip."""
    import re
    import zipfile

    stamp = b"2000-01-01T00:00:00Z"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>" + stamp + rb"\g<2>", body)
            entry = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, body)
    return out.getvalue()


def _title(label: str) -> str:
    """A sheet title Excel accepts: at most 31 characters, none of []:*?/\\."""
    return "".join("_" if c in "[]:*?/\\" else c for c in label)[:31]


class _Lists:
    """Drop-down choices kept on the hidden 选项 sheet: an inline list is limited to 255 characters."""

    def __init__(self, sheet: Any):
        self.sheet, self.columns = sheet, {}

    def formula(self, key: str, values: tuple[str, ...]) -> str:
        if key not in self.columns:
            column = len(self.columns) + 1
            self.columns[key] = column
            self.sheet.cell(1, column, key)
            for row, value in enumerate(values, start=2):
                self.sheet.cell(row, column, value)
        letter = get_column_letter(self.columns[key])
        return f"{layout.OPTIONS}!${letter}$2:${letter}${len(values) + 1}"


def _guide(sheet: Any, spec: WorkbookSpec) -> None:
    packs = "; ".join(f"{p.id}@{p.version} {p.title}" for p in spec.packs) or "(未指定)"
    lines = [
        ("policycheck 事实表 (Excel 版)", BOLD),
        ("用途: 本县(市、区)按下列政策文件填报的事实, 用于自动检查落实情况并生成差距报告。", None),
        (f"依据规则包: {packs}", None),
        ("填写方法:", BOLD),
        ("1. 先在\"基本信息\"表填写县(市、区)名称、行政区划代码和数据截止日期。", None),
        ("2. 在\"事实\"表的黄色\"填写值\"一列逐行填写; 灰色的\"字段名\"一列供程序识别, 请勿修改。", None),
        ("3. 是/否 与可选值请用下拉框选择; 百分比直接输入 65% (或 65); 日期输入 2025-11-30。", None),
        ("4. 可多选的事项 (说明中注明\"可多选\") 请用顿号分隔, 如: 医学检验中心、医学影像中心; 一项也没有时只写\"无\"。", None),
        ("5. 医共体、医院等名单类事实在各自的工作表中填写, 每个一行; 本县一个也没有时, 在名称列只写\"无\"。", None),
        ("6. 不清楚或暂无数据的事项请留空: 留空会列为\"待补充材料\", 不算未达标; 请不要填写\"约\"\"以上\"等字样。", None),
        ("7. 填好后保存为 .xlsx 格式 (不要另存为 .xls 或 .et), 报送本级卫生健康行政部门医共体建设牵头科室。", None),
        ("检查命令: policycheck run 本文件.xlsx", GREY),
    ]
    for row, (text, font) in enumerate(lines, start=1):
        cell = sheet.cell(row, 1, text)
        if font is not None:
            cell.font = font
    sheet.column_dimensions["A"].width = 110
    sheet.protection.sheet = True


def _header(sheet: Any, titles: tuple[str, ...], widths: tuple[int, ...]) -> None:
    for column, (title, width) in enumerate(zip(titles, widths), start=1):
        cell = sheet.cell(1, column, title)
        cell.font, cell.fill = BOLD, HEAD_FILL
        sheet.column_dimensions[get_column_letter(column)].width = width


def _protect(sheet: Any) -> None:
    """Labels locked against a slip of the mouse; resizing and formatting still allowed (no password).
    Printed landscape, one page wide, for the bureau's paper file."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    protection = sheet.protection
    protection.sheet = True
    protection.formatColumns = protection.formatRows = protection.formatCells = False


def _county_sheet(sheet: Any, spec: WorkbookSpec, lists: _Lists) -> None:
    _header(sheet, layout.COUNTY_COLUMNS, (14, 22, 30, 50))
    rows = [(key, label, note) for key, label, note in layout.COUNTY_FIELDS]
    for role in spec.roles:
        rdef = spec.vocab.roles[role]
        rows.append((f"{layout.UNIT_PREFIX}{role}", f"单位名称: {rdef.label}",
                     f"留空则按默认名称 {rdef.default.replace('{county}', '本县')}"))
    for row, (key, label, note) in enumerate(rows, start=2):
        sheet.cell(row, 1, key).font = GREY
        sheet.cell(row, 2, label)
        sheet.cell(row, 4, note).alignment = WRAP
        value = spec.units.get(key[len(layout.UNIT_PREFIX):]) if key.startswith(layout.UNIT_PREFIX) else spec.county.get(key)
        if key == "packs":
            value = "、".join(value or ()) or None
        cell = sheet.cell(row, 3, value)
        cell.protection, cell.fill, cell.alignment = OPEN, VALUE_FILL, LEFT
        if key == "code":
            cell.number_format = "@"  # a code is text: 6 digits, never 3.7E+05
        elif key == "report_date":
            cell.number_format = DATE_FORMAT
            _validate(sheet, cell.coordinate, DataValidation(type="date", operator="greaterThan", formula1="36526",
                                                             error="请填写日期, 如 2025-11-30", showErrorMessage=True))
        elif key == "kind":
            from .facts import KINDS

            _validate(sheet, cell.coordinate, DataValidation(type="list", formula1=lists.formula("kind", KINDS)))
    sheet.freeze_panes = "C2"
    _protect(sheet)


def _clauses(packs: list[RulePack]) -> dict[str, str]:
    """For each fact, the first clause that reads it: section and a short quote."""
    out: dict[str, str] = {}
    for pack in packs:
        for rule in pack.rules:
            quote = rule.quote if len(rule.quote) <= 40 else rule.quote[:40] + "…"
            for fact in rule.reads:
                out.setdefault(fact.split(".")[0], f"{pack.id} {rule.section}: {quote}")
    return out


def _facts_sheet(sheet: Any, spec: WorkbookSpec, lists: _Lists) -> None:
    titles = layout.FACT_COLUMNS + ((layout.CHANGE,) if spec.changes else ())
    _header(sheet, titles, (14, 34, 18, 22, 50, 50, 14))
    clauses = _clauses(spec.packs)
    row = 1
    for fdef in spec.facts:
        if fdef.scope != COUNTY:
            continue
        row += 1
        sheet.cell(row, 1, fdef.name).font = GREY
        sheet.cell(row, 2, fdef.label).alignment = WRAP
        sheet.cell(row, 4, _range(fdef)).alignment = WRAP
        sheet.cell(row, 5, _description(fdef)).alignment = WRAP
        sheet.cell(row, 6, clauses.get(fdef.name, "")).alignment = WRAP
        if fdef.name in spec.changes:
            sheet.cell(row, 7, spec.changes[fdef.name])
        _value_cell(sheet, sheet.cell(row, 3), fdef, spec.values.get(fdef.name), lists)
    sheet.freeze_panes = "C2"
    _protect(sheet)


def _collection_sheet(sheet: Any, name: str, members: list[FactDef], spec: WorkbookSpec, lists: _Lists) -> None:
    titles = (layout.NAME_LABEL,) + tuple(f.label for f in members)
    _header(sheet, titles, (28,) + (18,) * len(members))
    sheet.cell(2, 1, layout.NAME_KEY).font = GREY
    for column, fdef in enumerate(members, start=2):
        sheet.cell(1, column).alignment = WRAP
        sheet.cell(2, column, fdef.name).font = GREY
    entries = spec.entries.get(name, [])
    if name in spec.listed_empty:
        entries = [(layout.NONE_MARK, {})]
    for row in range(3, 3 + max(ENTRY_ROWS, len(entries))):
        entry = entries[row - 3] if row - 3 < len(entries) else (None, {})
        cell = sheet.cell(row, 1, entry[0])
        cell.protection = OPEN
        for column, fdef in enumerate(members, start=2):
            _value_cell(sheet, sheet.cell(row, column), fdef, entry[1].get(fdef.name), lists)
    for column in range(1, len(members) + 2):
        # Rows past the prepared ones stay writable: Excel gives a new cell its column's protection.
        sheet.column_dimensions[get_column_letter(column)].protection = OPEN
    for cell in (*sheet[1], *sheet[2]):
        cell.protection = Protection(locked=True)
    sheet.freeze_panes = "B3"
    _protect(sheet)
    sheet.protection.insertRows = sheet.protection.deleteRows = False  # a county may have more entries


def _range(fdef: FactDef) -> str:
    unit = f"单位: {fdef.unit}" if fdef.unit and fdef.type != "percent" else ""
    if fdef.type == "boolean":
        return "是 / 否"
    if fdef.type == "percent":
        low, high = fdef.range or (0, 100)
        return f"百分比, {_fmt(low if low is not None else 0)}%–{_fmt(high if high is not None else 100)}%"
    return "; ".join(t for t in (unit, fdef.range_text()) if t)


def _description(fdef: FactDef) -> str:
    if fdef.type == "set":
        return f"{fdef.description} (可多选, 用顿号\"、\"分隔)".strip()
    return fdef.description


def _value_cell(sheet: Any, cell: Any, fdef: FactDef, value: Any, lists: _Lists) -> None:
    """Write the value (if any) in the form a clerk would type it, and the validation the fact allows."""
    cell.protection, cell.fill, cell.alignment = OPEN, VALUE_FILL, LEFT
    check: DataValidation | None = None
    if fdef.type == "percent":
        cell.number_format = PERCENT_FORMAT
        if value is not None:
            value = round(value / 100, 10)  # Excel keeps 61.5% as 0.615
        low, high = fdef.range or (None, None)
        check = _between("decimal", low / 100 if low is not None else None, high / 100 if high is not None else None)
    elif fdef.type in ("number", "integer"):
        low, high = fdef.range or (None, None)
        check = _between("whole" if fdef.type == "integer" else "decimal", low, high)
    elif fdef.type == "boolean":
        value = None if value is None else (YES if value else NO)
        check = DataValidation(type="list", formula1=f'"{YES},{NO}"')
    elif fdef.type == "enum":
        check = DataValidation(type="list", formula1=lists.formula(fdef.name, fdef.values))
    elif fdef.type == "set":
        cell.number_format = "@"
        if value is not None:  # none of them is written 无, which reads back as []; an empty cell is "not reported"
            value = "、".join(v for v in fdef.values if v in value) or layout.NONE_MARK
    elif fdef.type == "date":
        cell.number_format = DATE_FORMAT
        check = DataValidation(type="date", operator="greaterThan", formula1="36526")
    else:
        cell.number_format = "@"
    if value is not None:
        cell.value = value
    if check is not None:
        check.showErrorMessage = True
        check.error = f"{fdef.label}: {_range(fdef) or '请按说明填写'}"
        _validate(sheet, cell.coordinate, check)


def _between(kind: str, low: float | None, high: float | None) -> DataValidation | None:
    if low is None and high is None:
        return DataValidation(type=kind, operator="between", formula1="-1000000000", formula2="1000000000")
    if high is None:
        return DataValidation(type=kind, operator="greaterThanOrEqual", formula1=_fmt(low))
    if low is None:
        return DataValidation(type=kind, operator="lessThanOrEqual", formula1=_fmt(high))
    return DataValidation(type=kind, operator="between", formula1=_fmt(low), formula2=_fmt(high))


def _validate(sheet: Any, coordinate: str, check: DataValidation) -> None:
    """One validation object per distinct rule, so the workbook stays small with hundreds of rows."""
    key = (check.type, check.operator, check.formula1, check.formula2, check.error)
    known = sheet.__dict__.setdefault("_checks", {})
    if key not in known:
        known[key] = check
        sheet.add_data_validation(check)
    known[key].add(coordinate)
