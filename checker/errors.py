"""User-facing errors.

Every error a user can cause carries where it happened (file, line, column) and
what to do about it, in Chinese and English. The CLI is the only place that
turns them into text and an exit status.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Location:
    path: str
    line: int | None = None
    column: int | None = None
    cell: str = ""  # in a workbook: 事实!C12, where a line number means nothing to the person who filled it
    label: str = ""  # the fact's Chinese label, shown beside the cell

    def __str__(self) -> str:
        text = self.path
        if self.cell:
            return f"{text} {self.cell}" + (f" ({self.label})" if self.label else "")
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input, at one place."""

    where: Location | None
    en: str
    zh: str = ""
    fix_en: str = ""
    fix_zh: str = ""

    def render(self) -> str:
        prefix = f"{self.where}: " if self.where else ""
        lines = []
        if self.zh:
            lines.append(f"{prefix}错误: {self.zh}" + (f" {self.fix_zh}" if self.fix_zh else ""))
            lines.append(f"{' ' * len(prefix)}error: {self.en}" + (f" {self.fix_en}" if self.fix_en else ""))
        else:
            lines.append(f"{prefix}error: {self.en}" + (f" {self.fix_en}" if self.fix_en else ""))
        return "\n".join(lines)


class PolicycheckError(Exception):
    """Base of every error the CLI reports without a traceback."""

    exit_code = 2

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = problems if isinstance(problems, list) else [problems]
        super().__init__(self.render())

    def render(self) -> str:
        return "\n".join(p.render() for p in self.problems)


class FactSheetError(PolicycheckError):
    """A county fact sheet cannot be used as submitted."""


class RulePackError(PolicycheckError):
    """A rule pack (or the vocabulary or a policy text it relies on) is wrong."""


class UsageError(PolicycheckError):
    """The command line asks for something that cannot be done."""


class NoPackApplies(UsageError):
    """No rule pack covers this county: not a broken sheet, just nothing to judge it by."""


class OutputError(PolicycheckError):
    """A report cannot be written where it was asked to go."""


class EvaluationError(PolicycheckError):
    """The engine failed while evaluating a county; no partial result is kept.

    This is not the user's fault, so it has its own exit status.
    """

    exit_code = 3


def problem(path: str | Path | None, line: int | None, en: str, zh: str = "", *,
            column: int | None = None, fix_en: str = "", fix_zh: str = "") -> Problem:
    where = Location(str(path), line, column) if path is not None else None
    return Problem(where, en, zh, fix_en, fix_zh)
