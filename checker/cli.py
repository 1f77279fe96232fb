"""The `policycheck` command. The only place that decides exit statuses.

0: no gap · 1: gaps found · 2: the input or the call is wrong · 3: internal error.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import re
import sys
from pathlib import Path
from typing import Any, Callable

import click

from .script import to_simplified
from . import __version__
from .errors import PolicycheckError, UsageError, problem

EXIT_OK, EXIT_GAPS, EXIT_BAD_INPUT = 0, 1, 2
_EXT = {"html": "html", "json": "json", "md": "md", "text": "txt"}


def _reports_errors(func: Callable) -> Callable:
    """Turn every user-facing error into its message and exit status, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PolicycheckError as exc:
            click.echo(exc.render(), err=True)
            sys.exit(exc.exit_code)

    return wrapper


def _interruptible(func: Callable) -> Callable:
    """Ctrl-C or SIGTERM: one line, exit 130 or 143 (never 1, which means gaps), no traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import signal

        from .interrupt import exit_status, sigterm_as_interrupt

        try:
            with sigterm_as_interrupt():
                return func(*args, **kwargs)
        except KeyboardInterrupt as exc:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not interrupt the exit
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            click.echo(getattr(exc, "note", "") or "已中断, 未写入报告 (interrupted; no report written).", err=True)
            sys.exit(exit_status(exc))

    return wrapper


def _library(rules_dir: str | None, packs: tuple[str, ...] = (), announce: bool = False, collect: list | None = None):
    """Load the library; with pack specs, only those packs (faster, and unaffected by others).

    The rules folder is discovered (--rules, $POLICYCHECK_RULES, a checkout around the
    current directory, else the shipped copy) so an author's edits take effect.
    """
    from .library import load_library

    folder = _rules_folder(rules_dir, announce)
    only = {p.partition("@")[0] for p in packs} or None
    return load_library(folder, only=only, collect=collect)


def _rules_folder(rules_dir: str | None, announce: bool) -> Path:
    """Resolve the rules folder; say on stderr which one, for authors, or when a checkout overrides the shipped packs."""
    from .library import discover_rules_dir, shipped_root

    folder, source = discover_rules_dir(rules_dir)
    differs = folder != (shipped_root() / "rules").resolve()
    if (announce or (source == "checkout" and differs)) and folder not in _ANNOUNCED:
        _ANNOUNCED.add(folder)  # once per command, though lock loads twice
        click.echo(f"使用规则目录 using rules folder: {folder} ({_SOURCE_ZH[source]} {source})", err=True)
    return folder


_ANNOUNCED: set[Path] = set()
_SOURCE_ZH = {"--rules": "命令行指定", "POLICYCHECK_RULES": "环境变量", "checkout": "当前目录所在的检出目录",
              "shipped": "随软件安装的"}


_rules_option = click.option("--rules", "rules_dir", type=click.Path(file_okay=False), default=None,
                             help="Folder of rule packs (policies/ beside it). Default: $POLICYCHECK_RULES, else the checkout "
                                  "holding the current folder (rules/vocabulary + policies/), else the shipped packs. "
                                  "规则目录; 默认依次为环境变量、当前所在检出目录、随软件安装的规则包。")
_pack_option = click.option("-p", "--pack", "packs", multiple=True, metavar="PACK[@VERSION]",
                            help="Rule pack to apply (repeatable). Default: the packs whose jurisdiction includes the county.")

_force_option = click.option("--force", is_flag=True,
                             help="Write over -o even if it is an input or a file this command did not write. "
                                  "即使 -o 是输入文件或不是本命令写出的文件, 也覆盖它。")


def _tolerant_streams() -> None:
    """Never crash on a console that cannot show a character (GBK Windows console, LANG=C): replace it."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):  # a stream that was already written through; keep it
                pass


# Click's own messages about the command line, in Chinese beside the English.
_CLICK_ZH = (
    (re.compile(r"^Missing argument '(.+)'\.$"), "缺少参数 '{0}'。"),
    (re.compile(r"^Missing option '(.+)'\.$"), "缺少选项 '{0}'。"),
    (re.compile(r"^No such option:? '?([^'\s]+?)'?\.?(?:\s+Did you mean (.+)\?)?$"), "没有这个选项: {0}。"),
    (re.compile(r"^No such command '(.+?)'\.(?:\s+Did you mean (.+)\?)?$"), "没有这个命令: '{0}'。"),
    (re.compile(r"^Option '(.+)' requires (?:an argument|\d+ arguments)\.$"), "选项 '{0}' 后面需要一个值。"),
    (re.compile(r"^Got unexpected extra arguments? \((.+)\)$"), "多余的参数: {0}。"),
    (re.compile(r"^Invalid value for (.+?): (.+)$"), "{0} 的取值无效: {1}"),
)
_CLICK_DETAIL_ZH = (
    (re.compile(r"^(.+) is not one of (.+)\.$"), "{0} 不在可选值 {1} 之中。"),
    (re.compile(r"^(?:File|Directory|Path) (.+) does not exist\.$"), "{0} 不存在。"),
    (re.compile(r"^(?:File|Directory|Path) (.+) is a directory\.$"), "{0} 是目录。"),
    (re.compile(r"^(?:File|Directory|Path) (.+) is a file\.$"), "{0} 是文件, 不是目录。"),
    (re.compile(r"^(.+) is not a valid integer(?: range)?\.$"), "{0} 不是整数。"),
)


