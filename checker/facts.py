"""A county's fact sheet (`county.yaml`) into typed, located facts.

What a county leaves out is simply absent (reported as `missing`), never a
failure. Everything it does write must be a known fact with a valid value;
all problems of a file are reported together.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .dates import DateProblem, parse_date
from .errors import FactSheetError, Problem, problem
from .script import to_simplified
from .suggest import did_you_mean
from .vocabulary import COUNTY, FactDef, ValueProblem, Vocabulary, is_none_word, name_key
from .yamlsource import LineList, LineMap, YamlSourceError, read_yaml

COUNTY_KEYS = ("name", "code", "province", "city", "kind", "report_date")
# Marks an entry every county's list holds that this sheet's list lacked, added by the evaluation.
UNLISTED = "(名单中未列)"
TOP_KEYS = ("county", "packs", "units", "facts", "waivers")
KINDS = ("市辖区", "县", "县级市", "自治县", "旗", "自治旗", "林区", "特区", "功能区")
# What a development zone calls its kind: every one is a 功能区 (governed by a 管理委员会, not a 人民政府).
_ZONE_WORDS = dict.fromkeys(("开发区", "经济开发区", "经济技术开发区", "经开区", "高新区", "高新技术产业开发区",
                             "产业园", "产业园区", "园区"), "功能区")
_CODE = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class County:
    name: str
    code: str | None
    province: str = ""
    city: str = ""
    kind: str = ""
    report_date: dt.date | None = None


@dataclass(frozen=True)
class Subject:
    """Who a finding is about: the county itself or one entry of a collection."""

    key: str  # "county" or "<collection>#<index>"
    collection: str | None
    name: str
    line: int = 0


@dataclass
class FactSheet:
    path: str
    sha256: str
    county: County
    subjects: list[Subject]
    values: dict[str, dict[str, Any]]  # subject key -> fact name -> typed value
    lines: dict[tuple[str, str], int] = field(default_factory=dict)
    encoding_note: str | None = None
    waivers: Any = None
    requested_packs: tuple[str, ...] = ()  # packs the sheet asks for besides those of its jurisdiction
    units: dict[str, str] = field(default_factory=dict)  # role → the county's own name for that body
    # Lists the sheet gave, entries or none (`[]`, 无): a list given as none has no entries and is not
    # missing; a list left out is.
    listed: frozenset[str] = frozenset()
    # Counts of entries (count_where) some of whose entries left the answer blank: fact → (entries that
    # answered so, entries that did not say). The count lies between the first and the sum; the evaluation
    # takes it as known where every test of it comes out the same across that range.
    counted_in_part: dict[str, tuple[int, int]] = field(default_factory=dict)

    def subjects_of(self, collection: str | None) -> list[Subject]:
        return [s for s in self.subjects if s.collection == collection]

    def value(self, subject: str, fact: str) -> Any:
        return self.values.get(subject, {}).get(fact)


def read_fact_sheet(path: Path) -> tuple[Any, str | None, bytes]:
    """The sheet's parsed YAML (or workbook), encoding note and bytes (FactSheetError if it cannot be read)."""
    from .workbook import is_workbook, read_workbook, refuse_other_format

    if is_workbook(path):
        return read_workbook(path)
    refuse_other_format(path)
    try:
        return read_yaml(path)
    except YamlSourceError as exc:
        raise FactSheetError(exc.problem) from None


def load_fact_sheet(path: Path, vocab: Vocabulary, read: tuple[Any, str | None, bytes] | None = None) -> FactSheet:
    """Validate a fact sheet; `read` is the result of read_fact_sheet when already at hand."""
    data, note, raw = read or read_fact_sheet(path)
    from .workbook import WorkbookData, parse_workbook

    if isinstance(data, WorkbookData):
        return parse_workbook(data, str(path), vocab, hashlib.sha256(raw).hexdigest())
    return parse_fact_sheet(data, str(path), vocab, hashlib.sha256(raw).hexdigest(), note)


