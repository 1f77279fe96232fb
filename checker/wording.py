"""A rule's words: its force is what its modal words say, and its note speaks to the county.

Modality:
应/要/必须/确保/一律 bind; 力争 sets a target to strive for; 鼓励/探索/可以/原则上/支持
encourage; 等 closes a list of examples. A rule whose quote carries a weaker word
but which is encoded as binding would report an exploratory sentence as a gap —
unless its note says why the sentence binds all the same.

Notes: a rule's note is printed in the county's report (说明), so it carries no
review remarks (请审核) and no internal fact names; those go in YAML comments.
"""
from __future__ import annotations

import re

from .errors import Problem, problem
from .rulepack import RulePack

WEAKER = {"力争": "strive", "鼓励": "encouraged", "探索": "encouraged", "可以": "encouraged",
          "原则上": "encouraged", "支持": "encouraged", "等": "an illustrative list"}
SAME_WORDS_IN_OTHER_SCRIPT = {"勵": "励", "則": "则", "爭": "争"}


def modality_problems(pack: RulePack) -> list[Problem]:
    """Binding rules whose quote says otherwise and whose note does not justify it (format-2 packs only)."""
    if pack.units is None:  # packs written before rules had a force
        return []
    out: list[Problem] = []
    for rule in pack.rules:
        if rule.kind != "check" or rule.force != "binding":
            continue
        quote = rule.quote.translate(str.maketrans(SAME_WORDS_IN_OTHER_SCRIPT))
        words = [w for w in WEAKER if w in quote and not _bound_use(w, quote)]
        if words and not rule.note:
            out.append(problem(pack.path, rule.line,
                               f"rule {rule.id}: the quote says {'、'.join(words)} ({', '.join(WEAKER[w] for w in words)}) "
                               "but force is binding.",
                               f"规则 {rule.id}: 原文含「{'」「'.join(words)}」, 但 force 为 binding (约束性)。",
                               fix_en="Set force: strive or encouraged, require any of an illustrative list, "
                                      "or say in note: why the sentence binds.",
                               fix_zh="请改为 force: strive / encouraged, 对 \"等\" 列举的事项用 any, 或在 note 中说明为何仍有约束力。"))
    return out


def _bound_use(word: str, quote: str) -> bool:
    """等 inside 等级/平等/同等/等同 and 支持 as a noun in 政策支持 do not weaken a sentence."""
    if word == "支持":  # a noun inside a name: 人才引进与支持专项经费, 决策支持系统
        return all(quote[i - 1:i] in ("与", "策", "术") or quote[i + 2:i + 4] in ("专项", "系统", "经费")
                   for i in _positions(quote, "支持"))
    if word == "鼓励":  # part of a measure's name: 志愿者服务鼓励一批
        return all(quote[i + 2:i + 4] == "一批" for i in _positions(quote, "鼓励"))
    if word == "等":
        return all(quote[i + 1:i + 2] in ("级", "級", "同") or quote[i - 1:i] in ("平", "同", "对", "對", "均")
                   for i in _positions(quote, "等"))
    return False


def _positions(text: str, word: str) -> list[int]:
    out, start = [], text.find(word)
    while start != -1:
        out.append(start)
        start = text.find(word, start + 1)
    return out


_INTERNAL = re.compile(r"[a-z][a-z0-9]*_[a-z0-9_]+")
_REVIEW = ("请审核", "請審核", "请复核", "待核实", "TODO", "FIXME")


def note_problems(pack: RulePack) -> list[Problem]:
    """Notes a county would read that talk to the pack's authors instead (format-2 packs only)."""
    if pack.units is None:
        return []
    out: list[Problem] = []
    for rule in pack.rules:
        found = [w for w in _REVIEW if w in rule.note] + _INTERNAL.findall(rule.note)
        if found:
            out.append(problem(pack.path, rule.line,
                               f"rule {rule.id}: the note is printed in county reports but speaks to authors ({', '.join(found)}).",
                               f"规则 {rule.id}: 说明会印在县(市、区)的报告中, 但含有写给编写者的内容 ({'、'.join(found)})。",
                               fix_en="Move review remarks and internal fact names into a YAML comment (# …).",
                               fix_zh="请把审核意见和内部事实名移到 YAML 注释 (# …) 中。"))
    return out