def _zh_usage(message: str) -> str:
    for pattern, text in _CLICK_ZH:
        found = pattern.match(message.strip())
        if not found:
            continue
        groups = [g or "" for g in found.groups()]
        if pattern.pattern.startswith("^Invalid value"):
            groups[1] = next((t.format(*d.groups()) for d, t in ((rx.match(groups[1]), t) for rx, t in _CLICK_DETAIL_ZH) if d),
                             groups[1])
        out = text.format(*groups)
        if len(groups) > 1 and groups[-1] and "Did you mean" in message:
            out += f" 您是否想写 {groups[-1]}?"
        return out
    return "命令行用法有误。"


_author_pack_option = click.option("-p", "--pack", "packs", multiple=True, metavar="PACK[@VERSION]",
                                  help="Only this pack or version (repeatable). Default: every pack. 只处理此规则包 (可重复); 默认检查全部。")


class _Group(click.Group):
    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_paragraph()
        formatter.write_text("Exit status: 0 no gap, 1 gaps found, 2 bad input or call, 3 internal error.")

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:  # type: ignore[override]
        _tolerant_streams()
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            result = super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as exc:
            _show_usage_error(exc)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"错误: {_zh_usage(exc.format_message())}\nerror: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("已中止 Aborted!", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


def _show_usage_error(exc: click.UsageError) -> None:
    """Click's usage error, with the reason in Chinese as well (exit status 2 as before)."""
    lines = []
    if exc.ctx is not None:
        lines.append(f"用法 {exc.ctx.get_usage()}")
        if exc.ctx.command.get_help_option(exc.ctx) is not None:
            lines.append(f"运行 '{exc.ctx.command_path} {exc.ctx.help_option_names[0]}' 查看帮助 "
                         f"(try '{exc.ctx.command_path} {exc.ctx.help_option_names[0]}' for help).")
        lines.append("")
    message = exc.format_message()
    lines.append(f"错误: {_zh_usage(message)}")
    lines.append(f"error: {message}")
    click.echo("\n".join(lines), err=True)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="policycheck")
def main() -> None:
    """Check a county's fact sheet against the health-policy documents that bind it.

    检查县(市、区)提交的事实表是否符合相关卫生健康政策文件, 生成差距报告。
    """
    _ANNOUNCED.clear()  # say the rules folder once per command


def _parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    from .dates import DateProblem, parse_date

    try:
        return parse_date(value)
    except DateProblem as bad:
        raise UsageError(problem(None, None, f"{option}: {bad.en}.", f"{option}: {bad.zh}。",
                                 fix_en=bad.fix_en, fix_zh=bad.fix_zh)) from None


@main.command()
@click.argument("fact_sheet", type=click.Path(dir_okay=False))
@_pack_option
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Judge deadlines on this date. Default: the fact sheet's report_date.")
@click.option("--format", "fmt", type=click.Choice(["html", "json", "md", "text"]), default="html", show_default=True)
@click.option("-o", "--output", type=click.Path(), default=None,
              help="Where to write the report (a folder with --by-unit). Default: COUNTY-DATE.html for HTML, standard output otherwise.")
@click.option("--by-unit", is_flag=True, help="Also write one work list (整改任务清单) per lead unit; -o is then a folder.")
@click.option("--waivers", "waivers_file", type=click.Path(dir_okay=False), default=None,
              help="YAML file of approved rectification commitments (整改承诺) to apply.")
@click.option("--rectify-by", "rectify_by", metavar="YYYY-MM-DD", default=None,
              help="整改期限 the inspector sets for gaps whose clause gives no date (shown on every such gap).")
@click.option("--allow-draft", is_flag=True,
              help="Use an unreleased (released: false) version in force even when a released one is. 允许使用未发布的草稿版本。")
