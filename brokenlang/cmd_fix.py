"""`brokenlang fix` and `brokenlang restore`: thin click front ends over the planner
(fixer), the journalled write (journal, safewrite) and restore."""
from __future__ import annotations

import difflib
import os
import sys
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import BinaryIO, NamedTuple, TextIO

import click

from . import confine, fixer, journal, restore, safewrite
from .errors import UserError
from .models import Finding

RETRIES = 4            # re-read and re-plan this often when the file changes under us


class FixOptions(NamedTuple):
    paths: tuple[str, ...]
    config: str | None
    ledger: str | None
    mode: str | None
    apply: bool
    rewrite_resolved: bool
    ignore_quiet_window: bool
    allow_today: bool
    allow_open_files: bool
    quiet: bool
    color: bool


class FileResult(NamedTuple):
    path: str
    edits: tuple[fixer.Edit, ...]
    changed: bool
    deferred: str | None
    error: bool = False


class Context(NamedTuple):
    opts: FixOptions
    cwd: str
    root: str
    mode: str
    quiet_seconds: float
    taken: set[str]
    out: BinaryIO


def echo_err(message: str) -> None:
    _emit(sys.stderr, message)


def echo_out(message: str) -> None:
    _emit(sys.stdout, message)


def _emit(stream: TextIO, message: str) -> None:
    """One line, file names with undecodable bytes written back as those bytes."""
    stream.flush()
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        stream.write(message + "\n")
    else:
        buffer.write((message + "\n").encode("utf-8", "surrogateescape"))
        buffer.flush()


def _use_color(no_color: bool) -> bool:
    return not no_color and not os.environ.get("NO_COLOR") and sys.stdout.isatty()


@click.command("fix")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file.")
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False), help="Ledger file.")
@click.option("--mode", type=click.Choice(fixer.MODES), default=None,
              help="rewrite: put the ledger's `now` text in place; quarantine: move the entry to "
                   ".brokenlang/quarantine/ (default: config fix_mode, else quarantine).")
@click.option("--apply", "do_apply", is_flag=True, help="Write the changes (default: dry run, print a diff).")
@click.option("--rewrite-resolved", is_flag=True, help="Also edit entries whose failure is reported fixed in place.")
@click.option("--ignore-quiet-window", is_flag=True, help="Edit files modified in the last quiet_seconds too.")
@click.option("--allow-today", is_flag=True, help="Edit today's daily note too.")
@click.option("--allow-open-files", is_flag=True, help="Edit files other processes hold open for writing.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the diff / the edits, no notes.")
@click.option("--no-color", is_flag=True, help="No ANSI colors (NO_COLOR is honoured too).")
def fix_command(paths: tuple[str, ...], config_path: str | None, ledger_path: str | None, mode: str | None,
                do_apply: bool, rewrite_resolved: bool, ignore_quiet_window: bool, allow_today: bool,
                allow_open_files: bool, quiet: bool, no_color: bool) -> None:
    """Quarantine or rewrite stale entries in PATHS (default: .). Dry run unless --apply."""
    opts = FixOptions(paths, config_path, ledger_path, mode, do_apply, rewrite_resolved, ignore_quiet_window,
                      allow_today, allow_open_files, quiet, _use_color(no_color))
    sys.exit(run_fix(opts, sys.stdout.buffer))


def run_fix(opts: FixOptions, out: BinaryIO) -> int:
    """Exit 1 when files changed (or, dry run, would change) or stale entries were deferred."""
    cwd = os.getcwd()
    root = confine.find_root(cwd)
    try:
        with _journal_if(opts.apply, root) as j:
            if j is not None:
                _report_recovery(journal.recover(j), opts.quiet)
            results = _fix_all(opts, cwd, root, j, out)
    except (confine.ConfinementError, journal.JournalError) as e:
        raise UserError(str(e), confine.STATE_DIR) from None
    _summary(opts, results)
    if any(r.error for r in results):
        return 3
    return 1 if any(r.edits or r.deferred for r in results) else 0


@contextmanager
def _journal_if(apply: bool, root: str) -> Iterator[journal.Journal | None]:
    if not apply:
        yield None
        return
    with journal.opened(root) as j:
        yield j


