"""`brokenlang hook FILE...`: the pre-commit entry point. Checks the given files (exit 1
on findings at the fail level) or, with `--fix`, fixes them (exit 1 when files changed,
the way pre-commit fixers do). The files are judged in the context of the whole memory
folder (the config's `paths`, resolution text in other files, the ledger), but only
their own findings are reported.

Lean on purpose: a commit of files in which no rule can match (engine.py's prefilter,
derived from the rules) never imports spaCy."""
from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from . import config as config_mod
from .errors import UserError
from .models import FAIL_LEVELS, Finding, SourceFile

if TYPE_CHECKING:
    from .engine import FastMatcher

FAIL_ON = ("stale", "recurred", "open", "never")
QUIET_WAIT_MAX = 10.0    # --fix waits at most this long for a just-written file to settle


@click.command("hook")
@click.argument("files", nargs=-1, type=click.Path())
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file.")
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False), help="Ledger file.")
@click.option("--fix", "do_fix", is_flag=True, help="Quarantine or rewrite stale entries; exit 1 if files changed.")
@click.option("--mode", type=click.Choice(("quarantine", "rewrite")), default=None,
              help="With --fix: default is the config's fix_mode, else quarantine.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
              help="Lowest state that fails the commit (default: stale, i.e. stale or recurred).")
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, no hint.")
@click.option("--no-color", is_flag=True, help="No ANSI colors (NO_COLOR is honoured too).")
@click.option("--engine", type=click.Choice(("fast", "spacy")), default="fast", show_default=True,
              help="fast: spaCy's hits, spaCy run only where a rule can match; spacy: the reference.")
def hook_command(files: tuple[str, ...], config_path: str | None, ledger_path: str | None, do_fix: bool,
                 mode: str | None, fail_on: str | None, quiet: bool, no_color: bool, engine: str) -> None:
    """Check FILES for stale failure language (pre-commit); --fix to quarantine or rewrite."""
    sys.exit(run_hook(files, config_path, ledger_path, do_fix, mode, fail_on, quiet, no_color, engine))


def run_hook(files: Sequence[str], config_path: str | None, ledger_path: str | None, do_fix: bool,
             mode: str | None, fail_on: str | None, quiet: bool, no_color: bool, engine: str = "fast") -> int:
    cwd = os.getcwd()
    cfg = config_mod.load(config_path, cwd)
    level = fail_on or cfg.fail_on
    wanted = _memory_files(files, cfg, cwd)
    if not wanted:
        return 0
    matcher = None
    if engine == "fast":
        matcher = _may_fail(wanted, cfg)
        if matcher is None:
            return 0
    from . import report as rep
    from .run import ScanOptions, scan

    # The context is the whole memory folder (the config's paths), so that resolution text
    # in other files counts; only the given files' findings are reported.
    folder = [p for p in cfg.paths if os.path.lexists(os.path.join(cwd, p))] or wanted
    r = scan(folder, ScanOptions(config=config_path, ledger=ledger_path, engine=engine, matcher=matcher))
    shown = {sf.path for sf in r.files if sf.abspath in wanted}
    findings = [f for f in r.findings if f.path in shown]
    if do_fix:
        return _fix(findings, cfg, mode, level, quiet, cwd)
    failing = [f for f in findings if f.state in FAIL_LEVELS[level]]   # open/resolved ones do not block: not shown
    _print(failing, rep.use_color(sys.stdout, no_color))
    if failing and not quiet:
        click.echo(f"brokenlang: {len(failing)} finding{'s' if len(failing) != 1 else ''} at --fail-on {level}. "
                   "Stale entries: `brokenlang fix --apply FILE` or the brokenlang-fix hook. Recurred: the "
                   "problem is back; reopen it in the ledger.")
    return 1 if failing else 0


