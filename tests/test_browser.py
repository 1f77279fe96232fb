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

from conftest import DEMO_RULES, demo_sheet

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
