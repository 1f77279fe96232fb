"""One fact sheet, start to finish: read it → choose its packs → evaluate → run data.

`run`, `batch`, `diff --facts`, `test` and `compare` on sheets all go through
`check_sheet`, so a county is judged the same way whichever command asked.
The CLI only parses options and prints; it never picks packs itself.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import gc
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Iterator

from .errors import FactSheetError, NoPackApplies, UsageError, problem
from .evaluate import Evaluation, evaluate
from .facts import FactSheet, load_fact_sheet, read_fact_sheet
from .library import Library, load_library, packs_for_place
from .rulepack import RulePack
from .vocabulary import Vocabulary
from .waivers import Waiver


@dataclass(frozen=True)
class CheckRequest:
    """What the caller asks of one sheet: packs (`id[@version]`), as-of date, extra waivers."""

    specs: tuple[str, ...] = ()
    as_of: dt.date | None = None
    waivers: tuple[Waiver, ...] = ()
    rules_dir: Path | None = None
    rectify_by: dt.date | None = None  # the inspector's rectification deadline for gaps the text gives no date
    allow_draft: bool = False  # may pick an unreleased version when none is named


@dataclass
class Checked:
    """A judged sheet. Its run data (every finding as the reports show it) is built when first asked for:
    a batch that writes no reports never builds it, and an HTML report's holds the reasoning only of
    the findings the page shows."""

    sheet: FactSheet
    evaluation: Evaluation
    vocabulary: Vocabulary
    rectify_by: dt.date | None = None
    _shown: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def data(self) -> dict[str, Any]:
        """The full run data: every finding with its reasoning (JSON, Markdown, text, diff)."""
        return self._run_data(None)

    def data_for(self, fmt: str) -> dict[str, Any]:
        """The run data one report format reads: for HTML, the reasoning only of the findings it shows."""
        from .report import EXPLAINS

        explains = EXPLAINS.get(fmt)
        if explains is None or "data" in self.__dict__:  # the full data, once built, serves every format
            return self.data
        if fmt not in self._shown:
            self._shown[fmt] = self._run_data(explains)
        return self._shown[fmt]

    def _run_data(self, explains: Any) -> dict[str, Any]:
        from .report import run_data

        data = run_data(self.evaluation, self.vocabulary, self.rectify_by, explains)
        drafts = [p.ref for p in self.evaluation.packs if not p.released]
        if drafts:  # an unreleased version judged this county: the report must say so
            data["draft_packs"] = drafts
        return data


def load_for(request: CheckRequest, only: set[str] | None = None) -> Library:
    """The library, limited to the named packs when the request names any."""
    named = {spec.partition("@")[0] for spec in request.specs}
    return load_library(request.rules_dir, only=(named or None) if only is None else only)


def library_for_raw(request: CheckRequest, raw: Any) -> Library:
    """For one county: the named packs, or only those whose jurisdiction may include it
    (judged from the small policy files, so a run parses no pack it will not use)."""
    if request.specs:
        return load_for(request)
    county = raw.get("county") if isinstance(raw, dict) else None
    if not isinstance(county, dict) or not county.get("name"):
        return load_library(request.rules_dir)
    code = str(county["code"]) if county.get("code") is not None else None
    requested = raw.get("packs")
    requested = requested if isinstance(requested, list) else [requested] if requested else []
    extra = {str(p).partition("@")[0] for p in requested}
    place = packs_for_place(request.rules_dir, str(county["name"]), code)
    return load_library(request.rules_dir, only=None if place is None else place | extra)


def as_of_for(sheet: FactSheet, request: CheckRequest) -> dt.date:
    when = request.as_of or sheet.county.report_date
    if when is None and str(sheet.path).lower().endswith(".xlsx"):  # a clerk's workbook has no county: block
        raise UsageError(problem(sheet.path, None,
                                 "no as-of date: the workbook's 基本信息 sheet has no 数据截止日期 and --as-of was not given.",
                                 "缺少评估日期: 工作簿「基本信息」表未填写「数据截止日期」, 也未指定 --as-of。",
                                 fix_en="Fill in 数据截止日期 (e.g. 2025-11-30) on the 基本信息 sheet, or pass --as-of.",
                                 fix_zh="请在「基本信息」表的「数据截止日期」一行填写日期 (如 2025-11-30), 或使用 --as-of。"))
    if when is None:
        raise UsageError(problem(sheet.path, None,
                                 "no as-of date: the fact sheet has no county.report_date and --as-of was not given.",
                                 "缺少评估日期: 事实表没有 county.report_date, 也未指定 --as-of。",
                                 fix_en="Add report_date: YYYY-MM-DD under county:, or pass --as-of.",
                                 fix_zh="请在 county: 下填写 report_date, 或使用 --as-of。"))
    return when


def select_packs(library: Library, sheet: FactSheet, request: CheckRequest, when: dt.date) -> list[RulePack]:
    """The named packs (each once), else those of the county's jurisdiction plus those the sheet requests."""
    if request.specs:
        chosen: dict[str, RulePack] = {}
        for spec in request.specs:
            pack = library.resolve(spec, when)
            chosen.setdefault(pack.id, pack)
        return list(chosen.values())
    packs = library.for_county(sheet.county.name, sheet.county.code, when, sheet.requested_packs, sheet.path)
    if not packs:
        raise NoPackApplies(library.no_pack_problem(sheet.county.name, sheet.county.code, sheet.path))
    official = _official_name(sheet, packs, library)
    if official and library.official_name(sheet.county.name) is None:
        # 萊西 or 莱西县 with 370285: the code says which county; every department is named after it (莱西市卫生健康局)
        sheet.county = dataclasses.replace(sheet.county, name=official)
    _county_fields_from_jurisdiction(sheet, [p for p in packs if p.id not in {r.partition("@")[0] for r in sheet.requested_packs}],
                         library)
    return packs


