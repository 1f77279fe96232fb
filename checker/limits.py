"""What the durable_rules engine (2.0.28) can evaluate, measured, and checked before it is asked to.

Past these limits the C engine does not fail cleanly: it refuses to compile
(exit 3 at run time), aborts the process (`free(): invalid pointer`), reports
"no action available" half-way through a county, or never returns. `lint`
reports them as pack problems and `run` refuses the pack before compiling
it. docs/rule-packs.md ("Engine limits") gives the experiments behind each
number; each limit is the largest size that worked
(the distinct-tests limit sits a little below it).
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from . import conditions as cond
from .errors import Problem, RulePackError, problem
from .rulepack import RulePack
from .vocabulary import Vocabulary

MAX_ENGINE_RULES = 4092   # alternatives in one pack (the engine's 4,096 rules per ruleset, 4 of them ours);
                          # 4,092 compiled, 4,093 were refused (error 106)
MAX_SHARED_TEST = 256     # alternatives sharing one fact pattern; 256 worked, 257 refused (error 108)
MAX_DISTINCT_TESTS = 128  # different tests of one fact; 135 worked, 136 crashed the process (SIGSEGV/SIGABRT)
MAX_AT_ONCE = 64          # joined conclusions one fact can complete at once, derive rules counted twice;
                          # 64 worked in every shape tried, 65 aborted the process or failed (error 303)
MAX_DERIVE_DEPTH = 511    # derive rules chained one on another; 511 worked, 512 never returned


@dataclass(frozen=True)
class Alternative:
    """One compiled engine rule: a pack rule's alternative, and the fact patterns it joins."""

    rule: str
    line: int
    patterns: tuple[str, ...]  # each pattern as canonical JSON
    facts: tuple[str, ...]     # the facts it reads (without the per-entry anchor)


def alternatives(pack: RulePack, vocab: Vocabulary) -> list[Alternative]:
    """The engine rules the pack compiles into, computed as the engine computes them."""
    from . import engine

    out = []
    for rule in pack.rules:
        for _, expr in engine._firing_conditions(rule, set()):
            for conjunct in cond.dnf(expr):
                lhs = engine._join(conjunct, rule, vocab)
                patterns = tuple(json.dumps(p, sort_keys=True, ensure_ascii=False) for p in lhs)
                facts = tuple(sorted({t.fact.partition(".")[0] for t in conjunct}))
                out.append(Alternative(rule.id, rule.line, patterns, facts))
    return out


def limit_problems(pack: RulePack, vocab: Vocabulary) -> list[Problem]:
    """Every engine limit the pack exceeds, each naming a rule and the measured limit."""
    alts = alternatives(pack, vocab)
    problems: list[Problem] = []
    if len(alts) > MAX_ENGINE_RULES:
        problems.append(problem(
            pack.path, None,
            f"pack {pack.ref} compiles into {len(alts):,} engine rules; the engine takes at most {MAX_ENGINE_RULES:,}.",
            f"规则包 {pack.ref} 编译后有 {len(alts):,} 条引擎规则, 超过引擎上限 {MAX_ENGINE_RULES:,}。",
            fix_en="Split the pack, or simplify conditions with many 'any' alternatives.",
            fix_zh="请拆分规则包, 或简化含大量 any 分支的条件。"))
    problems += _shared_tests(pack, alts)
    problems += _distinct_tests(pack, alts)
    problems += _at_once(pack, vocab)
    problems += _derive_depth(pack)
    return problems


def enforce(pack: RulePack, vocab: Vocabulary) -> None:
    """Refuse (exit 2) a pack the engine would crash on, hang on or fail to compile."""
    problems = limit_problems(pack, vocab)
    if problems:
        raise RulePackError(problems)


def _first_rule(alts: list[Alternative], pattern: str) -> Alternative:
    return next(a for a in alts if pattern in a.patterns)


def _shared_tests(pack: RulePack, alts: list[Alternative]) -> list[Problem]:
    counts = Counter(p for a in alts for p in set(a.patterns))
    out = []
    for pattern, count in sorted(counts.items()):
        if count > MAX_SHARED_TEST:
            first = _first_rule(alts, pattern)
            name = _fact_of(pattern)
            out.append(problem(
                pack.path, first.line,
                f"{count} engine rules test '{name}' in the same way (first: rule {first.rule}); the engine takes at most "
                f"{MAX_SHARED_TEST}.",
                f"有 {count} 条引擎规则以相同方式判断 '{name}' (第一条: 规则 {first.rule}), 超过引擎上限 {MAX_SHARED_TEST}。",
                fix_en="Derive the shared condition once and read the derived fact, or split the pack.",
                fix_zh="请用一条推导规则得出该条件, 其他规则读取推导结果; 或拆分规则包。"))
    return out


