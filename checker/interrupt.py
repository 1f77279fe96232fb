"""Ctrl-C and SIGTERM: stop at once, say so in one line, exit 130 or 143 — never 1, which means "gaps".

SIGTERM is turned into an exception like Ctrl-C's, so the same clean-up runs
(temporary files removed, nothing half-written) whichever signal stopped the run.
"""
from __future__ import annotations

import contextlib
import signal
from typing import Iterator


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program was, as Ctrl-C is."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated()


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def exit_status(exc: KeyboardInterrupt) -> int:
    """128 + the signal's number, as a shell reports a process stopped by it."""
    return 128 + (signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT)
