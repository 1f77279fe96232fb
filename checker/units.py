"""Responsible units: the names a text uses, resolved to this county's own bodies.

A text names units at their level: a city body (市卫生健康委), a role every
county fills (区市卫生健康局, 区市政府) or an institution (each consortium, its
lead hospital). A county's report hands each page to a department of that
county, so a role becomes the county's own department (平度市卫生健康局), an
institution the entry's own name from the fact sheet, and a city body named as
the lead of a county's task gives the work to its county counterpart while it
stays beside it as the body that guides (指导).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .facts import UNLISTED, FactSheet, Subject
from .rulepack import Rule, RulePack, UnitDef
from .script import to_simplified
from .vocabulary import Vocabulary


@dataclass(frozen=True)
class Responsible:
    lead: str
    guide: tuple[str, ...]
    co: tuple[str, ...]
    # The lead is a unit of another county (a task the text gives one named district):
    # the rule is not this county's.
    foreign: bool = False
    # The entry names as its lead a body above the county with no county counterpart
    # (a city hospital builds this centre): the item is that body's, not the county's.
    above: bool = False


def responsible(pack: RulePack, rule: Rule, subject: Subject, sheet: FactSheet, vocab: Vocabulary) -> Responsible:
    """Who leads, guides and co-owns `rule` for `subject` in this county's report."""
    # The answer depends on the rule only through its units and level, which many rules share: one answer
    # per such set and sheet, and per entry where an institution (named by its entry) is among them.
    memo = sheet.__dict__.setdefault("_responsible", {})
    config = (pack.sha256, rule.lead, rule.co_responsible, rule.guide, rule.level)
    found = memo.get(config)
    if found is None:
        found = memo.get((config, subject.key))
    if found is not None:
        return found
    who = _resolve(pack, rule, subject, sheet, vocab)
    if pack.units is None or not any(pack.units[u].level == "institution"
                                     for u in (rule.lead, *rule.co_responsible, *rule.guide)):
        memo[config] = who
    else:
        memo[(config, subject.key)] = who
    return who


def _resolve(pack: RulePack, rule: Rule, subject: Subject, sheet: FactSheet, vocab: Vocabulary) -> Responsible:
    units = pack.units
    if units is None:  # a pack written before units had levels: names as the text wrote them
        return Responsible(to_simplified(rule.lead), (), tuple(dict.fromkeys(to_simplified(u) for u in rule.co_responsible)))
    lead_unit = units[rule.lead]
    named = _named_unit(lead_unit, subject, sheet, units)
    if named is not None:  # the entry names its lead, and the pack lists that body: resolve it as listed
        lead_unit = named
    above = lead_unit.level == "above" and not lead_unit.counterpart and rule.level == "county"
    guide = [_name(units[g], subject, sheet, vocab, pack) for g in rule.guide]
    if lead_unit.level == "above" and lead_unit.counterpart and rule.level == "county":
        lead = _counterpart_name(lead_unit.counterpart, sheet, vocab, pack)
        guide.insert(0, _name(lead_unit, subject, sheet, vocab, pack))
    else:
        lead = _name(lead_unit, subject, sheet, vocab, pack)
    foreign = _foreign(lead_unit, sheet, pack)
    if foreign:  # another county's body, named as the text names it, never as this county's
        return Responsible(to_simplified(lead_unit.key), (), (), True)
    co: list[str] = []
    for key in rule.co_responsible:
        unit = units[key]
        if _foreign(unit, sheet, pack):
            continue
        if unit.level == "above" and unit.counterpart and rule.level == "county":
            name = _counterpart_name(unit.counterpart, sheet, vocab, pack)
        else:
            name = _name(unit, subject, sheet, vocab, pack)
        co.append(name)
    co = [c for c in dict.fromkeys(co) if c != lead]
    guide = [g for g in dict.fromkeys(guide) if g != lead and g not in co]
    return Responsible(lead, tuple(guide), tuple(co), foreign, above)


def _named_unit(unit: UnitDef, subject: Subject, sheet: FactSheet, units: dict[str, UnitDef]) -> UnitDef | None:
    """The pack's unit an entry names through the institution's name fact (centre_builder: 琅琊区政府)."""
    if unit.level != "institution" or not unit.name_fact or subject.collection != unit.collection:
        return None
    named = sheet.value(subject.key, unit.name_fact)
    listed = units.get(named.strip()) if isinstance(named, str) else None
    return listed if listed is not None and listed.level != "institution" else None


def _foreign(unit: UnitDef, sheet: FactSheet, pack: RulePack) -> bool:
    """A unit of one named county (or of a few, 两区政府), and this sheet is none of theirs (by code, else by name)."""
    if not places_of(unit):
        return False
    return _once(sheet, ("foreign", pack.sha256, unit),
                 lambda: not belongs_to(unit, pack, sheet.county.name, sheet.county.code))


def places_of(unit: UnitDef) -> tuple[str, ...]:
    """The counties (codes, or names of zones without one) a unit belongs to; none for a unit of every county."""
    return unit.counties or ((unit.county,) if unit.county else ())


def belongs_to(unit: UnitDef, pack: RulePack, name: str, code: str | None) -> bool:
    """Whether a unit is this county's: a unit of every county is; one of named counties is where this
    county is one of them, by code where the county has one, else by name (a zone has no code)."""
    return not places_of(unit) or any(_is_place(place, name, code, pack) for place in places_of(unit))


