"""The shared fact vocabulary: one name, type, unit and range per fact.

One fact sheet serves every pack that applies to a county, so a fact means the
same thing in every pack. The vocabulary lives in `rules/vocabulary/*.yaml`;
packs only refer to it.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .dates import DateProblem, parse_date
from .errors import Problem, RulePackError, problem
from .script import to_simplified
from .yamlsource import LineMap, YamlSourceError, read_yaml

TYPES = ("number", "integer", "percent", "boolean", "date", "enum", "set", "text")
COUNTY = "county"
TRUE_WORDS = {"true", "yes", "是", "有", "已", "对", "y"}
FALSE_WORDS = {"false", "no", "否", "无", "未", "没有", "n"}
MAX_MAGNITUDE = 1e9  # keeps values exact as integer millionths in the engine


class ValueProblem(ValueError):
    def __init__(self, en: str, zh: str, fix_en: str = "", fix_zh: str = ""):
        super().__init__(en)
        self.en, self.zh, self.fix_en, self.fix_zh = en, zh, fix_en, fix_zh


@dataclass(frozen=True)
class RoleDef:
    """A body every county has (its government, its health bureau …), named after the county by default."""

    name: str
    label: str
    default: str  # name template: "{county}卫生健康局"
    line: int = 0
    # A kind of county whose body of this role has another name: a 功能区 (development zone) is
    # governed by its 管理委员会 and has no 人民政府.
    by_kind: tuple[tuple[str, str], ...] = ()

    def template_for(self, kind: str) -> str:
        return dict(self.by_kind).get(kind, self.default)


@dataclass(frozen=True)
class FactDef:
    name: str
    label: str
    type: str
    scope: str = COUNTY
    unit: str = ""
    range: tuple[float | None, float | None] | None = None
    values: tuple[str, ...] = ()
    ordered: bool = False
    derived: bool = False
    count_of: str | None = None
    count_where: str | None = None  # with count_of: only the entries where this boolean fact is 是
    count_value: str | None = None  # with count_where naming an enum fact: the entries that chose this option
    from_county: str | None = None
    description: str = ""
    source: str = ""
    line: int = 0

    @property
    def submittable(self) -> bool:
        return not self.derived and self.count_of is None and self.from_county is None

    def parse(self, raw: Any) -> Any:
        """Turn a submitted value into its typed value, exactly, or refuse."""
        if raw is None:
            raise ValueProblem("no value given", "未填写数值",
                               "Give a value or delete the line (a missing fact is reported as missing).",
                               "请填写数值, 或删除该行 (未提交的事实会列为待补充材料)。")
        return _PARSERS[self.type](self, raw)

    def _parse_number(self, raw: Any) -> float | int:
        value = _to_number(raw, self.unit, percent=self.type == "percent")
        if self.type == "percent" and (0 < abs(value) < 1 or value == 1) and not _has_percent_sign(raw):
            # A percent-formatted Excel cell pastes 20% as 0.2, and 100% as 1: reading them as 0.2% or 1%
            # would report a met target as a gap. Only the writer knows which it is.
            as_share = _fmt(round(value * 100, 6))
            raise ValueProblem(
                f"{_fmt(value)} without a % sign is ambiguous for a percentage ({as_share}%, as Excel pastes a fraction, or {_fmt(value)}%)",
                f"{_fmt(value)} 没有 % 号, 无法确定是 {as_share}% (Excel 粘贴的小数) 还是 {_fmt(value)}%",
                f"Write {as_share}% or {_fmt(value)}%.", f"写 {as_share}% 或 {_fmt(value)}%。")
        self._check_range(value)
        return value

    _parse_percent = _parse_number

    def _parse_integer(self, raw: Any) -> int:
        value = _to_number(raw, self.unit)
        if value != int(value):
            raise ValueProblem(f"expected a whole number, got {raw!r}", f"应为整数, 实际为 {raw!r}",
                               "Write a whole number.", "请填写整数。")
        self._check_range(int(value))
        return int(value)

    def _parse_boolean(self, raw: Any) -> bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in TRUE_WORDS:
            return True
        if isinstance(raw, str) and raw.strip().lower() in FALSE_WORDS:
            return False
        raise ValueProblem(f"expected true or false, got {raw!r}", f"应为 true (是) 或 false (否), 实际为 {raw!r}",
                           "Write true or false (是 or 否).", "请填写 是 或 否 (true 或 false)。")

    def _parse_date(self, raw: Any) -> dt.date:
        try:
            return parse_date(raw)
        except DateProblem as bad:
            raise ValueProblem(bad.en, bad.zh, bad.fix_en, bad.fix_zh) from None

    def option(self, text: str) -> str | None:
        """The allowed value `text` names, in either script and ignoring spaces; None if none."""
        return _options(self.values).get(name_key(text))

    def _parse_enum(self, raw: Any) -> str:
        text = str(raw).strip() if not isinstance(raw, (list, dict)) else None
        found = self.option(text) if text else None
        if found is not None:
            return found
        allowed = quoted(self.values)
        raise ValueProblem(f"{_shown(raw)} is not one of the allowed values {allowed}",
                           f"{_shown(raw)} 不是允许的取值, 可选: {allowed}",
                           "Use one of the allowed values.", "请从可选值中选择一个。")

    def _parse_set(self, raw: Any) -> frozenset[str]:
        if isinstance(raw, str) and is_none_word(raw):
            return frozenset()  # 无: none of them, as YAML's []; the only way a workbook cell can say so
        if isinstance(raw, str):
            items: list[Any] = split_list(raw)
        elif isinstance(raw, list):
            items = [raw.written(i) if hasattr(raw, "written") and raw.written(i) is not None else item
                     for i, item in enumerate(raw)]
            # `[组织、机构编制]` is one item to YAML but two to the person who typed it.
            items = [part for item in items for part in (split_list(item) if isinstance(item, str) else [item])]
        else:
            raise ValueProblem(f"expected a list, e.g. [{', '.join(self.values[:2])}]",
                               f"应为列表, 如 [{'、'.join(self.values[:2])}]",
                               "Write the items as a YAML list, or separated by 、 or commas.",
                               "请以 YAML 列表形式填写, 或用顿号、逗号分隔。")
        if not items and (isinstance(raw, str) or len(raw)):
            # "", [""] or "、": "none of them" to a parser, "not filled in" to the person who emptied it
            raise ValueProblem("the value is blank", "未填写任何选项",
                               "Write [] (or 无) if none of them applies, or delete the line if it is not reported yet.",
                               "均未开展请写 [] 或 无; 尚未填报请删除该行 (将列为待补充材料)。")
        chosen, bad = [], []
        for item in items:
            found = self.option(item) if isinstance(item, str) else None
            if found is None:
                bad.append(item)
            else:
                chosen.append(found)
        if bad:
            allowed = quoted(self.values)
            shown = "、".join(_shown(b) for b in bad)
            raise ValueProblem(f"not allowed: {shown}; allowed: {allowed}", f"未识别 {shown}, 可选: {allowed}",
                               "Use the allowed values.", "请从可选值中选择。")
        return frozenset(chosen)

    def _parse_text(self, raw: Any) -> str:
        if isinstance(raw, (list, dict)):
            raise ValueProblem("expected text", "应为文字", "Write plain text.", "请填写文字。")
        return str(raw).strip()

    def _check_range(self, value: float) -> None:
        if self.range is None:
            return
        low, high = self.range
        if (low is not None and value < low) or (high is not None and value > high):
            shown = (f"≥ {_fmt(low)}{self.unit}" if high is None else f"≤ {_fmt(high)}{self.unit}" if low is None
                     else f"{_fmt(low)}–{_fmt(high)}{self.unit}")
            raise ValueProblem(f"{_fmt(value)} is outside the allowed range {shown}",
                               f"{_fmt(value)} 超出允许范围 {shown}",
                               "Check the value and its unit.", "请检查数值及其单位。")

    def show(self, value: Any) -> str:
        """A value as a reader sees it, with its unit."""
        if value is None:
            return "未提交"
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, frozenset):
            return "、".join(v for v in self.values if v in value) or "(无)"
        if isinstance(value, (int, float)):
            return f"{_fmt(value)}{self.unit}"
        return str(value)

    def range_text(self) -> str:
        if self.type in ("enum", "set"):
            return "可选: " + quoted(self.values)
        if self.type == "boolean":
            return "true (是) / false (否)"
        if self.type == "date":
            return "日期 YYYY-MM-DD (也可写 2025/11/30、2025年11月30日)"
        if self.range:
            low, high = self.range
            return f"范围 {_fmt(low) if low is not None else '-∞'}–{_fmt(high) if high is not None else '∞'}"
        return ""


# By type, looked up for every value of every sheet (cheaper than getattr on a built name).
_PARSERS = {kind: getattr(FactDef, f"_parse_{kind}") for kind in TYPES}

_LIST_SEPARATORS = re.compile(r"[、,，;；\n]")  # a line break in a cell (Alt+Enter) too


_NONE_WORDS = {"无", "暂无", "没有", "尚无", "均无", "均没有", "无此项", "没有此项", "不适用"}
_BRACKETS = str.maketrans("", "", "()（）[]【】「」 \u3000")


def is_none_word(text: str) -> bool:
    """Whether a clerk's cell says "none" (无, 暂无, 没有, （无）…) rather than naming something."""
    return to_simplified(text.translate(_BRACKETS).strip()) in _NONE_WORDS


