"""Policy documents: the clean text a pack quotes, and its metadata."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from .errors import RulePackError, problem
from .yamlsource import LineMap, YamlSourceError, read_yaml


@dataclass(frozen=True)
class Jurisdiction:
    name: str
    code: str | None = None
    aliases: tuple[str, ...] = ()  # other official names (a former name, a 新区 name) that mean the same place


@dataclass
class Policy:
    id: str
    title: str
    issuer: str
    number: str | None
    issued: dt.date | None
    in_force_from: dt.date | None
    in_force_to: dt.date | None
    jurisdictions: tuple[Jurisdiction, ...]
    text_path: Path
    lines: list[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)

    def find(self, quote: str) -> int | None:
        """The 1-based line of the clean text holding `quote` verbatim, or None."""
        for number, line in enumerate(self.lines, start=1):
            if quote in line:
                return number
        return None


def load_policy(folder: Path) -> Policy:
    meta_path = folder / "policy.yaml"
    text_path = folder / "text.txt"
    try:
        meta, _, _ = read_yaml(meta_path)
    except YamlSourceError as exc:
        raise RulePackError(exc.problem) from None
    if not isinstance(meta, LineMap):
        raise RulePackError(problem(meta_path, 1, "policy metadata must be a mapping."))
    missing = [k for k in ("id", "title", "issuer") if not meta.get(k)]
    if missing:
        raise RulePackError(problem(meta_path, meta.line, f"policy metadata lacks: {', '.join(missing)}."))
    try:
        text = text_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulePackError(problem(text_path, None, f"cannot read the clean text: {exc}.")) from None
    juris = []
    listed = meta.get("jurisdictions") or []
    if not isinstance(listed, list):
        raise RulePackError(problem(meta_path, meta.line_of("jurisdictions"),
                                    "jurisdictions must be a list of {name: …, code: \"…\"}."))
    for item in listed:
        if isinstance(item, dict) and item.get("name"):
            code = item.get("code")
            aliases = item.get("aliases") or []
            if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                raise RulePackError(problem(meta_path, item.line_of("aliases"), "jurisdiction aliases must be a list of names.",
                                            "辖区的 aliases 应为名称列表。"))
            juris.append(Jurisdiction(str(item["name"]), str(code) if code is not None else None, tuple(aliases)))
    return Policy(
        id=str(meta["id"]), title=str(meta["title"]), issuer=str(meta["issuer"]),
        number=meta.get("number"), issued=_date(meta.get("issued")),
        in_force_from=_date(meta.get("in_force_from")), in_force_to=_date(meta.get("in_force_to")),
        jurisdictions=tuple(juris), text_path=text_path, lines=text.splitlines(), meta=dict(meta))


def _date(value: object) -> dt.date | None:
    return value if isinstance(value, dt.date) else None