@_force_option
@_rules_option
@_interruptible
@_reports_errors
def run(fact_sheet: str, packs: tuple[str, ...], as_of: str | None, fmt: str, output: str | None,
        by_unit: bool, waivers_file: str | None, rectify_by: str | None, force: bool, rules_dir: str | None,
        allow_draft: bool = False) -> None:
    """Evaluate FACT_SHEET and write the gap report (exit 1 if there are gaps)."""
    from .output import check_target, guard_target, write_atomic
    from .pipeline import CheckRequest, check_sheet
    from .report import render, safe_name
    from .waivers import load_waivers_file

    inputs = (fact_sheet, waivers_file)

    outdir = None
    if by_unit:
        if not output:
            raise UsageError(problem(None, None, "--by-unit writes several files: give a folder with -o.",
                                     "--by-unit 会生成多个文件, 请用 -o 指定目录。"))
        outdir = Path(output)
        if outdir.exists() and not outdir.is_dir():
            raise UsageError(problem(output, None, "with --by-unit, -o must be a folder.", "使用 --by-unit 时 -o 必须是目录。"))
        outdir.mkdir(parents=True, exist_ok=True)
        target = outdir / f"{Path(fact_sheet).stem}.{_EXT[fmt]}"
    else:
        target = Path(output) if output else None
    if target is not None:
        check_target(target)
        guard_target(target, "run", inputs, force)
    request = CheckRequest(specs=packs, as_of=_parse_date(as_of, "--as-of"),
                           waivers=tuple(load_waivers_file(Path(waivers_file)) if waivers_file else ()),
                           rules_dir=_rules_folder(rules_dir, announce=False), allow_draft=allow_draft,
                           rectify_by=_parse_date(rectify_by, "--rectify-by"))
    data = check_sheet(Path(fact_sheet), request).data_for(fmt)
    for ref in data.get("draft_packs", ()):
        click.echo(f"注意 note: 使用了未发布的草稿版本 {ref} (released: false); 报告不是正式结论。 "
                   f"used the unreleased draft {ref}; the report is not an official finding.", err=True)
    county = safe_name(data["county"]["name"] or "county")
    if target is None and fmt == "html":
        # Named after the county and date, so two counties run in one folder never overwrite each other.
        target = Path(f"{county}-{data['as_of']}.html")
        guard_target(target, "run", inputs, force)
    text = render(fmt, data)
    units = []
    if outdir is not None:
        from .report import for_unit, lead_units

        units = [(unit, outdir / f"{county}-整改任务清单-{safe_name(unit)}.{_EXT[fmt]}") for unit in lead_units(data)]
        for _, path in units:
            guard_target(path, "run", inputs, force)  # all refused before any is written
    if target is None:
        click.echo(text, nl=False)
    else:
        write_atomic(target, text)
    for unit, path in units:
        write_atomic(path, render(fmt, for_unit(data, unit)))
        click.echo(f"  {unit}: {path}", err=True)
    _terminal_summary(data, target)
    sys.exit(EXIT_GAPS if data["summary"]["fail"] else EXIT_OK)


def _terminal_summary(data: dict, target: Path | None) -> None:
    from .findings import STATUS_ZH, STATUSES

    s = data["summary"]
    counts = " · ".join(f"{STATUS_ZH[k]} {s[k]}" for k in STATUSES)
    packs = ", ".join(f"{p['id']}@{p['version']}" for p in data["packs"])
    click.echo(f"{data['county']['name']} ({data['as_of']}; {packs}): {counts}", err=True)
    for p in data["packs"]:
        if p.get("expired"):
            click.echo(f"注意 note: {p['id']}@{p['version']} 有效期至 {p['in_force_to']}, 已到期; 仍按其目标评估 "
                       f"(the document expired on {p['in_force_to']}; its targets are still judged)", err=True)
    for note in data.get("waiver_notes", []):
        click.echo(f"注意 note: {note}", err=True)
    if target is not None:
        click.echo(f"报告已写入 report written to: {target}", err=True)


@main.command()
@_author_pack_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_rules_option
@_reports_errors
def rules(packs: tuple[str, ...], fmt: str, rules_dir: str | None) -> None:
    """List every rule of the packs (default: the latest version of each)."""
    library = _library(rules_dir, packs)
    chosen = [library.resolve(p, None) for p in packs] if packs else library.latest()
    rows = [_rule_row(p, r) for p in chosen for r in p.rules]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        co = "、".join(row["co_responsible"])
        click.echo(f"{row['pack']}@{row['version']} {row['id']:<12} {row['kind']:<6} {row['section']:<10} "
                   f"{row['requirement']} | 目标 {row['target'] or '—'} | 期限 {row['deadline'] or '—'} | "
                   f"牵头 {row['lead'] or '—'}{' | 配合 ' + co if co else ''}")