def split_list(text: str) -> list[str]:
    """Items of a list typed on one line: 、 , ， ; ； all separate."""
    return [part.strip() for part in _LIST_SEPARATORS.split(text) if part.strip()]


def quoted(values: Any) -> str:
    """Allowed values shown so that no separator can be read as part of one: 「甲」「乙、丙」."""
    return "".join(f"「{v}」" for v in values)


def _shown(raw: Any) -> str:
    return f"「{raw}」" if isinstance(raw, str) else repr(raw)


_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=4096)
def name_key(text: str) -> str:
    """What two spellings of one name or option have in common (script, spaces); the same few names come in every sheet."""
    return _SPACES.sub("", to_simplified(text))


@functools.lru_cache(maxsize=None)
def _options(values: tuple[str, ...]) -> dict[str, str]:
    """A fact's allowed values by `name_key`, the first one where two keys are equal."""
    index: dict[str, str] = {}
    for value in values:
        index.setdefault(name_key(value), value)
    return index


def _has_percent_sign(raw: Any) -> bool:
    return isinstance(raw, str) and unicodedata.normalize("NFKC", raw).strip().endswith("%")


_FULLWIDTH_OK = re.compile(r"^[+-]?(\d+(\.\d+)?|\.\d+)$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def _to_number(raw: Any, unit: str, percent: bool = False) -> float | int:
    if isinstance(raw, bool) or isinstance(raw, (list, dict)) or raw is None:
        raise ValueProblem(f"expected a number, got {raw!r}", f"应为数字, 实际为 {raw!r}",
                           "Write a plain number.", "请填写数字。")
    if isinstance(raw, (dt.date, dt.time)):
        # Excel turns 1-2 or 2:00 typed into a cell into a date or a time
        shown = raw.isoformat(sep=" ") if isinstance(raw, dt.datetime) else raw.isoformat()
        raise ValueProblem(f"this is a date or time ({shown}), not a number",
                           f"该值是日期或时间 ({shown}), 不是数字",
                           "Write only the number; in Excel, set the cell's format to General or Number first.",
                           "请只填写数字; 在 Excel 中请先把该单元格格式设为\"常规\"或\"数值\"。")
    if isinstance(raw, (int, float)):
        value = raw
    else:
        text = unicodedata.normalize("NFKC", str(raw)).strip()
        stripped = text
        if percent and stripped.endswith("%"):
            stripped = stripped[:-1].strip()
        elif unit and stripped.endswith(unit):
            stripped = stripped[: -len(unit)].strip()
        if _THOUSANDS.match(stripped):
            stripped = stripped.replace(",", "")
        if not _FULLWIDTH_OK.match(stripped):
            example = "65 或 65%" if percent else f"65 (单位 {unit})" if unit else "65"
            raise ValueProblem(
                f"{raw!r} is not a plain number" + (f" (unit {unit})" if unit else ""),
                f"{raw!r} 不是单纯的数字" + (f" (单位 {unit})" if unit else ""),
                f"Write only the number, without words such as 以上/约; e.g. {example.replace(' 或 ', ' or ').replace('单位', 'unit')}.",
                f"请只填写数字, 不要带\"以上\"\"约\"等字样; 如 {example}。")
        value = float(stripped) if "." in stripped else int(stripped)
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        raise ValueProblem(f"{raw!r} is not a finite number", f"{raw!r} 不是有限数值", "Write a plain number.", "请填写数字。")
    if abs(value) > MAX_MAGNITUDE:
        raise ValueProblem(f"{raw!r} is implausibly large", f"{raw!r} 数值过大", "Check the value.", "请检查数值。")
    if isinstance(value, float) and round(value, 6) != value:
        raise ValueProblem(f"{raw!r} has more than 6 decimal places", f"{raw!r} 小数位超过 6 位",
                           "Round it to at most 6 decimals.", "请四舍五入到最多 6 位小数。")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)


