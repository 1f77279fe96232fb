"""Where packs, policy texts and templates live, and which packs apply.

A library is a folder with `rules/` (the vocabulary and one folder per pack,
one file per version) beside `policies/`. The shipped library is found next to
the source tree or, after `pip install .`, inside the installed package.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from difflib import get_close_matches

from .errors import Problem, RulePackError, UsageError, problem
from .policy import Jurisdiction, Policy, load_policy
from .rulepack import SEMVER, RulePack, load_pack
from .script import to_simplified
from .vocabulary import Vocabulary, load_vocabulary

_HERE = Path(__file__).resolve().parent


def shipped_root() -> Path:
    """The folder holding the shipped rules/, policies/ and reports/."""
    bundled = _HERE / "bundled"
    if (bundled / "rules").is_dir():
        return bundled
    return _HERE.parent


def _is_checkout(folder: Path) -> bool:
    return (folder / "rules" / "vocabulary").is_dir() and (folder / "policies").is_dir()


def discover_rules_dir(explicit: str | None, cwd: Path | None = None) -> tuple[Path, str]:
    """The rules folder an authoring command should use, and where that choice came from.

    Policy staff edit a checkout and run the installed tool inside it; reading the
    copy bundled into site-packages would silently ignore their edits. Order:
    --rules, then $POLICYCHECK_RULES, then the nearest folder (from the current
    directory upwards) holding rules/vocabulary and policies/, then the shipped copy.
    """
    import os

    if explicit:
        return Path(explicit).resolve(), "--rules"
    env = os.environ.get("POLICYCHECK_RULES")
    if env:
        return Path(env).resolve(), "POLICYCHECK_RULES"
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if _is_checkout(folder):
            return folder / "rules", "checkout"
    return (shipped_root() / "rules").resolve(), "shipped"


def is_installed_copy(rules_dir: Path) -> bool:
    """True for the rules bundled inside the installed package (never to be written)."""
    bundled = (_HERE / "bundled").resolve()
    try:
        rules_dir.resolve().relative_to(bundled)
        return True
    except ValueError:
        return "site-packages" in rules_dir.resolve().parts


def templates_dir() -> Path:
    return shipped_root() / "reports"


@dataclass
class Library:
    rules_dir: Path
    vocabulary: Vocabulary
    policies: dict[str, Policy]
    packs: dict[str, dict[str, RulePack]] = field(default_factory=dict)  # id -> version -> pack
    available: list[str] = field(default_factory=list)  # every pack folder, loaded or not
    allow_draft: bool = False  # without a version named, a released version in force wins over a draft

    def all_packs(self) -> list[RulePack]:
        return [p for versions in sorted(self.packs.items()) for _, p in sorted(versions[1].items(), key=lambda kv: kv[1].version_key)]

    def latest(self) -> list[RulePack]:
        return [max(v.values(), key=lambda p: p.version_key) for _, v in sorted(self.packs.items())]

    def resolve(self, spec: str, on: dt.date | None) -> RulePack:
        """`id` or `id@version`; without a version, the one in force on `on`."""
        pack_id, _, version = spec.partition("@")
        versions = self.packs.get(pack_id)
        if not versions:
            from difflib import get_close_matches
            close = get_close_matches(pack_id, self.available, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise UsageError(problem(None, None, f"unknown pack '{pack_id}'{hint} (known: {', '.join(self.available)}).",
                                     f"未知的规则包 '{pack_id}'。",
                                     fix_en="Run `policycheck packs` to list them.", fix_zh="运行 policycheck packs 查看全部规则包。"))
        if version:
            if version not in versions:
                raise UsageError(problem(None, None, f"pack '{pack_id}' has no version {version} "
                                         f"(versions: {', '.join(sorted(versions, key=_vkey))}).",
                                         f"规则包 '{pack_id}' 没有版本 {version}。"))
            return versions[version]
        return self.in_force(pack_id, on)

    def in_force(self, pack_id: str, on: dt.date | None) -> RulePack:
        ordered = sorted(self.packs[pack_id].values(), key=lambda p: p.version_key, reverse=True)
        released = [p for p in ordered if p.released]
        if not self.allow_draft and released:
            # A draft being written must not judge counties by accident; drafts follow released ones.
            ordered = released + [p for p in ordered if not p.released]
        if on is None:
            return ordered[0]
        for pack in ordered:
            starts = pack.in_force_from is None or pack.in_force_from <= on
            ends = pack.in_force_to is None or on <= pack.in_force_to
            if starts and ends:
                return pack
        # After a plan has ended its targets are still judged (an inspector checks
        # 2025 targets in 2026): the last version that had started applies, and the
        # report says the plan has expired.
        started = [p for p in ordered if p.in_force_from is None or p.in_force_from <= on]
        if started:
            return started[0]
        spans = "; ".join(f"{p.version}: {p.in_force_from or '…'} – {p.in_force_to or '…'}" for p in ordered)
        raise UsageError(problem(None, None, f"no version of pack '{pack_id}' is in force on {on} ({spans}).",
                                 f"规则包 '{pack_id}' 没有在 {on} 有效的版本 ({spans})。",
                                 fix_en=f"Choose a version with -p {pack_id}@VERSION or another --as-of date.",
                                 fix_zh=f"请用 -p {pack_id}@版本号 指定版本, 或更换 --as-of 日期。"))

    def for_county(self, name: str, code: str | None, on: dt.date | None,
                   requested: tuple[str, ...] = (), path: str | None = None) -> list[RulePack]:
        """The packs whose jurisdictions include this county, plus those the sheet requests (each pack once).

        A code and a name that designate two different places are refused, naming both.
        """
        conflict = self.code_conflict(name, code, path)
        if conflict is not None:
            raise UsageError(conflict)
        chosen: dict[str, RulePack] = {}
        for pack_id in sorted(self.packs):
            if any(_matches(j, name, code) for j in self.jurisdictions_of(pack_id)):
                chosen[pack_id] = self.in_force(pack_id, on)
        for spec in requested:
            pack = self.resolve(spec, on)
            chosen.setdefault(pack.id, pack)
        return list(chosen.values())

    def jurisdictions_of(self, pack_id: str) -> tuple[Jurisdiction, ...]:
        return max(self.packs[pack_id].values(), key=lambda p: p.version_key).jurisdictions

    def places(self) -> list[Jurisdiction]:
        """Every place a document names (from the policies, loaded whichever packs were)."""
        return [j for _, policy in sorted(self.policies.items()) for j in policy.jurisdictions]

    def coverage(self) -> list[tuple[str, list[str]]]:
        """Each document with a jurisdiction (its pack has the same id), and the places it covers."""
        return [(pid, [j.name for j in policy.jurisdictions]) for pid, policy in sorted(self.policies.items())
                if policy.jurisdictions]

    def official_name(self, name: str) -> str | None:
        """The jurisdiction's own name for `name` (traditional, an alias, stray spaces), if it names one."""
        return next((j.name for j in self.places() if _name_matches(j, name)), None)

    def code_conflict(self, name: str, code: str | None, path: str | None = None) -> Problem | None:
        """A problem when the name is one jurisdiction and the code another's (or not its own)."""
        if not code:
            return None
        places = self.places()
        by_name = next((j for j in places if _name_matches(j, name)), None)
        by_code = next((j for j in places if j.code == code), None)
        if by_name is None or by_name.code is None or by_name.code == code:
            return None
        if by_code is not None:
            en = (f"county: name '{name}' is {by_name.name} ({by_name.code}) but code {code} is {by_code.name}; "
                  "one of them is wrong.")
            zh = f"county: name '{name}' 是{by_name.name} (代码 {by_name.code}), 而 code {code} 是{by_code.name}的代码, 二者必有一误。"
        else:
            en = f"county: code {code} is not the code of {by_name.name} ({by_name.code}); the code or the name is wrong."
            zh = f"county: code {code} 不是{by_name.name}的行政区划代码 ({by_name.code}), code 或 name 有误。"
        return problem(path, None, en, zh, fix_en="Correct the one that is wrong (see `policycheck packs`).",
                       fix_zh="请更正其中错误的一项 (可运行 policycheck packs 查看)。")

    def no_pack_problem(self, name: str, code: str | None, path: str | None = None) -> Problem:
        """Nothing applies to `name`: say the nearest names and which places each pack covers."""
        places = sorted({j.name for j in self.places()})
        wanted = _key(name)
        near = [p for p in places if wanted and (wanted in _key(p) or _key(p) in wanted)]
        near += [p for p in get_close_matches(wanted, places, n=3, cutoff=0.5) if p not in near]
        covered = "; ".join(f"{pack_id}: {'、'.join(names)}" for pack_id, names in self.coverage())
        hint_en = f" Did you mean {', '.join(near)}?" if near else ""
        hint_zh = f" 您是否想写 {'、'.join(near)}?" if near else ""
        return problem(path, None,
                       f"no rule pack applies to '{name}' ({code or 'no code'}) by jurisdiction.{hint_en} "
                       f"Packs and the places they cover: {covered or 'none'}.",
                       f"没有按辖区适用于 '{name}' 的规则包。{hint_zh} 各规则包适用的区县: {covered or '无'}。",
                       fix_en="Write the county's name as listed, or name packs with -p (see `policycheck packs`).",
                       fix_zh="请按所列名称填写, 或用 -p 指定规则包 (policycheck packs 可列出全部)。")


