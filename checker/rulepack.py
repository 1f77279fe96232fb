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
from dataclasses import dataclass
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
DEADLINE_TEMPLATE = re.compile(r"^\{(?P<fact>[a-z][a-z0-9_]*)(?P<offset>[+-]\d+)?\}-(?P<md>\d{2}-\d{2})$")
RULE_KEYS = {"id", "kind", "section", "quote", "requirement", "for_each", "when", "require", "derive",
             "target", "deadline", "lead", "co_responsible", "lead_inferred", "note"}
PACK_KEYS = {"id", "version", "title", "policy", "applies_to", "in_force", "always_co_responsible",
             "default_lead", "released", "changes"}
COVERAGE_STATUS = ("encoded", "uncheckable")
COVERAGE_KEYS = {"section", "status", "reason", "rules", "quote", "quotes", "note"}


@dataclass(frozen=True)
class Deadline:
    """A fixed date, or a month-day in a year given by a fact (e.g. the plan year)."""

    date: dt.date | None = None
    year_fact: str | None = None
    year_offset: int = 0
    month_day: str = ""

    def resolve(self, values: dict[str, Any]) -> dt.date | None:
        if self.date is not None:
            return self.date
        year = values.get(self.year_fact)
        if not isinstance(year, int):
            return None
        try:
            return dt.date.fromisoformat(f"{year + self.year_offset:04d}-{self.month_day}")
        except ValueError:  # refused by lint; kept safe for packs loaded otherwise
            return None

    def __str__(self) -> str:
        if self.date is not None:
            return self.date.isoformat()
        off = f"{self.year_offset:+d}" if self.year_offset else ""
        return f"{{{self.year_fact}{off}}}-{self.month_day}"


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
        raise RulePackError(problem(path, 1, "a rule pack starts with a 'pack:' mapping (id, version, policy, …)."))
    for key in data:
        if key not in ("pack", "rules", "coverage"):
            problems.append(problem(path, data.line_of(key), f"unknown top-level key '{key}' (allowed: pack, rules, coverage)."))
    head = data["pack"]
    _check_keys(head, PACK_KEYS, path, "pack", problems)
    pack_id, version = str(head.get("id", "")), str(head.get("version", ""))
    if not SEMVER.match(version):
        problems.append(problem(path, head.line_of("version"), f"version '{version}' is not semantic (MAJOR.MINOR.PATCH)."))
    expected = path.stem if path.suffix == ".yaml" else path.name
    if version and expected != version:
        problems.append(problem(path, head.line_of("version"), f"version '{version}' does not match the file name '{path.name}'."))
    if pack_id != path.parent.name:
        problems.append(problem(path, head.line_of("id"), f"pack id '{pack_id}' does not match its folder '{path.parent.name}'."))
    policy = policies.get(str(head.get("policy", "")))
    if policy is None:
        problems.append(problem(path, head.line_of("policy"), f"unknown policy '{head.get('policy')}' "
                                f"(known: {', '.join(sorted(policies)) or 'none'}); add policies/<id>/ first."))
        raise RulePackError(problems)
    applies_to = head.get("applies_to", "jurisdiction")
    if applies_to not in ("jurisdiction", "request"):
        problems.append(problem(path, head.line_of("applies_to"), "applies_to must be 'jurisdiction' or 'request'."))
    in_force = head.get("in_force") or {}
    in_from, in_to = in_force.get("from"), in_force.get("to")
    for label, value in (("from", in_from), ("to", in_to)):
        if value is not None and not isinstance(value, dt.date):
            problems.append(problem(path, head.line_of("in_force"), f"in_force.{label} must be a date (YYYY-MM-DD) or null."))
    always = tuple(_str_list(head.get("always_co_responsible")))
    known: set[str] = set()  # every rule id written, valid or not: an invalid rule is still not "unknown"
    rules = _load_rules(data.get("rules"), path, vocab, policy, problems, always, known)
    coverage = _load_coverage(data.get("coverage"), path, rules, problems, policy, known)
    _check_derivations(rules, vocab, path, problems)
    pack = RulePack(
        id=pack_id, version=version, title=str(head.get("title") or policy.title), policy=policy,
        applies_to=applies_to, in_force_from=in_from if isinstance(in_from, dt.date) else policy.in_force_from,
        in_force_to=in_to if isinstance(in_to, dt.date) else policy.in_force_to,
        rules=rules, coverage=coverage, path=path, sha256=hashlib.sha256(raw).hexdigest(),
        released=bool(head.get("released", True)), always_co_responsible=always)
    if problems:
        error = RulePackError(problems)
        error.partial = pack  # its valid rules, so lint can check them in the same pass
        raise error
    return pack


