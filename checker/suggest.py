"""'Did you mean' for fact names, matching names and Chinese labels."""
from __future__ import annotations

import difflib

from .script import to_simplified
from .vocabulary import Vocabulary

def simplify(text: str) -> str:
    return to_simplified(text)


def candidates(name: str, vocab: Vocabulary, pool: list[str] | None = None) -> list[str]:
    names = pool if pool is not None else [f for f, d in vocab.facts.items() if d.submittable]
    direct = difflib.get_close_matches(name.lower(), names, n=3, cutoff=0.6)
    if direct:
        return direct
    by_label = {simplify(vocab.facts[n].label): n for n in names if n in vocab.facts}
    wanted = simplify(name)
    if wanted in by_label:
        return [by_label[wanted]]
    close = difflib.get_close_matches(wanted, list(by_label), n=3, cutoff=0.5)
    return [by_label[c] for c in close]


def did_you_mean(name: str, vocab: Vocabulary, pool: list[str] | None = None) -> str:
    found = candidates(name, vocab, pool)
    if not found:
        return ""
    shown = ", ".join(f"'{c}' ({vocab.facts[c].label})" if c in vocab.facts else f"'{c}'" for c in found)
    return f"; did you mean {shown}?"
