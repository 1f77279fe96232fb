"""Shared fixtures: the small demo library, fact sheets written on the fly, a CLI runner."""
from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.evaluate import evaluate
from checker.facts import load_fact_sheet
from checker.library import load_library

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEMO_RULES = HERE / "fixtures" / "lib" / "rules"
EXAMPLES = REPO / "examples"


@pytest.fixture(autouse=True, scope="session")
def _no_user_cache():
    """Tests build hundreds of throw-away libraries: none of them goes into the user's cache folder."""
    import os

    before = os.environ.get("POLICYCHECK_CACHE")
    os.environ["POLICYCHECK_CACHE"] = "off"
    yield
    if before is None:
        os.environ.pop("POLICYCHECK_CACHE", None)
    else:
        os.environ["POLICYCHECK_CACHE"] = before


@pytest.fixture(scope="session")
def demo_library():
    return load_library(DEMO_RULES)


@pytest.fixture
def write(tmp_path):
    """Write a file from an indented literal and return its path."""

    def _write(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return _write


def demo_sheet(facts: str, name: str = "示范区", code: str = "110101", report_date: str = "2025-12-31") -> str:
    body = textwrap.indent(textwrap.dedent(facts).strip("\n"), "  ") if facts.strip() else ""
    return f"county:\n  name: {name}\n  code: \"{code}\"\n  report_date: {report_date}\nfacts:\n{body}\n"


@pytest.fixture
def evaluate_demo(demo_library, write):
    """Evaluate facts (YAML text of the facts: block) against the demo pack; return {(rule, subject): finding}."""
    counter = iter(range(10**6))

    def _run(facts: str, as_of: str = "2025-12-31", name: str = "示范区"):
        path = write(f"sheet{next(counter)}.yaml", demo_sheet(facts, name=name))
        sheet = load_fact_sheet(path, demo_library.vocabulary)
        pack = demo_library.resolve("demo", None)
        ev = evaluate(sheet, [pack], demo_library.vocabulary, dt.date.fromisoformat(as_of))
        return {(f.rule, f.subject): f for f in ev.findings}, ev

    return _run


@pytest.fixture
def cli():
    from checker.cli import main

    runner = CliRunner()

    def _invoke(*args: str):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return _invoke