def _key(name: str) -> str:
    """A place name as compared: simplified, full-width folded, without spaces."""
    return re.sub(r"\s+", "", to_simplified(name or ""))


def _name_matches(j: Jurisdiction, name: str) -> bool:
    wanted = _key(name)
    return bool(wanted) and any(_key(n) == wanted for n in (j.name, *j.aliases))


def _matches(j: Jurisdiction, name: str, code: str | None) -> bool:
    if code and j.code:
        return code == j.code
    return _name_matches(j, name)


def _vkey(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".")) if SEMVER.match(version) else (0,)


def packs_for_place(rules_dir: Path | None, name: str, code: str | None) -> set[str] | None:
    """Pack folders that may apply to this county, judged from the small policy files alone.

    A pack whose policy folder of the same name lists other jurisdictions (or
    none: applied on request) is skipped without parsing it; a pack without such
    a policy folder is kept. None when nothing can be pre-judged.
    """
    rules_dir = rules_dir or shipped_root() / "rules"
    policies_dir = rules_dir.parent / "policies"
    keep: set[str] = set()
    for folder in sorted(p for p in rules_dir.iterdir() if p.is_dir() and p.name != "vocabulary"):
        meta = policies_dir / folder.name / "policy.yaml"
        if not meta.is_file():
            keep.add(folder.name)
            continue
        try:
            policy = load_policy(meta.parent)
        except RulePackError:
            keep.add(folder.name)  # let the full load report it
            continue
        # loose on purpose: a code that contradicts the name is refused later, naming both
        if any(_matches(j, name, code) or _name_matches(j, name) for j in policy.jurisdictions):
            keep.add(folder.name)
    return keep