def _check_keys(node: LineMap, allowed: set, path: Path, what: str, problems: list) -> None:
    for key in node:
        if key not in allowed:
            problems.append(problem(path, node.line_of(key), f"{what}: unknown key '{key}' (allowed: {', '.join(sorted(allowed))})."))


def _str_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _load_rules(node: Any, path: Path, vocab: Vocabulary, policy: Policy, problems: list,
                always: tuple[str, ...], known: set[str] | None = None) -> list[Rule]:
    if not isinstance(node, LineList) or not node:
        problems.append(problem(path, None, "a pack needs a non-empty 'rules:' list."))
        return []
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    for index, spec in enumerate(node):
        line = node.line_of(index)
        if not isinstance(spec, LineMap):
            problems.append(problem(path, line, "each rule must be a mapping."))
            continue
        rule = _load_rule(spec, path, vocab, policy, problems, always)
        written = str(spec.get("id") or "")
        if written and known is not None:
            known.add(written)
        if rule is None:
            # An invalid rule still takes its id, so a later duplicate is reported in the same pass.
            if written and written not in seen:
                seen[written] = line
            elif written:
                problems.append(problem(path, line, f"rule id '{written}' is used twice (first at line {seen[written]})."))
            continue
        if rule.id in seen:
            problems.append(problem(path, line, f"rule id '{rule.id}' is used twice (first at line {seen[rule.id]})."))
            continue
        seen[rule.id] = line
        rules.append(rule)
    return rules