@dataclass(frozen=True)
class CollectionDef:
    name: str
    label: str
    description: str = ""
    line: int = 0
    # Entries every county's list holds (区人民医院 and the MCH centre among 区级医疗机构), by the option an
    # enum fact of the entry gives (institution_kind) and a name template: a list without one of them is
    # incomplete, and that entry's duties are to be supplied rather than silently not checked.
    expected_fact: str | None = None
    expected: tuple[tuple[str, str], ...] = ()
    source: str = ""


@dataclass
class Vocabulary:
    facts: dict[str, FactDef] = field(default_factory=dict)
    collections: dict[str, CollectionDef] = field(default_factory=dict)
    roles: dict[str, RoleDef] = field(default_factory=dict)
    sha256: str = ""

    def set_members(self) -> dict[str, list[str]]:
        return {f.name: list(f.values) for f in self.facts.values() if f.type == "set"}

    def fact(self, name: str) -> FactDef | None:
        """A fact by name, including the per-member booleans of set facts (`fact.member`)."""
        found = self.facts.get(name)
        if found is not None:
            return found
        members = self.__dict__.setdefault("_members", {})
        if name not in members:
            base, _, member = name.partition(".")
            parent = self.facts.get(base)
            members[name] = (FactDef(name, f"{parent.label}: {member}", "boolean", parent.scope, source=parent.source)
                             if parent is not None and parent.type == "set" and member in parent.values else None)
        return members[name]


