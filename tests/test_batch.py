"""`policycheck batch` over a folder as a province office receives it.

Each test is one defect a new user met: reports lost or mixed up, odd files
skipped without a word, files outside the folder read, a crash on a file name,
the wrong exit status, duplicates unnoticed, a batch that hangs on a dead
worker, Ctrl-C that leaves tracebacks and temporary files.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from urllib.parse import unquote

import pytest

from conftest import DEMO_RULES


def sheet_text(name: str = "示范区", code: str | None = "110101", date: str = "2025-12-31", city: str | None = None,
               facts: str = "grassroots_share: 50") -> str:
    lines = ["county:", f"  name: {name}"]
    if code:
        lines.append(f'  code: "{code}"')
    if city:
        lines.append(f"  city: {city}")
    lines += [f"  report_date: {date}", "facts:", f"  {facts}"]
    return "\n".join(lines) + "\n"


def put(folder: Path, relative: str | bytes, text: str) -> Path:
    if isinstance(relative, bytes):
        path = Path(os.fsdecode(os.path.join(os.fsencode(folder), relative)))
    else:
        path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def batch(cli, folder: Path, out: Path, *extra: str):
    result = cli("batch", folder, "-o", out, "--rules", DEMO_RULES, *extra)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8")) if (out / "summary.json").exists() else None
    return result, summary


def rows(summary: dict) -> list[dict]:
    return [row for group in summary["groups"] for row in group["rows"]]


def all_text(out: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(out.rglob("*")) if p.suffix in (".html", ".json"))


# --- nothing lost, nothing mixed up ---------------------------------------------------------------

def test_same_names_in_sub_folders_and_beside_each_other_each_keep_their_own_report(cli, tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    put(folder, "2024/示范区.yaml", sheet_text(date="2024-12-31", facts="grassroots_share: 40"))
    put(folder, "2025/示范区.yaml", sheet_text(date="2025-12-31", facts="grassroots_share: 70"))
    put(folder, "x.yaml", sheet_text(name="甲区", code="110102", date="2025-10-31"))
    put(folder, "x.yml", sheet_text(name="乙区", code="110103", date="2025-09-30"))
    put(folder, "summary.yaml", sheet_text(name="丙区", code="110104", date="2025-08-31"))
    result, summary = batch(cli, folder, out, "-p", "demo")
    assert result.exit_code == 0, (result.output, summary and summary["unreadable"])  # no gap is due yet in any of them
    judged = rows(summary)
    assert sorted(r["file"] for r in judged) == ["2024/示范区.yaml", "2025/示范区.yaml", "summary.yaml", "x.yaml", "x.yml"]
    assert len({r["report"] for r in judged}) == 5  # five sheets, five reports
    for row in judged:  # each link opens the report of that row's sheet, not another's
        report = out / unquote(row["href"])
        text = report.read_text(encoding="utf-8")
        assert row["name"] in text and f"评估日期 {row['report_date']}" in text, row
    assert (out / "2024" / "示范区.yaml.html").exists() and (out / "2025" / "示范区.yaml.html").exists()
    assert "<!DOCTYPE html>" in (out / "summary.html").read_text(encoding="utf-8")  # the summary was not overwritten
    assert (out / "summary.yaml.html").exists()


def test_extensions_are_matched_without_regard_to_case(cli, tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    put(folder, "A.YAML", sheet_text(name="甲区", code="110102"))
    put(folder, "b.Yml", sheet_text(name="乙区", code="110103"))
    result, summary = batch(cli, folder, out, "-p", "demo")
    assert sorted(r["file"] for r in rows(summary)) == ["A.YAML", "b.Yml"], result.output


def test_dangling_and_looping_links_unreadable_folders_and_undecodable_files_are_listed_with_the_reason(cli, tmp_path, monkeypatch):
    folder, out = tmp_path / "in", tmp_path / "out"
    put(folder, "good.yaml", sheet_text())
    (folder / "gone.yaml").symlink_to(folder / "nowhere.yaml")
    (folder / "loop.yaml").symlink_to(folder / "loop.yaml")
    (folder / "locked").mkdir()
    put(folder, "locked/hidden.yaml", sheet_text(name="乙区"))
    (folder / "bytes.yaml").write_bytes(b"county:\n  name: \x81\x30\xff\xfe\n")
    real_scandir = os.scandir

    def scandir(path=".", *args):  # the tests run as root, whom chmod 000 does not stop
        if isinstance(path, str) and path.endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path, *args)

    monkeypatch.setattr(os, "scandir", scandir)
    result, summary = batch(cli, folder, out, "-p", "demo")
    reasons = {u["file"]: u["error"] for u in summary["unreadable"]}
    assert "dangling symlink" in reasons["gone.yaml"]
    assert "loops" in reasons["loop.yaml"]
    assert "Permission denied" in reasons["locked/"] or "Permission denied" in reasons.get("locked", "")
    assert "not UTF-8 or GBK" in reasons["bytes.yaml"]
    assert result.exit_code == 2 and "4 份事实表无法读取" in result.stderr


def test_symlinks_leaving_the_folder_are_not_followed_and_nothing_outside_is_quoted(cli, tmp_path):
    folder, out, outside = tmp_path / "in", tmp_path / "out", tmp_path / "private"
    put(folder, "good.yaml", sheet_text())
    put(outside, "secret.yaml", "county: {name: 机密-7f3a}\nfacts: [机密-7f3a\n")
    put(outside, "more/other.yaml", sheet_text(name="机密区", code="110109"))
    (folder / "leak.yaml").symlink_to(outside / "secret.yaml")
    (folder / "more").symlink_to(outside / "more")
    result, summary = batch(cli, folder, out, "-p", "demo")
    assert [r["file"] for r in rows(summary)] == ["good.yaml"]
    skipped = {s["file"]: s["reason"] for s in summary["skipped"]}
    assert "leaves the folder" in skipped["leak.yaml"] and "leaves the folder" in skipped["more"]
    assert "机密" not in all_text(out)
    assert result.exit_code == 1  # a link not followed on purpose is not an unreadable sheet


def test_a_gbk_file_name_is_judged_and_shown_decoded(cli, tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    put(folder, "平度市.yaml".encode("gbk"), sheet_text(name="平度市", code="110101"))
    result, summary = batch(cli, folder, out, "-p", "demo")
    assert result.exit_code == 1, result.output
    assert [r["file"] for r in rows(summary)] == ["平度市.yaml"]
    assert (out / "平度市.yaml.html").exists()
    assert "平度市.yaml" in (out / "summary.html").read_text(encoding="utf-8")


def test_run_judges_a_sheet_with_a_gbk_file_name(cli, tmp_path):
    path = put(tmp_path, "平度市.yaml".encode("gbk"), sheet_text(name="平度市", code="110101"))
    result = cli("run", path, "--rules", DEMO_RULES, "-p", "demo", "--format", "json")
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["input"] == "平度市.yaml"


def test_long_but_legal_file_names_are_judged_with_short_temporary_files(cli, tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    long_name = "县" * 80 + ".yaml"  # 245 bytes: legal, but no room left for a temporary name built on it
    longest = "区" * 83 + ".yaml"  # 254 bytes: its report's name must be shortened to fit
    put(folder, long_name, sheet_text(name="甲区", code="110102"))
    put(folder, longest, sheet_text(name="乙区", code="110103"))
    result, summary = batch(cli, folder, out, "-p", "demo")
    assert result.exit_code == 1, result.output
    assert sorted(r["file"] for r in rows(summary)) == sorted([long_name, longest])
    for row in rows(summary):
        assert (out / row["report"]).is_file() and len(row["report"].encode()) <= 255
    report = tmp_path / (long_name + ".html")
    result = cli("run", folder / long_name, "--rules", DEMO_RULES, "-p", "demo", "-o", report)
    assert result.exit_code == 1, result.output
    assert report.is_file() and not [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]


# --- exit status, duplicates, not applicable ----------------------------------------------------

def test_a_batch_in_which_no_sheet_could_be_read_exits_2(cli, tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    put(folder, "a.yaml", "county: [\n")
    put(folder, "b.yaml", "county: {name: 坏}\nfacts:\n  no_such_fact: 1\n")
    result, summary = batch(cli, folder, out, "-p", "demo")
    assert result.exit_code == 2
    assert summary["counts"]["judged"] == 0 and summary["counts"]["unreadable"] == 2
    assert "2 份事实表无法读取" in result.stderr and "2 sheets could not be read" in result.stderr


def test_sheets_no_pack_applies_to_are_listed_as_not_applicable_not_unreadable(cli, tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    put(folder, "demo.yaml", sheet_text())
    put(folder, "elsewhere.yaml", sheet_text(name="他处县", code="990101"))
    result, summary = batch(cli, folder, out)
    assert result.exit_code == 1, result.output
    assert summary["unreadable"] == []
    assert [n["file"] for n in summary["not_applicable"]] == ["elsewhere.yaml"]
    assert "no rule pack applies" in summary["not_applicable"][0]["reason"]
    html = (out / "summary.html").read_text(encoding="utf-8")
    assert "不适用" in html and "elsewhere.yaml" in html and "无法读取的事实表" not in html


def test_a_batch_where_no_pack_applies_to_any_sheet_does_not_exit_0(cli, tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    put(folder, "elsewhere.yaml", sheet_text(name="他处县", code="990101"))
    result, summary = batch(cli, folder, out)
    assert result.exit_code == 2 and "没有任何事实表被评估" in result.stderr


def test_two_sheets_for_one_county_are_both_judged_and_flagged(cli, tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    put(folder, "2024/示范区.yaml", sheet_text(date="2024-12-31"))
    put(folder, "2025/shifan.yaml", sheet_text(date="2025-12-31"))  # same code
    put(folder, "甲区.yaml", sheet_text(name="甲区", code="110102"))
    put(folder, "甲区-改.yaml", sheet_text(name="甲区", code=None))  # same name, code left out
    put(folder, "乙区.yaml", sheet_text(name="乙区", code="110103"))
    result, summary = batch(cli, folder, out, "-p", "demo")
    assert summary["counts"]["judged"] == 5
    groups = [sorted((d["file"], d["report_date"]) for d in group) for group in summary["duplicates"]]
    assert sorted(groups) == [[("2024/示范区.yaml", "2024-12-31"), ("2025/shifan.yaml", "2025-12-31")],
                              [("甲区-改.yaml", "2025-12-31"), ("甲区.yaml", "2025-12-31")]]
    flagged = {r["file"]: [d["file"] for d in summary["duplicates"][r["duplicate_group"]] if d["file"] != r["file"]]
               if r["duplicate_group"] is not None else [] for r in rows(summary)}
    assert flagged["2024/示范区.yaml"] == ["2025/shifan.yaml"] and flagged["乙区.yaml"] == []
    html = (out / "summary.html").read_text(encoding="utf-8")
    assert "重复提交的县(市、区)" in html and "同一县另有: 2025/shifan.yaml (报告日期 2025-12-31)" in html
    assert "重复 2 组" in result.stderr


def test_a_sheet_matched_by_code_to_one_and_by_name_to_another_makes_one_group(cli, tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    put(folder, "a.yaml", sheet_text(name="示范区", code="110101"))
    put(folder, "b.yaml", sheet_text(name="示范新区", code="110101"))  # a's code
    put(folder, "c.yaml", sheet_text(name="示范新区", code=None))  # b's name, no code
    result, summary = batch(cli, folder, out, "-p", "demo")
    assert [[d["file"] for d in group] for group in summary["duplicates"]] == [["a.yaml", "b.yaml", "c.yaml"]]
    assert {r["file"]: r["duplicate_group"] for r in rows(summary)} == {"a.yaml": 0, "b.yaml": 0, "c.yaml": 0}


def test_many_sheets_for_one_county_are_listed_once_not_in_every_row(cli, tmp_path):
    # Every row naming every other copy grows with the square of the group: 200 copies gave an 11 MB page.
    folder, out = tmp_path / "in", tmp_path / "out"
    for i in range(9):
        put(folder, f"copy{i}.yaml", sheet_text())
    result, summary = batch(cli, folder, out, "-p", "demo")
    assert summary["counts"]["duplicates"] == 1 and len(summary["duplicates"][0]) == 9
    assert {r["duplicate_group"] for r in rows(summary)} == {0}  # each row names its group, listed once
    html = (out / "summary.html").read_text(encoding="utf-8")
    note = html.split('<div class="dupnote">', 1)[1].split("</div>", 1)[0]
    assert note.count("(报告日期") == 5 and "等 8 份, 见" in note and 'href="#duplicates"' in note
    assert '<section id="duplicates">' in html
    assert html.count("copy8.yaml") <= 1 + 5 + 1  # its own row, at most five notes, the duplicates table
    line = next(l for l in result.output.splitlines() if "重复 duplicate" in l)
    assert line.count(".yaml") == 6 and "共 9 份" in line  # the console, too, names a few and counts the rest


# --- the summary ---------------------------------------------------------------------------------

def test_sections_follow_the_document_order_under_their_own_headings(cli, tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    put(folder, "a.yaml", sheet_text())
    _, summary = batch(cli, folder, out, "-p", "demo")
    # 一 U+4E00, 三 U+4E09, 二 U+4E8C: code-point order would put 三 before 二
    assert [c["section"] for c in summary["columns"]] == ["一", "二", "三"]
    assert summary["columns"][0]["heading"].startswith("到2025年底,基层诊疗量占比")
    assert summary["columns"][1]["label"].startswith("二、每个医共体实现人员")
    html = (out / "summary.html").read_text(encoding="utf-8")
    assert 'title="demo@1.0.0">示范文件</th>' in html and 'title="demo 二、' in html


def test_the_shipped_documents_sections_are_in_their_order_with_simplified_headings(tmp_path):
    from checker.library import load_library
    from checker.summary import section_columns

    library = load_library(None, only={"qingdao-2025"})
    columns = section_columns(library, {"qingdao-2025": {"1.0.0"}})
    assert [c["section"] for c in columns] == ["一", "二", "三", "四", "五"]
    assert [c["heading"] for c in columns][:2] == ["总体要求", "强化责任落实"]
    assert columns[0]["pack_title"] == "青岛市全面深化紧密型县域医疗卫生共同体建设实施方案"


def test_columns_take_order_and_titles_from_the_policys_sections(tmp_path):
    """policy.yaml's `sections:` is the document's own table of contents: it, not the rules' citation
    order nor the text's first sentence, names and orders the columns."""
    import shutil

    from checker.library import load_library
    from checker.summary import section_columns

    lib = tmp_path / "lib"
    shutil.copytree(Path(DEMO_RULES).parent, lib)
    policy = lib / "policies" / "demo" / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8")
                      + "sections:\n  一: 总体目标\n  二: 管理体制\n  三: 中医药与章程\n", encoding="utf-8")
    columns = section_columns(load_library(lib / "rules"), {"demo": {"1.0.0"}})
    assert [(c["section"], c["label"]) for c in columns] == [
        ("一", "一、总体目标"), ("二", "二、管理体制"), ("三", "三、中医药与章程")]