def _fix_all(opts: FixOptions, cwd: str, root: str, j: journal.Journal | None, out: BinaryIO) -> list[FileResult]:
    from .run import ScanOptions, scan

    report = scan(opts.paths, ScanOptions(config=opts.config, ledger=opts.ledger))
    if not opts.quiet:
        for n in report.notices:
            echo_err(f"{n.path}:{n.line}: notice: {n.message}" if n.line else f"{n.path}: notice: {n.message}")
    return fix_findings(opts, report.findings, report.config.fix_mode, report.config.quiet_seconds,
                        cwd, root, j, out)


def fix_findings(opts: FixOptions, findings: Sequence[Finding], fix_mode: str, quiet_seconds: float,
                 cwd: str, root: str, j: journal.Journal | None, out: BinaryIO) -> list[FileResult]:
    """Plan (and with a journal, write) the fixes for these findings, file by file."""
    ctx = Context(opts, cwd, root, opts.mode or fix_mode, quiet_seconds, _taken_ids(root, j), out)
    wanted = fixer.eligible_states(opts.rewrite_resolved)
    by_path: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_path[f.path].append(f)
    return [_fix_file(ctx, j, path, found) for path, found in sorted(by_path.items())
            if any(f.state in wanted for f in found)]


def _taken_ids(root: str, j: journal.Journal | None) -> set[str]:
    if j is not None:
        return journal.taken_ids(j.records())
    try:
        state_fd = confine.open_state_dir(root, create=False)
    except (FileNotFoundError, confine.ConfinementError):
        return set()
    try:
        return journal.taken_ids(journal.read_records(state_fd))
    finally:
        os.close(state_fd)


class StaleScan(Exception):
    """The file no longer holds the entries the scan saw (lines moved)."""


def _fix_file(ctx: Context, j: journal.Journal | None, path: str, findings: list[Finding]) -> FileResult:
    abspath = os.path.join(ctx.cwd, path)
    rel = confine.relative_to_root(ctx.root, abspath)
    refused = "is outside the root or inside .brokenlang/" if rel is None else safewrite.refusal(abspath)
    if refused or rel is None:
        echo_err(f"{path}: refused: {refused}")
        return FileResult(path, (), False, refused)
    reason = _deferral(ctx, abspath)
    if reason:
        echo_err(f"{path}: deferred: {reason}")
        return FileResult(path, (), False, reason)
    if j is not None:
        safewrite.sweep_temps(os.path.dirname(abspath))  # leftovers of a killed run
    for _ in range(RETRIES):
        try:
            return _attempt(ctx, j, path, rel, abspath, findings)
        except StaleScan:
            findings = _rescan(ctx, path)
        except safewrite.Changed:
            continue  # appended or rewritten under us: read and plan again
        except safewrite.Refused as e:
            echo_err(f"{path}: refused: {e}")
            return FileResult(path, (), False, str(e))
        except FileNotFoundError:
            echo_err(f"{path}: deferred: no longer exists")
            return FileResult(path, (), False, "no longer exists")
        except OSError as e:  # full disk, permissions, a file turned into a link: say so, keep going
            echo_err(f"{path}: error: could not fix ({e.strerror or e}); the file is as it was")
            return FileResult(path, (), False, str(e), error=True)
    reason = f"kept changing while being fixed ({RETRIES} tries); run fix again"
    echo_err(f"{path}: deferred: {reason}")
    return FileResult(path, (), False, reason)


def _deferral(ctx: Context, abspath: str) -> str | None:
    """Why not to touch this file now: today's note, modified just now, open for writing."""
    if not ctx.opts.allow_today and safewrite.is_daily_note_of(abspath, safewrite.today()):
        return "is today's daily note (--allow-today)"
    if not ctx.opts.ignore_quiet_window:
        reason = safewrite.quiet_refusal(abspath, ctx.quiet_seconds)
        if reason:
            return reason
    writers = () if ctx.opts.allow_open_files else safewrite.open_writers(abspath)
    if writers:
        return f"is open for writing by pid {', '.join(map(str, writers))} (--allow-open-files)"
    return None