FACT_KEYS = {"label", "type", "scope", "unit", "range", "values", "ordered", "derived", "count_of", "count_where", "count_value", "from_county",
             "description"}
FROM_COUNTY = ("name", "code", "province", "city", "kind")


def load_vocabulary(folder: Path) -> Vocabulary:
    """Load and validate every `*.yaml` under `folder`; collect all problems."""
    import hashlib

    vocab = Vocabulary()
    problems: list[Problem] = []
    digest = hashlib.sha256()
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise RulePackError(problem(folder, None, "no vocabulary files (*.yaml) found.", "未找到事实词汇表文件。"))
    for path in files:
        try:
            data, _, raw = read_yaml(path)
        except YamlSourceError as exc:
            problems.append(exc.problem)
            continue
        digest.update(path.name.encode() + b"\0" + raw)
        if not isinstance(data, LineMap):
            problems.append(problem(path, 1, "a vocabulary file must be a mapping with 'facts:' and/or 'collections:'.",
                                    "词表文件应包含 'facts:' 和/或 'collections:' 段。"))
            continue
        for key in data:
            if key not in ("facts", "collections", "roles"):
                problems.append(problem(path, data.line_of(key), f"unknown top-level key '{key}' (allowed: facts, collections, roles).",
                                        f"未知的顶层键 '{key}' (可用: facts、collections、roles)。"))
        for section, add in (("roles", _add_role), ("collections", _add_collection), ("facts", _add_fact)):
            node = data.get(section)
            if node is not None and not isinstance(node, LineMap):
                problems.append(problem(path, data.line_of(section), f"'{section}:' must be a mapping of names to definitions.",
                                        f"'{section}:' 应为 名称: 定义 的映射。"))
                continue
            for name, spec in (node or {}).items():
                add(vocab, problems, path, node, name, spec)
    for f in vocab.facts.values():
        if f.scope != COUNTY and f.scope not in vocab.collections:
            problems.append(problem(f.source, f.line, f"fact '{f.name}': unknown scope '{f.scope}' "
                                    f"(allowed: county, {', '.join(vocab.collections)}).",
                                    f"事实 '{f.name}': 未知的范围 scope '{f.scope}' (可用: county、{'、'.join(vocab.collections)})。"))
        if f.count_of and f.count_of not in vocab.collections:
            problems.append(problem(f.source, f.line, f"fact '{f.name}': count_of names unknown collection '{f.count_of}'.",
                                    f"事实 '{f.name}': count_of 中的集合 '{f.count_of}' 不存在。"))
        if f.count_where is not None:
            where = vocab.facts.get(f.count_where)
            kind_ok = where is not None and (
                (where.type == "boolean" and f.count_value is None)
                or (where.type == "enum" and f.count_value in where.values))
            if not f.count_of or not kind_ok or where.scope != f.count_of or where.derived:
                problems.append(problem(
                    f.source, f.line,
                    f"fact '{f.name}': count_where names '{f.count_where}', which must be a submitted fact of the "
                    f"collection in count_of: a yes/no fact, or an enum fact with count_value one of its options.",
                    f"事实 '{f.name}': count_where '{f.count_where}' 应为 count_of 所指集合中须填写的事实: 是/否 事实, "
                    f"或 enum 事实并以 count_value 写明其中一个选项。"))
        elif f.count_value is not None:
            problems.append(problem(f.source, f.line, f"fact '{f.name}': count_value needs count_where.",
                                    f"事实 '{f.name}': count_value 须与 count_where 同用。"))
    for c in vocab.collections.values():
        kind = vocab.facts.get(c.expected_fact) if c.expected_fact else None
        if c.expected_fact and (kind is None or kind.type != "enum" or kind.scope != c.name or kind.derived
                                or any(value not in kind.values for value, _ in c.expected)):
            problems.append(problem(
                c.source, c.line,
                f"collection '{c.name}': expected names '{c.expected_fact}', which must be a submitted enum fact of "
                f"its entries, and each entry one of its options.",
                f"集合 '{c.name}': expected 中的 '{c.expected_fact}' 应为该集合各项须填写的 enum 事实, 各项为其选项之一。"))
    if problems:
        raise RulePackError(problems)
    vocab.sha256 = digest.hexdigest()
    return vocab


