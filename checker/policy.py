"""Policy documents: the clean text a pack quotes, and its metadata."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from .errors import RulePackError, problem
from .yamlsource import LineMap, YamlSourceError, read_yaml

DEFAULT_TEXT = "text.txt"


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
    # Further clean texts beside text.txt (e.g. restored.txt: simplified script, spun words restored),
    # each as its lines; a pack version names the one it quotes.
    texts: dict[str, list[str]] = field(default_factory=dict)
    sections: dict[str, str] = field(default_factory=dict)  # top-level section → its title
    title_simplified: str = ""

    def lines_of(self, text: str = DEFAULT_TEXT) -> list[str]:
        return self.lines if text == DEFAULT_TEXT else self.texts.get(text, [])

    def find(self, quote: str, text: str = DEFAULT_TEXT) -> int | None:
        """The 1-based line of the clean text holding `quote` verbatim, or None."""
        for number, line in enumerate(self.lines_of(text), start=1):
            if quote in line:
                return number
        return None

    def original_of(self, quote: str, text: str) -> str | None:
        """The same passage in text.txt, for audit, where `text` is a line-for-line restoration of it."""
        if text == DEFAULT_TEXT:
            return quote
        memo = self.__dict__.setdefault("_originals", {})
        if (quote, text) not in memo:
            memo[(quote, text)] = self._original_of(quote, text)
        return memo[(quote, text)]

    def _original_of(self, quote: str, text: str) -> str | None:
        number = self.find(quote, text)
        if number is None or number > len(self.lines):
            return None
        restored, original = self.lines_of(text)[number - 1], self.lines[number - 1]
        if len(restored) != len(original):
            return None
        start = restored.index(quote)
        return original[start:start + len(quote)]


def load_policy(folder: Path) -> Policy:
    meta_path = folder / "policy.yaml"
    text_path = folder / "text.txt"
    try:
        meta, _, _ = read_yaml(meta_path)
    except YamlSourceError as exc:
        raise RulePackError(exc.problem) from None
    if not isinstance(meta, LineMap):
        raise RulePackError(problem(meta_path, 1, "policy metadata must be a mapping.",
                                            "policy.yaml 应为 键: 值 的映射 (id、title、issuer 等)。"))
    missing = [k for k in ("id", "title", "issuer") if not meta.get(k)]
    if missing:
        raise RulePackError(problem(meta_path, meta.line, f"policy metadata lacks: {', '.join(missing)}.",
                                            f"policy.yaml 缺少: {'、'.join(missing)}。"))
    try:
        text = text_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulePackError(problem(text_path, None, f"cannot read the clean text: {exc}.",
                                            f"无法读取原文 text.txt (须为 UTF-8 文本): {exc}。")) from None
    juris = []
    listed = meta.get("jurisdictions") or []
    if not isinstance(listed, list):
        raise RulePackError(problem(meta_path, meta.line_of("jurisdictions"),
                                    "jurisdictions must be a list of {name: …, code: \"…\"}.",
                                    "jurisdictions 应为列表, 每项写作 {name: …, code: \"…\"}。"))
    for item in listed:
        if isinstance(item, dict) and item.get("name"):
            code = item.get("code")
            aliases = item.get("aliases") or []
            if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                raise RulePackError(problem(meta_path, item.line_of("aliases"), "jurisdiction aliases must be a list of names.",
                                            "辖区的 aliases 应为名称列表。"))
            juris.append(Jurisdiction(str(item["name"]), str(code) if code is not None else None, tuple(aliases)))
    texts: dict[str, list[str]] = {}
    for name in meta.get("texts") or {}:
        other = folder / str(name)
        if other.name != str(name) or other.name == DEFAULT_TEXT:
            raise RulePackError(problem(meta_path, meta.line_of("texts"), f"texts: '{name}' must be a file name in {folder}, not text.txt.",
                                            f"texts: '{name}' 应为 {folder} 中 text.txt 以外的文件名。"))
        try:
            texts[other.name] = other.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise RulePackError(problem(meta_path, meta.line_of("texts"), f"cannot read the clean text {other}: {exc}.",
                                            f"无法读取原文 {other} (须为 UTF-8 文本): {exc}。")) from None
    sections = meta.get("sections") or {}
    return Policy(
        id=str(meta["id"]), title=str(meta["title"]), issuer=str(meta["issuer"]),
        number=meta.get("number"), issued=_date(meta.get("issued")),
        in_force_from=_date(meta.get("in_force_from")), in_force_to=_date(meta.get("in_force_to")),
        jurisdictions=tuple(juris), text_path=text_path, lines=text.splitlines(), meta=dict(meta),
        texts=texts, sections={str(k): str(v) for k, v in sections.items()} if isinstance(sections, dict) else {},
        title_simplified=str(meta.get("title_simplified") or ""))


def _date(value: object) -> dt.date | None:
    return value if isinstance(value, dt.date) else None