def _load_rule(spec: LineMap, path: Path, vocab: Vocabulary, policy: Policy, problems: list,
               always: tuple[str, ...]) -> Rule | None:
    before = len(problems)
    _check_keys(spec, RULE_KEYS, path, f"rule {spec.get('id', '?')}", problems)
    rid = str(spec.get("id", ""))
    at = lambda key: spec.line_of(key)  # noqa: E731
    if not RULE_ID.match(rid):
        problems.append(problem(path, at("id"), f"rule id '{rid}' must look like CZ-001 (capitals, digits, hyphens)."))
    kind = spec.get("kind", "check")
    if kind not in ("check", "derive"):
        problems.append(problem(path, at("kind"), f"rule {rid}: kind must be 'check' or 'derive', not '{kind}'."))
    section, quote = str(spec.get("section") or ""), spec.get("quote")
    if not section:
        problems.append(problem(path, spec.line, f"rule {rid}: 'section' is required (the clause it encodes)."))
    quote_line = None
    if not isinstance(quote, str) or not quote.strip():
        problems.append(problem(path, spec.line, f"rule {rid}: 'quote' is required, verbatim from policies/{policy.id}/text.txt."))
    else:
        quote_line = policy.find(quote)
        if quote_line is None:
            near_en, near_zh = nearest(quote, policy.lines)
            problems.append(problem(path, at("quote"), f"rule {rid}: quote is not verbatim in policies/{policy.id}/text.txt: «{quote[:40]}…»; {near_en}",
                                    f"规则 {rid}: 引文与 policies/{policy.id}/text.txt 原文不一致; {near_zh}",
                                    fix_en="Copy the words exactly from the clean text, within one paragraph.",
                                    fix_zh="请从原文逐字复制, 且不跨段落。"))
    req = spec.get("requirement")
    req_zh = req.get("zh", "") if isinstance(req, dict) else ""
    req_en = req.get("en", "") if isinstance(req, dict) else ""
    if not req_zh:
        problems.append(problem(path, at("requirement"), f"rule {rid}: requirement needs 'zh' (and 'en')."))
    for_each = spec.get("for_each")
    if for_each is not None and for_each not in vocab.collections:
        problems.append(problem(path, at("for_each"), f"rule {rid}: unknown collection '{for_each}' (known: {', '.join(vocab.collections)})."))
    scope = for_each or COUNTY
    when = _expr(spec, "when", rid, path, vocab, scope, problems)
    require = _expr(spec, "require", rid, path, vocab, scope, problems) if kind == "check" else None
    derive = spec.get("derive")
    if kind == "check":
        if "require" not in spec:
            problems.append(problem(path, spec.line, f"rule {rid}: a check rule needs 'require'."))
        if derive is not None:
            problems.append(problem(path, at("derive"), f"rule {rid}: only derive rules have 'derive'."))
    elif kind == "derive":
        fdef = vocab.facts.get(str(derive))
        if fdef is None or not fdef.derived:
            problems.append(problem(path, at("derive"), f"rule {rid}: '{derive}' is not a derived fact in the vocabulary (declare it with derived: true)."))
        elif fdef.scope != scope:
            problems.append(problem(path, at("derive"), f"rule {rid}: derived fact '{derive}' has scope {fdef.scope}, the rule {scope}."))
        if when is None:
            problems.append(problem(path, spec.line, f"rule {rid}: a derive rule needs 'when' (what must hold to conclude it)."))
    deadline = _deadline(spec, rid, path, vocab, problems)
    lead = str(spec.get("lead") or "")
    if kind == "check" and not lead:
        problems.append(problem(path, spec.line, f"rule {rid}: 'lead' (牵头单位) is required."))
    co = tuple(_str_list(spec.get("co_responsible")))
    co = co + tuple(u for u in always if u not in co and u != lead)
    if len(problems) > before:
        return None
    reads = tuple(dict.fromkeys(cond.facts_of(when) + cond.facts_of(require)
                                + ([deadline.year_fact] if deadline and deadline.year_fact else [])))
    target = str(spec.get("target") or cond.describe(require, lambda f: _label(vocab, f), lambda f, v: _show(vocab, f, v)))
    return Rule(rid, kind, section, quote, req_zh, req_en, for_each, when, require,
                str(derive) if derive else None, target, deadline, lead, co,
                bool(spec.get("lead_inferred", False)), str(spec.get("note") or ""), spec.line, quote_line, reads)


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
        problems.append(problem(path, line, f"rule {rid}: {key}: {exc}."))
        return None
    ok = True
    for test in _tests(expr):
        fdef = vocab.fact(test.fact)
        line = spec.line_of(key)
        if fdef is None:
            from .suggest import did_you_mean
            hint = did_you_mean(test.fact, vocab)
            problems.append(problem(path, line, f"rule {rid}: {key}: unknown fact '{test.fact}'{hint}."))
            ok = False
            continue
        if fdef.scope not in (COUNTY, scope):
            problems.append(problem(path, line, f"rule {rid}: {key}: fact '{test.fact}' belongs to {fdef.scope}, "
                                    f"but the rule is {'for each ' + scope if scope != COUNTY else 'county-level'}."))
            ok = False
        message = _type_mismatch(fdef, test)
        if message:
            problems.append(problem(path, line, f"rule {rid}: {key}: {message}."))
            ok = False
    try:
        cond.dnf(expr)
        cond.dnf(cond.negate(expr))
    except cond.ConditionError as exc:
        problems.append(problem(path, spec.line_of(key), f"rule {rid}: {key}: {exc}."))
        ok = False
    return expr if ok else None


def _tests(expr: cond.Expr) -> list[cond.Test]:
    if isinstance(expr, cond.Test):
        return [expr]
    parts = (expr.part,) if isinstance(expr, cond.Not) else expr.parts
    return [t for p in parts for t in _tests(p)]


