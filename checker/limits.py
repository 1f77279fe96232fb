"""What the durable_rules engine (2.0.28) can evaluate, measured, and checked before it is asked to.

Past these limits the C engine does not fail cleanly: it refuses to compile
(exit 3 at run time), aborts the process (`free(): invalid pointer`), reports
"no action available" half-way through a county, or never returns. `lint`
reports them as pack problems and `run` refuses the pack before compiling
it. docs/rule-packs.md ("Engine limits") gives the experiments behind each
number; each limit is the largest size that worked.

The limit most packs meet first is the engine's matching stack: for each fact
it is given, the engine walks the tests of its alpha network with a fixed stack
of 64 entries and refuses the fact past it (error 303). `alpha_stack` rebuilds
that network from the compiled rules as rete.c builds it and computes, for
every value a fact sheet could give each fact, the most entries the walk can
hold at once.
"""
from __future__ import annotations

import functools
import hashlib
import itertools
import json
import operator
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import conditions as cond
from . import libcache
from .errors import Problem, RulePackError, problem
from .rulepack import RulePack
from .vocabulary import COUNTY, Vocabulary

MAX_ENGINE_RULES = 4092   # alternatives in one pack (the engine's 4,096 rules per ruleset, 4 of them ours);
                          # 4,092 compiled, 4,093 were refused (error 106)
MAX_SHARED_TEST = 256     # alternatives sharing one fact pattern; 256 worked, 257 refused (error 108)
MAX_DERIVE_DEPTH = 511    # derive rules chained one on another; 511 worked, 512 never returned
MAX_ALPHA_STACK = 64      # engine tests one value of a fact can meet at once: the engine walks its alpha
                          # network with a stack of 64 (events.c MAX_STACK_SIZE, handleAlpha); 64 worked in
                          # every shape tried, 65 failed the assert (error 303)


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
    problems += _alpha_stack(pack, vocab, alts)
    problems += _derive_depth(pack)
    return problems


def enforce(pack: RulePack, vocab: Vocabulary) -> None:
    """Refuse (exit 2) a pack the engine would crash on, hang on or fail to compile.

    Rebuilding the alpha network is most of compiling a pack (about 80 ms for the largest), and the verdict
    depends only on the pack, the vocabulary and this module: a pack found within the limits is remembered
    in the user's cache folder (libcache), keyed by all three, and not measured again."""
    key = _verdict_key(pack, vocab)
    if key is not None and libcache.known("limits", key):
        return
    problems = limit_problems(pack, vocab)
    if problems:
        raise RulePackError(problems)
    if key is not None:
        libcache.remember("limits", key)


@functools.cache
def _own_source() -> bytes:
    # The verdict depends on this model and on the patterns engine.py compiles: a change to either re-measures.
    here = Path(__file__).parent
    return hashlib.sha256((here / "limits.py").read_bytes() + (here / "engine.py").read_bytes()).digest()


def _verdict_key(pack: RulePack, vocab: Vocabulary) -> str | None:
    if not pack.sha256 or not vocab.sha256:  # built in memory (tests, authoring): nothing to key it by
        return None
    digest = hashlib.sha256(_own_source() + f"\0{pack.id}@{pack.version}\0{pack.sha256}\0{vocab.sha256}".encode())
    return digest.hexdigest()


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
    from . import engine

    return engine.marked_fact(next(iter(terms[1].get("$ex", {"?": 1}))))


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


# --- the engine's alpha network, rebuilt to measure its matching stack -------------------------------------

_OPS = {"$neq": "ne", "$lt": "lt", "$lte": "le", "$gt": "gt", "$gte": "ge", "$ex": "ex"}
_ANY = object()  # a property value that meets every test (set members, when there are too many to enumerate)
_FEW_COMBINATIONS = 64
_MAX_COMBINATIONS = 4096


