"""A progress bar for long scans (rich, on stderr): shown only on a terminal, only for the
text format, and only once a scan has run for longer than `DELAY` seconds."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console

DELAY = 1.0


class Bar:
    """run.Progress on a rich bar that appears after `delay` seconds and vanishes when done."""

    def __init__(self, console: Console, delay: float = DELAY) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                             TimeElapsedColumn(), console=console, transient=True)
        self._task = self._bar.add_task("scanning", total=None)
        self._lock = threading.Lock()
        self._started = False
        self._closed = False
        self._timer = threading.Timer(delay, self._show)
        self._timer.daemon = True
        self._timer.start()

    def _show(self) -> None:
        with self._lock:
            if not self._closed:
                self._bar.start()
                self._started = True

    def stage(self, name: str, total: int | None = None) -> None:
        self._bar.update(self._task, description=name, total=total, completed=0)

    def advance(self, n: int = 1) -> None:
        self._bar.advance(self._task, n)

    def close(self) -> None:
        self._timer.cancel()
        with self._lock:
            self._closed = True
            if self._started:
                self._bar.stop()


def wanted(stream: TextIO, fmt: str, quiet: bool) -> bool:
    """Only for people: text output, not --quiet, and a terminal on stderr."""
    return fmt == "text" and not quiet and hasattr(stream, "isatty") and stream.isatty()


@contextmanager
def shown(stream: TextIO, enabled: bool, no_color: bool = False, delay: float = DELAY) -> Iterator[Bar | None]:
    if not enabled:
        yield None
        return
    from rich.console import Console  # imported only when a bar may be drawn

    bar = Bar(Console(file=stream, no_color=no_color), delay)
    try:
        yield bar
    finally:
        bar.close()
