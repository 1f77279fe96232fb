"""The province summary in a real browser (headless Chromium): every link followed.

The folder has what trips a naive batch: the same name in two years' sub-folders,
x.yaml beside x.yml, a sheet called summary.yaml, and names with #, ?, %, spaces
and a `javascript:` prefix. Chromium resolves each link of the summary; each
resolved address is opened and must show the report of the county in that row
(its name and its report date).
"""
from __future__ import annotations

import html
import json
import re
import shutil
import subprocess

import pytest

from conftest import DEMO_RULES

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")

LINKS_PROBE = """
<script>
window.addEventListener("load", () => {
  const rows = [...document.querySelectorAll("table.matrix tr.county")].map(tr => {
    const a = tr.querySelector("td.name a");
    return {name: a.textContent, href: a.href, date: tr.querySelector("td.date").textContent,
            file: tr.querySelector("td.file").textContent};
  });
  const pre = document.createElement("pre"); pre.id = "probe"; pre.textContent = JSON.stringify(rows);
  document.body.appendChild(pre);
});
</script>
"""

SHEETS = {  # path in the folder: (county, code, report date)
    "2024/平度市.yaml": ("平度市", "110101", "2024-12-31"),
    "2025/平度市.yaml": ("平度市", "110101", "2025-12-31"),
    "x.yaml": ("甲区", "110102", "2025-11-30"),
    "x.yml": ("乙区", "110103", "2025-10-31"),
    "summary.yaml": ("丙区", "110104", "2025-09-30"),
    "javascript:alert(1);x.yaml": ("丁区", "110105", "2025-08-31"),
    "a#b.yaml": ("戊区", "110106", "2025-07-31"),
    "c?d.yaml": ("己区", "110107", "2025-06-30"),
    "50% done.yaml": ("庚区", "110108", "2025-05-31"),
    "市 辖/%20.yaml": ("辛区", "110109", "2025-04-30"),
}


def _chromium(tmp_path, *args):
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
                          capture_output=True, text=True, timeout=90)


def _dom(tmp_path, url: str) -> str:
    result = _chromium(tmp_path, "--virtual-time-budget=3000", "--dump-dom", url)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.fixture(scope="module")
def summary_dir(tmp_path_factory):
    from click.testing import CliRunner

    from checker.cli import main

    tmp = tmp_path_factory.mktemp("batch-browser")
    folder = tmp / "in"
    for relative, (name, code, date) in SHEETS.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f'county:\n  name: {name}\n  code: "{code}"\n  city: 示范市\n  report_date: {date}\n'
                        f"facts:\n  grassroots_share: 50\n", encoding="utf-8")
    out = tmp / "out"
    result = CliRunner().invoke(main, ["batch", str(folder), "-o", str(out), "--rules", str(DEMO_RULES), "-p", "demo",
                                       "-j", "2"], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return tmp, out


def test_every_summary_link_opens_the_report_of_its_row(summary_dir):
    tmp, out = summary_dir
    probed = out / "probed.html"
    probed.write_text((out / "summary.html").read_text(encoding="utf-8").replace("</body>", LINKS_PROBE + "</body>"),
                      encoding="utf-8")
    dom = _dom(tmp, probed.as_uri())
    rows = json.loads(html.unescape(dom.split('<pre id="probe">', 1)[1].split("</pre>", 1)[0]))
    assert sorted(r["file"] for r in rows) == sorted(SHEETS)
    for row in rows:
        assert row["href"].startswith(out.as_uri() + "/"), row  # a relative link into the output folder, never javascript:
        name, _, date = SHEETS[row["file"]]
        assert (row["name"], row["date"]) == (name, date)
        report = _dom(tmp, row["href"])
        title = re.search(r"<title>(.*?)</title>", report, re.S)
        assert title and name in title.group(1), (row, report[:300])
        assert f"评估日期 {date}" in report, row
    probed.unlink()


def test_the_summary_prints_on_a4_pages(summary_dir):
    tmp, out = summary_dir
    pdf = tmp / "summary.pdf"
    _chromium(tmp, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", (out / "summary.html").as_uri())
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", data)
    assert boxes
    for width, height in boxes:  # A4 landscape is 842 x 595 points
        assert abs(float(width) - 842) < 2 and abs(float(height) - 595) < 2


def test_sorting_by_gaps_reorders_the_counties_of_each_city(summary_dir):
    tmp, out = summary_dir
    probe = """
<script>
window.addEventListener("load", () => {
  const gaps = () => [...document.querySelectorAll("tbody.city tr.county")].map(tr => +tr.dataset.gaps);
  const before = gaps();
  document.getElementById("sort-gaps").click();
  const after = gaps();
  const pre = document.createElement("pre"); pre.id = "probe"; pre.textContent = JSON.stringify({before, after});
  document.body.appendChild(pre);
});
</script>
"""
    probed = out / "sorted.html"
    probed.write_text((out / "summary.html").read_text(encoding="utf-8").replace("</body>", probe + "</body>"),
                      encoding="utf-8")
    dom = _dom(tmp, probed.as_uri())
    seen = json.loads(html.unescape(dom.split('<pre id="probe">', 1)[1].split("</pre>", 1)[0]))
    assert sorted(seen["before"]) == sorted(seen["after"]) and seen["after"] == sorted(seen["after"], reverse=True)
    assert seen["before"] != seen["after"]
    probed.unlink()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
def test_every_printed_page_carries_the_summarys_own_header_not_the_browsers_url(summary_dir):
    tmp, out = summary_dir
    pdf = tmp / "summary-default.pdf"
    _chromium(tmp, f"--print-to-pdf={pdf}", (out / "summary.html").as_uri())  # the browser's own header/footer not disabled
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    pages = [p for p in pages if p.strip()]
    assert pages
    for number, page in enumerate(pages, start=1):
        assert "政策落实情况汇总 · 评估日期 各事实表的报告日期" in page, page[:300]
        assert re.search(rf"\b{number} ?/ ?{len(pages)}\b", page), page[-300:]
        assert "file:" not in page and str(out) not in page