def _memory_files(files: Sequence[str], cfg: config_mod.Config, cwd: str) -> list[str]:
    """The real paths of the given files that brokenlang scans: regular files the config's
    `include` takes (default: the text globs and the agents' memory files) and its
    `exclude` leaves in, never under `.brokenlang/`, `.git/` or a virtualenv."""
    from . import files as files_mod
    from . import ignore

    include = [p for t in (cfg.include or config_mod.DEFAULT_INCLUDE) if (p := ignore.compile_pattern(t))]
    exclude = [p for t in cfg.exclude if (p := ignore.compile_pattern(t))]
    out: set[str] = set()
    for name in files:
        path = os.path.realpath(os.path.join(cwd, name))
        rel = os.path.relpath(path, cfg.root if _inside(path, cfg.root) else cwd).replace(os.sep, "/")
        if any(part in files_mod.SKIP_DIRS for part in rel.split("/")[:-1]) or not os.path.isfile(path):
            continue
        outside = rel.startswith("../")   # outside the project: taken as named
        if outside or (ignore.decide(include, rel, False) is True and not ignore.decide(exclude, rel, False)):
            out.add(path)
    return sorted(out)


def _inside(path: str, folder: str) -> bool:
    folder = os.path.realpath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _may_fail(paths: Sequence[str], cfg: config_mod.Config) -> FastMatcher | None:
    """The engine when an entry of a file has a rule that can match it (engine.py's
    prefilter: exact, no spaCy needed to tell; incremental.may_match), else None: a file
    with no hit has no finding. The scan then takes the same engine."""
    from . import cache as cache_mod
    from . import files as files_mod
    from . import incremental, run

    matcher = run.load_matcher(cfg)
    store = cache_mod.for_project(cfg.root)
    cwd = os.getcwd()
    for p in paths:
        got = files_mod.read_source(p, cwd=cwd, max_bytes=cfg.max_file_bytes)
        if not isinstance(got, SourceFile) or incremental.may_match(matcher, got, store):
            return matcher   # a file that cannot be read: let the scan report it
    return None


def _print(findings: Sequence[Finding], color: bool) -> None:
    from . import report as rep

    rows = sorted(findings, key=lambda f: (f.path, f.line, f.column, f.rule))
    for f in rows:
        state = f"[{f.state}]"
        where = f"{f.path}:{f.line}:{f.column}:"
        if color:
            state = f"{rep.COLORS.get(f.state, '')}{state}{rep.RESET}"
        click.echo(rep.clean(f"{where} {f.rule} {state} {f.message}"), color=color)


def _fix(findings: Sequence[Finding], cfg: config_mod.Config, mode: str | None, level: str, quiet: bool,
         cwd: str) -> int:
    """Fix the stale entries of the given files; exit 1 if a file changed or anything at
    the fail level is left (recurred, deferred), so the user reviews before committing."""
    from . import cmd_fix, confine, journal

    _settle(sorted({f.path for f in findings if f.state == "stale"}), cwd, cfg.quiet_seconds)
    opts = cmd_fix.FixOptions(paths=(), config=None, ledger=None, mode=mode, apply=True, rewrite_resolved=False,
                              ignore_quiet_window=False, allow_today=False, allow_open_files=False, quiet=quiet,
                              color=False)
    root = confine.find_root(cwd)
    try:
        with journal.opened(root) as j:
            journal.recover(j)
            results = cmd_fix.fix_findings(opts, findings, cfg.fix_mode, cfg.quiet_seconds, cwd, root, j,
                                           sys.stdout.buffer)
    except (confine.ConfinementError, journal.JournalError) as e:
        raise UserError(str(e), confine.STATE_DIR) from None
    done = {fp for r in results for e in r.edits if r.changed for fp in e.fingerprints}
    left = [f for f in findings if f.state in FAIL_LEVELS[level] and f.fingerprint not in done]
    _print(left, False)
    changed = sum(1 for r in results if r.changed)
    if changed and not quiet:
        click.echo(f"brokenlang: fixed stale entries in {changed} file{'s' if changed != 1 else ''}; review "
                   "and `git add` them (undo with: brokenlang restore ID... or --all)")
    if any(r.error for r in results):
        return 3
    return 1 if changed or left else 0


def _settle(paths: Sequence[str], cwd: str, quiet_seconds: float) -> None:
    """Wait (briefly) until the files are older than the quiet window."""
    deadline = time.monotonic() + min(quiet_seconds, QUIET_WAIT_MAX) + 0.1
    for p in paths:
        while time.monotonic() < deadline:
            try:
                age = time.time() - os.stat(os.path.join(cwd, p)).st_mtime
            except OSError:
                break
            if age >= quiet_seconds:
                break
            time.sleep(min(0.1, quiet_seconds - age + 0.01))
