"""Where a quote that is not verbatim departs from the clean text.

Authors copy a sentence and a comma turns half-width, or a character is retyped;
showing the nearest passage with the first differing character marked saves a
search through the whole document.
"""
from __future__ import annotations

_HALF_FULL = {",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "!": "！", "?": "？"}


def _longest_prefix(quote: str, lines: list[str]) -> tuple[int, int, int]:
    """(length, line index, column) of the longest prefix of `quote` found verbatim in a line."""
    best = (0, -1, -1)
    low, high = 1, len(quote)
    while low <= high:  # a prefix found implies every shorter one is found: binary search
        mid = (low + high) // 2
        hit = next(((i, line.find(quote[:mid])) for i, line in enumerate(lines) if quote[:mid] in line), None)
        if hit:
            best = (mid, hit[0], hit[1])
            low = mid + 1
        else:
            high = mid - 1
    return best


def nearest(quote: str, lines: list[str]) -> tuple[str, str]:
    """(en, zh) text: the nearest passage, the first differing character marked with 【】."""
    length, index, column = _longest_prefix(quote, lines)
    if length == 0:
        return ("no passage of the text begins like it.", "原文中找不到以此开头的段落。")
    line = lines[index]
    at = column + length
    text_char = line[at] if at < len(line) else "(end of paragraph)"
    quote_char = quote[length]
    start = max(0, column)
    shown = line[start:at] + f"【{text_char}】" + line[at + 1:at + 8]
    width = ""
    if _HALF_FULL.get(quote_char) == text_char or _HALF_FULL.get(text_char) == quote_char:
        width = " (full-width/half-width punctuation 全角/半角标点)"
    en = (f"nearest passage, text.txt:{index + 1}: «{shown}»; the quote has '{quote_char}' where the text has "
          f"'{text_char}' (character {length + 1}){width}.")
    zh = (f"最接近的原文 (text.txt 第 {index + 1} 行): «{shown}»; 引文第 {length + 1} 个字符为 '{quote_char}', "
          f"原文为 '{text_char}'{width}。")
    return en, zh