def test_section_numerals_sort_as_numbers_not_code_points():
    from checker.summary import _numeral_key

    tops = ["十一", "三", "二", "十", "一", "二十", "附件"]
    assert sorted(tops, key=_numeral_key) == ["一", "二", "三", "十", "十一", "二十", "附件"]


def test_the_header_says_what_was_judged_and_counties_are_grouped_by_city(cli, tmp_path):
    from checker import __version__

    folder, out = tmp_path / "in", tmp_path / "out"
    put(folder, "a.yaml", sheet_text(name="甲区", code="110102", city="示范市"))
    put(folder, "b.yaml", sheet_text(name="乙区", code="110103", city=None))  # city from the code: 1101 is 示范市
    put(folder, "c.yaml", sheet_text(name="丙县", code="120201", city=None))  # no sheet names city 1202
    put(folder, "d.yaml", sheet_text(name="丁县", code=None, city=None))
    _, summary = batch(cli, folder, out, "-p", "demo", "--as-of", "2026-01-01")
    assert [(g["city"], [r["name"] for r in g["rows"]]) for g in summary["groups"]] == [
        ("示范市", ["甲区", "乙区"]), ("代码 1202** 的地市", ["丙县"]), ("未填写地市", ["丁县"])]
    html = (out / "summary.html").read_text(encoding="utf-8")
    for expected in ("评估日期</th><td>2026-01-01", "示范文件 <span class=\"rid\">demo@1.0.0</span>", str(folder),
                     "已评估 <b>4</b>", f"policycheck {__version__}", "110102", "2025-12-31", "a.yaml",
                     'id="sort-gaps"'):
        assert expected in html, expected
    assert "http://" not in html and "https://" not in html and "<script src" not in html
    _, summary = batch(cli, folder, tmp_path / "out2", "-p", "demo")
    assert "各事实表的报告日期" in (tmp_path / "out2" / "summary.html").read_text(encoding="utf-8")


