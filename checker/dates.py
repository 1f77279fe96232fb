"""Dates the way people in county offices write them.

`2025-11-30`, `2025/11/30`, `2025.11.30` and `2025年11月30日` (with or without
leading zeros, in full-width digits, quoted or not) all mean 30 November 2025.
Anything else — a day-first or month-first order, a missing part, a day that does
not exist — is refused naming the accepted forms, never guessed.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

FORMS = "2025-11-30, 2025/11/30, 2025.11.30, 2025年11月30日"
_DATE = re.compile(r"^(\d{4})\s*(?:([-/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?)$")


class DateProblem(ValueError):
    def __init__(self, en: str, zh: str):
        super().__init__(en)
        self.en, self.zh = en, zh
        self.fix_en = f"Write the date year first, e.g. {FORMS}."
        self.fix_zh = f"请按年月日顺序填写, 如 {FORMS.replace(', ', '、')}。"


def parse_date(raw: Any) -> dt.date:
    """The calendar date `raw` stands for, or DateProblem."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise DateProblem(f"expected a date, got {raw!r}", f"应为日期, 实际为 {raw!r}")
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    found = _DATE.match(text)
    if not found:
        raise DateProblem(f"'{text}' is not a date in a form read here", f"'{text}' 不是可识别的日期")
    year = int(found.group(1))
    month = int(found.group(3) or found.group(5))
    day = int(found.group(4) or found.group(6))
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise DateProblem(f"'{text}' reads as year {year}, month {month}, day {day}, which is not a date on the calendar",
                          f"'{text}' 读作 {year} 年 {month} 月 {day} 日, 该日期不存在") from None
