"""Rule packs: validate a pack file into a `RulePack` of `Rule`s.

A rule is a clause: it cites its section and a verbatim quote, states the
requirement, the condition under which it applies, the target, the deadline
and who leads. Validation collects every problem with its file:line before it
stops, because a broken pack must never silently pass a county.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import conditions as cond
from .errors import Problem, RulePackError, problem
from .quotes import nearest
from .policy import Jurisdiction, Policy
from .vocabulary import COUNTY, Vocabulary
from .yamlsource import LineList, LineMap, YamlSourceError, read_yaml

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
RULE_ID = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")
DEADLINE_TEMPLATE = re.compile(r"^\{(?P<fact>[a-z][a-z0-9_]*)(?P<offset>[+-]\d+)?\}-(?P<md>\d{2}(-\d{2})?)$")
RULE_KEYS = {"id", "kind", "section", "quote", "requirement", "for_each", "when", "require", "derive",
             "target", "deadline", "lead", "co_responsible", "lead_inferred", "note",
             "force", "scope", "guide", "periodic"}
PACK_KEYS = {"id", "version", "title", "policy", "applies_to", "in_force", "always_co_responsible",
             "default_lead", "released", "changes", "text", "undated_deadline", "undated_note", "undated_label", "units",
             "reference_note", "role_names"}
FORCES = ("binding", "strive", "encouraged")
SCOPES = ("county", "above")
PERIODS = {"month": 12, "quarter": 4, "half_year": 2, "year": 1}
UNDATED_LABEL = "方案实施期末"  # what the undated_deadline is called beside the date unless the pack says
UNIT_KEYS = {"level", "name", "counterpart", "role", "county", "institution", "name_fact"}
COVERAGE_STATUS = ("encoded", "uncheckable")
COVERAGE_KEYS = {"section", "status", "reason", "rules", "quote", "quotes", "note"}


@dataclass(frozen=True)
class Deadline:
    """A fixed date, or a month-day in a year given by a fact (e.g. the plan year)."""

    date: dt.date | None = None
    year_fact: str | None = None
    year_offset: int = 0
    month_day: str = ""  # "06-30", or "02": the last day of that month (leap years included)
    immediate: bool = False  # an irreversible act: a gap as soon as it is breached

    def resolve(self, values: dict[str, Any]) -> dt.date | None:
        if self.date is not None or self.immediate:
            return self.date
        year = values.get(self.year_fact)
        if not isinstance(year, int):
            return None
        year += self.year_offset
        try:
            if len(self.month_day) == 2:
                month = int(self.month_day)
                return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
            return dt.date.fromisoformat(f"{year:04d}-{self.month_day}")
        except ValueError:  # refused by lint; kept safe for packs loaded otherwise
            return None

    def __str__(self) -> str:
        if self.immediate:
            return "immediate"
        if self.date is not None:
            return self.date.isoformat()
        off = f"{self.year_offset:+d}" if self.year_offset else ""
        return f"{{{self.year_fact}{off}}}-{self.month_day}"


@dataclass(frozen=True)
class UnitDef:
    """A responsible unit as a pack's text names it, and what it is for a county's report.

    level is `above` (a city or provincial body, named in full), `role` (a body every
    county has: resolved to this county's own department) or `institution` (an entry
    of a collection: resolved to that entry's own name).
    """

    key: str
    level: str
    name: str = ""  # full name (above) or a name template with {county}/{city} (role)
    counterpart: str | None = None  # role that does the work where a county rule names this body
    role: str | None = None
    county: str | None = None  # code (or name) of the one county this unit belongs to
    counties: tuple[str, ...] = ()  # or of each of the few counties it is, for a text naming several (两区政府)
    collection: str | None = None
    name_fact: str | None = None


@dataclass(frozen=True)
class Periodic:
    every: str
    times: int = 1
    # Work that reports on a period (季通报: a bulletin on the quarter) can only be done once the period
    # has ended: each period is owed this many days after its end, and the year's last one after the year.
    lag_days: int = 0

    @property
    def per_year(self) -> int:
        return PERIODS[self.every] * self.times


@dataclass
class Rule:
    id: str
    kind: str  # check | derive
    section: str
    quote: str
    requirement_zh: str
    requirement_en: str
    for_each: str | None
    when: cond.Expr | None
    require: cond.Expr | None
    derive: str | None
    target: str
    deadline: Deadline | None
    lead: str
    co_responsible: tuple[str, ...]
    lead_inferred: bool
    note: str
    line: int
    quote_line: int | None = None
    reads: tuple[str, ...] = ()
    force: str = "binding"
    level: str = "county"  # the pack's `scope:` key — county, or above (a duty of a body above the county)
    guide: tuple[str, ...] = ()
    periodic: Periodic | None = None

    @property
    def scope(self) -> str:
        return self.for_each or COUNTY


@dataclass
class CoverageEntry:
    """A part of the text: encoded by rules, or judged uncheckable (with its quotes and reason)."""

    section: str
    status: str
    reason: str
    rules: tuple[str, ...]
    line: int
    quotes: tuple[str, ...] = ()


@dataclass
class RulePack:
    id: str
    version: str
    title: str
    policy: Policy
    applies_to: str  # jurisdiction | request
    in_force_from: dt.date | None
    in_force_to: dt.date | None
    rules: list[Rule]
    coverage: list[CoverageEntry]
    path: Path
    sha256: str
    released: bool = True
    always_co_responsible: tuple[str, ...] = ()
    text: str = "text.txt"
    undated_deadline: Deadline | None = None
    undated_note: str = ""
    undated_label: str = UNDATED_LABEL  # how a report names the undated_deadline beside the date
    units: dict[str, UnitDef] | None = None
    # A text that binds no county (another city's experience material, checked on request as a baseline):
    # what every report judged by it says at its head, so no one reads its gaps as duties.
    reference_note: str = ""
    # The names a text's time gave the county bodies it reaches (a 2011 plan: 卫生局, not 卫生健康局), as
    # templates by role: the default where the sheet does not name its body.
    role_names: dict[str, str] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    @property
    def jurisdictions(self) -> tuple[Jurisdiction, ...]:
        return self.policy.jurisdictions if self.applies_to == "jurisdiction" else ()

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    @property
    def version_key(self) -> tuple[int, ...]:
        return tuple(int(p) for p in self.version.split("."))


def load_pack(path: Path, vocab: Vocabulary, policies: dict[str, Policy]) -> RulePack:
    try:
        data, _, raw = read_yaml(path)
    except YamlSourceError as exc:
        raise RulePackError(exc.problem) from None
    problems: list[Problem] = []
    if not isinstance(data, LineMap) or not isinstance(data.get("pack"), LineMap):
        raise RulePackError(problem(path, 1, "a rule pack starts with a 'pack:' mapping (id, version, policy, …).",
                                     "规则包须以 'pack:' 段开头 (id、version、policy 等)。"))
    for key in data:
        if key not in ("pack", "rules", "coverage"):
            problems.append(problem(path, data.line_of(key), f"unknown top-level key '{key}' (allowed: pack, rules, coverage).",
                                    f"未知的顶层键 '{key}' (可用: pack、rules、coverage)。"))
    head = data["pack"]
    _check_keys(head, PACK_KEYS, path, "pack", problems)
    pack_id, version = str(head.get("id", "")), str(head.get("version", ""))
    if not SEMVER.match(version):
        problems.append(problem(path, head.line_of("version"), f"version '{version}' is not semantic (MAJOR.MINOR.PATCH).",
                                f"版本号 '{version}' 不符合 主.次.修订 格式 (如 1.0.0)。"))
    expected = path.stem if path.suffix == ".yaml" else path.name
    if version and expected != version:
        problems.append(problem(path, head.line_of("version"), f"version '{version}' does not match the file name '{path.name}'.",
                                f"版本号 '{version}' 与文件名 '{path.name}' 不一致。"))
    if pack_id != path.parent.name:
        problems.append(problem(path, head.line_of("id"), f"pack id '{pack_id}' does not match its folder '{path.parent.name}'.",
                                f"规则包 id '{pack_id}' 与所在文件夹名 '{path.parent.name}' 不一致。"))
    policy = policies.get(str(head.get("policy", "")))
    if policy is None:
        problems.append(problem(path, head.line_of("policy"), f"unknown policy '{head.get('policy')}' "
                                f"(known: {', '.join(sorted(policies)) or 'none'}); add policies/<id>/ first.",
                                f"未知的政策文件 '{head.get('policy')}' (已有: {'、'.join(sorted(policies)) or '无'}); "
                                "请先建立 policies/<id>/ 文件夹。"))
        raise RulePackError(problems)
    applies_to = head.get("applies_to", "jurisdiction")
    if applies_to not in ("jurisdiction", "request"):
        problems.append(problem(path, head.line_of("applies_to"), "applies_to must be 'jurisdiction' or 'request'.",
                                "applies_to 只能是 'jurisdiction' 或 'request'。"))
    in_force = head.get("in_force") or {}
    if not isinstance(in_force, dict):
        problems.append(problem(path, head.line_of("in_force"), "in_force must be a mapping {from: YYYY-MM-DD, to: YYYY-MM-DD or null}.",
                                "in_force 应写作 {from: YYYY-MM-DD, to: YYYY-MM-DD 或 null}。"))
        in_force = {}
    in_from, in_to = in_force.get("from"), in_force.get("to")
    for label, value in (("from", in_from), ("to", in_to)):
        if value is not None and not isinstance(value, dt.date):
            problems.append(problem(path, head.line_of("in_force"), f"in_force.{label} must be a date (YYYY-MM-DD) or null.",
                                    f"in_force.{label} 应为日期 (YYYY-MM-DD) 或 null。"))
    always = tuple(_str_list(head.get("always_co_responsible"), problems, path, head.line_of("always_co_responsible")))
    text = str(head.get("text") or "text.txt")
    if text != "text.txt" and text not in policy.texts:
        problems.append(problem(path, head.line_of("text"), f"text '{text}' is not a clean text of policies/{policy.id} "
                                f"(known: text.txt{''.join(', ' + t for t in policy.texts)}); list it under texts: in policy.yaml.",
                                f"text '{text}' 不是 policies/{policy.id} 中的原文文件 (已有: text.txt{''.join('、' + t for t in policy.texts)}); "
                                "请在 policy.yaml 的 texts: 中登记。"))
        text = "text.txt"
    units = _load_units(head.get("units"), head, path, vocab, problems) if "units" in head else None
    role_names = _role_names(head, path, vocab, problems)
    undated = _deadline(head, "pack", path, vocab, problems, key="undated_deadline", allow_immediate=False)
    context = _PackContext(policy, text, units, always)
    known: set[str] = set()  # every rule id written, valid or not: an invalid rule is still not "unknown"
    rules = _load_rules(data.get("rules"), path, vocab, context, problems, known)
    coverage = _load_coverage(data.get("coverage"), path, rules, problems, policy, text, known)
    _check_derivations(rules, vocab, path, problems)
    pack = RulePack(
        id=pack_id, version=version, title=str(head.get("title") or policy.title), policy=policy,
        applies_to=applies_to, in_force_from=in_from if isinstance(in_from, dt.date) else policy.in_force_from,
        in_force_to=in_to if isinstance(in_to, dt.date) else policy.in_force_to,
        rules=rules, coverage=coverage, path=path, sha256=hashlib.sha256(raw).hexdigest(),
        released=bool(head.get("released", True)), always_co_responsible=always, text=text,
        undated_deadline=undated, undated_note=str(head.get("undated_note") or ""),
        undated_label=str(head.get("undated_label") or UNDATED_LABEL), units=units,
        reference_note=str(head.get("reference_note") or "").strip(), role_names=role_names)
    if problems:
        error = RulePackError(problems)
        error.partial = pack  # its valid rules, so lint can check them in the same pass
        raise error
    return pack


@dataclass(frozen=True)
class _PackContext:
    """What every rule of a pack is checked against: its text, its units, its always-co-responsible units."""

    policy: Policy
    text: str
    units: dict[str, UnitDef] | None
    always: tuple[str, ...]


def _load_units(node: Any, head: LineMap, path: Path, vocab: Vocabulary, problems: list) -> dict[str, UnitDef]:
    if not isinstance(node, LineMap) or not node:
        problems.append(problem(path, head.line_of("units"), "units: maps each unit name the text uses to what it is "
                                "({level: above, name: …} | {role: …} | {institution: COLLECTION}).",
                                "units: 应列出原文中出现的每个单位名称及其类别 "
                                "({level: above, name: …} 或 {role: …} 或 {institution: 集合名})。"))
        return {}
    out: dict[str, UnitDef] = {}
    for key, spec in node.items():
        line = node.line_of(key)
        if not isinstance(spec, LineMap):
            problems.append(problem(path, line, f"unit '{key}': give a mapping, e.g. {{role: health_bureau}}.",
                                    f"单位 '{key}': 应写成映射, 如 {{role: health_bureau}}。"))
            continue
        _check_keys(spec, UNIT_KEYS, path, f"unit '{key}'", problems)
        unit = _unit(str(key), spec, path, line, vocab, problems)
        if unit is not None:
            out[str(key)] = unit
    return out


def _unit(key: str, spec: LineMap, path: Path, line: int, vocab: Vocabulary, problems: list) -> UnitDef | None:
    kinds = [k for k in ("level", "role", "institution") if k in spec]
    if len(kinds) != 1 or (kinds == ["level"] and spec.get("level") != "above"):
        problems.append(problem(path, line, f"unit '{key}': say exactly one of level: above, role: ROLE or institution: COLLECTION.",
                                f"单位 '{key}': 须且只能写 level: above、role: 角色 或 institution: 集合名 三者之一。"))
        return None
    for field_name in ("counterpart", "role"):
        role = spec.get(field_name)
        if role is not None and role not in vocab.roles:
            problems.append(problem(path, line, f"unit '{key}': unknown role '{role}' (known: {', '.join(vocab.roles)}); "
                                    "declare it in rules/vocabulary/roles.yaml.",
                                    f"单位 '{key}': 未知的角色 '{role}' (已有: {'、'.join(vocab.roles)}); "
                                    "请在 rules/vocabulary/roles.yaml 中登记。"))
            return None
    county = spec.get("county")
    counties: tuple[str, ...] = ()
    if isinstance(county, list) and county and all(str(c).strip() for c in county):
        counties, county = tuple(str(c).strip() for c in county), None
    if county is not None and (isinstance(county, (list, dict)) or not str(county).strip()):
        problems.append(problem(path, line, f"unit '{key}': county is the 6-digit 行政区划代码 (in quotes) or the name of "
                                "the jurisdiction this unit belongs to, or a list of them for a text naming several.",
                                f"单位 '{key}': county 应为6位行政区划代码 (加引号) 或该单位所属辖区的名称; 文件并称几个辖区时写成列表。"))
        return None
    if kinds == ["level"]:
        if not spec.get("name"):
            problems.append(problem(path, line, f"unit '{key}': a body above the county needs its full name (name:).",
                                    f"单位 '{key}': 上级机关须写明全称 (name:)。"))
            return None
        return UnitDef(key, "above", str(spec["name"]), spec.get("counterpart"))
    if kinds == ["role"]:
        name = str(spec.get("name") or "")  # none given: the role's own, as the county's kind names it
        if name and "{county}" not in name and county is None and not counties:
            problems.append(problem(path, line, f"unit '{key}': a role's name template must contain {{county}}.",
                                    f"单位 '{key}': 角色的名称模板须包含 {{county}}。"))
            return None
        return UnitDef(key, "role", name, role=str(spec["role"]), county=str(county) if county else None, counties=counties)
    collection = str(spec.get("institution"))
    if collection not in vocab.collections:
        problems.append(problem(path, line, f"unit '{key}': unknown collection '{collection}' (known: {', '.join(vocab.collections)}).",
                                f"单位 '{key}': 未知的集合 '{collection}' (已有: {'、'.join(vocab.collections)})。"))
        return None
    name_fact = spec.get("name_fact")
    if name_fact is not None:
        fdef = vocab.facts.get(str(name_fact))
        if fdef is None or fdef.scope != collection or fdef.type not in ("text", "enum"):
            problems.append(problem(path, line, f"unit '{key}': name_fact '{name_fact}' must be a text or option fact of {collection}.",
                                    f"单位 '{key}': name_fact '{name_fact}' 须为 {collection} 中的文字或选项事实。"))
            return None
    return UnitDef(key, "institution", collection=collection, name_fact=str(name_fact) if name_fact else None)


def _zh_what(what: str) -> str:
    """'rule CZ-001' / "unit '市卫生健康委'" as a Chinese message names them."""
    return what.replace("rule ", "规则 ", 1).replace("unit ", "单位 ", 1)


def _check_keys(node: LineMap, allowed: set, path: Path, what: str, problems: list) -> None:
    for key in node:
        if key not in allowed:
            problems.append(problem(path, node.line_of(key), f"{what}: unknown key '{key}' (allowed: {', '.join(sorted(allowed))}).",
                                    f"{_zh_what(what)}: 未知的键 '{key}' (可用: {'、'.join(sorted(allowed))})。"))


def _str_list(value: Any, problems: list | None = None, path: Path | None = None, line: int | None = None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        if problems is not None:
            problems.append(problem(path, line, f"expected a list of unit names, got {value!r}.",
                                    f"此处应为单位名称列表, 实际是 {value!r}。"))
        return []
    return [str(v) for v in value]


def _load_rules(node: Any, path: Path, vocab: Vocabulary, context: _PackContext, problems: list,
                known: set[str] | None = None) -> list[Rule]:
    if not isinstance(node, LineList) or not node:
        problems.append(problem(path, None, "a pack needs a non-empty 'rules:' list.", "规则包须有非空的 'rules:' 列表。"))
        return []
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    for index, spec in enumerate(node):
        line = node.line_of(index)
        if not isinstance(spec, LineMap):
            problems.append(problem(path, line, "each rule must be a mapping.", "每条规则都应写成映射 (id: …、section: … 等)。"))
            continue
        rule = _load_rule(spec, path, vocab, context, problems)
        written = str(spec.get("id") or "")
        if written and known is not None:
            known.add(written)
        if rule is None:
            # An invalid rule still takes its id, so a later duplicate is reported in the same pass.
            if written and written not in seen:
                seen[written] = line
            elif written:
                problems.append(problem(path, line, f"rule id '{written}' is used twice (first at line {seen[written]}).",
                                            f"规则编号 '{written}' 重复使用 (第一次在第 {seen[written]} 行)。"))
            continue
        if rule.id in seen:
            problems.append(problem(path, line, f"rule id '{rule.id}' is used twice (first at line {seen[rule.id]}).",
                                    f"规则编号 '{rule.id}' 重复使用 (第一次在第 {seen[rule.id]} 行)。"))
            continue
        seen[rule.id] = line
        rules.append(rule)
    return rules


def _load_rule(spec: LineMap, path: Path, vocab: Vocabulary, context: _PackContext, problems: list) -> Rule | None:
    policy, always = context.policy, context.always
    before = len(problems)
    _check_keys(spec, RULE_KEYS, path, f"rule {spec.get('id', '?')}", problems)
    rid = str(spec.get("id", ""))
    at = lambda key: spec.line_of(key)  # noqa: E731
    if not RULE_ID.match(rid):
        problems.append(problem(path, at("id"), f"rule id '{rid}' must look like CZ-001 (capitals, digits, hyphens).",
                                f"规则编号 '{rid}' 应写成 CZ-001 这样的格式 (大写字母、数字、连字符)。"))
    kind = spec.get("kind", "check")
    if kind not in ("check", "derive"):
        problems.append(problem(path, at("kind"), f"rule {rid}: kind must be 'check' or 'derive', not '{kind}'.",
                                f"规则 {rid}: kind 只能是 'check' 或 'derive', 不能是 '{kind}'。"))
    section, quote = str(spec.get("section") or ""), spec.get("quote")
    if not section:
        problems.append(problem(path, spec.line, f"rule {rid}: 'section' is required (the clause it encodes).",
                                f"规则 {rid}: 缺少 'section' (所编码的条款)。"))
    quote_line = None
    if not isinstance(quote, str) or not quote.strip():
        problems.append(problem(path, spec.line, f"rule {rid}: 'quote' is required, verbatim from policies/{policy.id}/text.txt.",
                                f"规则 {rid}: 缺少 'quote' (从 policies/{policy.id}/text.txt 逐字复制的引文)。"))
    else:
        quote_line = policy.find(quote, context.text)
        if quote_line is None:
            near_en, near_zh = nearest(quote, policy.lines_of(context.text))
            problems.append(problem(path, at("quote"), f"rule {rid}: quote is not verbatim in policies/{policy.id}/{context.text}: «{quote[:40]}…»; {near_en}",
                                    f"规则 {rid}: 引文与 policies/{policy.id}/{context.text} 原文不一致; {near_zh}",
                                    fix_en="Copy the words exactly from the clean text, within one paragraph.",
                                    fix_zh="请从原文逐字复制, 且不跨段落。"))
    req = spec.get("requirement")
    req_zh = req.get("zh", "") if isinstance(req, dict) else ""
    req_en = req.get("en", "") if isinstance(req, dict) else ""
    if not req_zh:
        problems.append(problem(path, at("requirement"), f"rule {rid}: requirement needs 'zh' (and 'en').",
                                f"规则 {rid}: requirement 须有中文 'zh' (以及英文 'en')。"))
    for_each = spec.get("for_each")
    if for_each is not None and (not isinstance(for_each, str) or for_each not in vocab.collections):
        problems.append(problem(path, at("for_each"), f"rule {rid}: unknown collection '{for_each}' (known: {', '.join(vocab.collections)}).",
                                f"规则 {rid}: 未知的集合 '{for_each}' (已有: {'、'.join(vocab.collections)})。"))
        for_each = None
    scope = for_each or COUNTY
    when = _expr(spec, "when", rid, path, vocab, scope, problems)
    require = _expr(spec, "require", rid, path, vocab, scope, problems) if kind == "check" else None
    derive = spec.get("derive")
    if kind == "check":
        if spec.get("require") is None:
            problems.append(problem(path, spec.line, f"rule {rid}: a check rule needs 'require'.",
                                    f"规则 {rid}: 检查规则 (check) 须写 'require'。"))
        if derive is not None:
            problems.append(problem(path, at("derive"), f"rule {rid}: only derive rules have 'derive'.",
                                    f"规则 {rid}: 只有推导规则 (kind: derive) 才写 'derive'。"))
    elif kind == "derive":
        fdef = vocab.facts.get(str(derive))
        if fdef is None or not fdef.derived:
            problems.append(problem(path, at("derive"), f"rule {rid}: '{derive}' is not a derived fact in the vocabulary (declare it with derived: true).",
                                    f"规则 {rid}: '{derive}' 不是词表中的推导事实 (请在词表中写 derived: true)。"))
        elif fdef.scope != scope:
            problems.append(problem(path, at("derive"), f"rule {rid}: derived fact '{derive}' has scope {fdef.scope}, the rule {scope}.",
                                    f"规则 {rid}: 推导事实 '{derive}' 的范围是 {fdef.scope}, 规则的范围却是 {scope}。"))
        if when is None:
            problems.append(problem(path, spec.line, f"rule {rid}: a derive rule needs 'when' (what must hold to conclude it).",
                                    f"规则 {rid}: 推导规则须写 'when' (满足什么条件才得出结论)。"))
    deadline = _deadline(spec, f"rule {rid}", path, vocab, problems)
    lead = str(spec.get("lead") or "")
    if kind == "check" and not lead:
        problems.append(problem(path, spec.line, f"rule {rid}: 'lead' (牵头单位) is required.",
                                f"规则 {rid}: 缺少牵头单位 'lead'。"))
    co = tuple(_str_list(spec.get("co_responsible"), problems, path, at("co_responsible")))
    guide = tuple(_str_list(spec.get("guide")))
    force, level = spec.get("force", "binding"), spec.get("scope", "county")
    if level != "above":  # a body above the county does its own work: the county is its object, not its partner
        co = co + tuple(u for u in always if u not in co and u != lead)
    if force not in FORCES:
        problems.append(problem(path, at("force"), f"rule {rid}: force must be one of {', '.join(FORCES)}, not '{force}'.",
                                f"规则 {rid}: force 只能是 {'、'.join(FORCES)} 之一, 不能是 '{force}'。"))
    if level not in SCOPES:
        problems.append(problem(path, at("scope"), f"rule {rid}: scope must be one of {', '.join(SCOPES)}, not '{level}'.",
                                f"规则 {rid}: scope 只能是 {'、'.join(SCOPES)} 之一, 不能是 '{level}'。"))
    periodic = _periodic(spec, rid, path, vocab, require, for_each, problems)
    if kind == "check" and context.units is not None:
        _check_units(rid, spec, context.units, lead, co, guide, for_each, str(level), path, problems)
    if len(problems) > before:
        return None
    reads = tuple(dict.fromkeys(cond.facts_of(when) + cond.facts_of(require)
                                + ([deadline.year_fact] if deadline and deadline.year_fact else [])))
    target = str(spec.get("target") or cond.describe(require, lambda f: _label(vocab, f), lambda f, v: _show(vocab, f, v)))
    return Rule(rid, kind, section, quote, req_zh, req_en, for_each, when, require,
                str(derive) if derive else None, target, deadline, lead, co,
                bool(spec.get("lead_inferred", False)), str(spec.get("note") or ""), spec.line, quote_line, reads,
                str(force), str(level), guide, periodic)


def _check_units(rid: str, spec: LineMap, units: dict[str, UnitDef], lead: str, co: tuple[str, ...],
                 guide: tuple[str, ...], for_each: str | None, level: str, path: Path, problems: list) -> None:
    """Every unit a rule names is one of the pack's units, and an institution leads only its own entries."""
    for key, names in (("lead", (lead,)), ("co_responsible", co), ("guide", guide)):
        for name in names:
            unit = units.get(name)
            if unit is None:
                from difflib import get_close_matches

                close = get_close_matches(name, list(units), n=1, cutoff=0.5)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                hint_zh = f" 是否应为 '{close[0]}'?" if close else ""
                problems.append(problem(path, spec.line_of(key) if key in spec else spec.line,
                                        f"rule {rid}: {key}: '{name}' is not in the pack's units:{hint}",
                                        f"规则 {rid}: {key}: '{name}' 不在本包的 units: 列表中。{hint_zh}",
                                        fix_en="Add it under pack: units: with its level, or use the name already listed.",
                                        fix_zh="请在 pack: units: 中登记它及其类别, 或改用已登记的名称。"))
            elif unit.level == "institution" and unit.collection != for_each:
                problems.append(problem(path, spec.line_of(key) if key in spec else spec.line,
                                        f"rule {rid}: {key}: '{name}' is each entry of {unit.collection}; only a rule "
                                        f"with for_each: {unit.collection} can name it (a collective is not a department).",
                                        f"规则 {rid}: {key}: '{name}' 指 {unit.collection} 中的每一项; 只有写了 "
                                        f"for_each: {unit.collection} 的规则才能用它 (集合不是一个部门)。"))
    lead_unit = units.get(lead)
    if lead_unit is not None and lead_unit.level == "above" and not lead_unit.counterpart and level != "above":
        problems.append(problem(path, spec.line_of("lead"), f"rule {rid}: lead '{lead}' is a body above the county with no "
                                "county counterpart: mark the rule scope: above, or give the unit a counterpart role.",
                                f"规则 {rid}: 牵头单位 '{lead}' 是上级机关, 没有对应的县级部门: 请把规则标为 scope: above, "
                                "或给该单位写 counterpart 角色。"))


def _role_names(head: LineMap, path: Path, vocab: Vocabulary, problems: list) -> dict[str, str]:
    node = head.get("role_names")
    if node is None:
        return {}
    if not isinstance(node, dict) or not all(isinstance(v, str) and "{county}" in v for v in node.values()):
        problems.append(problem(path, head.line_of("role_names"), "role_names maps roles to name templates with {county} "
                                "(e.g. health_bureau: \"{county}卫生局\").",
                                "role_names 应为 角色: 含 {county} 的名称模板 (如 health_bureau: \"{county}卫生局\")。"))
        return {}
    unknown = [str(r) for r in node if r not in vocab.roles]
    if unknown:
        problems.append(problem(path, head.line_of("role_names"), f"role_names: unknown role(s) {', '.join(unknown)} "
                                f"(roles: {', '.join(vocab.roles)}).",
                                f"role_names: 未知的角色 {'、'.join(unknown)} (可用: {'、'.join(vocab.roles)})。"))
        return {}
    return {str(k): str(v) for k, v in node.items()}


def _periodic(spec: LineMap, rid: str, path: Path, vocab: Vocabulary, require: cond.Expr | None,
              for_each: str | None, problems: list) -> Periodic | None:
    node = spec.get("periodic")
    if node is None:
        return None
    every = node.get("every") if isinstance(node, dict) else None
    times = node.get("times", 1) if isinstance(node, dict) else None
    lag = node.get("lag_days", 0) if isinstance(node, dict) else None
    unknown = sorted(set(node) - {"every", "times", "lag_days"}) if isinstance(node, dict) else []
    if every not in PERIODS or not isinstance(times, int) or isinstance(times, bool) or times < 1 \
            or not isinstance(lag, int) or isinstance(lag, bool) or not 0 <= lag <= 366 or unknown:
        problems.append(problem(path, spec.line_of("periodic"), f"rule {rid}: periodic needs every: "
                                f"{'|'.join(PERIODS)}, times: a whole number ≥ 1, and optionally lag_days: 0–366 "
                                "(days after each period's end by which its work is owed).",
                                f"规则 {rid}: periodic 须写 every: {'|'.join(PERIODS)} 和 times: 不小于1的整数, "
                                "可写 lag_days: 0–366 (每期结束后多少天内完成该期的工作)。"))
        return None
    fdef = vocab.fact(require.fact) if isinstance(require, cond.Test) else None
    if fdef is None or require.op not in ("ge", "gt") or fdef.type != "integer":  # type: ignore[union-attr]
        problems.append(problem(path, spec.line_of("periodic"), f"rule {rid}: a periodic rule requires one count "
                                "(an integer fact) to reach the year's number: require: {fact: …, ge: N}.",
                                f"规则 {rid}: 周期性规则的 require 须是一个计数 (整数事实) 达到全年次数: "
                                "require: {fact: …, ge: N}。"))
        return None
    return Periodic(str(every), times, lag)


def _show(vocab: Vocabulary, fact: str, value: Any) -> str:
    fdef = vocab.fact(fact)
    return fdef.show(value) if fdef else str(value)


def _label(vocab: Vocabulary, fact: str) -> str:
    fdef = vocab.fact(fact)
    return fdef.label if fdef else fact


def _expr(spec: LineMap, key: str, rid: str, path: Path, vocab: Vocabulary, scope: str, problems: list) -> cond.Expr | None:
    if key not in spec or spec[key] is None:
        return None
    try:
        expr = cond.parse(spec[key], vocab.set_members())
    except cond.ConditionError as exc:
        where = exc.where if isinstance(exc.where, (LineMap, LineList)) else spec
        line = where.line_of(exc.key) if exc.key is not None and isinstance(where, LineMap) else getattr(where, "line", spec.line_of(key))
        problems.append(problem(path, line, f"rule {rid}: {key}: {exc}.", f"规则 {rid}: {key}: {exc.zh}。"))
        return None
    ok = True
    for test in _tests(expr):
        fdef = vocab.fact(test.fact)
        line = spec.line_of(key)
        if fdef is None:
            from .suggest import did_you_mean
            hint = did_you_mean(test.fact, vocab)
            problems.append(problem(path, line, f"rule {rid}: {key}: unknown fact '{test.fact}'{hint}.",
                                    f"规则 {rid}: {key}: 词表中没有事实 '{test.fact}'。{hint.replace('; did you mean', '是否应为').strip()}"))
            ok = False
            continue
        if fdef.scope not in (COUNTY, scope):
            problems.append(problem(path, line, f"rule {rid}: {key}: fact '{test.fact}' belongs to {fdef.scope}, "
                                    f"but the rule is {'for each ' + scope if scope != COUNTY else 'county-level'}.",
                                    f"规则 {rid}: {key}: 事实 '{test.fact}' 属于 {fdef.scope}, "
                                    f"而规则{'针对 ' + scope + ' 中的每一项' if scope != COUNTY else '针对全县'}。"))
            ok = False
        message, message_zh = _type_mismatch(fdef, test)
        if message:
            problems.append(problem(path, line, f"rule {rid}: {key}: {message}.", f"规则 {rid}: {key}: {message_zh}。"))
            ok = False
    try:
        cond.dnf(expr)
        cond.dnf(cond.negate(expr))
    except cond.ConditionError as exc:
        problems.append(problem(path, spec.line_of(key), f"rule {rid}: {key}: {exc}.", f"规则 {rid}: {key}: {exc.zh}。"))
        ok = False
    return expr if ok else None


def _tests(expr: cond.Expr) -> list[cond.Test]:
    if isinstance(expr, cond.Test):
        return [expr]
    parts = (expr.part,) if isinstance(expr, cond.Not) else expr.parts
    return [t for p in parts for t in _tests(p)]


def _type_mismatch(fdef, test: cond.Test) -> tuple[str, str]:
    """(English, Chinese) saying why the test cannot apply to the fact's type; empty when it can."""
    value, ftype, name = test.value, fdef.type, fdef.name
    if ftype in ("number", "integer", "percent"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return (f"'{name}' is a number; compare it with a number, not {value!r}",
                    f"'{name}' 是数值, 应与数值比较, 不能与 {value!r} 比较")
    elif ftype == "boolean":
        if not isinstance(value, bool) or test.op not in ("eq", "ne"):
            return f"'{name}' is true/false; use eq: true or eq: false", f"'{name}' 是 是/否 事实, 请写 eq: true 或 eq: false"
    elif ftype == "date":
        if not isinstance(value, dt.date):
            return (f"'{name}' is a date; compare it with a date (YYYY-MM-DD)",
                    f"'{name}' 是日期, 应与日期 (YYYY-MM-DD) 比较")
    elif ftype == "enum":
        if value not in fdef.values:
            return (f"'{value}' is not a value of '{name}' (allowed: {', '.join(fdef.values)})",
                    f"'{value}' 不是 '{name}' 的可选值 (可选: {'、'.join(fdef.values)})")
        if test.op not in ("eq", "ne") and not fdef.ordered:
            return f"'{name}' is unordered; only eq/ne/in apply", f"'{name}' 的选项没有顺序, 只能用 eq/ne/in"
    elif ftype == "set":
        return f"'{name}' is a set; use includes", f"'{name}' 是多选清单, 请用 includes"
    elif ftype == "text":
        if test.op not in ("eq", "ne") or not isinstance(value, str):
            return f"'{name}' is text; only eq/ne with text apply", f"'{name}' 是文字, 只能用 eq/ne 与文字比较"
    return "", ""


def _deadline(spec: LineMap, what: str, path: Path, vocab: Vocabulary, problems: list,
              key: str = "deadline", allow_immediate: bool = True) -> Deadline | None:
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return Deadline(date=value)
    if allow_immediate and value == "immediate":
        return Deadline(immediate=True)
    match = DEADLINE_TEMPLATE.match(str(value))
    if match:
        fdef = vocab.facts.get(match["fact"])
        md = match["md"] if "-" in match["md"] else f"{match['md']}-01"
        try:  # the month-day must exist in every year: 02-29 would fail in three years of four
            dt.date.fromisoformat(f"2001-{md}")
        except ValueError:
            fdef = None
        if fdef is not None and fdef.type == "integer" and fdef.scope == COUNTY:
            return Deadline(year_fact=match["fact"], year_offset=int(match["offset"] or 0), month_day=match["md"])
    problems.append(problem(path, spec.line_of(key),
                            f"{what}: {key} '{value}' is not a date (YYYY-MM-DD), a template like '{{plan_year}}-06-30' "
                            f"or '{{plan_year+1}}-02' (the last day of that month) naming a county-level integer fact"
                            f"{' (or immediate)' if allow_immediate else ''}, with a month-day that exists in every year (not 02-29).",
                            f"{_zh_what(what)}: {key} '{value}' 不是日期 (YYYY-MM-DD), 也不是以县级整数事实命名的模板 "
                            f"(如 '{{plan_year}}-06-30' 或 '{{plan_year+1}}-02', 后者为该月最后一天)"
                            f"{' 或 immediate' if allow_immediate else ''}; 月日须每年都有 (不能是 02-29)。"))
    return None


def _load_coverage(node: Any, path: Path, rules: list[Rule], problems: list, policy: Policy | None = None,
                   text: str = "text.txt", known: set[str] | None = None) -> list[CoverageEntry]:
    if node is None:
        return []
    if not isinstance(node, LineList):
        problems.append(problem(path, None, "'coverage' must be a list.", "'coverage' 应为列表。"))
        return []
    ids = {r.id for r in rules} | (known or set())
    out = []
    for index, item in enumerate(node):
        line = node.line_of(index)
        if not isinstance(item, LineMap) or item.get("status") not in COVERAGE_STATUS or not item.get("section"):
            problems.append(problem(path, line, f"coverage entry needs section and status ({' or '.join(COVERAGE_STATUS)}).",
                                    f"coverage 条目须写 section 和 status ({' 或 '.join(COVERAGE_STATUS)})。"))
            continue
        for key in item:
            if key not in COVERAGE_KEYS:
                problems.append(problem(path, item.line_of(key), f"coverage entry {item['section']}: unknown key '{key}' "
                                        f"(allowed: {', '.join(sorted(COVERAGE_KEYS))}); a comma in an unquoted value "
                                        "inside {…} starts a new key — quote the value.",
                                        f"coverage 条目 {item['section']}: 未知的键 '{key}' (可用: {'、'.join(sorted(COVERAGE_KEYS))}); "
                                        "{…} 中未加引号的值里的英文逗号会开始一个新键, 请给该值加引号。"))
        listed = tuple(_str_list(item.get("rules"), problems, path, item.line_of("rules")))
        quotes = tuple(_str_list(item.get("quotes"), problems, path, item.line_of("quotes"))) + tuple(
            _str_list(item.get("quote"), problems, path, item.line_of("quote")))
        for quote in quotes:
            if policy is not None and policy.find(quote, text) is None:
                problems.append(problem(path, item.line_of("quotes") if "quotes" in item else item.line_of("quote"),
                                        f"coverage entry {item['section']}: quote is not verbatim in the clean text: «{quote[:40]}…»",
                                        f"coverage 条目 {item['section']}: 引文与原文不一致: «{quote[:40]}…»"))
        unknown = [r for r in listed if r not in ids]
        if unknown:
            problems.append(problem(path, line, f"coverage entry names unknown rules: {', '.join(unknown)}.",
                                    f"coverage 条目中的规则不存在: {'、'.join(unknown)}。"))
        if item["status"] == "uncheckable" and not item.get("reason"):
            problems.append(problem(path, line, "an uncheckable coverage entry needs a 'reason'.", "不可核查 (uncheckable) 的 coverage 条目须写理由 'reason'。"))
        out.append(CoverageEntry(str(item["section"]), item["status"], str(item.get("reason") or ""), listed, line, quotes))
    return out


def _check_derivations(rules: list[Rule], vocab: Vocabulary, path: Path, problems: list) -> None:
    """Each derived fact has one derive rule in the pack, and derivations have no cycle."""
    derivers: dict[str, Rule] = {}
    for rule in rules:
        if rule.kind == "derive" and rule.derive:
            if rule.derive in derivers:
                problems.append(problem(path, rule.line, f"rule {rule.id}: '{rule.derive}' is already derived by {derivers[rule.derive].id}; "
                                        "combine the conditions with any: in one rule.",
                                        f"规则 {rule.id}: '{rule.derive}' 已由 {derivers[rule.derive].id} 推导; 请用 any: 把条件合并到一条规则中。"))
            derivers[rule.derive] = rule
    for rule in rules:
        for fact in rule.reads:
            fdef = vocab.facts.get(fact)
            if fdef is not None and fdef.derived and fact not in derivers:
                problems.append(problem(path, rule.line, f"rule {rule.id}: reads derived fact '{fact}', which no rule of this pack derives.",
                                        f"规则 {rule.id}: 读取推导事实 '{fact}', 但本包没有规则推导它。"))
    graph = {name: [f for f in rule.reads if f in derivers] for name, rule in derivers.items()}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                cycle = trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt]
                problems.append(problem(path, derivers[node].line, "derive rules form a cycle: "
                                        + " → ".join(cycle) + "; a conclusion cannot depend on itself.",
                                        "推导规则形成循环: " + " → ".join(cycle) + "; 结论不能依赖它自身。"))
            elif state.get(nxt) is None:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for name in sorted(graph):
        if state.get(name) is None:
            visit(name, [name])
