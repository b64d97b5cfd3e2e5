"""`brokenlang watch DIR`: a thin click front end over the watcher (text or JSON lines).
Imports of the watcher (watchdog) and the scan stack are deferred to the command itself:
every brokenlang command loads this module, the pre-commit hook included."""
from __future__ import annotations

import json
import signal
import sys
import threading
from types import FrameType
from typing import Any

import click

from . import fixer
from .models import Finding


class TextReporter:
    """`path:line:col: rule [state] message`, as `scan` prints it; notices on stderr."""

    def __init__(self, color: bool) -> None:
        from . import report

        self.rep = report
        self.color = color
        self.lock = threading.Lock()

    def finding(self, f: Finding) -> None:
        rep = self.rep
        state = f"[{f.state}]"
        where = f"{f.path}:{f.line}:{f.column}:"
        if self.color:
            state = f"{rep.COLORS.get(f.state, '')}{state}{rep.RESET}"
            where = f"{rep.BOLD}{f.path}{rep.RESET}:{f.line}:{f.column}:"
        self._out(rep.clean(f"{where} {f.rule} {state} {f.message}"))

    def fixed(self, path: str, line: int, edit_id: str, kind: str, where: str | None) -> None:
        verb = "quarantined" if kind == "quarantine" else "rewritten"
        self._out(self.rep.clean(f"{path}:{line}: {verb} {edit_id}{f' -> {where}' if where else ''}"))

    def notice(self, path: str, message: str) -> None:
        with self.lock:
            click.echo(self.rep.clean(f"{path}: notice: {message}" if path else f"notice: {message}"), err=True)

    def summary(self, line: str, counts: dict[str, Any]) -> None:
        self._out(line)

    def _out(self, line: str) -> None:
        with self.lock:
            click.echo(line, color=self.color)
            sys.stdout.flush()


class JsonReporter(TextReporter):
    """One JSON object per line on stdout: each finding as `scan --format json` has it
    (plus "event": "finding"), each fix, and the summary at exit. Notices go to stderr."""

    def finding(self, f: Finding) -> None:
        self._json({"event": "finding", **self.rep.finding_dict(f)})

    def fixed(self, path: str, line: int, edit_id: str, kind: str, where: str | None) -> None:
        self._json({"event": "fix", "path": self.rep.clean(path), "line": line, "id": edit_id, "kind": kind,
                    "quarantine": where})

    def summary(self, line: str, counts: dict[str, Any]) -> None:
        self._json({"event": "summary", **counts})

    def _json(self, doc: dict[str, Any]) -> None:
        self._out(json.dumps(doc, ensure_ascii=False))


@click.command("watch")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file.")
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False), help="Ledger file.")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True,
              help="json: one JSON object per line per finding (and per fix).")
@click.option("--apply", "do_apply", is_flag=True,
              help="Fix stale entries as they appear (the safety rules of `fix --apply` hold).")
@click.option("--mode", type=click.Choice(fixer.MODES), default=None,
              help="With --apply: rewrite or quarantine (default: config fix_mode, else quarantine).")
@click.option("--new-only", is_flag=True, help="Do not report (or fix) what is already there at start.")
@click.option("--debounce", type=click.FloatRange(0, 10), default=0.05, show_default=True,
              help="Seconds a file must be quiet before it is read again.")
@click.option("--polling", is_flag=True, help="Poll for changes instead of using inotify (network drives).")
@click.option("--no-git", is_flag=True, help="Do not ask git for line dates.")
@click.option("--engine", type=click.Choice(("fast", "spacy")), default="fast", show_default=True,
              help="fast: spaCy's hits, spaCy run only where a rule can match; spacy: the reference.")
@click.option("--quiet", "-q", is_flag=True, help="No start notice and no summary line.")
@click.option("--no-color", is_flag=True, help="No ANSI colors (NO_COLOR is honoured too).")
def watch_command(folder: str, config_path: str | None, ledger_path: str | None, fmt: str, do_apply: bool,
                  mode: str | None, new_only: bool, debounce: float, polling: bool, no_git: bool, engine: str,
                  quiet: bool, no_color: bool) -> None:
    """Watch FOLDER and report new findings as files change; with --apply, fix stale entries.

    Stops on Ctrl-C or SIGTERM with a summary line (exit 0)."""
    from .report import use_color
    from .watcher import Watcher, WatchOptions

    reporter = JsonReporter(False) if fmt == "json" else TextReporter(use_color(sys.stdout, no_color))
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    options = WatchOptions(config=config_path, ledger=ledger_path, apply=do_apply, mode=mode, debounce=debounce,
                           polling=polling, baseline=not new_only, git_dates=False if no_git else None,
                           engine=engine)
    try:
        with Watcher(folder, reporter, options) as w:
            if not quiet:
                click.echo(f"brokenlang: watching {folder} ({w.backend}){'; fixing stale entries' if do_apply else ''}"
                           "; Ctrl-C to stop", err=True)
            while not stop.wait(0.5):
                pass
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    if not quiet or fmt == "json":
        reporter.summary(w.stats.line(), w.stats.as_dict())
    sys.exit(0)
