"""Writing reports: atomically, so a good report is never half-overwritten,
and never over an input or a file the command did not write.
"""
from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Iterable

from .errors import OutputError, problem


# What each command's outputs contain, in every format: an existing file that
# holds none of these was not written by that command and is not replaced
# without --force.
MARKERS = {
    "run": ('<meta name="generator" content="policycheck', '"tool_version"', "出处: policycheck",
            "· 事实表 sha256"),
    "template": ("# policycheck 事实表模板",),
    "compare": ("整改进展对比", '"same_county"', "已整改 closed:"),
    "coverage": ("条文覆盖情况", "[E] encoded (rules)", '"sentences"'),
    "batch": ('<meta name="generator" content="policycheck', '"tool_version"'),
}
# The Excel summary is a zip; its workbook names this sheet.
_BATCH_WORKBOOK_MARK = "达标率矩阵".encode("utf-8")
_PEEK = 64 * 1024 * 1024  # a report is far smaller; a bigger file is not ours


def is_special(path: Path) -> bool:
    """A device, pipe or /dev, /proc path: written in place, never replaced by a regular file."""
    real = os.path.realpath(path)
    if real.startswith(("/dev/", "/proc/")) or str(path).startswith(("/dev/", "/proc/")):
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def guard_target(path: Path, command: str, inputs: Iterable[str | Path | None] = (), force: bool = False) -> None:
    """Refuse, unless --force, to write over an input or over a file this command did not write."""
    if is_special(path) or force:
        return
    for given in inputs:
        if given is not None and _same_file(path, Path(given)):
            raise OutputError(problem(path, None, f"-o names an input of this command ({given}); it would be destroyed.",
                                      f"-o 指向本命令的输入文件 ({given}), 写入会将其覆盖。",
                                      fix_en="Choose another -o path (or add --force to overwrite it anyway).",
                                      fix_zh="请换一个 -o 路径 (确需覆盖请加 --force)。"))
    if path.is_file() and not made_by(path, command):
        raise OutputError(problem(path, None, f"the file exists and is not a previous output of `policycheck {command}`; "
                                  "it is not replaced.", f"该文件已存在, 且不是 policycheck {command} 以前生成的文件, 不予覆盖。",
                                  fix_en="Choose another -o path, or add --force to replace it.",
                                  fix_zh="请换一个 -o 路径, 或加 --force 确认覆盖。"))


def made_by(path: Path, command: str) -> bool:
    """Whether `path` looks like an output of `command` (an unfilled template, for `template`)."""
    if command == "batch" and path.suffix.lower() == ".xlsx":
        return _our_workbook(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(_PEEK + 1)
    except OSError:
        return False
    if len(data) > _PEEK:
        return False
    text = data.decode("utf-8", errors="replace")
    if not text.strip():
        return True  # an empty file holds nothing to lose
    if not any(marker in text for marker in MARKERS[command]):
        return False
    return command != "template" or not _filled(text)


def _our_workbook(path: Path) -> bool:
    """A batch's summary.xlsx: a workbook whose first sheet is the batch's matrix."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as book:
            return _BATCH_WORKBOOK_MARK in book.read("xl/workbook.xml")
    except (OSError, KeyError, zipfile.BadZipFile):
        return path.stat().st_size == 0 if path.exists() else False


def _filled(text: str) -> bool:
    """A template someone has started to fill in: some fact line carries a value."""
    section = ""
    for line in text.splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            section = line.split(":", 1)[0]
            continue
        body = line.split("#", 1)[0].strip()
        if body.startswith("- "):
            body = body[2:]
        key, colon, value = body.partition(":")
        if section == "county" and key.strip() == "name":
            continue  # `template --county` writes the name itself
        if colon and value.strip() not in ("", '""', "''"):
            return True
    return False


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_target(path: Path) -> None:
    """Refuse early (before any work) a path that cannot be written."""
    if is_special(path):
        return
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise OutputError(problem(path, None, "the output path is a directory; give a file name.",
                                  "输出路径是一个目录, 请指定文件名。"))
    if not parent.is_dir():
        raise OutputError(problem(path, None, f"the folder '{parent}' does not exist.", f"目录 '{parent}' 不存在。",
                                  fix_en="Create it first or choose another -o path.", fix_zh="请先创建该目录或更换 -o 路径。"))
    if not os.access(parent, os.W_OK):
        raise OutputError(problem(path, None, f"cannot write into '{parent}' (permission denied).",
                                  f"无权写入目录 '{parent}'。"))


def write_atomic(path: Path, content: str | bytes, durable: bool = True) -> None:
    """Write to a temporary file beside `path`, then rename it into place.

    `durable` also flushes the file to disk before the rename (one county's
    report); a batch of thousands skips that flush — each file is still never
    seen half-written.
    """
    check_target(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    if is_special(path):
        _write_in_place(path, data)
        return
    # A short temporary name: the target's own name may already be as long as a name can be.
    fd, tmp = tempfile.mkstemp(prefix=".policycheck-", suffix=".tmp", dir=path.parent if str(path.parent) else ".")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:  # an interrupt (Ctrl-C) too: never leave the temporary file behind
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise OutputError(problem(path, None, f"cannot write the report: {exc.strerror}.",
                                      f"无法写入报告: {exc.strerror}。")) from None
        raise


def _write_in_place(path: Path, data: bytes) -> None:
    """/dev/null, /dev/stdout, a named pipe: write to it; replacing it would break the system or the pipe."""
    try:
        with open(path, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        raise OutputError(problem(path, None, f"cannot write the report: {exc.strerror}.", f"无法写入报告: {exc.strerror}。")) from None