def _fact_of(pattern: str) -> str:
    """The fact a pattern reads ('(entries of <list>)' for the per-entry anchor)."""
    terms = next(iter(json.loads(pattern).values()))["$and"]
    if terms[0].get("t") == "a":
        return f"(entries of {terms[1].get('c')})"
    return str(terms[1].get("n", "?"))


def _distinct_tests(pack: RulePack, alts: list[Alternative]) -> list[Problem]:
    tests: dict[str, set[str]] = defaultdict(set)
    first: dict[str, Alternative] = {}
    for alt in alts:
        for pattern in alt.patterns:
            name = _fact_of(pattern)
            tests[name].add(pattern)
            first.setdefault(name, alt)
    out = []
    for name, distinct in sorted(tests.items()):
        if len(distinct) > MAX_DISTINCT_TESTS:
            out.append(problem(
                pack.path, first[name].line,
                f"'{name}' is tested in {len(distinct)} different ways (first: rule {first[name].rule}); the engine takes "
                f"at most {MAX_DISTINCT_TESTS} and crashes beyond.",
                f"'{name}' 有 {len(distinct)} 种不同的判断条件 (第一条: 规则 {first[name].rule}), 超过引擎上限 {MAX_DISTINCT_TESTS}。",
                fix_en="Use fewer distinct thresholds on this fact, or split the pack.",
                fix_zh="请减少对该事实的不同阈值, 或拆分规则包。"))
    return out


def _at_once(pack: RulePack, vocab: Vocabulary) -> list[Problem]:
    """Joined conclusions one fact can complete at once (each rule: its largest kind of alternatives)."""
    from . import engine

    derives: Counter[str] = Counter()
    checks: Counter[str] = Counter()
    first: dict[str, Any] = {}
    for rule in pack.rules:
        per_fact: dict[str, Counter[str]] = defaultdict(Counter)
        for kind, expr in engine._firing_conditions(rule, set()):
            for conjunct in cond.dnf(expr):
                if len(engine._join(conjunct, rule, vocab)) < 2:
                    continue  # a single-fact rule is not a join
                for fact in {t.fact.partition(".")[0] for t in conjunct}:
                    per_fact[fact][kind] += 1
        for fact, kinds in per_fact.items():
            (derives if rule.kind == "derive" else checks)[fact] += max(kinds.values())
            first.setdefault(fact, rule)
    out = []
    for fact in sorted(set(derives) | set(checks)):
        load = 2 * derives[fact] + checks[fact]
        if load > MAX_AT_ONCE:
            out.append(problem(
                pack.path, first[fact].line,
                f"'{fact}' can complete {load} joined conclusions at once ({derives[fact]} derive rules, counted twice, "
                f"and {checks[fact]} check alternatives; first: rule {first[fact].id}); the engine handles at most {MAX_AT_ONCE}.",
                f"'{fact}' 一次可触发 {load} 个联结结论 ({derives[fact]} 条推导规则按两个计, 检查分支 {checks[fact]} 个; "
                f"第一条: 规则 {first[fact].id}), 超过引擎上限 {MAX_AT_ONCE}。",
                fix_en="Derive an intermediate fact that groups these rules, or split the pack.",
                fix_zh="请增加一条中间推导事实来归并这些规则, 或拆分规则包。"))
    return out


def _derive_depth(pack: RulePack) -> list[Problem]:
    derives = {r.derive: r for r in pack.rules if r.kind == "derive" and r.derive}
    reads = {r.derive: {f.partition(".")[0] for f in r.reads} & set(derives) for r in derives.values()}
    depth: dict[str, int] = {}

    def depth_of(fact: str, seen: frozenset[str] = frozenset()) -> int:
        if fact in depth:
            return depth[fact]
        if fact in seen:  # a cycle; reported by the pack loader
            return 0
        # iterative would be kinder to Python's stack; chains are refused long before it matters
        value = 1 + max((depth_of(f, seen | {fact}) for f in reads.get(fact, ())), default=0)
        depth[fact] = value
        return value

    out = []
    for fact, rule in derives.items():
        try:
            d = depth_of(fact)
        except RecursionError:
            d = MAX_DERIVE_DEPTH + 1
        if d > MAX_DERIVE_DEPTH:
            out.append(problem(
                pack.path, rule.line,
                f"rule {rule.id}: '{fact}' ends a chain of {d} derive rules; the engine never finishes chains over "
                f"{MAX_DERIVE_DEPTH}.",
                f"规则 {rule.id}: '{fact}' 位于 {d} 条推导规则组成的链末端, 超过引擎可完成的上限 {MAX_DERIVE_DEPTH}。",
                fix_en="Shorten the chain: derive from the input facts directly.", fix_zh="请缩短推导链, 直接由填报事实推导。"))
            break  # one chain is reported once, at its first rule past the limit
    return out
