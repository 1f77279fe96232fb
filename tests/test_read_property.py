"""Property: whatever accepted form a value is written in, the value read is the value meant.

Random numbers, percentages, dates, names and lists are written into a fact
sheet as a clerk might type them — leading zeros, full-width digits, thousands
separators, a % sign, 2025年11月30日 or 2025/11/30, names that YAML 1.1 took
for booleans or numbers, traditional characters, 、 or ， between list items —
and read back through the same loader as `run`.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from checker.facts import parse_fact_sheet
from checker.vocabulary import FactDef, Vocabulary
from checker.yamlsource import load_text

VOCAB = Vocabulary(facts={
    "count": FactDef("count", "数量", "integer"),
    "amount": FactDef("amount", "金额", "number", unit="万元"),
    "share": FactDef("share", "占比", "percent", unit="%", range=(0, 100)),
    "since": FactDef("since", "日期", "date"),
    "title": FactDef("title", "名称", "text"),
    "grade": FactDef("grade", "等级", "enum", values=("一级", "二级甲等", "三级")),
    "areas": FactDef("areas", "领域", "set", values=("组织", "机构编制", "发展改革", "财务", "医疗保障")),
})
TRADITIONAL = {"一级": "一級", "二级甲等": "二級甲等", "三级": "三級", "组织": "組織", "机构编制": "機構編制",
               "发展改革": "發展改革", "财务": "財務", "医疗保障": "醫療保障"}
FULL = str.maketrans("0123456789.", "０１２３４５６７８９．")


def read(facts: dict[str, str], name: str = "示范区") -> dict:
    text = f"county:\n  name: {name}\n  report_date: 2025-12-31\nfacts:\n" + "".join(f"  {k}: {v}\n" for k, v in facts.items())
    sheet = parse_fact_sheet(load_text(text, "p.yaml"), "p.yaml", VOCAB)
    return {"county": sheet.county, **sheet.values["county"]}


def decimal_text(value: Decimal) -> str:
    return format(value.normalize(), "f")


@st.composite
def written_number(draw, value: Decimal, unit: str = "") -> str:
    text = decimal_text(value)
    whole, _, frac = text.partition(".")
    if draw(st.booleans()) and len(whole) > 3:
        whole = f"{int(whole):,}"
    else:
        whole = "0" * draw(st.integers(0, 2)) + whole  # leading zeros: decimal, never octal
    text = whole + (f".{frac}" if frac else "")
    if unit and draw(st.booleans()):
        text += unit
    if draw(st.booleans()):
        text = text.translate(FULL)
    return f"'{text}'" if draw(st.booleans()) or not text.replace(".", "").isdigit() else text


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_numbers_are_read_as_written(data):
    count = data.draw(st.integers(0, 10**8))
    amount = data.draw(st.decimals(min_value=0, max_value=10**6, places=data.draw(st.integers(0, 6)),
                                   allow_nan=False, allow_infinity=False))
    got = read({"count": data.draw(written_number(Decimal(count))), "amount": data.draw(written_number(amount, "万元"))})
    assert got["count"] == count
    assert Decimal(str(got["amount"])) == amount


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_percentages_are_read_as_written_or_refused_when_ambiguous(data):
    value = data.draw(st.decimals(min_value=0, max_value=100, places=data.draw(st.integers(0, 4)),
                                  allow_nan=False, allow_infinity=False))
    sign = data.draw(st.booleans())
    text = decimal_text(value) + ("%" if sign else "")
    written = f"'{text}'" if sign and data.draw(st.booleans()) else text
    if 0 < value <= 1 and not sign:  # value is never negative here
        try:
            read({"share": written})
        except Exception as exc:  # FactSheetError
            assert "写 " in str(exc) and "%" in str(exc)
            return
        raise AssertionError(f"{written} was read without a word")
    assert Decimal(str(read({"share": written})["share"])) == value


DATE_FORMS = ("{y}-{m:02d}-{d:02d}", "{y}-{m}-{d}", "{y}/{m}/{d}", "{y}/{m:02d}/{d:02d}", "{y}.{m}.{d}", "{y}年{m}月{d}日",
              "{y}年{m:02d}月{d:02d}日", "'{y}-{m:02d}-{d:02d}'")


@settings(max_examples=150, deadline=None)
@given(st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31)), st.sampled_from(DATE_FORMS), st.booleans())
def test_dates_are_read_in_every_form(day, form, full_width):
    text = form.format(y=day.year, m=day.month, d=day.day)
    if full_width:
        text = "'" + text.strip("'").translate(FULL) + "'"
    assert read({"since": text})["since"] == day


# Names a YAML 1.1 reader took for booleans, numbers or sexagesimals.
TRICKY = st.sampled_from(["No", "no", "On", "OFF", "yes", "Y", "n", "1e3", "0x10", "017", "0o17", "1:7", "1_000", ".5",
                          "12", "3.0", "true", "False", ".inf", "2025"])
WORDS = st.text(alphabet="甲乙丙丁医共体区县中心ABCxyz0123456789", min_size=1, max_size=8).filter(
    lambda t: t.lower() not in ("null", "y", "n") and not t[0].isdigit() or t.isdigit())


@settings(max_examples=150, deadline=None)
@given(st.one_of(TRICKY, WORDS), st.one_of(TRICKY, WORDS))
def test_names_and_text_are_read_exactly_as_typed(county, title):
    got = read({"title": title}, name=county)
    assert got["county"].name == county and got["title"] == title


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_options_and_lists_in_either_script_and_any_separator(data):
    grade = data.draw(st.sampled_from(VOCAB.facts["grade"].values))
    areas = data.draw(st.lists(st.sampled_from(VOCAB.facts["areas"].values), min_size=1, max_size=5, unique=True))
    script = data.draw(st.booleans())
    shown = [TRADITIONAL[a] if script and data.draw(st.booleans()) else a for a in areas]
    style = data.draw(st.sampled_from(["、", "，", "；", ", ", "; ", "list"]))
    written = f"[{', '.join(shown)}]" if style == "list" else style.join(shown)
    got = read({"grade": TRADITIONAL[grade] if script else grade, "areas": written})
    assert got["grade"] == grade
    assert got["areas"] == frozenset(areas)
