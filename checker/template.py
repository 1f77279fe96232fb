"""A fact-sheet template: every fact the packs read, labelled, with unit and range."""
from __future__ import annotations

from .rulepack import RulePack, UnitDef
from .units import belongs_to
from .vocabulary import COUNTY, FactDef, Vocabulary


def facts_read(packs: list[RulePack], vocab: Vocabulary) -> list[FactDef]:
    """The submittable facts the packs' rules read, in the order they are first read, and the facts that
    name an entry's own body (a consortium's lead hospital): without them a report can only hand that
    body's tasks to the entry itself."""
    names: dict[str, None] = {}
    for pack in packs:
        for rule in pack.rules:
            for fact in rule.reads:
                names[fact.split(".")[0]] = None
        for unit in (pack.units or {}).values():
            if unit.name_fact:
                names[unit.name_fact] = None
    return [vocab.facts[n] for n in names if n in vocab.facts and vocab.facts[n].submittable]


def _line(fdef: FactDef, indent: str) -> list[str]:
    unit = f" 单位: {fdef.unit}" if fdef.unit else ""
    comment = f"{indent}# {fdef.label}{unit}; {fdef.range_text()}".rstrip("; ")
    out = [comment]
    if fdef.description:
        out.append(f"{indent}#   {fdef.description}")
    # Left blank: a blank is "not submitted" (missing), whereas [] would say "none of them".
    out.append(f"{indent}{fdef.name}:")
    return out


def roles_used(packs: list[RulePack], county: str | None = None) -> dict[str, list[str]]:
    """The roles the packs reach in a county (its own bodies), with the names the texts use for them: a
    role unit, or a city body whose county counterpart does its work (市卫生局 → the county's health bureau).
    With `county`, another county's units (琅琊区卫健委 in 南谯区's template) are left out."""
    own: dict[str, list[str]] = {}
    through: dict[str, list[str]] = {}  # named only as a city body's counterpart: listed after the text's own names
    for pack in packs:
        for key, unit in (pack.units or {}).items():
            if unit.level == "role" and unit.role and _may_be(unit, pack, county):
                own.setdefault(unit.role, []).append(key)
            elif unit.level == "above" and unit.counterpart:
                through.setdefault(unit.counterpart, []).append(f"{key}的对口部门")
    return {role: list(dict.fromkeys(own.get(role, []) + through.get(role, []))) for role in {**own, **through}}


def _may_be(unit: UnitDef, pack: RulePack, county: str | None) -> bool:
    """Whether a unit can be this county's (always, when the county is not known)."""
    return not county or belongs_to(unit, pack, county, None)


def _units_block(packs: list[RulePack], vocab: Vocabulary, county: str | None = None) -> list[str]:
    roles = roles_used(packs, county)
    if not roles:
        return []
    lines = ["units:                # 本县单位的实际名称; 留空则按默认名称 (如 \"XX市卫生健康局\") 写入报告"]
    named = {u.role: u.name for p in packs for u in (p.units or {}).values()
             if u.level == "role" and u.role and u.name and u.county and county and belongs_to(u, p, county, None)}
    for role in sorted(roles, key=list(vocab.roles).index):
        default = named.get(role) or next((p.role_names[role] for p in packs if role in p.role_names),
                                          vocab.roles[role].default).replace("{county}", "本县")
        lines.append((f"  {role}: ").ljust(24) + f"# {vocab.roles[role].label} (文件称: {'、'.join(roles[role])}; 默认: {default})")
    return lines


def fact_sheet_template(packs: list[RulePack], vocab: Vocabulary, county_name: str | None) -> str:
    facts = facts_read(packs, vocab)
    lines = [
        "# policycheck 事实表模板 (fact sheet template)",
        "# 依据规则包: " + ", ".join(p.ref for p in packs),
        "# 未填写 (留空) 的事实会在报告中列为\"待补充材料\", 不算未达标。填写时只写数字 (百分比写 65 或 65%, 不要写 0.65);",
        "# 列表类事实写成 [甲, 乙] 或 甲、乙; 写 [] 表示\"一项也没有\", 与留空不同。日期写 2025-11-30 或 2025年11月30日。",
        "county:",
        f"  name: {county_name or ''}".rstrip(),
        '  code: ""            # 6 位行政区划代码',
        "  province:",
        "  city:",
        "  kind:               # 市辖区 / 县 / 县级市 / 自治县 / 旗 / 功能区 (开发区、产业园) …",
        "  report_date:        # 数据截止日期 YYYY-MM-DD",
        *_units_block(packs, vocab, county_name),
        "facts:",
    ]
    for fdef in facts:
        if fdef.scope == COUNTY:
            lines += _line(fdef, "  ")
    for name, coll in vocab.collections.items():
        members = [f for f in facts if f.scope == name]
        if not members:
            continue
        lines.append(f"  # {coll.label}: 每个一项 (one entry per item){'; ' + coll.description if coll.description else ''}")
        lines.append(f"  {name}:")
        lines.append("    - name:            # 名称")
        for fdef in members:
            lines += _line(fdef, "      ")
    return "\n".join(lines) + "\n"
