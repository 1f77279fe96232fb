"""Traditional and simplified characters: one spelling for comparing names.

Two of the shipped documents were scraped in traditional characters and some
county offices type in them; `萊西市` and `莱西市` are the same county. Every
comparison of a name a person typed (county, unit, option value) goes through
`to_simplified`, so matching never depends on the script.
"""
from __future__ import annotations

import functools
import unicodedata

import opencc

# hk2s also folds the Hong Kong variants (衞 → 卫) that plain t2s leaves alone.
_CONFIG = "hk2s"


@functools.lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC(_CONFIG)


@functools.lru_cache(maxsize=4096)
def to_simplified(text: str) -> str:
    """`text` in simplified characters, full-width letters and brackets folded (NFKC)."""
    if not text:
        return text
    folded = unicodedata.normalize("NFKC", text)
    if folded.isascii():
        return folded
    return _converter().convert(folded)
