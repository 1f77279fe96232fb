"""Lint checks for mistakes that load cleanly but mislead a report's reader.

Each check returns problems; `lint` reports them all in one pass. A finding in
a released version that is already locked is a warning (the file is immutable:
the fix is a new version); in a draft or a new release it is an error.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

from . import conditions as cond
from .errors import Problem, problem
from .library import Library
from .rulepack import RulePack

_CN_NUM = "一二三四五六七八九十"
_WIDTH = str.maketrans("（）．、", "().、")
# One heading level per pattern, outermost first: 一、 (一) 1. (1)
_HEADINGS = (re.compile(rf"^([{_CN_NUM}]+)、"), re.compile(rf"^\(([{_CN_NUM}]+)\)"),
             re.compile(r"^(\d+)[.、](?!\d)"), re.compile(r"^\((\d+)\)"))
_SECTION_TOKEN = re.compile(rf"[{_CN_NUM}]+|\([{_CN_NUM}]+\)|\(\d+\)|\d+")

# Standard abbreviations of Chinese government bodies (simplified and traditional):
# a unit written both ways would be split into two departments in a report.
_ABBREVIATIONS = (("卫健", "卫生健康"), ("衛健", "衛生健康"), ("人社", "人力资源社会保障"),
                  ("人力资源和社会保障", "人力资源社会保障"), ("發改", "發展改革"), ("发改", "发展改革"),
                  ("发展和改革", "发展改革"), ("醫保", "醫療保障"), ("医保", "医疗保障"),
                  ("市场监管", "市场监督管理"), ("委员会", "委"))
# Percentages only: a count in the text (20名) is often checked as a share of it done (100),
# and 左右/约 mark a deliberate tolerance; comparing those would raise false alarms.
_AMOUNT = re.compile(r"(?<![约約])(\d+(?:\.\d+)?)\s*(%|％)(?!左右)")


def authoring_problems(library: Library, locked: set[str]) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings): warnings are findings in released versions already locked."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    for pack in library.all_packs():
        found = list(_pack_problems(pack))
        (warnings if pack.released and pack.ref in locked else errors).extend(found)
    for pack_id, versions in sorted(library.packs.items()):
        errors.extend(_overlaps(list(versions.values())))
    for policy in library.policies.values():
        errors.extend(_policy_dates(policy))
    return errors, warnings


def _pack_problems(pack: RulePack) -> Iterable[Problem]:
    sections = section_index(pack.policy.lines)
    known_sections = {s for s in sections if s}
    covered = {r for entry in pack.coverage for r in entry.rules}
    for rule in pack.rules:
        yield from _section(pack, rule, sections, known_sections)
        if not rule.requirement_en:
            yield problem(pack.path, rule.line, f"rule {rule.id}: requirement has no 'en' (the docs ask for zh and en).",
                          f"规则 {rule.id}: requirement 缺少英文 'en' (须同时写 zh 和 en)。")
        if pack.coverage and rule.id not in covered:
            yield problem(pack.path, rule.line, f"rule {rule.id} is in no coverage: entry.",
                          f"规则 {rule.id} 未列入任何 coverage: 条目。",
                          fix_en="Add it to the rules: of the coverage entry of its section.",
                          fix_zh="请把它加入所在条款的 coverage 条目的 rules: 列表。")
        yield from _number_mismatch(pack, rule)
        yield from _inverted(pack, rule)
        yield from _city_body_on_county_task(pack, rule)
    yield from _unit_names(pack)


def _city_body_on_county_task(pack: RulePack, rule) -> Iterable[Problem]:
    """A county's report hands each item to departments of that county; a city body it cannot hand work to."""
    if pack.units is None or rule.level != "county":
        return
    for key in rule.co_responsible:
        unit = pack.units.get(key)
        if unit is not None and unit.level == "above" and not unit.counterpart:
            yield problem(pack.path, rule.line,
                          f"rule {rule.id}: co_responsible '{key}' is a body above the county with no county counterpart, "
                          "so the county's report would list it among the county's own departments.",
                          f"规则 {rule.id}: 配合单位 '{key}' 是上级机关, 没有对应的县级部门, 县的报告会把它列为本县的配合单位。",
                          fix_en="Give the unit a counterpart role (the county department that does this work), or name it under guide:.",
                          fix_zh="请给该单位写 counterpart 角色 (本县承担此项工作的部门), 或把它写在 guide: 中。")