def _rule_row(pack, rule) -> dict[str, Any]:
    return {
        "pack": pack.id, "version": pack.version, "id": rule.id, "kind": rule.kind, "section": rule.section,
        "quote": rule.quote, "requirement": rule.requirement_zh, "requirement_en": rule.requirement_en,
        "for_each": rule.for_each, "reads": list(rule.reads), "derives": rule.derive,
        "target": rule.target if rule.kind == "check" else None,
        "deadline": str(rule.deadline) if rule.deadline else None,
        "lead": rule.lead or None, "lead_inferred": rule.lead_inferred, "co_responsible": list(rule.co_responsible),
        "note": rule.note or None,
    }


@main.command()
@_rules_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_reports_errors
def packs(rules_dir: str | None, fmt: str) -> None:
    """List the rule packs, their versions and where they apply."""
    library = _library(rules_dir)
    rows = []
    for pack in library.all_packs():
        applies = "、".join(j.name for j in pack.jurisdictions) or "按需指定 (-p)"
        title = pack.policy.title_simplified or to_simplified(pack.policy.title)  # listings read in simplified script
        rows.append({"id": pack.id, "version": pack.version, "title": title, "rules": len(pack.rules),
                     "in_force_from": str(pack.in_force_from or ""), "in_force_to": str(pack.in_force_to or ""),
                     "applies_to": [j.name for j in pack.jurisdictions], "sha256": pack.sha256})
        if fmt == "text":
            click.echo(f"{pack.id}@{pack.version}  {len(pack.rules)} rules  {pack.in_force_from or '…'}–{pack.in_force_to or '…'}  "
                       f"{title}  [{applies}]")
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))


@main.command()
@_author_pack_option
@_rules_option
@_reports_errors
def lint(packs: tuple[str, ...], rules_dir: str | None) -> None:
    """Check rule packs, the vocabulary and the policy texts; list every problem at once; exit 2 on any.

    检查规则包、事实词表和政策原文, 一次列出全部问题; 有任何问题时退出码为 2。
    """
    from .authoring import authoring_problems
    from .lint import lint_library
    from .releases import check_lock, read_lock

    problems: list = []
    library = _library(rules_dir, packs, announce=True, collect=problems)
    for spec in packs:
        library.resolve(spec, None)
    # Unused facts are judged only when every pack loaded: a pack refused whole reads nothing.
    problems += lint_library(library, whole=not packs and not problems)
    locked, _ = read_lock(library)
    errors, warnings = authoring_problems(library, set(locked))
    problems += errors
    if not packs:
        problems += check_lock(library)
    if warnings:
        click.echo(f"以下 {len(warnings)} 条警告出自已发布并锁定的版本, 请在新版本中更正 "
                   f"(the {len(warnings)} warnings below are in released, locked versions: fix them in a new version):", err=True)
    for warning in warnings:
        click.echo(warning.render().replace("error:", "warning:").replace("错误:", "警告:"), err=True)
    if problems:
        raise PolicycheckError(problems)
    count = sum(len(p.rules) for p in library.all_packs())
    click.echo(f"通过 ok: {len(library.all_packs())} 个版本 pack versions, {count} 条规则 rules, "
               f"词表 {len(library.vocabulary.facts)} 个事实 facts in the vocabulary"
               + (f"; {len(warnings)} 条警告 warnings." if warnings else "."))


@main.command()
@_pack_option
@click.option("--county", "county_name", default=None, help="Fill in the county block for this county and pick its packs.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write the template here instead of standard output.")
@click.option("--format", "fmt", type=click.Choice(["yaml", "xlsx"]), default=None,
              help="yaml, or xlsx (an Excel workbook for the county to fill in). Default: from the -o name, else yaml.")
