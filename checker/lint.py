"""Checks across a loaded library, beyond what loading a single pack checks."""
from __future__ import annotations

from .errors import Problem, problem
from .library import Library
from .wording import modality_problems, note_problems
from .limits import limit_problems
from .vocabulary import COUNTY

MAX_JOIN = 15  # durable_rules joins at most 16 facts; one is the subject anchor


def lint_library(library: Library, whole: bool = True) -> list[Problem]:
    """Cross-pack checks; `whole` adds those that need every pack (unused facts)."""
    from . import conditions as cond

    problems: list[Problem] = []
    for pack in library.all_packs():
        for rule in pack.rules:
            exprs = [cond.conjoin(rule.when, rule.require), cond.conjoin(rule.when, cond.negate(rule.require) if rule.require else None)]
            for expr in exprs:
                if expr is None:
                    continue
                for conjunct in cond.dnf(expr):
                    if len({t.fact for t in conjunct}) > MAX_JOIN:
                        problems.append(problem(pack.path, rule.line, f"rule {rule.id}: one alternative joins more than {MAX_JOIN} facts; split the rule.",
                                                f"规则 {rule.id}: 有一种情形同时读取超过 {MAX_JOIN} 个事实; 请拆分规则。"))
                        break
            if rule.kind == "check" and rule.lead and rule.lead in rule.co_responsible:
                problems.append(problem(pack.path, rule.line, f"rule {rule.id}: '{rule.lead}' is both lead and co-responsible.",
                                    f"规则 {rule.id}: '{rule.lead}' 既是牵头单位又是配合单位。"))
        problems.extend(modality_problems(pack))
        problems.extend(note_problems(pack))
        problems += limit_problems(pack, library.vocabulary)
        for jur in pack.jurisdictions:
            if jur.code is not None and not (jur.code.isdigit() and len(jur.code) == 6):
                problems.append(problem(pack.policy.text_path.parent / "policy.yaml", None,
                                        f"jurisdiction '{jur.name}' has code '{jur.code}', not 6 digits.",
                                        f"辖区 '{jur.name}' 的代码 '{jur.code}' 不是6位数字。"))
    if not whole:
        return problems
    used = {f for p in library.all_packs() for r in p.rules for f in r.reads}
    used |= {u.name_fact for p in library.all_packs() for u in (p.units or {}).values() if u.name_fact}  # names a unit
    for fdef in library.vocabulary.facts.values():
        if fdef.scope != COUNTY and fdef.scope not in library.vocabulary.collections:
            problems.append(problem(fdef.source, fdef.line, f"fact '{fdef.name}' has unknown scope '{fdef.scope}'.",
                                    f"事实 '{fdef.name}' 的范围 '{fdef.scope}' 不存在。"))
        base_used = fdef.name in used or any(u.startswith(fdef.name + ".") for u in used)
        if not base_used and not fdef.count_of:
            problems.append(problem(fdef.source, fdef.line, f"fact '{fdef.name}' is read by no rule of any pack; remove it or use it.",
                                    f"事实 '{fdef.name}' 没有任何规则读取; 请删除它或在规则中使用。"))
    return problems