def section_index(lines: list[str]) -> list[str]:
    """The section (e.g. '三(二)1') of each line of a clean text, from its headings."""
    path: list[str] = []
    out = []
    for line in lines:
        text = line.strip().translate(_WIDTH)
        for level, pattern in enumerate(_HEADINGS):
            match = pattern.match(text)
            if match:
                token = match.group(0).rstrip("、.")
                if level == 0:
                    token = match.group(1)
                elif level == 2:
                    token = match.group(1)
                path = path[:level] + [""] * (level - len(path)) + [token]
                break
        out.append("".join(path))
    return out


def _tokens(section: str) -> list[str]:
    return _SECTION_TOKEN.findall(section.translate(_WIDTH))


def _section(pack: RulePack, rule, sections: list[str], known: set[str]) -> Iterable[Problem]:
    wanted = rule.section.translate(_WIDTH)
    if not _tokens(wanted) or "".join(_tokens(wanted)) != wanted or rule.quote_line is None:
        return  # a named part such as 通知及前言: not a numbered section
    actual = sections[rule.quote_line - 1]
    want = _tokens(wanted)
    # Items numbered inside a paragraph (…。3.…) are not headings the text marks by line,
    # so the comparison stops at the depth the line headings give: no false alarm.
    if not any(_tokens(s)[:min(len(want), len(_tokens(s)))] == want[:len(_tokens(s))] and _tokens(s)[:1] == want[:1]
               for s in known):
        yield problem(pack.path, rule.line, f"rule {rule.id}: section '{rule.section}' does not exist in "
                      f"policies/{pack.policy.id}/text.txt (the quote is in {actual or 'no numbered section'}).",
                      f"规则 {rule.id}: 原文中没有条款 '{rule.section}' (引文位于 {actual or '无编号部分'})。")
        return
    depth = min(len(want), len(_tokens(actual)))
    if not actual or _tokens(actual)[:depth] != want[:depth]:
        yield problem(pack.path, rule.line, f"rule {rule.id}: the quote is in section {actual or '(none)'} "
                      f"(text.txt:{rule.quote_line}), not in '{rule.section}'.",
                      f"规则 {rule.id}: 引文位于条款 {actual or '(无)'} (text.txt 第 {rule.quote_line} 行), 不在 '{rule.section}'。",
                      fix_en=f"Write section: {actual}, or quote the sentence of {rule.section}." if actual
                      else f"Quote the sentence of {rule.section}.",
                      fix_zh=f"请改为 section: {actual}, 或引用 {rule.section} 中的原句。" if actual
                      else f"请引用 {rule.section} 中的原句。")


def _normal_unit(name: str) -> str:
    for short, full in _ABBREVIATIONS:
        name = name.replace(full, short)
    return name


def _unit_names(pack: RulePack) -> Iterable[Problem]:
    units = getattr(pack, "units", None)
    seen: dict[str, tuple[str, int]] = {}
    for rule in pack.rules:
        for name in (rule.lead, *rule.co_responsible):
            if not name:
                continue
            if units:
                if name not in units:
                    yield problem(pack.path, rule.line, f"rule {rule.id}: unit '{name}' is not in the pack's units: list.",
                                  f"规则 {rule.id}: 单位 '{name}' 不在本包的 units: 列表中。")
                continue
            key = _normal_unit(name)
            first = seen.setdefault(key, (name, rule.line))
            if first[0] != name:
                yield problem(pack.path, rule.line, f"rule {rule.id}: unit '{name}' is '{first[0]}' (line {first[1]}) "
                              "written another way; a report would show two departments.",
                              f"规则 {rule.id}: 单位 '{name}' 与第 {first[1]} 行的 '{first[0]}' 是同一单位的不同写法, "
                              "报告会把它们分成两个部门。",
                              fix_en=f"Write '{max(first[0], name, key=len)}' everywhere (the full name).",
                              fix_zh=f"请统一写作全称 '{max(first[0], name, key=len)}'。")


def _thresholds(expr: cond.Expr | None) -> list[float]:
    if expr is None:
        return []
    out = []
    for conj in cond.dnf(expr):
        for test in conj:
            if isinstance(test.value, (int, float)) and not isinstance(test.value, bool) and test.op != "ne":
                out.append(float(test.value))
    return sorted(set(out))


