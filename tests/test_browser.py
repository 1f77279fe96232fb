"""The HTML report as a person sees it, in a real browser (headless Chromium).

A copy of the report gets a small probe script appended; Chromium runs it and
dumps the DOM, so the checks below are what the browser laid out: the text is
there, nothing is wider than the page, the chart's bars are drawn. A screenshot
of the first screen is taken too (kept under the test's tmp folder to look at).
"""
from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import zlib

import pytest

from conftest import DEMO_RULES, REPO, demo_sheet

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]

if CHROMIUM is None and os.environ.get("CI"):
    raise RuntimeError("CI must install Debian's chromium for the browser tests (see .ci/run)")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")

PROBE = """
<script>
window.addEventListener("load", () => {
  const wide = [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1);
  const out = {
    text: document.body.innerText,
    page_width: window.innerWidth,
    scroll_width: document.documentElement.scrollWidth,
    overflowing: wide.slice(0, 5).map(e => e.tagName + "." + e.className),
    bars: [...document.querySelectorAll("svg.chart rect.bar")].map(r => r.getBoundingClientRect().width),
    first_screen_gap_count: document.querySelector(".fig.big span").textContent,
    unit_headings: [...document.querySelectorAll("section.unit h2")].map(h => h.textContent),
  };
  const pre = document.createElement("pre"); pre.id = "probe"; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
"""


def _chromium(tmp_path, *args):
    profile = tmp_path / "profile"
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=90)


def _png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    idat = b"".join(data[i + 8:i + 8 + struct.unpack(">I", data[i:i + 4])[0]]
                    for i in range(8, len(data)) if data[i + 4:i + 8] == b"IDAT")
    return width, height, len(zlib.decompress(idat)) if idat else 0, len(idat)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    from click.testing import CliRunner

    from checker.cli import main

    facts = """
grassroots_share: 50
hospital_grade: 二级乙等
plan_year: 2025
consortia:
  - {name: 甲医共体（一个名字很长很长很长很长很长很长很长很长很长很长很长很长的医共体）, unified: [人员, 财务, 业务], lump_sum_payment: false, has_charter: true}
  - {name: 乙医共体, lead_is_tcm: true, tcm_department: false}
"""
    sheet = tmp / "c.yaml"
    sheet.write_text(demo_sheet(facts), encoding="utf-8")
    report = tmp / "report.html"
    CliRunner().invoke(main, ["run", str(sheet), "--rules", str(DEMO_RULES), "-o", str(report)], catch_exceptions=False)
    probed = tmp / "probed.html"
    probed.write_text(report.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    return tmp, report, probed


def test_what_a_person_sees(rendered):
    tmp, _, probed = rendered
    result = _chromium(tmp, "--window-size=1280,900", "--virtual-time-budget=3000", "--dump-dom", probed.as_uri())
    marker = '<pre id="probe">'
    assert marker in result.stdout, result.stderr[-2000:]
    raw = result.stdout.split(marker, 1)[1].split("</pre>", 1)[0]
    seen = json.loads(raw.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
    assert "示范区 政策落实情况差距报告" in seen["text"] and "当前未达标事项" in seen["text"]
    assert seen["first_screen_gap_count"] == "4"
    assert seen["unit_headings"][:2] == ["市卫生健康委", "市医保局"]
    assert seen["scroll_width"] <= seen["page_width"] and seen["overflowing"] == []
    assert len(seen["bars"]) == 3 and max(seen["bars"]) > 0  # the chart is drawn


def test_first_screen_screenshot(rendered):
    tmp, report, _ = rendered
    shot = tmp / "first-screen.png"
    result = _chromium(tmp, "--window-size=1280,900", f"--screenshot={shot}", report.as_uri())
    assert shot.exists(), result.stderr[-2000:]
    width, height, raw_bytes, compressed = _png_size(shot)
    assert (width, height) == (1280, 900)
    assert compressed > 20_000  # a blank or unstyled page compresses to far less


def test_prints_to_a4_pages(rendered):
    tmp, report, _ = rendered
    pdf = tmp / "report.pdf"
    _chromium(tmp, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", report.as_uri())
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    import re

    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", data)
    assert len(boxes) >= 2  # the units start on pages of their own
    for width, height in boxes:  # A4 is 595 x 842 points
        assert abs(float(width) - 595) < 2 and abs(float(height) - 842) < 2


EXAMPLE_PROBE = """
<script>
window.addEventListener("load", () => {
  const rows = [...document.querySelectorAll("table.urgent:not(.upcoming) tbody tr")];
  const out = {
    text: document.body.innerText,
    units: [...document.querySelectorAll("section.unit")].map(s => s.getAttribute("data-unit")),
    urgent_leads: rows.map(r => r.getAttribute("data-lead")),
    leads_shown: [...document.querySelectorAll("section.unit .gap")].map(g => g.getAttribute("data-lead")),
  };
  const pre = document.createElement("pre"); pre.id = "probe"; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
"""


def _probe(tmp_path, html_path):
    probed = html_path.with_name("probed-" + html_path.name)
    probed.write_text(html_path.read_text(encoding="utf-8").replace("</body>", EXAMPLE_PROBE + "</body>"), encoding="utf-8")
    result = _chromium(tmp_path, "--window-size=1280,900", "--virtual-time-budget=3000", "--dump-dom", probed.as_uri())
    raw = result.stdout.split('<pre id="probe">', 1)[1].split("</pre>", 1)[0]
    return json.loads(raw.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))


EXAMPLES = sorted(p for p in (REPO / "examples").glob("*.yaml"))
# Districts of the shipped examples' documents, to catch another district's unit in a county's report.
DISTRICTS = ["琅琊区", "南谯区", "苏滁", "经开区", "黄岛区", "城阳区", "即墨区", "胶州市", "平度市", "莱西市", "云州区"]


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_each_example_reads_as_its_own_countys_report(example, tmp_path):
    """Simplified script throughout, only this county's units, current failures first, one list per department."""
    from click.testing import CliRunner

    from checker.cli import main
    import opencc

    to_simplified = opencc.OpenCC("t2s").convert  # script only: ① and full-width forms are not traditional

    out = tmp_path / "units"
    result = CliRunner().invoke(main, ["run", str(example), "--by-unit", "-o", str(out)], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    report = out / f"{example.stem}.html"
    seen = _probe(tmp_path, report)
    assert to_simplified(seen["text"]) == seen["text"], "traditional characters in the rendered report"
    import yaml

    county = yaml.safe_load(example.read_text(encoding="utf-8"))["county"]["name"]
    others = [d for d in DISTRICTS if d != county]
    named = seen["units"] + seen["urgent_leads"] + seen["leads_shown"]
    assert not [u for u in named if any(d in u for d in others)], named
    if seen["urgent_leads"]:  # the first row of 当前未达标事项 is a current failure
        first = report.read_text(encoding="utf-8").split('<table class="urgent">', 1)[1].split("</tr>", 2)[1]
        # overdue first; a row with time left is only a periodic duty already behind for the periods ended
        assert "剩余" not in first or "截至评估日应完成" in first
    lists = sorted(p for p in out.iterdir() if "整改任务清单" in p.name)
    assert lists and all(p.name.startswith(county + "-") for p in lists)
    for work_list in lists[:4]:
        unit = work_list.stem.split("整改任务清单-", 1)[1]
        listed = _probe(tmp_path, work_list)
        assert listed["units"] == [unit] or not listed["units"], (unit, listed["units"])
        assert all(lead == unit for lead in listed["leads_shown"]), (unit, listed["leads_shown"])