@click.option("--from", "previous", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Pre-fill the workbook from last year's sheet (.yaml or .xlsx), marking facts added or dropped. 用上次的事实表预填。")
@_force_option
@_rules_option
@_reports_errors
def template(packs: tuple[str, ...], county_name: str | None, output: str | None, fmt: str | None, previous: str | None,
             force: bool, rules_dir: str | None) -> None:
    """Print a fact sheet with every fact the packs read, labelled in Chinese (or write an Excel workbook)."""
    from .output import guard_target, write_atomic
    from .template import fact_sheet_template

    fmt = fmt or ("xlsx" if output and Path(output).suffix.lower() == ".xlsx" else "yaml")
    if fmt == "xlsx" or previous:
        _template_workbook(packs, county_name, output, previous, force, rules_dir, fmt)
        return
    if output:
        guard_target(Path(output), "template", (), force)  # never over a sheet being filled in

    library = _library(rules_dir, packs)
    chosen, county_name = _template_packs(library, packs, county_name)
    text = fact_sheet_template(chosen, library.vocabulary, county_name)
    if output:
        write_atomic(Path(output), text)
    else:
        click.echo(text, nl=False)


def _template_packs(library: Any, packs: tuple[str, ...], county_name: str | None) -> tuple[list, str | None]:
    """The packs a template is for (named, else the county's, else the latest of each) and the county's official name."""
    if packs:
        return [library.resolve(p, None) for p in packs], county_name
    if county_name:
        chosen = library.for_county(county_name, None, None)
        if not chosen:
            raise UsageError(library.no_pack_problem(county_name, None))
        return chosen, library.official_name(county_name) or county_name
    return library.latest(), county_name


def _template_workbook(packs: tuple[str, ...], county_name: str | None, output: str | None, previous: str | None,
                       force: bool, rules_dir: str | None, fmt: str) -> None:
    from .sheetfiles import refuse_overwrite, template_workbook

    if fmt != "xlsx" or not output or Path(output).suffix.lower() != ".xlsx":
        raise UsageError(problem(output, None, "a workbook template (--format xlsx or --from) is written to a file "
                                 "named .xlsx: give -o COUNTY.xlsx.",
                                 "Excel 模板 (--format xlsx 或 --from) 须写入 .xlsx 文件, 请用 -o 县名.xlsx 指定。"))
    target = Path(output)
    refuse_overwrite(target, Path(previous) if previous else None, force)
    library = _library(rules_dir, packs)
    chosen: list | None = None
    if packs or county_name or not previous:
        chosen, county_name = _template_packs(library, packs, county_name)
    template_workbook(target, library, chosen, county_name, Path(previous) if previous else None,
                      _rules_folder(rules_dir, announce=False))
    click.echo(f"模板已写入 template written to: {target}", err=True)


@main.command()
@click.argument("fact_sheet", type=click.Path(dir_okay=False, exists=True))
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="The converted sheet: NAME.yaml or NAME.xlsx (the format follows the name).")
@click.option("--force", is_flag=True, help="Replace -o if it exists (the input is never replaced).")
@_rules_option
@_reports_errors
def convert(fact_sheet: str, output: str, force: bool, rules_dir: str | None) -> None:
    """Convert FACT_SHEET between YAML and an Excel workbook (.xlsx). 在 YAML 与 Excel 之间转换事实表。"""
    from .sheetfiles import convert as convert_sheet

    convert_sheet(Path(fact_sheet), Path(output), _rules_folder(rules_dir, announce=False), force)
    click.echo(f"已写入 written: {output}", err=True)


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, exists=True))
@click.option("-o", "--output", "outdir", type=click.Path(file_okay=False), required=True,
              help="Folder for each county's report (mirroring FOLDER's sub-folders) and the summary (created if missing).")
@_pack_option
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Judge deadlines on this date. Default: each sheet's report_date.")
@click.option("--format", "fmt", type=click.Choice(["html", "json", "none"]), default="html", show_default=True,
              help="Format of each county's report (none: only the summary).")
@click.option("-j", "--jobs", type=int, default=0, help="Worker processes. Default: one per core.")
@click.option("--sheet-timeout", "sheet_timeout", type=click.FloatRange(min=0), default=120, show_default=True,
              metavar="SECONDS", help="Stop judging a sheet after this long and list it as not judged (0: no limit). "
                                      "单份事实表的评估时限 (秒), 超时则停止并列为未评估; 0 为不限。")