def _number_mismatch(pack: RulePack, rule) -> Iterable[Problem]:
    amounts = _AMOUNT.findall(rule.requirement_zh)
    values = _thresholds(rule.require)
    if len(amounts) != 1 or len(values) != 1 or len(re.findall(r"\d+(?:\.\d+)?", rule.requirement_zh)) != 1:
        return  # only an unambiguous pair is compared: no false alarms
    said, have = float(amounts[0][0]), values[0]
    if said not in (have, have * 100):
        yield problem(pack.path, rule.line, f"rule {rule.id}: requirement.zh says {amounts[0][0]}{amounts[0][1]} "
                      f"but require: checks {have:g}.",
                      f"规则 {rule.id}: requirement.zh 写的是 {amounts[0][0]}{amounts[0][1]}, require: 却检查 {have:g}。",
                      fix_en="Make the requirement and the threshold agree with the text.",
                      fix_zh="请让要求文字和 require: 的阈值都与原文一致。")


def _inverted(pack: RulePack, rule) -> Iterable[Problem]:
    for name, expr in (("when", rule.when), ("require", rule.require)):
        if expr is None:
            continue
        for conj in cond.dnf(expr):
            low: dict[str, float] = {}
            high: dict[str, float] = {}
            for t in conj:
                if isinstance(t.value, bool) or not isinstance(t.value, (int, float)):
                    continue
                if t.op in ("ge", "gt"):
                    low[t.fact] = max(low.get(t.fact, t.value), t.value)
                elif t.op in ("le", "lt"):
                    high[t.fact] = min(high.get(t.fact, t.value), t.value)
            bad = [f for f in low if f in high and low[f] > high[f]]
            if bad:
                f = bad[0]
                yield problem(pack.path, rule.line, f"rule {rule.id}: {name} asks {f} ≥ {low[f]:g} and ≤ {high[f]:g}: "
                              "no value can meet it (range inverted).",
                              f"规则 {rule.id}: {name} 要求 {f} ≥ {low[f]:g} 且 ≤ {high[f]:g}, 任何值都无法满足 (上下限颠倒)。",
                              fix_en="Swap the bounds.", fix_zh="请交换上下限。")
                break


def _overlaps(versions: list[RulePack]) -> Iterable[Problem]:
    import datetime as dt

    lo, hi = dt.date.min, dt.date.max
    ordered = sorted(versions, key=lambda p: p.version_key)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            overlap = (a.in_force_from or lo) <= (b.in_force_to or hi) and (b.in_force_from or lo) <= (a.in_force_to or hi)
            # A released older version cannot be edited to end; a newer one supersedes it for every date they
            # share (the library picks the newest in force) and the older stays runnable by name (-p id@version),
            # which is how a corrected re-issue of the same document works. Only a draft's overlap is an error.
            if overlap and not a.released:
                yield problem(b.path, _line_of(b.path, "in_force"),
                              f"{b.ref} is in force {b.in_force_from or '…'}–{b.in_force_to or '…'}, overlapping "
                              f"{a.ref} ({a.in_force_from or '…'}–{a.in_force_to or '…'}); a date must pick one version.",
                              f"{b.ref} 的有效期 {b.in_force_from or '…'}–{b.in_force_to or '…'} 与 {a.ref} "
                              f"({a.in_force_from or '…'}–{a.in_force_to or '…'}) 重叠; 每个日期只能对应一个版本。",
                              fix_en=f"End {a.ref} the day before {b.ref} starts (in a new version of it if released).",
                              fix_zh=f"请让 {a.ref} 在 {b.ref} 生效前一天终止 (如已发布, 则另出新版本)。")


def _policy_dates(policy) -> Iterable[Problem]:
    import datetime as dt

    path = policy.text_path.parent / "policy.yaml"
    for key in ("issued", "in_force_from", "in_force_to"):
        value = policy.meta.get(key)
        if value is not None and not isinstance(value, dt.date):
            yield problem(path, _line_of(path, key), f"{key}: '{value}' is not a date (YYYY-MM-DD).",
                          f"{key}: '{value}' 不是日期 (应写作 YYYY-MM-DD)。",
                          fix_en="Write it as 2025-01-26, without quotes.", fix_zh="请写作 2025-01-26 这样的格式, 不加引号。")


def _line_of(path: Path, key: str) -> int | None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.lstrip().startswith(f"{key}:"):
            return number
    return None