def _type_mismatch(fdef, test: cond.Test) -> str:
    value, ftype = test.value, fdef.type
    if ftype in ("number", "integer", "percent"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"'{fdef.name}' is a number; compare it with a number, not {value!r}"
    elif ftype == "boolean":
        if not isinstance(value, bool) or test.op not in ("eq", "ne"):
            return f"'{fdef.name}' is true/false; use eq: true or eq: false"
    elif ftype == "date":
        if not isinstance(value, dt.date):
            return f"'{fdef.name}' is a date; compare it with a date (YYYY-MM-DD)"
    elif ftype == "enum":
        if value not in fdef.values:
            return f"'{value}' is not a value of '{fdef.name}' (allowed: {', '.join(fdef.values)})"
        if test.op not in ("eq", "ne") and not fdef.ordered:
            return f"'{fdef.name}' is unordered; only eq/ne/in apply"
    elif ftype == "set":
        return f"'{fdef.name}' is a set; use includes"
    elif ftype == "text":
        if test.op not in ("eq", "ne") or not isinstance(value, str):
            return f"'{fdef.name}' is text; only eq/ne with text apply"
    return ""


def _deadline(spec: LineMap, rid: str, path: Path, vocab: Vocabulary, problems: list) -> Deadline | None:
    value = spec.get("deadline")
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return Deadline(date=value)
    match = DEADLINE_TEMPLATE.match(str(value))
    if match:
        fdef = vocab.facts.get(match["fact"])
        try:  # the month-day must exist in every year: 02-29 would fail in three years of four
            dt.date.fromisoformat(f"2001-{match['md']}")
        except ValueError:
            fdef = None
        if fdef is not None and fdef.type == "integer" and fdef.scope == COUNTY:
            return Deadline(year_fact=match["fact"], year_offset=int(match["offset"] or 0), month_day=match["md"])
    problems.append(problem(path, spec.line_of("deadline"),
                            f"rule {rid}: deadline '{value}' is not a date (YYYY-MM-DD) or a template like '{{plan_year}}-06-30' "
                            f"naming a county-level integer fact, with a month-day that exists in every year (not 02-29)."))
    return None


def _load_coverage(node: Any, path: Path, rules: list[Rule], problems: list, policy: Policy | None = None,
                   known: set[str] | None = None) -> list[CoverageEntry]:
    if node is None:
        return []
    if not isinstance(node, LineList):
        problems.append(problem(path, None, "'coverage' must be a list."))
        return []
    ids = {r.id for r in rules} | (known or set())
    out = []
    for index, item in enumerate(node):
        line = node.line_of(index)
        if not isinstance(item, LineMap) or item.get("status") not in COVERAGE_STATUS or not item.get("section"):
            problems.append(problem(path, line, f"coverage entry needs section and status ({' or '.join(COVERAGE_STATUS)})."))
            continue
        for key in item:
            if key not in COVERAGE_KEYS:
                problems.append(problem(path, item.line_of(key), f"coverage entry {item['section']}: unknown key '{key}' "
                                        f"(allowed: {', '.join(sorted(COVERAGE_KEYS))}); a comma in an unquoted value "
                                        "inside {…} starts a new key — quote the value."))
        listed = tuple(_str_list(item.get("rules")))
        quotes = tuple(_str_list(item.get("quotes"))) + tuple(_str_list(item.get("quote")))
        for quote in quotes:
            if policy is not None and policy.find(quote) is None:
                problems.append(problem(path, item.line_of("quotes") if "quotes" in item else item.line_of("quote"),
                                        f"coverage entry {item['section']}: quote is not verbatim in the clean text: «{quote[:40]}…»"))
        unknown = [r for r in listed if r not in ids]
        if unknown:
            problems.append(problem(path, line, f"coverage entry names unknown rules: {', '.join(unknown)}."))
        if item["status"] == "uncheckable" and not item.get("reason"):
            problems.append(problem(path, line, "an uncheckable coverage entry needs a 'reason'."))
        out.append(CoverageEntry(str(item["section"]), item["status"], str(item.get("reason") or ""), listed, line, quotes))
    return out


def _check_derivations(rules: list[Rule], vocab: Vocabulary, path: Path, problems: list) -> None:
    """Each derived fact has one derive rule in the pack, and derivations have no cycle."""
    derivers: dict[str, Rule] = {}
    for rule in rules:
        if rule.kind == "derive" and rule.derive:
            if rule.derive in derivers:
                problems.append(problem(path, rule.line, f"rule {rule.id}: '{rule.derive}' is already derived by {derivers[rule.derive].id}; "
                                        "combine the conditions with any: in one rule."))
            derivers[rule.derive] = rule
    for rule in rules:
        for fact in rule.reads:
            fdef = vocab.facts.get(fact)
            if fdef is not None and fdef.derived and fact not in derivers:
                problems.append(problem(path, rule.line, f"rule {rule.id}: reads derived fact '{fact}', which no rule of this pack derives."))
    graph = {name: [f for f in rule.reads if f in derivers] for name, rule in derivers.items()}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                cycle = trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt]
                problems.append(problem(path, derivers[node].line, "derive rules form a cycle: "
                                        + " → ".join(cycle) + "; a conclusion cannot depend on itself."))
            elif state.get(nxt) is None:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for name in sorted(graph):
        if state.get(name) is None:
            visit(name, [name])
