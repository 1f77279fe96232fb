"""Which files of a folder a batch judges, what it shows them as, and where each report goes.

A province's folder is whatever the counties sent: sub-folders by city and year,
files unzipped from Windows archives (GBK-encoded names), upper-case
extensions, symlinks. Every entry that looks like a fact sheet is either
judged or listed with the reason it was not; nothing outside the folder is
read, and no two sheets ever share one report.
"""
from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from pathlib import Path

SHEET_SUFFIXES = (".yaml", ".yml", ".xlsx")
SUMMARY_NAMES = ("summary.html", "summary.json", "summary.xlsx")
NAME_MAX = 255  # bytes of one file name on the file systems an office uses (ext4, NTFS, APFS)


@dataclass(frozen=True)
class Sheet:
    """One fact sheet to judge: where it is, how it is shown, where its report goes."""

    path: str  # as the file system names it (may hold surrogate escapes)
    shown: str  # relative to the folder, '/'-separated, always valid Unicode
    report: str = ""  # relative path of its report in the output folder ('/'-separated)


@dataclass(frozen=True)
class Skipped:
    """An entry not judged, and why; `unreadable` ones make the batch exit 2."""

    shown: str
    reason: str
    unreadable: bool


@dataclass
class Discovery:
    sheets: list[Sheet] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def shown_name(name: str) -> str:
    """A file name as a person can read it: GBK bytes (Windows archives) decoded, anything else escaped."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        raw = os.fsencode(name)
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "backslashreplace")


def printable(text: str) -> str:
    """Any text (an error message quoting a path, say) with undecodable bytes escaped, so it can be written as UTF-8."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def is_sheet_name(name: str) -> bool:
    # ~$平度市.xlsx is the lock file Excel keeps beside a workbook it has open, not a sheet
    return name.lower().endswith(SHEET_SUFFIXES) and not name.startswith("~$")


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def discover(folder: Path, exclude: Path | None = None) -> Discovery:
    """Every fact sheet under `folder` (sorted by shown path), and every entry skipped, with its reason."""
    found = Discovery()
    root = os.path.realpath(folder)
    excluded = os.path.realpath(exclude) if exclude is not None else None
    _walk(str(folder), "", root, excluded, found)
    found.sheets.sort(key=lambda s: s.shown)
    found.skipped.sort(key=lambda s: s.shown)
    return found


def _walk(directory: str, shown_dir: str, root: str, excluded: str | None, found: Discovery) -> None:
    try:
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        found.skipped.append(Skipped(shown_dir or ".", f"无法读取该文件夹: {exc.strerror} (cannot read the folder)", True))
        return
    for entry in entries:
        shown = f"{shown_dir}{shown_name(entry.name)}"
        if entry.name.startswith((".", "~$")) or entry.name == "__MACOSX":
            if is_sheet_name(entry.name) or entry.is_dir(follow_symlinks=False):
                found.skipped.append(Skipped(shown, "隐藏或临时文件, 未读取 (hidden or temporary file, not read)", False))
            continue
        if entry.is_symlink():
            _symlink(entry, shown, root, found)
            continue
        if entry.is_dir(follow_symlinks=False):
            if excluded is not None and os.path.realpath(entry.path) == excluded:
                found.skipped.append(Skipped(shown + "/", "这是本次的输出文件夹, 未读取 (the output folder, not read)", False))
                continue
            _walk(entry.path, shown + "/", root, excluded, found)
        elif is_sheet_name(entry.name):
            if excluded is not None and entry.name in SUMMARY_NAMES and os.path.realpath(directory) == excluded:
                found.skipped.append(Skipped(shown, "这是本次输出的汇总文件, 未读取 (this batch's own summary, not read)", False))
            elif entry.is_file(follow_symlinks=False):
                found.sheets.append(Sheet(entry.path, shown))
            else:
                found.skipped.append(Skipped(shown, "不是普通文件, 未读取 (not a regular file)", True))


def _symlink(entry: os.DirEntry, shown: str, root: str, found: Discovery) -> None:
    """A symlink is judged only when it stays inside the folder; folders behind links are never entered
    (a link inside the folder points at something the walk reaches anyway)."""
    try:
        os.stat(entry.path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            reason = "符号链接循环指向自身, 无法读取 (the symlink loops)"
        elif exc.errno == errno.ENOENT:
            reason = "符号链接指向的文件不存在 (dangling symlink)"
        else:
            reason = f"无法读取符号链接: {exc.strerror} (cannot follow the symlink)"
        found.skipped.append(Skipped(shown, reason, is_sheet_name(entry.name) or "." not in entry.name))
        return
    target = os.path.realpath(entry.path)
    if not _inside(target, root):
        found.skipped.append(Skipped(shown, "符号链接指向输入文件夹之外, 未读取 (the symlink leaves the folder; not followed)", False))
    elif os.path.isdir(target):
        found.skipped.append(Skipped(shown, "指向文件夹的符号链接不跟随; 其内容已按原位置读取 "
                                            "(a symlink to a folder inside the folder is not followed; its sheets are read where they are)", False))
    elif is_sheet_name(entry.name) and os.path.isfile(target):
        found.sheets.append(Sheet(entry.path, shown))


def fit_name(name: str, suffix: str, limit: int = NAME_MAX) -> str:
    """`name + suffix`, the name shortened (on a character boundary) so the whole fits in `limit` bytes."""
    room = limit - len(suffix.encode("utf-8"))
    while len(name.encode("utf-8")) > room:
        name = name[:-1]
    return name + suffix


def assign_reports(sheets: list[Sheet], fmt: str) -> list[Sheet]:
    """Give each sheet its own report path: the input's sub-folders mirrored, the sheet's full file
    name kept (`2024/平度市.yaml.html`), so x.yaml and x.yml, or two years' 平度市.yaml, never share one.

    Names are compared without regard to case (the reports are often copied to Windows), and none can
    be a summary file, whose names never end in a sheet's suffix plus the format.
    """
    taken = {n.casefold() for n in SUMMARY_NAMES}
    out = []
    for sheet in sheets:
        parts = sheet.shown.split("/")
        folders = [fit_name(p, "") for p in parts[:-1]]
        if folders and folders[0].casefold() in {n.casefold() for n in SUMMARY_NAMES}:
            folders[0] += "~"  # a sub-folder called summary.html would stand where the summary goes
        base = parts[-1]
        candidate = "/".join(folders + [fit_name(base, f".{fmt}")])
        number = 2
        while candidate.casefold() in taken:
            candidate = "/".join(folders + [fit_name(base, f" ({number}).{fmt}")])
            number += 1
        taken.add(candidate.casefold())
        out.append(Sheet(sheet.path, sheet.shown, candidate))
    return out
