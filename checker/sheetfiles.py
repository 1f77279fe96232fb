"""Fact sheets moved between formats: `convert`, and `template` as a workbook.

The CLI parses options; what is read and written, and what is refused, is here.
"""
from __future__ import annotations

from pathlib import Path

from .convert import packs_for_sheet, sheet_to_yaml, workbook_spec
from .errors import OutputError, UsageError, problem
from .facts import FactSheet, load_fact_sheet, read_fact_sheet
from .library import Library
from .output import check_target, write_atomic
from .pipeline import CheckRequest, library_for_raw
from .rulepack import RulePack
from .workbook import is_workbook
from .workbook_template import write_workbook

YAML_SUFFIXES = (".yaml", ".yml")


def format_of(path: Path) -> str:
    """`xlsx` or `yaml`, from the file name; anything else is refused."""
    if is_workbook(path):
        return "xlsx"
    if path.suffix.lower() in YAML_SUFFIXES:
        return "yaml"
    raise UsageError(problem(path, None, "the output must be named .xlsx (a workbook) or .yaml (a fact sheet).",
                             "输出文件名应以 .xlsx (Excel 工作簿) 或 .yaml (事实表) 结尾。"))


def refuse_overwrite(target: Path, source: Path | None, force: bool) -> None:
    """Never write over the input; write over another existing file only with --force."""
    check_target(target)
    if source is not None and target.exists() and target.resolve() == source.resolve():
        raise OutputError(problem(target, None, "-o names the input; converting never overwrites it.",
                                  "-o 指向输入文件本身; 转换不会覆盖输入文件。", fix_en="Choose another -o path.",
                                  fix_zh="请换一个 -o 路径。"))
    if target.exists() and not force:
        raise OutputError(problem(target, None, "the file exists; it is not replaced.", "该文件已存在, 不予覆盖。",
                                  fix_en="Choose another -o path, or add --force to replace it.",
                                  fix_zh="请换一个 -o 路径, 或加 --force 确认覆盖。"))


def read_sheet(path: Path, rules_dir: Path | None) -> tuple[FactSheet, Library]:
    """A sheet of either format, validated against the library that would judge it."""
    read = read_fact_sheet(path)
    library = library_for_raw(CheckRequest(rules_dir=rules_dir), read[0])
    return load_fact_sheet(path, library.vocabulary, read), library


def convert(source: Path, target: Path, rules_dir: Path | None, force: bool) -> None:
    """Write the sheet at `source` in the format `target` is named for."""
    fmt = format_of(target)
    refuse_overwrite(target, source, force)
    sheet, library = read_sheet(source, rules_dir)
    if fmt == "yaml":
        write_atomic(target, sheet_to_yaml(sheet, library.vocabulary))
    else:
        spec = workbook_spec(packs_for_sheet(library, sheet), library.vocabulary, previous=sheet)
        write_atomic(target, write_workbook(spec))


def template_workbook(target: Path, library: Library, packs: list[RulePack] | None, county: str | None,
                      previous: Path | None, rules_dir: Path | None) -> None:
    """The workbook template; from `previous`, pre-filled, with added and dropped facts marked.

    Without packs, those in force today for `previous`'s county."""
    last = before = None
    if previous is not None:
        last, _ = read_sheet(previous, rules_dir)
        before = [_version_on(library, p, last) for p in packs_for_sheet(library, last)]
        if packs is None:
            packs = library.for_county(last.county.name, last.county.code, None, last.requested_packs) or library.latest()
    packs = packs if packs is not None else library.latest()
    code = next((j.code for j in library.places() if j.name == county), None) if county else None
    spec = workbook_spec(packs, library.vocabulary, county, code, last, before)
    if last is not None:
        spec.county["report_date"] = None  # this year's date is the clerk's to give
    write_atomic(target, write_workbook(spec))


def _version_on(library: Library, pack: RulePack, sheet: FactSheet) -> RulePack:
    """The version of `pack` that judged last year's sheet (the one in force on its report date)."""
    try:
        return library.resolve(pack.id, sheet.county.report_date)
    except UsageError:
        return pack