_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _add_role(vocab: Vocabulary, problems: list, path: Path, parent: LineMap, name: str, spec: Any) -> None:
    line = parent.line_of(name)
    if not _NAME.match(str(name)) or not isinstance(spec, dict) or not spec.get("label") or "{county}" not in str(spec.get("default", "")):
        problems.append(problem(path, line, f"role '{name}' needs a snake_case name, a 'label' and a 'default' name "
                                "template containing {county} (e.g. \"{county}卫生健康局\").",
                                f"角色 '{name}' 须有小写英文名、中文 'label' 和含 {{county}} 的 'default' 名称模板 "
                                "(如 \"{county}卫生健康局\")。"))
        return
    if name in vocab.roles:
        problems.append(problem(path, line, f"role '{name}' is declared twice.", f"角色 '{name}' 重复定义。"))
        return
    by_kind = spec.get("by_kind") or {}
    if not isinstance(by_kind, dict) or not all("{county}" in str(v) for v in by_kind.values()):
        problems.append(problem(path, line, f"role '{name}': by_kind maps a kind of county to a name template "
                                "containing {county} (e.g. 功能区: \"{county}管理委员会\").",
                                f"角色 '{name}': by_kind 应为 县的类别: 含 {{county}} 的名称模板 (如 功能区: \"{{county}}管理委员会\")。"))
        return
    vocab.roles[name] = RoleDef(name, str(spec["label"]), str(spec["default"]), line,
                                tuple((str(k), str(v)) for k, v in by_kind.items()))


def _add_collection(vocab: Vocabulary, problems: list, path: Path, parent: LineMap, name: str, spec: Any) -> None:
    line = parent.line_of(name)
    if not isinstance(spec, dict) or not isinstance(spec.get("label"), str) or not spec.get("label"):
        problems.append(problem(path, line, f"collection '{name}' needs a mapping with at least 'label' (text).",
                                f"集合 '{name}' 至少须写中文 'label'。"))
        return
    if name in vocab.collections or name in vocab.facts:
        problems.append(problem(path, line, f"'{name}' is defined twice in the vocabulary.", f"'{name}' 在词表中重复定义。"))
        return
    expected = spec.get("expected")
    entries = expected.get("entries") if isinstance(expected, dict) else None
    if expected is not None and not (isinstance(expected.get("fact"), str) and isinstance(entries, dict) and entries
                                     and all(isinstance(v, str) and "{county}" in v for v in entries.values())):
        problems.append(problem(path, line, f"collection '{name}': expected needs fact: (an enum fact of the entries) and "
                                "entries: mapping each option to a name template with {county}.",
                                f"集合 '{name}': expected 须写 fact: (各项的 enum 事实) 和 entries: (选项: 含 {{county}} 的名称模板)。"))
        return
    vocab.collections[name] = CollectionDef(
        name, spec["label"], spec.get("description", ""), line,
        expected["fact"] if expected else None, tuple((str(k), str(v)) for k, v in (entries or {}).items()), str(path))