def _is_place(place: str, name: str, code: str | None, pack: RulePack) -> bool:
    if not place.isdigit():  # a jurisdiction without a code (a development zone) is known by its name
        return to_simplified(place) == to_simplified(name)
    if code:
        return place == code
    return to_simplified(name) in {to_simplified(j.name) for j in pack.policy.jurisdictions if j.code == place}


def _own_names(pack: RulePack, sheet: FactSheet) -> dict[str, str]:
    """The names a pack gives this county's own bodies: a unit of this one county with a role and a full
    name (南谯区卫健委 → 南谯区卫生健康委员会) names that role wherever the pack's rules reach it."""
    def compute() -> dict[str, str]:
        out: dict[str, str] = {}
        for unit in (pack.units or {}).values():
            if unit.level == "role" and unit.role and unit.name and unit.county and not _foreign(unit, sheet, pack):
                out.setdefault(unit.role, unit.name)
        return out

    return _once(sheet, ("own", pack.sha256), compute)


def _name(unit: UnitDef, subject: Subject, sheet: FactSheet, vocab: Vocabulary, pack: RulePack) -> str:
    if unit.level in ("above", "role"):  # the same for every rule of the sheet: named once
        return _once(sheet, ("body", pack.sha256, unit), lambda: _body_name(unit, sheet, vocab, pack))
    if unit.name_fact and subject.collection == unit.collection:
        named = sheet.value(subject.key, unit.name_fact)
        # An option such as 其他单位 names no one: the entry itself answers.
        if isinstance(named, str) and named.strip() and not named.startswith(("其他", "未")):
            listed = _named_unit(unit, subject, sheet, pack.units or {})
            if listed is not None:  # one body, one name: the pack's full name (滁州市第一人民医院)
                return _name(listed, subject, sheet, vocab, pack)
            return _as_listed(named.strip(), sheet)
        if named is None or (isinstance(named, str) and not named.strip()):
            # Not named on the sheet: the entry's body by what it is ("XX医共体 (牵头医院)"), never the entry as
            # if it were that body.
            fdef = vocab.fact(unit.name_fact)
            what = fdef.label.removesuffix("名称") if fdef is not None else ""
            return f"{subject.name} ({what})" if what else subject.name
    return subject.name


def _body_name(unit: UnitDef, sheet: FactSheet, vocab: Vocabulary, pack: RulePack) -> str:
    if unit.level == "above":
        return unit.name.format(city=to_simplified(sheet.county.city or "市"), county=to_simplified(sheet.county.name))
    return _role_name(unit.role or "", unit, sheet, vocab, pack)


def _once(sheet: FactSheet, key: tuple, compute: Callable[[], Any]) -> Any:
    """A name or answer that depends only on the sheet's county, worked out once and kept with the sheet."""
    memo = sheet.__dict__.setdefault("_unit_memo", {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _counterpart_name(role: str, sheet: FactSheet, vocab: Vocabulary, pack: RulePack) -> str:
    return _once(sheet, ("role", pack.sha256, role), lambda: _role_name(role, None, sheet, vocab, pack))


def _role_name(role: str, unit: UnitDef | None, sheet: FactSheet, vocab: Vocabulary, pack: RulePack) -> str:
    """The county's own body of a role: as the sheet names it, else as the pack names this county's
    (or the unit's own name template), else as the text's time named it (the pack's role_names), else the
    role's name for this kind of county."""
    own = sheet.units.get(role)
    if own:
        return own
    template = (unit.name if unit is not None and unit.name else None) or _own_names(pack, sheet).get(role) \
        or pack.role_names.get(role) or vocab.roles[role].template_for(sheet.county.kind)
    name = template.format(county=to_simplified(sheet.county.name), city=to_simplified(sheet.county.city or "市"))
    return _as_the_sheet_names_it(name, sheet, pack)


def _as_listed(named: str, sheet: FactSheet) -> str:
    """One body, one name: a body named through a fact (a medical group's lead hospital, 大同市云州区人民医院)
    that the sheet also lists as an entry under the same name but for the city in front (云州区人民医院), or
    the other way round, or that the evaluation added as an entry the list lacked ("云州区人民医院 (名单中未列)"),
    is called by the entry's name, so its duties land on the one page it has."""
    def compute() -> str:
        plain = to_simplified(named)
        for subject in sheet.subjects:
            entry = to_simplified(subject.name)
            listed_as = entry.removesuffix(f" {UNLISTED}")  # an entry the list lacked, added by the evaluation
            if subject.collection and entry != plain and (listed_as == plain or _differ_by_city(listed_as, plain)):
                return subject.name
        return named

    return _once(sheet, ("listed", named), compute)


def _differ_by_city(a: str, b: str) -> bool:
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return longer.endswith(shorter) and longer[: -len(shorter)].endswith(("市", "省", "州", "盟"))


def _as_the_sheet_names_it(name: str, sheet: FactSheet, pack: RulePack) -> str:
    """One body, one name: where the sheet names the same body with its city in front (a consortium's lead
    hospital 青岛市即墨区中医医院, beside the role's 即墨区中医医院), the sheet's name, so the body has one page."""
    def names_on_sheet() -> frozenset[str]:
        found = {to_simplified(s.name) for s in sheet.subjects}
        for unit in (pack.units or {}).values():
            if unit.name_fact:
                for subject in sheet.subjects:
                    value = sheet.value(subject.key, unit.name_fact)
                    if isinstance(value, str) and value.strip():
                        found.add(to_simplified(value.strip()))
        return frozenset(found)

    fuller = {n for n in _once(sheet, ("sheet names", pack.sha256), names_on_sheet)
              if n != name and n.endswith(name) and _differ_by_city(n, name)}
    return fuller.pop() if len(fuller) == 1 else name
