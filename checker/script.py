"""One script for the reader: traditional characters to simplified.

Two of the documents were scraped in traditional characters and county clerks
type either script; everything a county reads is simplified, and names match
whichever script they were written in.
"""
from __future__ import annotations

import functools


@functools.lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


@functools.lru_cache(maxsize=4096)
def to_simplified(text: str) -> str:
    """`text` in simplified characters (unchanged where it already is)."""
    if not text or text.isascii():
        return text
    return _converter().convert(text)