def load_library(rules_dir: Path | None = None, policies_dir: Path | None = None,
                 only: set[str] | None = None, collect: list[Problem] | None = None) -> Library:
    """Load the vocabulary, the policies and the pack versions; collect all problems.

    `only` limits loading to those pack ids (a run with -p needs no others).
    With `collect` (lint), problems go into that list instead of being raised and a
    pack with errors is kept with its valid rules, so one pass reports everything.
    """
    root = shipped_root()
    rules_dir = rules_dir or root / "rules"
    policies_dir = policies_dir or rules_dir.parent / "policies"
    if not rules_dir.is_dir():
        raise UsageError(problem(rules_dir, None, "rules folder not found.", "找不到规则目录。"))
    if collect is not None:  # lint wants every problem, which only a fresh parse reports
        return _parse_library(rules_dir, policies_dir, only, collect)
    from . import libcache

    key = libcache.key_of(rules_dir, policies_dir, only)
    cached = libcache.fetch(key)
    if isinstance(cached, Library):
        return cached
    library = _parse_library(rules_dir, policies_dir, only)
    libcache.store(key, library)
    return library


def _parse_library(rules_dir: Path, policies_dir: Path, only: set[str] | None,
                   collect: list[Problem] | None = None) -> Library:
    problems: list[Problem] = []
    try:
        vocab = load_vocabulary(rules_dir / "vocabulary")
    except RulePackError as exc:
        raise RulePackError(exc.problems) from None
    policies: dict[str, Policy] = {}
    for folder in sorted(p for p in policies_dir.iterdir() if p.is_dir()) if policies_dir.is_dir() else []:
        try:
            policy = load_policy(folder)
        except RulePackError as exc:
            problems.extend(exc.problems)
            continue
        policies[policy.id] = policy
    library = Library(rules_dir, vocab, policies)
    library.available = sorted(p.name for p in rules_dir.iterdir() if p.is_dir() and p.name != "vocabulary")
    for folder in sorted(p for p in rules_dir.iterdir() if p.is_dir() and p.name != "vocabulary"):
        if only is not None and folder.name not in only:
            continue
        for path in sorted(folder.glob("*.yaml")):
            if path.name.startswith("_"):
                continue
            try:
                pack = load_pack(path, vocab, policies)
            except RulePackError as exc:
                problems.extend(exc.problems)
                pack = getattr(exc, "partial", None)
                if collect is None or pack is None or not SEMVER.match(pack.version) or pack.id != folder.name:
                    continue
            library.packs.setdefault(pack.id, {})[pack.version] = pack
    if problems and collect is None:
        raise RulePackError(problems)
    if collect is not None:
        collect.extend(problems)
    return library
