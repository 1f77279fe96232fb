"""The condition language of rule packs: a closed set of operators, no code.

A condition is a tree of `all`, `any`, `not` over comparisons of one fact with
constants, e.g. `{fact: grassroots_visit_share, ge: 65}`. Packs are compiled
into the engine as disjunctive normal form, so a condition and its negation
are both turned into lists of conjunctions of single-fact tests.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any, Iterable, Union

COMPARISONS = ("eq", "ne", "lt", "le", "gt", "ge")
OPERATORS = COMPARISONS + ("between", "in", "includes")
NEGATE = {"eq": "ne", "ne": "eq", "lt": "ge", "ge": "lt", "gt": "le", "le": "gt"}
SYMBOL = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥"}
COMPARE = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le, "gt": operator.gt,
           "ge": operator.ge}
MAX_CONJUNCTS = 64


@dataclass(frozen=True)
class Test:
    """One comparison of one fact with a constant: the leaf of every condition."""

    fact: str
    op: str  # one of COMPARISONS
    value: Any

    def negated(self) -> "Test":
        return Test(self.fact, NEGATE[self.op], self.value)


@dataclass(frozen=True)
class All:
    parts: tuple["Expr", ...]


@dataclass(frozen=True)
class Any_:
    parts: tuple["Expr", ...]


@dataclass(frozen=True)
class Not:
    part: "Expr"


Expr = Union[Test, All, Any_, Not]


class ConditionError(ValueError):
    """A condition is malformed; `where` is the YAML container holding it."""

    def __init__(self, message: str, where: Any = None, key: Any = None, zh: str = ""):
        super().__init__(message)
        self.where, self.key = where, key
        self.zh = zh or message


def parse(node: Any, set_members: dict[str, list[str]]) -> Expr:
    """Parse a YAML condition. `set_members` gives the members of set-typed facts.

    `includes` on a set fact becomes one boolean test per member, named
    `fact.member`, so that the engine only ever compares scalars.
    """
    if not isinstance(node, dict):
        raise ConditionError("a condition must be a mapping such as {fact: NAME, ge: 65}",
                             zh="条件应写成映射, 如 {fact: 事实名, ge: 65}")
    logical = [k for k in ("all", "any", "not") if k in node]
    if logical:
        if len(node) != 1:
            raise ConditionError(f"'{logical[0]}' must stand alone in its mapping", node,
                                 zh=f"'{logical[0]}' 所在的映射中不能再写其他键")
        key = logical[0]
        if key == "not":
            return Not(parse(node["not"], set_members))
        items = node[key]
        if not isinstance(items, list) or not items:
            raise ConditionError(f"'{key}' takes a non-empty list of conditions", node, key,
                                 zh=f"'{key}' 后应为非空的条件列表")
        parts = tuple(parse(item, set_members) for item in items)
        return All(parts) if key == "all" else Any_(parts)
    if "fact" not in node:
        raise ConditionError("a condition needs 'fact' (or one of all/any/not)", node,
                             zh="条件须写 'fact' (或 all/any/not 之一)")
    fact = node["fact"]
    ops = [k for k in node if k != "fact"]
    if len(ops) != 1 or ops[0] not in OPERATORS:
        shown = ", ".join(map(str, ops)) or "none"
        raise ConditionError(f"a test needs exactly one operator (found: {shown}; allowed: {', '.join(OPERATORS)})",
                             node, ops[0] if ops else None,
                             zh=f"每个判断须且只能有一个运算符 (现有: {shown}; 可用: {'、'.join(OPERATORS)})")
    op, value = ops[0], node[ops[0]]
    if op in COMPARISONS:
        if isinstance(value, (list, dict)) or value is None:
            raise ConditionError(f"'{op}' compares with a single value", node, op, zh=f"'{op}' 只能与单个值比较")
        return Test(fact, op, value)
    if op == "between":
        if not (isinstance(value, list) and len(value) == 2):
            raise ConditionError("'between' takes [low, high]", node, op, zh="'between' 应写作 [下限, 上限]")
        return All((Test(fact, "ge", value[0]), Test(fact, "le", value[1])))
    if op == "in":
        if not isinstance(value, list) or not value:
            raise ConditionError("'in' takes a non-empty list of values", node, op, zh="'in' 后应为非空的取值列表")
        return Any_(tuple(Test(fact, "eq", v) for v in value))
    # includes
    members = set_members.get(fact)
    if members is None:
        raise ConditionError(f"'includes' applies only to facts of type set; '{fact}' is not one", node, op,
                             zh=f"'includes' 只能用于 set 类型的事实; '{fact}' 不是")
    wanted = value if isinstance(value, list) else [value]
    unknown = [w for w in wanted if w not in members]
    if unknown or not wanted:
        raise ConditionError(f"'includes' lists values that '{fact}' does not allow: {unknown} "
                             f"(allowed: {', '.join(members)})", node, op,
                             zh=f"'includes' 列出了 '{fact}' 不允许的值: {unknown} (可用: {'、'.join(members)})")
    return All(tuple(Test(f"{fact}.{w}", "eq", True) for w in wanted))


def negate(expr: Expr) -> Expr:
    """Push a negation down to the tests (negation normal form)."""
    if isinstance(expr, Test):
        return expr.negated()
    if isinstance(expr, Not):
        return expr.part
    if isinstance(expr, All):
        return Any_(tuple(negate(p) for p in expr.parts))
    return All(tuple(negate(p) for p in expr.parts))


def dnf(expr: Expr) -> list[tuple[Test, ...]]:
    """Disjunctive normal form: a list of conjunctions of tests."""
    if isinstance(expr, Test):
        return [(expr,)]
    if isinstance(expr, Not):
        return dnf(negate(expr.part))
    if isinstance(expr, Any_):
        out: list[tuple[Test, ...]] = []
        for part in expr.parts:
            out.extend(dnf(part))
        return _dedupe(out)
    conj: list[tuple[Test, ...]] = [()]
    for part in expr.parts:
        conj = [a + b for a in conj for b in dnf(part)]
        if len(conj) > MAX_CONJUNCTS * 4:
            raise ConditionError(f"the condition expands to more than {MAX_CONJUNCTS} alternatives; simplify it",
                                 zh=f"条件展开后超过 {MAX_CONJUNCTS} 种情形, 请简化")
    return _dedupe([tuple(dict.fromkeys(c)) for c in conj])


def _dedupe(conjs: Iterable[tuple[Test, ...]]) -> list[tuple[Test, ...]]:
    return list(dict.fromkeys(conjs))


def conjoin(*exprs: Expr | None) -> Expr | None:
    present = tuple(e for e in exprs if e is not None)
    if not present:
        return None
    return present[0] if len(present) == 1 else All(present)


def facts_of(expr: Expr | None) -> list[str]:
    """Every fact a condition reads, in first-mention order."""
    if expr is None:
        return []
    if isinstance(expr, Test):
        return [expr.fact]
    parts = (expr.part,) if isinstance(expr, Not) else expr.parts
    out: list[str] = []
    for part in parts:
        out.extend(f for f in facts_of(part) if f not in out)
    return out


def tests_of(expr: Expr | None) -> list[Test]:
    """Every comparison in a condition."""
    if expr is None:
        return []
    if isinstance(expr, Test):
        return [expr]
    parts = (expr.part,) if isinstance(expr, Not) else expr.parts
    return [test for part in parts for test in tests_of(part)]


def same_across(test: Test, low: int, high: int) -> bool:
    """Whether a comparison of a whole number comes out the same for every value from low to high."""
    value = test.value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if test.op in ("eq", "ne"):
        return low == high or not low <= value <= high
    holds = COMPARE[test.op]
    return holds(low, value) == holds(high, value)  # the others are monotone: the ends decide every value between


def crosses_facts(expr: Expr | None) -> bool:
    """True when some alternative (any / negated all) spans different facts.

    Only then can a condition be true while one of its facts is unknown, so
    only then must a passing result be established by the engine itself.
    """
    if expr is None or isinstance(expr, Test):
        return False
    if isinstance(expr, Not):
        return crosses_facts(negate(expr.part))
    if isinstance(expr, Any_) and len(set(facts_of(expr))) > 1:
        return True
    return any(crosses_facts(p) for p in expr.parts)


def describe(expr: Expr | None, label: Any = None, show: Any = None) -> str:
    """A short human-readable rendering, e.g. `基层诊疗量占比 ≥ 65%`.

    `label(fact)` names a fact; `show(fact, value)` renders a value with its unit.
    """
    if expr is None:
        return ""
    name = label or (lambda fact: fact)
    render = show or (lambda fact, value: _show(value))
    if isinstance(expr, Test):
        if expr.value is True and expr.op == "eq":
            return name(expr.fact)
        if expr.value is False and expr.op == "eq":
            return f"{name(expr.fact)}: 否"
        return f"{name(expr.fact)} {SYMBOL[expr.op]} {render(expr.fact, expr.value)}"
    if isinstance(expr, Not):
        return f"非({describe(expr.part, label, show)})"
    if isinstance(expr, Any_) and len({t.fact for t in expr.parts if isinstance(t, Test)}) == 1 \
            and all(isinstance(t, Test) and t.op == "eq" for t in expr.parts):
        first = expr.parts[0]
        return f"{name(first.fact)} 为 " + "、".join(render(t.fact, t.value) for t in expr.parts)  # type: ignore[union-attr]
    joiner = "; " if isinstance(expr, All) else " 或 "
    return joiner.join(describe(p, label, show) if isinstance(p, Test) else f"({describe(p, label, show)})" for p in expr.parts)


def _show(value: Any) -> str:
    if value is True:
        return "是"
    if value is False:
        return "否"
    return str(value)