def test_lead_unit_totals_count_each_city_body_apart(cli, tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    put(folder, "a.yaml", sheet_text(name="甲区", code="110102", city="青岛市", facts="grassroots_share: 40"))
    put(folder, "b.yaml", sheet_text(name="乙区", code="340102", city="滁州市", facts="grassroots_share: 40"))
    put(folder, "c.yaml", sheet_text(name="丙区", code="340103", city="滁州市", facts="grassroots_share: 40"))
    _, summary = batch(cli, folder, out, "-p", "demo", "--as-of", "2026-01-01")
    lines = {(u["city"], u["unit"]): (u["gaps"], u["counties"]) for u in summary["units"]}
    assert lines[("滁州市", "市卫生健康委")] == (2, 2) and lines[("青岛市", "市卫生健康委")] == (1, 1)


def test_summary_xlsx_holds_the_matrix_and_the_counts_and_is_reproducible(cli, tmp_path):
    from openpyxl import load_workbook

    folder = tmp_path / "in"
    put(folder, "a.yaml", sheet_text(name="甲区", code="110102", city="示范市", facts="grassroots_share: 40"))
    put(folder, "b.yaml", sheet_text(name="乙区", code="110103", city="示范市", facts="grassroots_share: 70"))
    batch(cli, folder, tmp_path / "o1", "-p", "demo", "--as-of", "2026-01-01")
    batch(cli, folder, tmp_path / "o2", "-p", "demo", "--as-of", "2026-01-01")
    first = (tmp_path / "o1" / "summary.xlsx").read_bytes()
    assert first == (tmp_path / "o2" / "summary.xlsx").read_bytes()
    book = load_workbook(tmp_path / "o1" / "summary.xlsx")
    assert book.sheetnames == ["达标率矩阵", "各县计数"]
    matrix = [list(r) for r in book["达标率矩阵"].iter_rows(values_only=True)]
    assert matrix[4][6].startswith("一、到2025年底")
    counties = {r[1]: r for r in matrix[6:] if r[1]}
    assert counties["甲区"][4] == 1 and counties["甲区"][6] == 0 and counties["乙区"][6] == 1
    counts = [list(r) for r in book["各县计数"].iter_rows(values_only=True)]
    assert counts[0][:3] == ["地市", "县(市、区)", "代码"] and counts[0][7] == "未达标"
    assert [(r[1], r[7]) for r in counts[1:]] == [("甲区", 1), ("乙区", 0)]


def test_links_are_url_encoded_and_names_escaped(cli, tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    names = ["javascript:alert(1);x.yaml", "a#b.yaml", "c?d.yaml", "50%.yaml", "with space.yaml", "<b>.yaml"]
    for i, name in enumerate(names):
        put(folder, name, sheet_text(name=f"县{i}", code=f"11010{i + 2}"))
    result, summary = batch(cli, folder, out, "-p", "demo")
    html = (out / "summary.html").read_text(encoding="utf-8")
    for row in rows(summary):
        assert row["href"].startswith("./") and ":" not in row["href"] and "#" not in row["href"] and "?" not in row["href"] and " " not in row["href"]
        assert (out / unquote(row["href"])).is_file()
        assert f'href="{row["href"]}"' in html
    assert 'href="javascript' not in html and "<b>.yaml" not in html and "&lt;b&gt;.yaml" in html


# --- workers, interrupts, progress -----------------------------------------------------------------

PATCHED = """
import os, signal, sys, time
import checker.pipeline as pipeline
real = pipeline.evaluate
def evaluate(sheet, *args, **kwargs):
    {action}
    return real(sheet, *args, **kwargs)
pipeline.evaluate = evaluate
from checker.cli import main
sys.argv = ["policycheck"] + sys.argv[1:]
main()
"""


def _script(tmp_path: Path, action: str) -> Path:
    path = tmp_path / "patched.py"
    path.write_text(PATCHED.format(action=textwrap.dedent(action).strip().replace("\n", "\n    ")), encoding="utf-8")
    return path


def _province(folder: Path, n: int, special: str) -> None:
    for i in range(n):
        put(folder, f"c{i:02d}.yaml", sheet_text(name=special if i == n // 2 else f"县{i}", code=f"11{i:04d}"))


def _one_sheet_not_judged(tmp_path: Path, county: str, action: str, *options: str) -> str:
    """A province of 12 where the worker judging `county` meets `action`: the other 11 are judged and
    reported, nothing is left half-done, and the one is listed as not judged; its error is returned."""
    folder, out = tmp_path / "in", tmp_path / "out"
    _province(folder, 12, county)
    script = _script(tmp_path, action)
    done = subprocess.run([sys.executable, str(script), "batch", str(folder), "-o", str(out), "--rules", str(DEMO_RULES),
                           "-p", "demo", *options], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["counts"]["judged"] == 11
    assert [u["file"] for u in summary["unreadable"]] == ["c06.yaml"]
    assert len(list(out.glob("c*.yaml.html"))) == 11 and not list(out.glob(".policycheck-*"))
    assert "Traceback" not in done.stderr
    return summary["unreadable"][0]["error"]


def test_a_worker_killed_mid_batch_is_listed_and_the_other_sheets_are_judged(tmp_path):
    error = _one_sheet_not_judged(tmp_path, "崩溃区", 'if sheet.county.name == "崩溃区": os.kill(os.getpid(), signal.SIGKILL)',
                                  "-j", "3")
    assert "SIGKILL" in error and "worker process" in error


@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_batch_says_so_in_one_line_and_leaves_nothing_half_done(tmp_path, signum, status):
    folder, out = tmp_path / "in", tmp_path / "out"
    _province(folder, 12, "中断区")
    # Ctrl-C in a terminal reaches the whole process group; `kill` reaches the parent alone.
    send = "os.killpg(os.getpgid(0), signal.SIGINT)" if signum == signal.SIGINT else "os.kill(os.getppid(), signal.SIGTERM)"
    script = _script(tmp_path, f'if sheet.county.name == "中断区":\n    {send}\n    time.sleep(30)')
    done = subprocess.run([sys.executable, str(script), "batch", str(folder), "-o", str(out), "--rules", str(DEMO_RULES),
                           "-p", "demo", "-j", "2"], capture_output=True, text=True, timeout=60, start_new_session=True)
    assert done.returncode == status, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("已中断: 已评估 ") and "no summary written" in lines[0], done.stderr
    assert not (out / "summary.html").exists() and not (out / "summary.json").exists()
    assert not [p for p in out.rglob("*") if p.name.startswith(".policycheck") or p.suffix == ".tmp"]
    for report in out.rglob("*.html"):
        assert report.read_text(encoding="utf-8").rstrip().endswith("</html>")


RUN_INTERRUPTED = """
import os, signal, sys
from checker import engine
class Sessions(dict):
    def __getitem__(self, key):  # read inside every rule action
        os.kill(os.getpid(), signal.{signal})
        return super().__getitem__(key)
engine._SESSIONS = Sessions()
from checker.cli import main
sys.argv = ["policycheck"] + sys.argv[1:]
main()
"""


@pytest.mark.parametrize("name, status", [("SIGINT", 130), ("SIGTERM", 143)])
def test_an_interrupt_during_evaluation_is_not_reported_as_a_rule_error(tmp_path, name, status):
    sheet = put(tmp_path, "a.yaml", sheet_text())
    script = tmp_path / "interrupted.py"
    script.write_text(RUN_INTERRUPTED.format(signal=name), encoding="utf-8")
    report = tmp_path / "report.html"
    done = subprocess.run([sys.executable, str(script), "run", str(sheet), "--rules", str(DEMO_RULES), "-o", str(report)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == status, done.stderr
    assert done.stderr.strip() == "已中断, 未写入报告 (interrupted; no report written)."
    assert not report.exists() and [p.name for p in tmp_path.iterdir()] != [] and not list(tmp_path.glob(".*.tmp"))


def test_workers_inherit_the_library_instead_of_loading_it_again(tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    _province(folder, 8, "县4")
    log = tmp_path / "loads.txt"
    script = tmp_path / "count.py"
    script.write_text(textwrap.dedent(f"""
        import os, sys
        import checker.library as library
        real = library.load_library
        def load_library(*args, **kwargs):
            with open({str(log)!r}, "a") as handle:
                handle.write(f"{{os.getpid()}}\\n")
            return real(*args, **kwargs)
        library.load_library = load_library
        print(os.getpid(), file=sys.stderr)
        from checker.cli import main
        sys.argv = ["policycheck"] + sys.argv[1:]
        main()
    """), encoding="utf-8")
    done = subprocess.run([sys.executable, str(script), "batch", str(folder), "-o", str(out), "--rules", str(DEMO_RULES),
                           "-p", "demo", "-j", "3"], capture_output=True, text=True, timeout=60)
    parent = done.stderr.split()[0]
    assert log.read_text().split() == [parent], done.stderr


def test_progress_is_drawn_on_a_terminal_and_not_in_a_log(cli, tmp_path):
    folder = tmp_path / "in"
    _province(folder, 6, "县3")
    result = cli("batch", folder, "-o", tmp_path / "log", "--rules", DEMO_RULES, "-p", "demo")
    assert "份/秒" not in result.stderr and result.stderr.strip().splitlines()[-1].startswith("共 6 份事实表: 已评估 6")
    master, slave = os.openpty()
    process = subprocess.Popen([sys.executable, "-m", "checker.cli", "batch", str(folder), "-o", str(tmp_path / "tty"),
                                "--rules", str(DEMO_RULES), "-p", "demo"], stderr=slave, stdout=subprocess.DEVNULL)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    process.wait(timeout=60)
    os.close(master)
    text = seen.decode("utf-8")
    assert "评估 6/6 [########################]" in text and "份/秒" in text and "剩余 0:00" in text
    assert "共 6 份事实表: 已评估 6" in text


def test_the_progress_line_shows_done_total_rate_and_time_left():
    import io

    from checker.progress import Progress

    progress = Progress(40, io.StringIO(), enabled=True)
    progress.done = 10
    assert progress.line(5.0) == "评估 10/40 [######..................] 2.0 份/秒 · 剩余 0:15"


RUN_INTERRUPTED_BEFORE_ANY_ACTION = """
import sys, types
from checker import engine
real = engine._c_engine
def assert_facts(handle, facts):  # Ctrl-C arriving just after the facts reach the engine, before any action ran
    real.assert_facts(handle, facts)
    raise KeyboardInterrupt
engine._c_engine = types.SimpleNamespace(**{name: getattr(real, name) for name in dir(real) if not name.startswith("__")})
engine._c_engine.assert_facts = assert_facts
from checker.cli import main
sys.argv = ["policycheck"] + sys.argv[1:]
main()
"""


def test_an_interrupt_before_the_first_action_does_not_crash_the_engine(tmp_path):
    sheet = put(tmp_path, "a.yaml", sheet_text())
    script = tmp_path / "early.py"
    script.write_text(RUN_INTERRUPTED_BEFORE_ANY_ACTION, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script), "run", str(sheet), "--rules", str(DEMO_RULES),
                           "-o", str(tmp_path / "r.html")], capture_output=True, text=True, timeout=60)
    # deleting the half-run session used to abort the process (free(): invalid pointer, status 134)
    assert done.returncode == 130, done.stderr
    assert done.stderr.strip() == "已中断, 未写入报告 (interrupted; no report written)."


# --- nothing destroyed ---------------------------------------------------------------------------

def test_a_second_batch_into_the_same_folder_replaces_its_own_outputs(cli, tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    put(folder, "a.yaml", sheet_text(facts="grassroots_share: 40"))
    for fmt in ("html", "json"):
        for _ in range(2):
            result, summary = batch(cli, folder, out, "-p", "demo", "--format", fmt, "--as-of", "2026-01-01")
            assert result.exit_code == 1, result.output
            assert summary["counts"]["judged"] == 1 and (out / f"a.yaml.{fmt}").is_file()


def test_a_batch_refuses_to_write_over_files_it_did_not_write_unless_forced(cli, tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    put(folder, "a.yaml", sheet_text())
    put(folder, "b.yaml", sheet_text(name="甲区", code="110102"))
    for name in ("summary.xlsx", "b.yaml.html"):
        out.mkdir(exist_ok=True)
        mine = out / name
        mine.write_bytes("科室自己的文件".encode("utf-8"))
        result = cli("batch", folder, "-o", out, "--rules", DEMO_RULES, "-p", "demo")
        assert result.exit_code == 2 and name in result.stderr and "--force" in result.stderr, result.output
        assert mine.read_bytes() == "科室自己的文件".encode("utf-8")
        assert not (out / "a.yaml.html").exists()  # refused before any sheet was judged
        result = cli("batch", folder, "-o", out, "--rules", DEMO_RULES, "-p", "demo", "--force")
        assert result.exit_code == 1 and (out / "summary.json").is_file(), result.output
        assert mine.read_bytes() != "科室自己的文件".encode("utf-8")
        for made in out.iterdir():
            made.unlink()


def test_reports_written_into_the_input_folder_are_not_read_back_as_sheets(cli, tmp_path):
    folder = tmp_path / "in"
    put(folder, "a.yaml", sheet_text())
    for _ in range(2):
        result, summary = batch(cli, folder, folder, "-p", "demo")
        assert result.exit_code == 1, result.output
        assert summary["counts"]["sheets"] == 1 and summary["unreadable"] == []


SPAWNED = """
import multiprocessing, sys
from checker import batch
batch._context = lambda: multiprocessing.get_context("spawn")  # as on Windows: workers inherit nothing
if __name__ == "__main__":
    from checker.cli import main
    sys.argv = ["policycheck"] + sys.argv[1:]
    main()
"""


def test_workers_started_by_spawn_as_on_windows_judge_every_sheet(tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    _province(folder, 6, "县3")
    script = tmp_path / "spawned.py"
    script.write_text(SPAWNED, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script), "batch", str(folder), "-o", str(out), "--rules", str(DEMO_RULES),
                           "-p", "demo", "-j", "2"], capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["counts"]["judged"] == 6 and summary["unreadable"] == []
    assert len(list(out.glob("c*.yaml.html"))) == 6 and "Traceback" not in done.stderr


def test_the_matrix_counts_what_the_county_report_counts(cli, tmp_path):
    # 上级部门事项, 力争目标 and 鼓励事项 are not a county's 达标率: chuzhou-2020 2.1.0 lists the urban area's
    # 65% (一) above the district, so 琅琊区 has no counted item in 一 however far short the city falls.
    from checker.batch import row_of
    from checker.pipeline import CheckRequest, check_sheet
    from conftest import EXAMPLES

    checked = check_sheet(EXAMPLES / "chuzhou-langya.yaml", CheckRequest(specs=("chuzhou-2020@2.1.0",)))
    data = checked.data
    assert any(f["category"] == "above" and f["status"] == "fail" and f["section"].startswith("一")
               for f in data["findings"])
    row = row_of(checked)
    assert not [s for s in row["sections"] if s[1].startswith("一")]
    counted = sum(s[3] for s in row["sections"])
    assert counted == data["summary"]["fail"]
    assert sum(row["units"].values()) == data["summary"]["fail"]


def test_a_sheet_that_never_finishes_is_stopped_and_listed_and_the_others_are_judged(tmp_path):
    started = time.monotonic()
    error = _one_sheet_not_judged(tmp_path, "停滞区", 'if sheet.county.name == "停滞区": time.sleep(3600)',
                                  "-j", "2", "--sheet-timeout", "3")
    assert time.monotonic() - started < 60  # stopped once (not again when re-judged alone)
    assert "3 秒" in error and "--sheet-timeout" in error