def _county_fields_from_jurisdiction(sheet: FactSheet, packs: list[RulePack], library: Library) -> None:
    """The facts a pack takes from the county block (its district's name) in the text's own spelling.

    The jurisdiction that the sheet's code (else a listed alternative name) designates gives the name the
    text uses; a name the pack still does not recognise is refused, since every rule reading it would
    otherwise silently turn `missing`."""
    vocab = library.vocabulary
    read = {f.partition(".")[0] for p in packs for r in p.rules for f in r.reads}
    for name in sorted(read):
        fdef = vocab.facts.get(name)
        if fdef is None or not fdef.from_county or fdef.type != "enum" or name in sheet.values.get("county", {}):
            continue
        given = getattr(sheet.county, fdef.from_county, "")
        official = _official_name(sheet, packs, library) if fdef.from_county == "name" else None
        value = fdef.option(official) if official else None
        if value is not None:  # 青岛西海岸新区 (or code 370211) is 黄岛区 in the text
            sheet.values.setdefault("county", {})[name] = value
            continue
        if given:
            allowed = "".join(f"「{v}」" for v in fdef.values)
            raise FactSheetError(problem(
                sheet.path, None, f"county.{fdef.from_county}: '{given}' is not recognised for {fdef.label}; "
                f"choices: {allowed}.", f"{fdef.label}: 未识别 '{given}', 可选: {allowed}。",
                fix_en="Write the name as listed (the code matched a county of this pack).",
                fix_zh="请按所列名称填写 county 中的名称 (代码已对应本规则包的区县)。"))


def _official_name(sheet: FactSheet, packs: list[RulePack], library: Library) -> str | None:
    """The text's name for this county: the jurisdiction with its code (a code match wins), else by alias."""
    code = sheet.county.code
    if code:
        for pack in packs:
            for place in pack.jurisdictions:
                if place.code == code:
                    return place.name
    return library.official_name(sheet.county.name)


def judge(sheet: FactSheet, library: Library, request: CheckRequest) -> Checked:
    """Evaluate an already-read sheet with a loaded library."""
    from .releases import verify_released

    when = as_of_for(sheet, request)
    library.allow_draft = request.allow_draft
    packs = select_packs(library, sheet, request, when)
    verify_released(library, packs)
    evaluation = evaluate(sheet, packs, library.vocabulary, when, list(request.waivers))
    return Checked(sheet, evaluation, library.vocabulary, request.rectify_by)


def check_sheet(path: Path, request: CheckRequest, library: Library | None = None) -> Checked:
    """Read the sheet at `path` and judge it; load the library for it unless one is given."""
    with collector_paused():
        read = read_fact_sheet(path)
        library = library or library_for_raw(request, read[0])
        sheet = load_fact_sheet(path, library.vocabulary, read)
        return judge(sheet, library, request)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while one sheet is read and judged.

    A sheet with 200 consortia makes some hundred thousand objects; every third or so collection of
    the oldest generation walked the whole loaded library as well, so an entry cost more the more
    entries the sheet had. What a sheet makes is freed by reference counting; any cycle is collected
    once the collector is back on."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