class _Alpha:
    """One alpha node: a test of one property against a constant, or an unfiltered reference to another fact."""

    __slots__ = ("prop", "op", "value", "reference", "children", "rules")

    def __init__(self, prop: str = "", op: str = "eq", value: Any = None, reference: bool = False):
        self.prop, self.op, self.value, self.reference = prop, op, value, reference
        self.children: dict[Any, _Alpha] = {}
        self.rules: list[Alternative] = []


def _terms(pattern: dict) -> list[tuple[str, str, Any]]:
    """A pattern's tests in the engine's order: (property, operator, constant or a reference dict)."""
    body = next(iter(pattern.values()))
    out = []
    for term in body["$and"] if "$and" in body else [body]:
        (key, value), = term.items()
        if key in _OPS:
            (prop, constant), = value.items()
            out.append((prop, _OPS[key], constant))
        else:
            out.append((key, "eq", value))
    return out


def _network(alts: list[Alternative]) -> _Alpha:
    """The alpha nodes as rete.c builds them: a constant test is shared by every pattern that reaches it with
    the same test (findAlpha), a reference to another fact's property never is (storeString gives each
    reference its own offset, so compareValue never finds it equal)."""
    from . import engine

    root = _Alpha()
    internal = [Alternative("", 0, (json.dumps(p, sort_keys=True),), ()) for p in (
        {"b": {"t": engine.BEGIN}}, *({"x": {"t": kind}} for kind in (engine.INPUT, engine.ANCHOR, engine.DERIVED)),
        {"y": {"t": "$never"}})]
    for alt in internal + alts:
        for pattern in alt.patterns:
            node = root
            for prop, op, value in _terms(json.loads(pattern)):
                if isinstance(value, dict):
                    child = _Alpha(prop, op, value, reference=True)
                    node.children[object()] = child
                else:
                    key = (prop, op, type(value).__name__, value)
                    child = node.children.get(key)
                    if child is None:
                        child = node.children[key] = _Alpha(prop, op, value)
                node = child
                if alt.rule:
                    node.rules.append(alt)
    return root


def _meets(node: _Alpha, fact: dict) -> bool:
    if node.prop not in fact:
        return False
    if node.reference or node.op == "ex":
        return True  # pushed without a test (events.c handleAlpha), or a test only that the property is there
    have = fact[node.prop]
    if have is _ANY:
        return True
    want = node.value
    if isinstance(have, str) != isinstance(want, str):
        return False
    return _COMPARE[node.op](have, want)


_COMPARE = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le, "gt": operator.gt,
            "ge": operator.ge}


def _height(node: _Alpha, fact: dict, met: list[_Alpha]) -> int:
    """The most entries the engine's stack holds below `node` once it is popped, whatever order it walks in:
    it pushes every child the fact meets, then walks each child's subtree above the siblings still waiting."""
    children = [c for c in node.children.values() if _meets(c, fact)]
    if not children:
        return 0
    met.extend(children)
    deepest = max(_height(c, fact, met) for c in children)
    return max(len(children), len(children) - 1 + deepest)


def _candidates(constants: list[Any]) -> list[Any]:
    """Values of one property that meet every combination of its tests: each constant, either side of each
    number, and a text no test names."""
    out: list[Any] = []
    for c in constants:
        out += [c, c - 1, c + 1] if isinstance(c, int) and not isinstance(c, bool) else [c]
    if any(isinstance(c, str) for c in constants):
        out.append("\x00(another value)")
    return list(dict.fromkeys(out)) or [0]


def _allowed(fdef: Any, prop: str, values: list[Any]) -> list[Any]:
    """Of the candidate values of a property, those a fact sheet can give it (as the engine receives them)."""
    from . import engine

    if fdef is None or prop != "v":
        return [v for v in values if not isinstance(v, int) or v in (0, 1)] if prop.startswith("m") else values
    if fdef.type == "boolean":
        return [0, 1]
    if fdef.type == "enum":
        return list(range(len(fdef.values)))
    if fdef.type in ("number", "integer", "percent") and fdef.range:
        low, high = (None if x is None else engine.encode(fdef, x) for x in fdef.range)
        kept = [v for v in values if (low is None or v >= low) and (high is None or v <= high)]
        return kept + [x for x in (low, high) if x is not None]
    return values


