"""Writing reports: atomically, so a good report is never half-overwritten."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import OutputError, problem


def check_target(path: Path) -> None:
    """Refuse early (before any work) a path that cannot be written."""
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
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent if str(path.parent) else ".")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise OutputError(problem(path, None, f"cannot write the report: {exc.strerror}.", f"无法写入报告: {exc.strerror}。")) from None
