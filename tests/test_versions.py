"""Pack versions: released files are immutable, versions are chosen by date, diff shows changes."""
from __future__ import annotations

import json
import shutil

import pytest

from conftest import DEMO_RULES, demo_sheet


@pytest.fixture
def lib(tmp_path):
    """A copy of the demo library with a corrected 1.1.0 in force from 2026-01-01."""
    root = tmp_path / "lib"
    shutil.copytree(DEMO_RULES.parent, root)
    old = root / "rules" / "demo" / "1.0.0.yaml"
    text = old.read_text(encoding="utf-8")
    new = text.replace("version: 1.0.0", "version: 1.1.0").replace("in_force: {from: 2024-01-01, to: null}", "in_force: {from: 2026-01-01, to: null}")
    new = new.replace("    deadline: 2025-12-31\n    lead: 市卫生健康委\n    co_responsible: [市医保局]",
                      "    deadline: 2026-06-30\n    lead: 市卫生健康委\n    co_responsible: [市医保局, 市财政局]")
    (root / "rules" / "demo" / "1.1.0.yaml").write_text(new.replace("released: true", ""), encoding="utf-8")
    return root / "rules"


def test_run_picks_the_version_in_force_on_the_as_of_date(cli, write, lib):
    sheet = write("c.yaml", demo_sheet("grassroots_share: 50"))
    for as_of, version, status in (("2025-12-31", "1.0.0", "fail"), ("2026-01-01", "1.1.0", "not_due")):
        data = json.loads(cli("run", sheet, "--rules", lib, "--format", "json", "--as-of", as_of).stdout)
        assert data["packs"][0]["version"] == version
        assert next(f for f in data["findings"] if f["rule"] == "DM-001")["status"] == status
    data = json.loads(cli("run", sheet, "--rules", lib, "--format", "json", "--as-of", "2026-01-01", "-p", "demo@1.0.0").stdout)
    assert data["packs"][0]["version"] == "1.0.0"  # an older version stays runnable


def test_a_date_no_version_covers_is_a_clear_error(cli, write, lib):
    sheet = write("c.yaml", demo_sheet("grassroots_share: 50"))
    result = cli("run", sheet, "--rules", lib, "--as-of", "2023-01-01", "-p", "demo")
    assert result.exit_code == 2 and "no version of pack 'demo' is in force on 2023-01-01" in result.stderr


def test_an_expired_plan_is_still_judged_by_its_last_version_and_says_so(cli, write, lib):
    for name, span in (("1.0.0", "{from: 2024-01-01, to: 2025-12-31}"), ("1.1.0", "{from: 2026-01-01, to: 2026-12-31}")):
        pack = lib / "demo" / f"{name}.yaml"
        text = pack.read_text(encoding="utf-8")
        pack.write_text(text.replace("{from: 2024-01-01, to: null}", span).replace("{from: 2026-01-01, to: null}", span),
                        encoding="utf-8")
    sheet = write("c.yaml", demo_sheet("grassroots_share: 50"))
    result = cli("run", sheet, "--rules", lib, "--as-of", "2027-03-01", "--format", "json")
    data = json.loads(result.stdout)
    assert result.exit_code == 1 and data["packs"][0]["version"] == "1.1.0" and data["packs"][0]["expired"] is True
    assert "已到期" in result.stderr
    assert next(f for f in data["findings"] if f["rule"] == "DM-001")["status"] == "fail"


def test_diff_shows_changed_deadline_and_units_and_flipped_verdicts(cli, write, lib):
    sheet = write("c.yaml", demo_sheet("grassroots_share: 50", report_date="2026-01-10"))
    result = cli("diff", "demo@1.0.0", "demo@1.1.0", "--rules", lib, "--facts", sheet, "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    (change,) = data["changed"]
    assert change["id"] == "DM-001"
    assert change["changes"]["deadline"] == {"from": "2025-12-31", "to": "2026-06-30"}
    assert change["changes"]["co_responsible"]["to"] == ["市医保局", "市财政局", "区政府"]
    assert data["added"] == [] and data["removed"] == []
    assert data["flipped"] == [{"rule": "DM-001", "subject": "示范区", "from": "fail", "to": "not_due"}]
    text = cli("diff", "demo@1.0.0", "demo@1.1.0", "--rules", lib).stdout
    assert "~ DM-001" in text and "deadline: 2025-12-31 → 2026-06-30" in text


def test_editing_a_released_version_is_refused(cli, lib):
    assert cli("lock", "--rules", lib).stdout.startswith("已锁定 locked: demo@1.1.0")
    assert cli("lint", "--rules", lib).exit_code == 0
    released = lib / "demo" / "1.0.0.yaml"
    released.write_text(released.read_text(encoding="utf-8").replace("ge: 65}", "ge: 60}"), encoding="utf-8")
    result = cli("lint", "--rules", lib)
    assert result.exit_code == 2 and "demo@1.0.0 was released with sha256" in result.stderr
    assert "new version (e.g. 1.1.0)" in result.stderr


def test_shipped_released_versions_match_the_lock():
    from checker.library import load_library
    from checker.releases import check_lock

    assert [p.render() for p in check_lock(load_library())] == []


def test_coverage_marks_every_sentence(cli, lib):
    pack = lib / "demo" / "1.1.0.yaml"
    text = pack.read_text(encoding="utf-8").replace("rules:\n", "coverage:\n  - section: 三\n    status: uncheckable\n"
                                                    "    reason: 测试用\n    quotes: [医共体应有章程或理事会]\nrules:\n", 1)
    text = text.replace("    quote: 医共体应有章程或理事会\n", "    quote: 中医医院牵头的医共体设立中医药管理部门\n")
    pack.write_text(text, encoding="utf-8")
    result = cli("coverage", "demo@1.1.0", "--rules", lib, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    by_text = {s["text"]: s for s in data["sentences"]}
    assert by_text["医共体应有章程或理事会。"]["status"] == "uncheckable"
    assert by_text["医共体应有章程或理事会。"]["reasons"] == ["三: 测试用"]
    assert by_text["一、到2025年底,基层诊疗量占比达到65%以上。(责任单位:市卫生健康委、市医保局)"]["rules"] == ["DM-001"]
    assert data["counts"] == {"encoded": 4, "uncheckable": 1, "open": 0, "heading": 1}
    html = cli("coverage", "demo@1.1.0", "--rules", lib, "--format", "html").stdout
    assert 'class="s uncheckable"' in html and "尚未考虑 0" in html