def _facts_to_try(root: _Alpha, vocab: Vocabulary):
    """(fact name, its marker node, engine fact) for every value of every fact the pack tests that could load
    the stack differently. The root and the `t` node each push one child for any fact (the `t` node, the test
    that the fact's marker property is there), so the walk starts below."""
    from . import engine

    for t_node in root.children.values():
        if t_node.prop != "t":
            continue
        for fact_node in t_node.children.values():
            if t_node.value == engine.ANCHOR:
                yield f"(entries of {fact_node.value})", fact_node, {"t": t_node.value, "c": fact_node.value, "s": "(entry)"}
                continue
            constants: dict[str, list[Any]] = defaultdict(list)
            stack = list(fact_node.children.values())
            while stack:
                node = stack.pop()
                if not node.reference and node.prop != "s":
                    constants[node.prop].append(node.value)
                stack.extend(node.children.values())
            name = engine.marked_fact(fact_node.prop)
            fdef = vocab.facts.get(name)
            subject = "county" if fdef is None or fdef.scope == COUNTY else "(entry)"
            props = sorted(constants)
            choices = [_allowed(fdef, p, _candidates(constants[p])) for p in props]
            combinations = 1
            for c in choices:
                combinations *= len(c)
            base = {"t": t_node.value, "n": name, fact_node.prop: 1, "s": subject}
            if combinations > _FEW_COMBINATIONS:
                # Many properties (a set fact's members): first let every test of them be met at once, which
                # can only overstate the load; only if that passes the limit, try every combination.
                anything = {**base, **{p: _ANY for p in props}}
                if _height(fact_node, anything, []) <= MAX_ALPHA_STACK or combinations > _MAX_COMBINATIONS:
                    yield name, fact_node, anything
                    continue
            for values in itertools.product(*choices):
                yield name, fact_node, {**base, **dict(zip(props, values))}


def alpha_stack(pack: RulePack, vocab: Vocabulary, alts: list[Alternative] | None = None) -> dict[str, tuple[int, list[Alternative]]]:
    """For each fact the pack tests: the most entries the engine's matching stack holds for one value of it,
    and the alternatives whose tests that value meets."""
    root = _network(alts if alts is not None else alternatives(pack, vocab))
    worst: dict[str, tuple[int, list[Alternative]]] = {}
    for name, start, fact in _facts_to_try(root, vocab):
        met: list[_Alpha] = []
        height = max(1, _height(start, fact, met))
        if height > worst.get(name, (-1, []))[0]:
            worst[name] = (height, [a for node in met for a in node.rules])
    return worst


def _alpha_stack(pack: RulePack, vocab: Vocabulary, alts: list[Alternative]) -> list[Problem]:
    out = []
    order = {rule.id: i for i, rule in enumerate(pack.rules)}
    for name, (height, met) in sorted(alpha_stack(pack, vocab, alts).items()):
        if height > MAX_ALPHA_STACK:
            first = min(met, key=lambda a: order.get(a.rule, 0), default=None) or alts[0]
            out.append(problem(
                pack.path, first.line,
                f"one value of '{name}' can meet {height} engine tests at once (first: rule {first.rule}); the engine "
                f"holds at most {MAX_ALPHA_STACK} and cannot evaluate such a county beyond.",
                f"'{name}' 的一个取值可同时满足 {height} 个引擎判断 (第一条: 规则 {first.rule}), 超过引擎上限 {MAX_ALPHA_STACK}, "
                f"无法评估。",
                fix_en="Derive the shared condition once and read the derived fact, or split the pack.",
                fix_zh="请用一条推导规则得出该条件, 其他规则读取推导结果; 或拆分规则包。"))
    return out