def _rescan(ctx: Context, path: str) -> list[Finding]:
    from .run import ScanOptions, scan

    report = scan([path], ScanOptions(config=ctx.opts.config, ledger=ctx.opts.ledger))
    return [f for f in report.findings if f.path == path]


def _attempt(ctx: Context, j: journal.Journal | None, path: str, rel: str, abspath: str,
             findings: list[Finding]) -> FileResult:
    snap = safewrite.read_snapshot(abspath)
    try:
        plan = fixer.plan_fix(path, snap.data, findings, ctx.mode, rewrite_resolved=ctx.opts.rewrite_resolved,
                              taken_ids=ctx.taken)
        if any(s.reason.endswith(fixer.CHANGED) for s in plan.skipped) and not plan.edits:
            raise StaleScan(path)
        _report_skips(ctx, path, plan.skipped)
        if not plan.edits:
            return FileResult(path, (), False, None)
        if j is None:
            ctx.out.write(diff_bytes(path, plan.before, plan.after, ctx.opts.color))
            ctx.out.flush()
            return FileResult(path, plan.edits, False, None)
        swapped = journal.commit_fix(j, snap, rel, plan)
    finally:
        os.close(snap.fd)
    ctx.taken.update(e.id for e in plan.edits)
    _report_edits(ctx, path, rel, plan.edits, swapped)
    return FileResult(path, plan.edits, True, None)


def _report_skips(ctx: Context, path: str, skipped: Sequence[fixer.Skip]) -> None:
    if ctx.opts.quiet:
        return
    for s in skipped:
        echo_err(f"{path}:{s.line}: skipped: {s.reason}")


def _report_edits(ctx: Context, path: str, rel: str, edits: Sequence[fixer.Edit], swapped: safewrite.Swapped) -> None:
    where = confine.display(confine.quarantine_parts(rel))
    for e in edits:
        dest = f" -> {where}" if e.kind == "quarantine" else ""
        verb = "quarantined" if e.kind == "quarantine" else "rewritten"
        echo_out(f"{path}:{e.line}: {verb} {e.id}{dest}")
    if swapped.appended and not ctx.opts.quiet:
        echo_err(f"{path}: carried over {swapped.appended} bytes appended while it was replaced")
    if swapped.late_writers:
        echo_err(f"{path}: warning: pid {', '.join(map(str, swapped.late_writers))} still writes to the "
                 "replaced file; later appends may not reach it")


def _report_recovery(settled: Sequence[journal.Settled], quiet: bool) -> None:
    for s in settled:
        if not quiet or s.outcome == "unknown":
            echo_err(f"{s.path}: interrupted edit {s.txn}: {s.note}")


def _summary(opts: FixOptions, results: Sequence[FileResult]) -> None:
    if opts.quiet:
        return
    edits = sum(len(r.edits) for r in results)
    files = sum(1 for r in results if r.edits)
    deferred = sum(1 for r in results if r.deferred)
    tail = f"; {deferred} file{'s' if deferred != 1 else ''} deferred" if deferred else ""
    if not opts.apply:
        hint = "; run with --apply to write" if edits else ""
        echo_err(f"brokenlang: would change {edits} entr{'ies' if edits != 1 else 'y'} in {files} "
                 f"file{'s' if files != 1 else ''}{tail}{hint}")
    else:
        hint = " (undo with: brokenlang restore ID... or --all)" if edits else ""
        echo_err(f"brokenlang: changed {edits} entr{'ies' if edits != 1 else 'y'} in {files} "
                 f"file{'s' if files != 1 else ''}{tail}{hint}")


def diff_bytes(path: str, before: bytes, after: bytes, color: bool) -> bytes:
    """A unified diff of two versions of one file; bytes kept as they are (surrogateescape)."""
    old = [_decode(before[ln.start:ln.next]) for ln in fixer.split_lines(before)]
    new = [_decode(after[ln.start:ln.next]) for ln in fixer.split_lines(after)]
    out: list[str] = []
    for line in difflib.unified_diff(old, new, f"a/{path}", f"b/{path}"):
        if not line.endswith(("\n", "\r")):
            line += "\n\\ No newline at end of file\n"
        out.append(_paint(line) if color else line)
    return "".join(out).encode("utf-8", "surrogateescape")


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _paint(line: str) -> str:
    codes = {"+": "32", "-": "31", "@": "36"}
    code = codes.get(line[:1])
    if code is None or line.startswith(("+++", "---")):
        return line
    body = line.rstrip("\r\n")
    return f"\x1b[{code}m{body}\x1b[0m{line[len(body):]}"


