"""Rectification waivers: waived while active (through the expiry day), a gap again after it."""
from __future__ import annotations

import json

import pytest

from conftest import DEMO_RULES, demo_sheet

WAIVER = """
waivers:
  - rule: DM-001
    document: 示卫复〔2025〕8号
    approver: 示范市卫生健康委员会
    justification: 新建社区卫生服务中心2026年投入使用
    start: 2025-06-01
    expiry: 2026-03-31
"""


def run(cli, write, as_of, extra=WAIVER, facts="grassroots_share: 50"):
    sheet = write("c.yaml", demo_sheet(facts) + extra)
    result = cli("run", sheet, "--rules", DEMO_RULES, "--format", "json", "--as-of", as_of)
    return result, json.loads(result.stdout) if result.stdout else None


@pytest.mark.parametrize("as_of, status, state, exit_code", [
    ("2026-03-31", "waived", "active", 0),       # the expiry day itself is covered
    ("2026-04-01", "fail", "expired", 1),        # the day after: a gap again, and it says so
    ("2026-01-05", "waived", "active", 0),       # the start day is covered
    ("2026-01-04", "fail", "not_started", 1),    # the day before it starts is not
])
def test_waiver_boundaries(cli, write, as_of, status, state, exit_code):
    result, data = run(cli, write, as_of, WAIVER.replace("2025-06-01", "2026-01-05"))
    finding = next(f for f in data["findings"] if f["rule"] == "DM-001")
    assert (finding["status"], finding["waiver"]["state"], result.exit_code) == (status, state, exit_code)
    assert finding["waiver"]["document"] == "示卫复〔2025〕8号"
    assert data["gaps_without_waivers"] == 1
    if state == "expired":
        assert "已于 2026-03-31 到期" in result.stderr


def test_waiver_on_a_passing_rule_or_no_rule_is_reported(cli, write):
    extra = WAIVER + WAIVER.replace("waivers:\n", "").replace("DM-001", "DM-999")
    result, data = run(cli, write, "2026-01-01", extra, facts="grassroots_share: 70")
    assert result.exit_code == 0
    notes = "\n".join(data["waiver_notes"])
    assert "DM-999" in notes and "未匹配" in notes and "无需豁免" in notes


def test_waivers_file_option_and_validation(cli, write):
    sheet = write("c.yaml", demo_sheet("grassroots_share: 50"))
    waivers = write("w.yaml", WAIVER)
    result = cli("run", sheet, "--rules", DEMO_RULES, "--format", "json", "--as-of", "2026-01-01", "--waivers", waivers)
    assert result.exit_code == 0 and json.loads(result.stdout)["summary"]["waived"] == 1
    bad = write("bad.yaml", WAIVER.replace("    document: 示卫复〔2025〕8号\n", ""))
    result = cli("run", sheet, "--rules", DEMO_RULES, "--waivers", bad)
    assert result.exit_code == 2 and "bad.yaml:2:" in result.stderr and "document" in result.stderr