def _add_fact(vocab: Vocabulary, problems: list, path: Path, parent: LineMap, name: Any, spec: Any) -> None:
    line = parent.line_of(name)
    if not isinstance(name, str) or not _NAME.match(name):
        problems.append(problem(path, line, f"fact name '{name}' must be lower_snake_case ASCII.",
                                f"事实名 '{name}' 应由小写英文字母、数字和下划线组成。"))
        return
    if name in vocab.facts or name in vocab.collections:
        first = vocab.facts.get(name)
        where = f" (first defined in {first.source}:{first.line})" if first else ""
        where_zh = f" (第一次定义在 {first.source}:{first.line})" if first else ""
        problems.append(problem(path, line, f"fact '{name}' is defined twice{where}; the same fact has one definition.",
                                f"事实 '{name}' 重复定义{where_zh}; 同一事实只能有一个定义。"))
        return
    if not isinstance(spec, LineMap):
        problems.append(problem(path, line, f"fact '{name}' needs a mapping (label, type, …).",
                                f"事实 '{name}' 应写成映射 (label、type 等)。"))
        return
    for key in spec:
        if key not in FACT_KEYS:
            problems.append(problem(path, spec.line_of(key), f"fact '{name}': unknown key '{key}' (allowed: {', '.join(sorted(FACT_KEYS))}).",
                                    f"事实 '{name}': 未知的键 '{key}' (可用: {'、'.join(sorted(FACT_KEYS))})。"))
    for key in ("label", "scope", "unit", "count_of", "count_where", "count_value", "from_county", "description"):
        if spec.get(key) is not None and not isinstance(spec[key], str):
            problems.append(problem(path, spec.line_of(key), f"fact '{name}': '{key}' must be text, not {spec[key]!r}.",
                                    f"事实 '{name}': '{key}' 应为文字, 不能是 {spec[key]!r}。"))
            return
    ftype = spec.get("type")
    if ftype not in TYPES:
        problems.append(problem(path, spec.line_of("type"), f"fact '{name}': unknown type '{ftype}' (allowed: {', '.join(TYPES)}).",
                                f"事实 '{name}': 未知的类型 '{ftype}' (可用: {'、'.join(TYPES)})。"))
        return
    if not spec.get("label"):
        problems.append(problem(path, line, f"fact '{name}' needs a Chinese 'label'.", f"事实 '{name}' 须有中文标签 'label'。"))
    rng = spec.get("range")
    if ftype == "percent" and rng is None:
        rng = [0, 100]
    if rng is not None:
        if not (isinstance(rng, list) and len(rng) == 2 and all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in rng)):
            problems.append(problem(path, spec.line_of("range"), f"fact '{name}': range must be [low, high] (numbers or null).",
                                    f"事实 '{name}': range 应写作 [下限, 上限] (数值或 null)。"))
            rng = None
        else:
            rng = tuple(rng)
    values = spec.get("values") or []
    if ftype in ("enum", "set") and (not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values)):
        problems.append(problem(path, spec.line_of("values"), f"fact '{name}': type {ftype} needs 'values', a list of strings.",
                                f"事实 '{name}': {ftype} 类型须写 'values' (可选值列表)。"))
        values = []
    derived = bool(spec.get("derived", False))
    if derived and ftype != "boolean":
        problems.append(problem(path, line, f"fact '{name}': derived facts are boolean conclusions (type: boolean).",
                                f"事实 '{name}': 推导事实只能是 是/否 结论 (type: boolean)。"))
    from_county = spec.get("from_county")
    if from_county is not None and (from_county not in FROM_COUNTY or ftype not in ("enum", "text")):
        problems.append(problem(path, spec.line_of("from_county"),
                                f"fact '{name}': from_county takes one of {', '.join(FROM_COUNTY)} and applies to enum or text facts.",
                                f"事实 '{name}': from_county 只能是 {'、'.join(FROM_COUNTY)} 之一, 且只用于 enum 或 text 事实。"))
    unit = spec.get("unit", "%" if ftype == "percent" else "")
    vocab.facts[name] = FactDef(
        name=name, label=spec.get("label", name), type=ftype, scope=spec.get("scope", COUNTY),
        unit=str(unit or ""), range=rng, values=tuple(values), ordered=bool(spec.get("ordered", False)),
        derived=derived, count_of=spec.get("count_of"), count_where=spec.get("count_where"),
        count_value=spec.get("count_value"), from_county=from_county,
        description=spec.get("description", ""),
        source=str(path), line=line)