# -- restore ---------------------------------------------------------------------------

@click.command("restore")
@click.argument("ids", nargs=-1)
@click.option("--all", "restore_all", is_flag=True, help="Restore every quarantined or rewritten entry.")
@click.option("--path", "paths", multiple=True, type=click.Path(), help="Restore the entries of this file.")
@click.option("--allow-open-files", is_flag=True, help="Restore into files other processes hold open for writing.")
@click.option("--quiet", "-q", is_flag=True, help="Print only refusals.")
@click.option("--no-color", is_flag=True, help="No ANSI colors (NO_COLOR is honoured too).")
def restore_command(ids: tuple[str, ...], restore_all: bool, paths: tuple[str, ...], allow_open_files: bool,
                    quiet: bool, no_color: bool) -> None:
    """Give back the exact original bytes of entries fixed earlier (IDs like bl-3f2a9c1d0e)."""
    if not ids and not restore_all and not paths:
        raise UserError("name entry ids (bl-...), --path FILE or --all")
    sys.exit(run_restore(ids, restore_all, paths, allow_open_files, quiet))


def run_restore(ids: Sequence[str], restore_all: bool, paths: Sequence[str], allow_open_files: bool,
                quiet: bool) -> int:
    """0 when everything asked for was restored; 2 when anything was refused or unknown."""
    cwd = os.getcwd()
    root = confine.find_root(cwd)
    if not os.path.isdir(os.path.join(root, confine.STATE_DIR)):
        echo_err("brokenlang: nothing to restore (no .brokenlang/ journal here)")
        return 2 if ids or paths else 0
    try:
        with journal.opened(root, create=False) as j:
            _report_recovery(journal.recover(j), quiet)
            index = restore.edit_index(j)
            done = restore.already_restored(j)
            for i in ids:
                if i in done and not quiet:
                    echo_err(f"brokenlang: restore: {i}: already restored")
            chosen, unknown = _select(index, [i for i in ids if i not in done], restore_all, paths, cwd, root)
            for bad in unknown:
                echo_err(f"brokenlang: restore: {bad}")
            results = [restore.restore_file(j, path, edits, allow_open_files)
                       for path, edits in sorted(_by_path(chosen).items())]
    except (confine.ConfinementError, journal.JournalError) as e:
        raise UserError(str(e), confine.STATE_DIR) from None
    for r in results:
        if not r.ok:
            echo_err(f"{r.path}: refused to restore {', '.join(r.ids)}: {r.message}")
        elif not quiet:
            echo_out(f"{r.path}: restored {', '.join(r.ids)}")
    if not quiet and restore_all and not chosen:
        echo_err("brokenlang: nothing to restore")
    return 2 if unknown or any(not r.ok for r in results) else 0


def _select(index: dict[str, journal.EditRecord], ids: Sequence[str], restore_all: bool, paths: Sequence[str],
            cwd: str, root: str) -> tuple[list[journal.EditRecord], list[str]]:
    unknown: list[str] = []
    chosen: dict[str, journal.EditRecord] = {}
    for i in ids:
        if i in index:
            chosen[i] = index[i]
        else:
            unknown.append(f"{i}: no such edit in the journal")
    for p in paths:
        rel = confine.relative_to_root(root, os.path.join(cwd, p))
        hits = [e for e in index.values() if e.path == rel]
        if not hits:
            unknown.append(f"{p}: no edits in effect for this file")
        chosen.update((e.id, e) for e in hits)
    if restore_all:
        chosen.update(index)
    return list(chosen.values()), unknown


def _by_path(edits: Sequence[journal.EditRecord]) -> dict[str, list[journal.EditRecord]]:
    out: dict[str, list[journal.EditRecord]] = defaultdict(list)
    for e in edits:
        out[e.path].append(e)
    return out

