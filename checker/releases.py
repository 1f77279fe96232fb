"""Released pack versions are immutable: `rules/releases.lock` records each one's hash.

A change to a released file is refused (lint and tests fail); a correction is a
new version beside the old one, which stays runnable.
"""
from __future__ import annotations

from pathlib import Path

from .errors import Problem, RulePackError, problem
from .library import Library
from .yamlsource import LineMap, YamlSourceError, read_yaml

LOCK_NAME = "releases.lock"
HEADER = ("# Released rule-pack versions and the sha256 of their files. Never edit an entry:\n"
          "# a change to a released pack is a new version. Add entries with `policycheck lock`.\n")


def lock_path(library: Library) -> Path:
    return library.rules_dir / LOCK_NAME


def read_lock(library: Library) -> tuple[dict[str, str], LineMap | None]:
    path = lock_path(library)
    if not path.exists():
        return {}, None
    try:
        data, _, _ = read_yaml(path)
    except YamlSourceError as exc:
        raise RulePackError(exc.problem) from None
    if data is None:
        return {}, None
    if not isinstance(data, LineMap):
        raise RulePackError(problem(path, 1, "the lock must map PACK@VERSION to a sha256.",
                                    "锁定文件的每一行应为 规则包@版本号: sha256 哈希值。"))
    return {str(k): str(v) for k, v in data.items()}, data


def check_lock(library: Library) -> list[Problem]:
    """Every released version is locked, and its file still has the locked hash."""
    locked, node = read_lock(library)
    path = lock_path(library)
    problems = []
    for pack in library.all_packs():
        if not pack.released:
            continue
        want = locked.get(pack.ref)
        if want is None:
            problems.append(problem(pack.path, 1, f"{pack.ref} is released but not in {LOCK_NAME}.",
                                    f"{pack.ref} 已发布, 但未记入 {LOCK_NAME}。",
                                    fix_en="Run `policycheck lock` (or mark the pack `released: false` while drafting).",
                                    fix_zh="请运行 policycheck lock (起草期间请在包头写 released: false)。"))
        elif want != pack.sha256:
            line = node.line_of(pack.ref) if node is not None else None
            problems.append(problem(pack.path, None,
                                    f"{pack.ref} was released with sha256 {want[:12]}… ({path.name}:{line}) but the file now hashes to "
                                    f"{pack.sha256[:12]}…; a released version is never edited.",
                                    f"{pack.ref} 发布时的 sha256 为 {want[:12]}… ({path.name}:{line}), 现在文件的哈希值却是 "
                                    f"{pack.sha256[:12]}…; 已发布的版本不得修改。",
                                    fix_en=f"Restore the released file and put the change in a new version (e.g. {_next(pack.version)}).",
                                    fix_zh=f"请恢复已发布的文件, 把改动写进新版本 (如 {_next(pack.version)})。"))
    return problems


def _next(version: str) -> str:
    major, minor, _ = (int(p) for p in version.split("."))
    return f"{major}.{minor + 1}.0"


def add_to_lock(library: Library) -> list[str]:
    """Lock every released version not yet locked; never rewrite an existing entry."""
    locked, _ = read_lock(library)
    added = [p for p in library.all_packs() if p.released and p.ref not in locked]
    if not added:
        return []
    entries = {**locked, **{p.ref: p.sha256 for p in added}}
    body = "".join(f"{ref}: {sha}\n" for ref, sha in sorted(entries.items()))
    from .output import write_atomic

    write_atomic(lock_path(library), HEADER + body)
    return [p.ref for p in added]


_LOCK_CACHE: dict[tuple[str, float], dict[str, str]] = {}


def verify_released(library: Library, packs: list) -> None:
    """Refuse to judge with a released version whose file no longer has its locked hash.

    The lock is read once per file and modification time, so a province batch pays nothing.
    """
    path = lock_path(library)
    if not path.exists():
        return
    key = (str(path), path.stat().st_mtime)
    if key not in _LOCK_CACHE:
        _LOCK_CACHE[key] = read_lock(library)[0]
    locked = _LOCK_CACHE[key]
    bad = [p for p in packs if p.released and p.ref in locked and locked[p.ref] != p.sha256]
    if bad:
        raise RulePackError([problem(p.path, None,
                                     f"{p.ref} was released with sha256 {locked[p.ref][:12]}… but the file now hashes to "
                                     f"{p.sha256[:12]}…: a released version is never edited, so it is not used.",
                                     f"{p.ref} 已发布 (sha256 {locked[p.ref][:12]}…), 但文件已被改动 (现为 {p.sha256[:12]}…); "
                                     "已发布的版本不得修改, 本次不予使用。",
                                     fix_en=f"Restore the released file and put the change in a new version (e.g. {_next(p.version)}).",
                                     fix_zh=f"请恢复已发布的文件, 并把修改写入新版本 (如 {_next(p.version)})。") for p in bad])
