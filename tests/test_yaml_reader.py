"""The YAML reader walks libyaml's nodes itself; it reads every text exactly as PyYAML's constructors did.

`yaml_reference.ReferenceLoader` is the reader before the walker. For shipped
files, hand-picked edge cases (tags, aliases, merge keys, impossible dates,
duplicate keys) and generated text, both must give the same values with the
same lines, columns and written text, the same sharing of aliased values, or the
same error message.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker import yamlsource
from checker.yamlsource import YamlSourceError, load_text
from conftest import REPO
from test_fuzz import CRASHING_TOKENS, TOKENS, mutated_text
from yaml_reference import ReferenceLoader

TOO_DEEP = "nested too deeply"


def _shape(value: Any, seen: dict) -> Any:
    """Everything the reader returns: types, values, lines, columns, written text, and which values are one object."""
    if isinstance(value, (dict, list)):
        if id(value) in seen:
            return ("same object as", seen[id(value)])
        seen[id(value)] = len(seen)
    if isinstance(value, dict):
        marks = tuple(repr(getattr(value, name, None)) for name in ("line", "key_lines", "key_columns", "plain"))
        return (type(value).__name__, marks, [(repr(k), _shape(v, seen)) for k, v in value.items()])
    if isinstance(value, list):
        marks = tuple(repr(getattr(value, name, None)) for name in ("line", "item_lines", "plain"))
        return (type(value).__name__, marks, [_shape(v, seen) for v in value])
    if isinstance(value, (set, frozenset)):
        return (type(value).__name__, sorted(repr(v) for v in value))
    return (type(value).__name__, repr(value))


def _read(text: str) -> tuple:
    try:
        return ("read", _shape(load_text(text, "s.yaml"), {}))
    except YamlSourceError as exc:
        return ("refused", str(exc))


def _reference(text: str) -> tuple:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(yamlsource, "_Loader", ReferenceLoader)
        return _read(text)


def assert_read_as_before(text: str) -> None:
    before, now = _reference(text), _read(text)
    if TOO_DEEP in str(before) or TOO_DEEP in str(now):
        return  # where Python's stack ran out depended on the caller's depth; see test_deep_block_nesting_is_refused
    assert now == before, text


HEAD = 'county:\n  name: 示范区\n  code: "110101"\n  report_date: 2025-12-31\nfacts:\n'
EDGE_CASES = [
    "a: 1\nb: 1.5\nc: true\nd: ~\ne: 2025-01-01\nf: '5'\ng: 017\nh: 0x10\ni: .inf\nj: -.NaN\nk: 1e3\nl: yes\n"
    "m: [1, 2.0, x, null, 2025-02-01 10:00:00, 'true', 0o7]\n",
    "a: 1_000\nb: 1:30\nc: +1\nd: -0\ne: 0o17\nf: .5\ng: 5.\nh: 1e+3\ni: TRUE\nj: True\nk: NULL\nl: Null\nm: ''\nn:\n",
    "a: 2025-1-1\nb: 2025-01-01T10:00:00Z\nc: 2025-01-01 10:00:00.5 +08:00\nd: 2025-01-01 25:00:00\n",
    "a: 'x'\nb: \"1\"\nc: |\n  5\nd: >\n  true\ne: ! 12\n",
    "a: nULL\nb: tRUE\nc: <<x\nd: ~x\ne: nullx\nf: truex\ng: 'true'\nh: !!bool tRuE\ni: !!bool FALSE\nj: !!bool 1\nk: !!null ''\n",
    # duplicate keys, however written
    "a: 1\na: 2\n", "? [1, 2]\n: x\n? [1, 2]\n: y\n", "{1: a, 1: b}", "{true: a, True: b}", "'a': 1\n\"a\": 2\n",
    "? 2025-01-01\n: a\n? 2025-01-01\n: b\n", "a:\n  - {x: 1, x: 2}\n", "{.nan: 1, .nan: 2}",
    # values PyYAML cannot construct
    "a: 2025-02-30\n", "a: [2025-13-01]\n", "a: [{b: [{c: 2025-02-31}]}]\n", "a: [&a 2025-02-30, *a]\n",
    # explicit tags, known and unknown
    "a: !!int 二\n", "a: !!float x\n", "a: !!bool 是\n", "a: !!bool true\n", "a: !!timestamp x\n", "a: !!timestamp 2025-01-01\n",
    "a: !!seq x\n", "a: !!map x\n", "a: !!map ''\n", "a: !!seq ''\n", "a: !!map {b: 1}\nc: !!seq [1]\n", "a: !!str 12\n",
    "a: !!str [1]\n", "a: !!int [1]\n", "a: !!float {a: 1}\n", "a: !!null x\n", "a: !!null {a: 1}\n", "a: !foo x\n",
    "a: !!python/object/apply:os.system [ls]\n", "? !!set {}\n: 1\n", "a: !!set {x, y}\n", "{? !!set {a}: 1}", "a: !!set [1]\n",
    "a: !!omap [{a: 1}, {b: 2}]\n", "a: !!omap x\n", "a: !!omap [1]\n", "a: !!pairs [{a: 1}]\n", "a: !!binary aGVsbG8=\n",
    "a: !!binary x\n", "? !!binary aGk=\n: 1\n", "a: !<tag:yaml.org,2002:int> 7\n", "%TAG !m! tag:yaml.org,2002:\n---\na: !m!int 5\n",
    "a: !!merge x\n", "- !!merge\n", "a: !!value x\n", "? !!value x\n: 1\n", "=: 1\n",
    # merge keys
    "b: &a {x: 1}\nc:\n  <<: *a\n  y: 2\n", "b: &a {x: 1}\nc:\n  <<: *a\n  x: 2\n", "b: &a {x: 1}\nc:\n  <<: [*a, {z: 1}]\n",
    "c:\n  <<: 1\n", "c:\n  <<: [1]\n", "c:\n  <<: {a: 1, <<: {b: 2}}\n", "- <<\n", "a: <<\n",
    "%TAG !m! tag:yaml.org,2002:\n---\nc:\n  !m!merge : {a: 1}\n",
    # aliases: shared values, recursion, undefined and repeated anchors
    "a: &a [1]\nb: *a\nc: *a\n", "a: &x !!set {a}\nb: *x\n", "? &k [1]\n: a\n? *k\n: b\n", "x: &r [*r]\n", "x: &r {a: *r}\n",
    "&r [*r]", "&r {a: *r}", "x: &a [1, *a]\n", "a: &a {b: &b [*a]}\n", "a: *b\n", "a: &a 1\nb: &a 2\n",
    # documents and syntax
    "", "# c\n", "---\na: 1\n---\nb: 2\n", "a: [1\n", "a: b: c\n", "a:\tb\n", "- a\n- b\n", "x", "1", "2025-01-01",
    "\ufeffa: 1\n", "a: 1\r\nb: 2\r\n", "a: 1 # c\n", "a: 'un\n", "a: 1\nb：2\n",
]


@pytest.mark.parametrize("text", EDGE_CASES + [HEAD + "  " + case.replace("\n", "\n  ") for case in EDGE_CASES])
def test_edge_cases_read_as_before(text: str) -> None:
    assert_read_as_before(text)


@pytest.mark.parametrize("path", sorted(p.relative_to(REPO) for folder in ("examples", "rules", "tests/fixtures")
                                        for p in (REPO / folder).rglob("*.yaml")), ids=str)
def test_shipped_files_read_as_before(path: Path) -> None:
    assert_read_as_before((REPO / path).read_text(encoding="utf-8"))


_SOUP = st.lists(st.sampled_from(TOKENS + CRASHING_TOKENS + [
    "a", "b", "1", "\n", "\n  ", "\n- ", "<<: ", "&x ", "*x", "0x1", "1.5", "true", "~", "null", "'5'", "是", "2025-02-30"]),
    max_size=40).map("".join)
_CHARS = st.text(alphabet=st.sampled_from(list("ab:-[]{},&*!<> \n'\"?|#012.")), max_size=60)


@settings(max_examples=400, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
@given(text=st.one_of(mutated_text(), _SOUP, _CHARS))
def test_generated_text_reads_as_before(text: str) -> None:
    assert_read_as_before(text)


def test_deep_block_nesting_is_refused() -> None:
    """Nesting is bounded at MAX_DEPTH levels however it is written, not by where Python's stack runs out."""
    def nested(depth: int) -> str:
        return "".join(" " * i + "a:\n" for i in range(depth)) + " " * depth + "x\n"

    data = load_text(nested(yamlsource.MAX_DEPTH), "d.yaml")
    for _ in range(yamlsource.MAX_DEPTH - 1):
        data = data["a"]
    assert data == {"a": "x"}
    for text in (nested(yamlsource.MAX_DEPTH + 1), "- " * (yamlsource.MAX_DEPTH + 1) + "x\n"):
        with pytest.raises(YamlSourceError, match=TOO_DEEP):
            load_text(text, "d.yaml")
