"""The HTML report prints most finding fields with autoescape off, from pieces escaped once in
checker.report.html_view: every text a county or a pack wrote must still come out escaped exactly once."""
from __future__ import annotations

import copy

from markupsafe import escape

from checker.pipeline import CheckRequest, check_sheet
from checker.report import for_unit, lead_units, render
from conftest import EXAMPLES

MARK = "<b>&\"'"
ESCAPED = "&lt;b&gt;&amp;&#34;&#39;"
CODES = {"status", "category", "deadline_source", "force", "scope", "tool", "state"}  # not text: compared, not shown


def _marked(value, key=None):
    if isinstance(value, dict):
        return {k: _marked(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_marked(v, key) for v in value]
    if isinstance(value, str) and key not in CODES:
        return value + MARK
    return value


def test_every_shown_text_is_escaped_exactly_once():
    data = check_sheet(EXAMPLES / "yunzhou.yaml", CheckRequest()).data
    data = _marked(copy.deepcopy(data))
    first = data["findings"][0]
    first.update(status="fail", category="binding",
                 waiver={"document": "d" + MARK, "approver": "a" + MARK, "start": "2025-01-01",
                         "expiry": "2026-01-01", "justification": "j" + MARK, "state": "active"})
    first["why"] = first["why"] + [{"derived": True, "label": "l" + MARK, "subject": "s" + MARK, "value": ["v'", 3],
                                    "rule": "r" + MARK, "fact": "f", "basis": [{"label": "b" + MARK, "value": 5}]}]
    for one in [data] + [for_unit(data, unit) for unit in lead_units(data)[:2]]:
        body = render("html", one).split("</style>", 1)[1]
        assert MARK not in body and "<b>" not in body  # nothing left raw
        assert "&amp;lt;" not in body and "&amp;amp;" not in body  # nothing escaped twice
        assert body.count(ESCAPED) > 20
    body = render("html", data)
    assert "d" + ESCAPED in body and "j" + ESCAPED in body and "b" + ESCAPED + " = 5" in body
    assert str(escape(str(["v'", 3]))) in body  # a value that is not text: escaped as its text