def parse_fact_sheet(data: Any, path: str, vocab: Vocabulary, sha256: str = "", note: str | None = None) -> FactSheet:
    problems: list[Problem] = []
    if data is None:
        raise FactSheetError(problem(path, 1, "the file is empty.", "文件为空。",
                                     fix_en="Start from `policycheck template`.", fix_zh="请用 policycheck template 生成模板后填写。"))
    if not isinstance(data, LineMap):
        raise FactSheetError(problem(path, getattr(data, "line", 1), "a fact sheet is a mapping with 'county:' and 'facts:'.",
                                     "事实表应为包含 county: 和 facts: 的映射。",
                                     fix_en="Start from `policycheck template`.", fix_zh="请用 policycheck template 生成模板后填写。"))
    for key in data:
        if key not in TOP_KEYS:
            problems.append(problem(path, data.line_of(key), f"unknown top-level key '{key}' (allowed: {', '.join(TOP_KEYS)}).",
                                    f"未知的顶层键 '{key}' (允许: {', '.join(TOP_KEYS)})。", column=data.column_of(key)))
    requested = data.get("packs") or []
    if isinstance(requested, str):
        requested = [requested]
    if not isinstance(requested, list) or not all(isinstance(p, str) for p in requested):
        problems.append(problem(path, data.line_of("packs"), "'packs:' lists pack ids, e.g. [reform-annual].",
                                "'packs:' 应列出规则包名称, 如 [reform-annual]。"))
        requested = []
    county = _county(data.get("county"), data, path, problems)
    units = _units(data.get("units"), data, path, vocab, problems)
    subjects = [Subject(COUNTY, None, county.name if county else "")]
    values: dict[str, dict[str, Any]] = {COUNTY: {}}
    lines: dict[tuple[str, str], int] = {}
    facts = data.get("facts")
    if facts is None:
        facts = LineMap()
        facts.line, facts.key_lines, facts.key_columns = data.line, {}, {}
    if not isinstance(facts, LineMap):
        problems.append(problem(path, data.line_of("facts"), "'facts:' must be a mapping of fact names to values.",
                                "'facts:' 应为 \"事实名: 数值\" 的映射。"))
    else:
        _read_facts(facts, COUNTY, path, vocab, values, lines, subjects, problems)
    if problems:
        raise FactSheetError(problems)
    assert county is not None
    # A list counts as submitted when it has an entry, or is written [] ("none");
    # a list of unfilled template entries is not submitted.
    with_entries = {s.collection for s in subjects if s.collection}
    listed = {name for name, raw in (facts.items() if isinstance(facts, dict) else [])
              if name in vocab.collections and (name in with_entries or raw == [] or says_none(raw))}
    in_part = _count_collections(vocab, listed, subjects, values)
    _from_county(vocab, county, values)
    return FactSheet(path, sha256, county, subjects, values, lines, note, data.get("waivers"), tuple(requested), units,
                     frozenset(listed), in_part)


def _units(node: Any, parent: LineMap, path: str, vocab: Vocabulary, problems: list) -> dict[str, str]:
    """The county's own names for its bodies, keyed by role (or the role's Chinese label)."""
    if node is None:
        return {}
    if not isinstance(node, LineMap):
        problems.append(problem(path, parent.line_of("units"), "'units:' maps roles to this county's names for them, "
                                "e.g. health_bureau: 云州区卫生健康和体育局.",
                                "'units:' 应为 \"角色: 本县单位名称\" 的映射, 如 health_bureau: 云州区卫生健康和体育局。"))
        return {}
    from .script import to_simplified

    by_label = {to_simplified(r.label): r.name for r in vocab.roles.values()}
    out: dict[str, str] = {}
    for key, name in node.items():
        role = key if key in vocab.roles else by_label.get(to_simplified(str(key)))
        if role is None:
            from difflib import get_close_matches

            close = get_close_matches(str(key), list(vocab.roles), n=1)
            hint = f" did you mean '{close[0]}'?" if close else ""
            problems.append(problem(path, node.line_of(key), f"units: unknown role '{key}'.{hint} (roles: {', '.join(vocab.roles)})",
                                    f"units: 未知的单位角色 '{key}'。{'您是否想写 ' + repr(close[0]) + '?' if close else ''}",
                                    column=node.column_of(key)))
        elif name is None:  # left blank, as the template leaves it: the default name applies
            continue
        elif not isinstance(name, str) or not name.strip():
            problems.append(problem(path, node.line_of(key), f"units: {key}: give the department's full name as text.",
                                    f"units: {key}: 请填写该单位的全称。", column=node.column_of(key)))
        else:
            out[role] = to_simplified(name.strip())
    return out


