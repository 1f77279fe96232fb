"""A fact-sheet template: every fact the packs read, labelled, with unit and range."""
from __future__ import annotations

from .rulepack import RulePack
from .vocabulary import COUNTY, FactDef, Vocabulary


def facts_read(packs: list[RulePack], vocab: Vocabulary) -> list[FactDef]:
    """The submittable facts the packs' rules read, in the order they are first read."""
    names: dict[str, None] = {}
    for pack in packs:
        for rule in pack.rules:
            for fact in rule.reads:
                names[fact.split(".")[0]] = None
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


def roles_used(packs: list[RulePack]) -> dict[str, list[str]]:
    """The roles the packs' units name (the county's own bodies), with the names the texts use for them."""
    out: dict[str, list[str]] = {}
    for pack in packs:
        for key, unit in (pack.units or {}).items():
            if unit.level == "role" and unit.role:
                names = out.setdefault(unit.role, [])
                if key not in names:
                    names.append(key)
    return out


def _units_block(packs: list[RulePack], vocab: Vocabulary) -> list[str]:
    roles = roles_used(packs)
    if not roles:
        return []
    lines = ["units:                # 本县单位的实际名称; 留空则按默认名称 (如 \"XX市卫生健康局\") 写入报告"]
    for role in sorted(roles, key=list(vocab.roles).index):
        default = vocab.roles[role].default.replace("{county}", "本县")
        lines.append(f"  {role}:".ljust(24) + f"# {vocab.roles[role].label} (文件称: {'、'.join(roles[role])}; 默认: {default})")
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
        "  kind:               # 市辖区 / 县 / 县级市 / 自治县 / 旗 …",
        "  report_date:        # 数据截止日期 YYYY-MM-DD",
        *_units_block(packs, vocab),
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