@_force_option
@_rules_option
@_interruptible
@_reports_errors
def batch(folder: str, outdir: str, packs: tuple[str, ...], as_of: str | None, fmt: str, jobs: int,
          sheet_timeout: float, force: bool, rules_dir: str | None) -> None:
    """Evaluate every fact sheet in FOLDER; write each report and a summary (HTML, JSON, Excel).

    A sheet that cannot be read is listed with its reason and never stops the batch.
    Exit 0 no gaps, 1 gaps, 2 if any sheet could not be read.
    """
    import os
    import shutil
    import tempfile

    from .batch import BatchOptions, place_report, run_batch
    from .batchfiles import assign_reports, discover, printable
    from .output import guard_target, write_atomic
    from .progress import Progress
    from .report import render_summary
    from .summary import summarise, summary_files
    from .summary_xlsx import WorkbookJob

    when = _parse_date(as_of, "--as-of")
    library = _library(rules_dir, packs)  # loaded once: the workers are forked from this process and inherit it
    for spec in packs:
        library.resolve(spec, when)
    out = Path(outdir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(problem(outdir, None, f"cannot create the output folder: {exc.strerror}.",
                                 f"无法创建输出目录: {exc.strerror}。")) from None
    found = discover(Path(folder), exclude=out)
    if not found.sheets and not any(s.unreadable for s in found.skipped):
        raise UsageError(problem(folder, None, "no fact sheets (*.yaml, *.yml, *.xlsx) in this folder.",
                                 "该目录下没有事实表 (*.yaml、*.yml、*.xlsx)。"))
    sheets = assign_reports(found.sheets, fmt)
    files = summary_files(out)
    for target in [*(out / s.report for s in sheets if fmt != "none"), *files.values()]:
        guard_target(target, "batch", (), force)  # all refused before any sheet is judged
    rows: list[dict[str, Any]] = []
    progress = Progress(len(sheets), sys.stderr, sys.stderr.isatty())
    tmpdir = tempfile.mkdtemp(prefix=".policycheck-", dir=out)

    def on_row(row: dict[str, Any]) -> None:
        place_report(row, sheets[row["index"]], out)
        rows.append(row)
        progress.advance()

    try:
        run_batch(sheets, library, BatchOptions(packs, when, fmt, tmpdir, sheet_timeout), jobs or os.cpu_count() or 1, on_row)
    except KeyboardInterrupt as exc:
        progress.close()
        exc.note = (f"已中断: 已评估 {len(rows)}/{len(sheets)} 份事实表, 已写出的报告均完整, 未写汇总 "
                    f"(interrupted: {len(rows)} of {len(sheets)} sheets judged; the reports written are complete; no summary written).")
        raise
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    progress.close()
    rows.sort(key=lambda r: r["index"])
    summary = summarise(rows, found.skipped, library, folder=printable(folder), as_of=when, tool_version=__version__)
    workbook = WorkbookJob(summary)  # built beside the JSON and HTML, on another core
    try:
        # Compact: the indenting encoder is pure Python, and a province's summary lists every county.
        write_atomic(files["json"], json.dumps(summary, ensure_ascii=False, separators=(",", ":")) + "\n")
        html = render_summary(summary)
        write_atomic(files["xlsx"], workbook.result())
    finally:
        workbook.cancel()
    write_atomic(files["html"], html)
    _batch_closing(summary, files["html"])
    counts = summary["counts"]
    if counts["unreadable"] or not counts["judged"]:
        sys.exit(EXIT_BAD_INPUT)
    sys.exit(EXIT_GAPS if counts["with_gaps"] else EXIT_OK)


def _batch_closing(summary: dict[str, Any], html: Path) -> None:
    """The batch's last lines: what became of every sheet, in Chinese with English beside."""
    from .summary import DUPLICATES_SHOWN

    c = summary["counts"]
    for bad in summary["unreadable"]:
        click.echo(f"  无法读取 unreadable: {bad['file']}", err=True)
    for group in summary["duplicates"]:
        # As the summary page does: a county sent 200 times is one line, not 200 names.
        shown = "; ".join(f"{d['file']} ({d['report_date'] or '—'})" for d in group[:DUPLICATES_SHOWN + 1])
        more = (f" … 共 {len(group)} 份, 见汇总 ({len(group)} sheets in all, listed in the summary)"
                if len(group) > DUPLICATES_SHOWN + 1 else "")
        click.echo(f"  重复 duplicate: {shown}{more}", err=True)
    click.echo(f"共 {c['sheets']} 份事实表: 已评估 {c['judged']} (有差距 {c['with_gaps']}), 不适用 {c['not_applicable']}, "
               f"无法读取 {c['unreadable']}, 重复 {c['duplicates']} 组; 汇总: {html} "
               f"({c['sheets']} sheets: {c['judged']} judged, {c['with_gaps']} with gaps, {c['not_applicable']} no pack applies, "
               f"{c['unreadable']} unreadable, {c['duplicates']} duplicate groups)", err=True)
    if c["unreadable"]:
        click.echo(f"错误: {c['unreadable']} 份事实表无法读取, 见汇总的 “无法读取的事实表” "
                   f"(error: {c['unreadable']} sheets could not be read; see the summary).", err=True)
    elif not c["judged"]:
        click.echo("错误: 没有任何事实表被评估 (error: no sheet was judged; name packs with -p).", err=True)


@main.command()
@_rules_option
@_reports_errors
def lock(rules_dir: str | None) -> None:
    """Record the hash of every released pack version not yet in rules/releases.lock.

    把尚未记入 rules/releases.lock 的已发布版本的哈希值记入其中; 已发布的版本此后不得修改。
    """
    from .releases import add_to_lock, check_lock

    from .library import is_installed_copy

    library = _library(rules_dir, announce=True)
    if is_installed_copy(library.rules_dir):
        raise UsageError(problem(library.rules_dir, None,
                                 "refusing to write releases.lock into the installed package: these are the bundled packs, not your checkout.",
                                 "拒绝写入已安装软件包中的 releases.lock: 这是随软件安装的规则包, 不是您的检出目录。",
                                 fix_en="Run lock inside your checkout (the folder holding rules/ and policies/), or pass --rules DIR.",
                                 fix_zh="请在包含 rules/ 和 policies/ 的检出目录中运行 lock, 或用 --rules 指定目录。"))
    added = add_to_lock(library)
    problems = check_lock(_library(rules_dir))
    if problems:
        raise PolicycheckError(problems)
    click.echo("已锁定 locked: " + ", ".join(added) if added
               else "无需锁定 nothing to lock: 已发布的版本都已锁定 every released version is locked.")


@main.command()
@click.argument("old", metavar="PACK@A")
@click.argument("new", metavar="PACK@B")
@click.option("--facts", "facts_path", type=click.Path(dir_okay=False), default=None,
              help="Also show which verdicts of this fact sheet flip between the versions. "
                   "同时列出该事实表在两个版本下结论改变的规则。")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD",
              help="As-of date for --facts (default: its report_date). --facts 的评估日期 (默认: 事实表的 report_date)。")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_rules_option