def _county(node: Any, parent: LineMap, path: str, problems: list) -> County | None:
    if not isinstance(node, LineMap):
        problems.append(problem(path, parent.line_of("county") if "county" in parent else 1,
                                "a 'county:' block with at least name is required.",
                                "缺少 'county:' 块 (至少要有 name)。",
                                fix_en="Add county: {name: …, code: …, report_date: YYYY-MM-DD}.",
                                fix_zh="请添加 county: 并填写 name、code、report_date。"))
        return None
    for key in node:
        if key not in COUNTY_KEYS:
            problems.append(problem(path, node.line_of(key), f"county: unknown key '{key}' (allowed: {', '.join(COUNTY_KEYS)}).",
                                    f"county: 未知的键 '{key}'。", column=node.column_of(key)))
    name = _text(node, "name")
    if not isinstance(name, str) or not name.strip():
        problems.append(problem(path, node.line_of("name"), "county: 'name' is required (e.g. 平度市).", "county: 必须填写 name (如 平度市)。"))
        name = ""
    code = _text(node, "code")
    if code is not None:
        code = unicodedata.normalize("NFKC", str(code)).strip()  # ３７０２８５ typed with a Chinese input method
        if not _CODE.match(code):
            problems.append(problem(path, node.line_of("code"), f"county: code '{code}' is not a 6-digit 行政区划代码.",
                                    f"county: code '{code}' 不是 6 位行政区划代码。", fix_en='Write it in quotes, e.g. "370283".',
                                    fix_zh='请加引号填写, 如 "370283"。'))
    kind = node.get("kind")
    if isinstance(kind, str):
        written = to_simplified(kind.strip())
        kind = next((k for k in KINDS if written == k), _ZONE_WORDS.get(written, kind))
    if kind is not None and kind not in KINDS:
        problems.append(problem(path, node.line_of("kind"), f"county: kind '{kind}' is not one of {', '.join(KINDS)}.",
                                f"county: kind '{kind}' 不在允许范围内 ({'、'.join(KINDS)})。"))
    report_date = node.get("report_date")
    if report_date is not None:
        try:
            report_date = parse_date(report_date)
        except DateProblem as bad:
            problems.append(problem(path, node.line_of("report_date"), f"county: report_date: {bad.en}.",
                                    f"county: report_date: {bad.zh}。", fix_en=bad.fix_en, fix_zh=bad.fix_zh))
            report_date = None
    return County(name.strip(), code, str(_text(node, "province") or "").strip(), str(_text(node, "city") or "").strip(),
                  str(kind or ""), report_date)


def _text(node: LineMap, key: str) -> Any:
    """A county field as typed: `name: No` or `code: 0370283` are text, whatever YAML 1.1 would make of them."""
    written = node.written(key)
    return written if written is not None else node.get(key)


