"""A progress line on standard error for long batches: done/total, rate, time left.

Drawn only where someone watches (a terminal); a log file or a pipe gets nothing.
"""
from __future__ import annotations

import time
from typing import TextIO

_WIDTH = 24


class Progress:
    def __init__(self, total: int, stream: TextIO, enabled: bool, label: str = "评估"):
        self.total, self.stream, self.enabled, self.label = total, stream, enabled, label
        self.done = 0
        self.started = time.monotonic()
        self._drawn = 0.0

    def advance(self) -> None:
        self.done += 1
        now = time.monotonic()
        if self.enabled and (now - self._drawn >= 0.1 or self.done == self.total):
            self._drawn = now
            self.stream.write("\r" + self.line(now - self.started))
            self.stream.flush()

    def line(self, elapsed: float) -> str:
        filled = round(_WIDTH * self.done / self.total) if self.total else _WIDTH
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate else 0.0
        minutes, seconds = divmod(int(round(left)), 60)
        return (f"{self.label} {self.done}/{self.total} [{'#' * filled}{'.' * (_WIDTH - filled)}] "
                f"{rate:.1f} 份/秒 · 剩余 {minutes}:{seconds:02d}")

    def close(self) -> None:
        if self.enabled and self.done:
            self.stream.write("\r\033[K")  # clear the line; the final count line follows
            self.stream.flush()
