"""A parsed library kept on disk, keyed by the bytes of every file it was parsed from.

Parsing the vocabulary, the policies and the packs from YAML with line numbers
is most of a cold run's time; the result depends only on those files and on
this tool's version. The key is a hash over both, so an edited pack, text or
vocabulary is never served from the cache: it simply makes a new key.
The cache lives in the user's cache folder (XDG_CACHE_HOME, else ~/.cache),
never beside the packs; POLICYCHECK_CACHE=off turns it off. A cache that
cannot be read or written is ignored — it only ever saves time.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

_SUFFIXES = (".yaml", ".yml", ".txt", ".lock", ".md")
KEEP = 8  # libraries kept: a few rules folders and versions; older ones are removed
# The shape of what is pickled: raised when a parsed object changes meaning within one tool version,
# so a cache written before the change is never read as if written after it.
FORMAT = 4


def key_of(rules_dir: Path, policies_dir: Path, only: set[str] | None) -> str | None:
    """The hash of the tool version, the request and every file the library is parsed from.

    With `only`, the other packs' folders count by name alone (the library lists them as
    available) and their files are not read: a run for one county hashes its own packs, the
    vocabulary and the texts, not every version of every pack on the shelf.
    """
    from . import __version__

    digest = hashlib.sha256(f"{__version__}\0{FORMAT}\0{sorted(only) if only is not None else '*'}\0".encode())
    for root in (rules_dir, policies_dir):
        if not root.is_dir():
            continue
        for top in sorted(root.iterdir()):
            if top.is_dir() and root == rules_dir and only is not None and top.name != "vocabulary" \
                    and top.name not in only:
                digest.update(b"\2" + top.name.encode() + b"\0")
                continue
            for path in sorted(top.rglob("*")) if top.is_dir() else [top]:
                if path.suffix not in _SUFFIXES or not path.is_file():
                    continue
                try:
                    data = path.read_bytes()
                except OSError:
                    return None
                digest.update(str(path.relative_to(root)).encode() + b"\0" + hashlib.sha256(data).digest())
        digest.update(b"\1")
    digest.update(str(rules_dir.resolve()).encode())  # paths in messages name the folder that was parsed
    return digest.hexdigest()


def cache_folder() -> Path | None:
    if os.environ.get("POLICYCHECK_CACHE", "").lower() in ("off", "0", "no"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "policycheck"


def fetch(key: str | None) -> Any | None:
    folder = cache_folder()
    if key is None or folder is None:
        return None
    try:
        with open(folder / f"library-{key}.pickle", "rb") as handle:
            return pickle.load(handle)
    except Exception:  # a missing, truncated or stale-format cache is only a slower start
        return None


def store(key: str | None, library: Any) -> None:
    folder = cache_folder()
    if key is None or folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".lib.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(library, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, folder / f"library-{key}.pickle")
        _prune(folder)
    except Exception:  # read-only home, full disk: run without the cache
        try:
            os.unlink(tmp)  # type: ignore[possibly-undefined]
        except Exception:
            pass


def _prune(folder: Path) -> None:
    """Keep the most recently written libraries only, so edits while authoring do not fill the disk."""
    kept = sorted(folder.glob("library-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in kept[KEEP:]:
        try:
            old.unlink()
        except OSError:
            pass


def _marker(kind: str, key: str) -> Path | None:
    folder = cache_folder()
    return None if folder is None else folder / f"{kind}-{key}.ok"


def known(kind: str, key: str) -> bool:
    """Whether a check of this kind passed before for exactly this input (`key` hashes all it depends on)."""
    marker = _marker(kind, key)
    try:
        return marker is not None and marker.is_file()
    except OSError:
        return False


def remember(kind: str, key: str) -> None:
    """Record that the check passed; a folder that cannot be written only means checking again next time."""
    marker = _marker(kind, key)
    if marker is None:
        return
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
        stale = sorted(marker.parent.glob(f"{kind}-*.ok"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in stale[KEEP * 8:]:
            old.unlink()
    except OSError:
        pass