def _read_facts(node: LineMap, scope: str, path: str, vocab: Vocabulary, values: dict, lines: dict,
                subjects: list[Subject], problems: list) -> None:
    subject_key = subjects[-1].key
    into = values[subject_key]
    facts, collections = vocab.facts, vocab.collections
    line_of, column_of, written = node.line_of, node.column_of, node.written  # once per entry, not per fact
    for name, raw in node.items():
        line = line_of(name)
        if scope == COUNTY and name in collections:
            _read_collection(name, raw, line, path, vocab, values, lines, subjects, problems)
            continue
        if scope != COUNTY and name == "name":
            continue
        fdef = facts.get(name) if isinstance(name, str) else None
        if fdef is None or not fdef.submittable:
            problems.append(_unknown_fact(name, scope, fdef, path, line, column_of(name), vocab))
            continue
        if fdef.scope != scope:
            where_en = "at county level" if fdef.scope == COUNTY else f"inside each entry of '{fdef.scope}'"
            where_zh = "县级 facts: 下" if fdef.scope == COUNTY else f"'{fdef.scope}' 的每一项中"
            problems.append(problem(path, line, f"fact '{name}' belongs {where_en}.", f"事实 '{name}' 应填写在{where_zh}。",
                                    column=column_of(name)))
            continue
        if raw is None:
            continue  # a blank, as in an unfilled template line, is simply not submitted
        if fdef.type in _TYPED_AS_TEXT:
            text = written(name)
            if text is not None:
                raw = text  # `No`, `1e3`, `0x10` are names here, not a boolean or a number
        try:
            into[name] = fdef.parse(raw)
        except ValueProblem as vp:
            problems.append(problem(path, line, f"{name} ({fdef.label}): {vp.en}.", f"{name} ({fdef.label}): {vp.zh}。",
                                    column=column_of(name), fix_en=vp.fix_en, fix_zh=vp.fix_zh))
            continue
        lines[(subject_key, name)] = line


_TYPED_AS_TEXT = frozenset(("text", "enum", "set"))


def _unknown_fact(name: Any, scope: str, fdef: FactDef | None, path: str, line: int, column: int | None, vocab: Vocabulary) -> Problem:
    if fdef is not None and fdef.derived:
        return problem(path, line, f"'{name}' is concluded by the rules, not submitted.", f"'{name}' 由规则推导得出, 无需填写。",
                       column=column, fix_en="Delete this line.", fix_zh="请删除此行。")
    if fdef is not None and fdef.from_county:
        return problem(path, line, f"'{name}' is taken from county.{fdef.from_county}, not submitted.",
                       f"'{name}' 取自 county: 中的 {fdef.from_county}, 无需填写。", column=column,
                       fix_en="Delete this line.", fix_zh="请删除此行。")
    if fdef is not None and fdef.count_of:
        return problem(path, line, f"'{name}' is counted from the '{fdef.count_of}' list, not submitted.",
                       f"'{name}' 由 '{fdef.count_of}' 列表自动计数, 无需填写。", column=column,
                       fix_en="Delete this line.", fix_zh="请删除此行。")
    pool = [f for f, d in vocab.facts.items() if d.submittable and d.scope == scope]
    if scope == COUNTY:
        pool += list(vocab.collections)
    hint = did_you_mean(str(name), vocab, pool)
    hint_zh = hint.replace("; did you mean", "; 您是否想写") if hint else ""
    return problem(path, line, f"unknown fact '{name}'{hint}" + ("" if hint else "."),
                   f"未知的事实名 '{name}'{hint_zh}" + ("" if hint else "。"), column=column,
                   fix_en="" if hint else "Run `policycheck template` to see every fact name.",
                   fix_zh="" if hint else "运行 policycheck template 查看全部事实名。")