@_reports_errors
def diff(old: str, new: str, facts_path: str | None, as_of: str | None, fmt: str, rules_dir: str | None) -> None:
    """Rules added, removed and changed between two versions of a pack.

    列出同一规则包两个版本之间新增、删除和改动的规则。
    """
    from .diff import diff_packs, flipped, render_text

    for spec in (old, new):
        if "@" not in spec:
            raise UsageError(problem(None, None, f"'{spec}': name a version, e.g. {spec}@1.0.0.", f"'{spec}': 请写明版本号。"))
    library = _library(rules_dir, (old, new), announce=True)
    a, b = library.resolve(old, None), library.resolve(new, None)
    result = diff_packs(a, b)
    if facts_path:
        from .facts import load_fact_sheet
        from .pipeline import CheckRequest, judge

        sheet = load_fact_sheet(Path(facts_path), library.vocabulary)
        when = _parse_date(as_of, "--as-of")
        result["facts"] = facts_path
        result["flipped"] = flipped(*(judge(sheet, library, CheckRequest(specs=(spec,), as_of=when)).evaluation.findings
                                      for spec in (old, new)))
    click.echo(json.dumps(result, ensure_ascii=False, indent=2) if fmt == "json" else render_text(result), nl=fmt == "json")


@main.command()
@click.argument("previous", type=click.Path(dir_okay=False))
@click.argument("current", type=click.Path(dir_okay=False))
@_pack_option
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html", "md"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write here instead of standard output.")
@click.option("--force", is_flag=True, help="Compare reports of two different counties; write over -o even if it is an input "
              "or a file compare did not write.")
@_rules_option
@_reports_errors
def compare(previous: str, current: str, packs: tuple[str, ...], fmt: str, output: str | None, force: bool,
            rules_dir: str | None) -> None:
    """Compare two runs of a county — JSON reports or fact sheets: gaps closed, opened, moved toward target.

    A fact sheet is judged with the packs named by -p, else with the packs (and versions) of the
    other side when that is a JSON report, else with the packs of its jurisdiction.
    """
    from .compare import compare_runs, different_counties, load_run, render_text
    from .output import guard_target, write_atomic

    if output:
        guard_target(Path(output), "compare", (previous, current), force)
    sides = [Path(previous), Path(current)]
    reports = {p: load_run(p) for p in sides if not _is_fact_sheet(p)}
    if not packs and reports:
        packs = tuple(f"{p['id']}@{p['version']}" for p in next(iter(reports.values())).get("packs") or [])
    runs = [reports.get(p) or _judge_sheet(p, packs, rules_dir) for p in sides]
    result = compare_runs(runs[0], runs[1])
    if not result["same_county"] and not force:
        raise UsageError(different_counties(result, previous, current))
    if fmt == "json":
        text = json.dumps(result, ensure_ascii=False, indent=2) + "\n"
    elif fmt == "text":
        text = render_text(result)
    else:
        from .report import _env

        text = _env().get_template(f"compare.{fmt}.j2").render(**result)
    if output:
        write_atomic(Path(output), text)
    else:
        click.echo(text, nl=False)


def _is_fact_sheet(path: Path) -> bool:
    return path.suffix.lower() in (".yaml", ".yml", ".xlsx")


def _judge_sheet(path: Path, packs: tuple[str, ...], rules_dir: str | None) -> dict[str, Any]:
    from .pipeline import CheckRequest, check_sheet

    return check_sheet(path, CheckRequest(specs=packs, rules_dir=Path(rules_dir) if rules_dir else None)).data


@main.command()
@click.argument("pack_spec", metavar="PACK[@VERSION]")
@click.option("--format", "fmt", type=click.Choice(["text", "html", "json"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write here instead of standard output. 写入此文件, 而不是输出到屏幕。")
@click.option("--strict", is_flag=True, help="Exit 1 when any sentence is not yet considered. 有尚未考虑的句子时退出码为 1。")
@_force_option
@_rules_option
@_reports_errors
def coverage(pack_spec: str, fmt: str, output: str | None, force: bool, rules_dir: str | None, strict: bool = False) -> None:
    """Show the clean text with every sentence marked: encoded, uncheckable, or not yet considered.

    逐句标出原文: 已编码、不可核查、或尚未考虑。--strict: 有尚未考虑的句子时退出码为 1。
    """
    from .coverage import render_text, text_coverage
    from .output import guard_target, write_atomic

    if output:
        guard_target(Path(output), "coverage", (), force)

    library = _library(rules_dir, (pack_spec,), announce=True)
    cov = text_coverage(library.resolve(pack_spec, None))
    if fmt == "json":
        text = json.dumps(cov, ensure_ascii=False, indent=2) + "\n"
    elif fmt == "html":
        from .report import _env

        text = _env().get_template("coverage.html.j2").render(**cov)
    else:
        text = render_text(cov)
    if output:
        write_atomic(Path(output), text)
    else:
        click.echo(text, nl=False)
    if strict and cov["counts"]["open"]:
        click.echo(f"尚未考虑的句子 {cov['counts']['open']} 句 (--strict) "
                   f"{cov['counts']['open']} sentences not yet considered.", err=True)
        sys.exit(EXIT_GAPS)


@main.command("test")
@click.argument("pack_ids", nargs=-1, metavar="[PACK]...")
@_rules_option
@_reports_errors
def test_cases(pack_ids: tuple[str, ...], rules_dir: str | None) -> None:
    """Run the YAML policy test cases next to each pack; print results and the check rules lacking a case.

    运行各规则包旁的 YAML 政策测试用例; 列出缺少 pass、fail 或 missing 用例的检查规则。
    Exit 1 when a case fails or a check rule lacks one of the three. 有用例失败或规则缺少用例时退出码为 1。
    """
    from .cases import run_cases

    library = _library(rules_dir, pack_ids, announce=True)
    results = run_cases(library, {p.partition("@")[0] for p in pack_ids} or None)
    failed = malformed = lacking = 0
    for report in results:
        click.echo(f"== {report.pack_ref}: {report.passed}/{len(report.cases)} 个用例通过 cases pass; "
                   f"有用例的检查规则 check rules driven to 未达标 fail {report.fail_coverage:.0%}, "
                   f"达标 pass {report.pass_coverage:.0%}, 待补充 missing {report.coverage_of('missing'):.0%} "
                   f"(共 {report.check_rules} 条 check rules)")
        for case in report.cases:
            mark = "ok   通过" if case.ok else "FAIL 失败"
            click.echo(f"  {mark} {case.file}:{case.line} {case.name}")
            for message in case.errors:
                click.echo(f"       {message}")
        failed += report.failed
        malformed += sum(1 for case in report.cases if case.malformed)
        lacking += _lacking_cases(report)
    if not results:
        raise UsageError(problem(None, None, "no test cases found (rules/<pack>/tests/*.yaml).",
                                 "未找到测试用例 (rules/<规则包>/tests/*.yaml)。"))
    if malformed:
        click.echo(f"错误: {malformed} 个测试用例的写法有误 (见上), 未能运行。\n"
                   f"error: {malformed} test case(s) are malformed (see above) and could not run.", err=True)
    sys.exit(EXIT_BAD_INPUT if malformed else 1 if failed or lacking else 0)


def _lacking_cases(report) -> int:
    """Print the check rules not driven to each of pass, fail and missing (the docs ask for all three)."""
    lacking = 0
    for rule_id, reached in sorted(report.driven.items()):
        gaps = [s for s in ("pass", "fail", "missing") if s not in reached]
        if gaps:
            lacking += 1
            click.echo(f"  缺少用例 lacks a case: {rule_id} → {', '.join(gaps)}")
    return lacking


if __name__ == "__main__":  # pragma: no cover
    main()