def _read_collection(name: str, raw: Any, line: int, path: str, vocab: Vocabulary, values: dict, lines: dict,
                     subjects: list[Subject], problems: list) -> None:
    label = vocab.collections[name].label
    if says_none(raw):
        return  # 无 / 暂无 / 没有, alone: the county has none, as []
    if not isinstance(raw, LineList):
        problems.append(problem(path, line, f"'{name}' ({label}) must be a list, one entry per item, each with a name.",
                                f"'{name}' ({label}) 应为列表, 每项一条并填写 name。"))
        return
    seen: dict[str, int] = {}
    for index, entry in enumerate(raw):
        eline = raw.line_of(index)
        if not isinstance(entry, LineMap):
            problems.append(problem(path, eline, f"each entry of '{name}' must be a mapping with 'name:'.",
                                    f"'{name}' 的每一项应为包含 name: 的映射。"))
            continue
        ename = entry.written("name") or entry.get("name")
        if all(v is None for v in entry.values()):
            continue  # an unfilled template entry: nothing submitted
        if not isinstance(ename, str) or not ename.strip():
            problems.append(problem(path, eline, f"entry {index + 1} of '{name}' needs a 'name'.", f"'{name}' 第 {index + 1} 项缺少 name。"))
            continue
        ename = ename.strip()
        if is_none_word(ename):
            problems.append(problem(path, eline, f"'{ename}' in '{name}' says there is none, but the list has other entries or facts.",
                                    f"'{name}' 中的 '{ename}' 表示没有, 但该列表还有其他项或事实。",
                                    fix_en=f"If the county has no {label}, write {name}: [] alone; otherwise give each entry its own name.",
                                    fix_zh=f"若没有{label}, 只写 {name}: [] (或只填一项 无); 否则请为每一项填写其名称。"))
            continue
        same = name_key(ename)  # 莱西市人民醫院 and 莱西市人民医院 are one entry
        if same in seen:
            problems.append(problem(path, eline, f"'{ename}' appears twice in '{name}' (lines {seen[same]} and {eline}).",
                                    f"'{ename}' 在 '{name}' 中重复 (第 {seen[same]} 行和第 {eline} 行)。"))
            continue
        seen[same] = eline
        key = f"{name}#{index}"
        subjects.append(Subject(key, name, ename, eline))
        values[key] = {}
        _read_facts(entry, name, path, vocab, values, lines, subjects, problems)


def says_none(raw: Any) -> bool:
    """A list written as 无 (or 暂无, 没有 …): alone, or as the one entry's only field."""
    if isinstance(raw, str):
        return is_none_word(raw)
    if isinstance(raw, list) and len(raw) == 1 and isinstance(raw[0], dict) and set(raw[0]) == {"name"}:
        return isinstance(raw[0]["name"], str) and is_none_word(raw[0]["name"])
    return False


def _from_county(vocab: Vocabulary, county: County, values: dict) -> None:
    """Facts declared `from_county: <field>` take the county block's value.

    A value outside an enum's list (a county the pack does not name) is absent.
    """
    for fdef in vocab.facts.values():
        if fdef.from_county:
            value = getattr(county, fdef.from_county, None)
            if value and fdef.type == "enum":
                value = fdef.option(value)  # 萊西市 is 莱西市
            if value:
                values[COUNTY][fdef.name] = value


def _count_collections(vocab: Vocabulary, listed: set[str], subjects: list[Subject],
                       values: dict) -> dict[str, tuple[int, int]]:
    """Facts declared `count_of: <collection>` are the number of submitted entries
    (with `count_where: <yes/no fact>`, of the entries that answer 是; with `count_where: <enum fact>`
    and `count_value: <option>`, of the entries that chose that option).

    A collection that is absent from the sheet leaves its count missing, not zero; so does an
    entry that leaves the `count_where` fact unanswered. Those counts are returned as (entries that
    answered so, entries that did not say): what is known of them.
    """
    in_part: dict[str, tuple[int, int]] = {}
    for fdef in vocab.facts.values():
        if fdef.count_of and fdef.count_of in listed:
            entries = [s for s in subjects if s.collection == fdef.count_of]
            if fdef.count_where is None:
                values[COUNTY][fdef.name] = len(entries)
                continue
            answers = [values[s.key].get(fdef.count_where) for s in entries]
            wanted = True if fdef.count_value is None else fdef.count_value
            counted = sum(1 for a in answers if a == wanted and type(a) is type(wanted))
            if None not in answers:
                values[COUNTY][fdef.name] = counted
            else:  # an entry that did not say leaves the count unknown, not smaller
                in_part[fdef.name] = (counted, answers.count(None))
    return in_part
