"""The command line (click): a thin front end over run.scan and friends."""
from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import gc
import os
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NoReturn

import click

from . import __version__
from .errors import UserError

FORMATS = ("text", "json", "sarif", "github")
FAIL_ON = ("stale", "recurred", "open", "never")
ENGINES = ("fast", "spacy")


def common_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file.")(f)
    f = click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False), help="Ledger file.")(f)
    f = click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary.")(f)
    f = click.option("--no-color", is_flag=True, help="No ANSI colors (NO_COLOR is honoured too).")(f)
    return f


def engine_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--no-cache", is_flag=True, help="Neither read nor write .brokenlang/cache/.")(f)
    f = click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
                     help="Worker processes for large scans (default: the number of CPUs).")(f)
    f = click.option("--engine", type=click.Choice(ENGINES), default="fast", show_default=True,
                     help="fast: spaCy's hits, spaCy run only where a rule can match; spacy: the "
                          "reference, spaCy on every entry.")(f)
    return f


class _Commands(click.Group):
    """The front ends in their own modules are imported when their command runs (or help
    lists them): `brokenlang hook` on a clean file stays lean."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *(name for _, _, name in COMMANDS)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        import importlib

        for module, attr, name in COMMANDS:
            if name == cmd_name and name not in self.commands:
                self.add_command(getattr(importlib.import_module(f"{__package__}.{module}"), attr), name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="brokenlang")
def main() -> None:
    """Find stale failure language in AI-agent memory files."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@common_options
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
              help="Lowest state that fails the run (default: stale, i.e. stale or recurred).")
@click.option("--show-ignored", is_flag=True, help="Also list hits ignored by context, with the reason.")
@click.option("--packs", multiple=True, type=click.Path(exists=True), help="Pattern pack file or folder.")
@click.option("--exclude", multiple=True, help="Glob to leave out (repeatable).")
@click.option("--no-git", is_flag=True, help="Do not ask git for line dates.")
@click.option("--context-budget", type=click.IntRange(min=0), default=None,
              help="Token budget for the files an agent loads at start (default: context_budget_tokens).")
@click.option("--report-unused-suppressions", is_flag=True,
              help="List suppression comments that suppressed nothing, and fail (exit 1) if any.")
@engine_options
def scan(paths: tuple[str, ...], config_path: str | None, ledger_path: str | None, quiet: bool,
         no_color: bool, fmt: str, fail_on: str | None, show_ignored: bool, packs: tuple[str, ...],
         exclude: tuple[str, ...], no_git: bool, context_budget: int | None,
         report_unused_suppressions: bool, engine: str, jobs: int | None, no_cache: bool) -> None:
    """Report findings in PATHS (default: .). Never writes."""
    from . import budget, suppress
    from . import progress as prog
    from . import report as rep
    from .run import ScanOptions
    from .run import scan as run_scan

    opts = ScanOptions(config=config_path, ledger=ledger_path, packs=packs, exclude=exclude,
                       git_dates=False if no_git else None, context_budget=context_budget,
                       engine=engine, jobs=jobs, cache=not no_cache)
    with prog.shown(sys.stderr, prog.wanted(sys.stderr, fmt, quiet), no_color) as bar:
        r = run_scan(paths, opts, bar)
    level = fail_on or r.config.fail_on
    unused = list(r.unused_suppressions) if report_unused_suppressions else []
    if fmt == "json":
        from . import cache, incremental

        rendered = incremental.Rendered(cache.for_project(r.config.root, not no_cache), r.output_key)
        _write_bytes(rep.json_chunks(r, show_ignored, report_unused_suppressions, rendered))
    elif fmt in ("sarif", "github"):
        from . import formats
        click.echo(formats.render(fmt, r, show_ignored))
        if fmt == "github":
            for line in formats.github_unused(unused):
                click.echo(line)
    else:
        color = rep.use_color(sys.stdout, no_color)
        for line in rep.text_lines(r, show_ignored, color):
            click.echo(line, color=color)
        for u in unused:
            click.echo(rep.printable(rep.clean(suppress.describe(u))))
        if not quiet:
            for n in r.notices:
                click.echo(f"{n.path}:{n.line}: notice: {n.message}" if n.line else f"{n.path}: notice: {n.message}",
                           err=True)
            warning = budget.warning(r.budget) if r.budget else None
            if warning:
                click.echo(rep.printable(rep.clean(warning)))
            click.echo(rep.summary_line(r))
    sys.exit(max(rep.exit_code(r.findings, level), 1 if unused else 0))


@main.group()
def patterns() -> None:
    """List the rules or run their examples."""


@patterns.command("list")
@click.option("--packs", multiple=True, type=click.Path(exists=True))
def patterns_list(packs: tuple[str, ...]) -> None:
    """One line per rule: id, severity, message."""
    from . import patterns as pat
    rules = pat.load_packs(list(packs) or None)
    for r in rules:
        click.echo(f"{r.id:<32} {r.severity:<8} {r.message}")
    click.echo(f"{len(rules)} rules", err=True)


@patterns.command("test")
@click.option("--packs", multiple=True, type=click.Path(exists=True))
def patterns_test(packs: tuple[str, ...]) -> None:
    """Run every rule's match / no_match examples; exit 2 naming file and rule on failure."""
    from . import patterns as pat
    from .examples import run_examples
    from .matcher import SpacyMatcher
    rules = pat.load_packs(list(packs) or None)
    failures = run_examples(rules, SpacyMatcher(rules))
    for f in failures:
        click.echo(str(f), err=True)
    n = sum(len(r.match_examples) + len(r.no_match_examples) for r in rules)
    click.echo(f"{len(rules)} rules, {n} examples, {len(failures)} failed")
    sys.exit(2 if failures else 0)


def _write_bytes(chunks: Iterable[bytes]) -> None:
    """UTF-8 output written as it is made (a large report is never copied into one string)."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:   # a text-only stream (tests, embedding): decode
        sys.stdout.write(b"".join(chunks).decode("utf-8"))
        return
    sys.stdout.flush()
    for chunk in chunks:
        buffer.write(chunk)
    buffer.flush()


GC_THRESHOLD = 100_000   # allocations between young collections (Python's default: 700)

COMMANDS = (  # (module, attribute, command name): front ends that live in their own modules
    ("cmd_fix", "fix_command", "fix"),
    ("cmd_fix", "restore_command", "restore"),
    ("cmd_watch", "watch_command", "watch"),
    ("cmd_hook", "hook_command", "hook"),
    ("cmd_ledger", "ledger_group", "ledger"),
    ("cmd_init", "init_command", "init"),
)


def run(argv: Sequence[str] | None = None) -> int:
    """Entry point: user errors are exit 2 with file:line, crashes exit 3 with a log path."""
    # A run's records (entries, statements, findings) are acyclic tuples, millions of them
    # on a large tree: the cycle collector's full passes over them only cost time.
    gc.set_threshold(GC_THRESHOLD, 50, 100)
    try:
        main.main(args=list(argv) if argv is not None else None, prog_name="brokenlang", standalone_mode=False)
    except UserError as e:
        click.echo(f"brokenlang: error: {e}", err=True)
        return 2
    except click.exceptions.Abort:
        click.echo("brokenlang: aborted", err=True)
        return 130
    except click.ClickException as e:
        e.show()
        return 2 if e.exit_code == 1 else e.exit_code
    except SystemExit as e:
        return int(e.code or 0) if not isinstance(e.code, str) else 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception:
        stamp = f"{dt.datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}"
        log = os.path.join(tempfile.gettempdir(), f"brokenlang-crash-{stamp}.log")
        try:
            with open(log, "w", encoding="utf-8") as fh:
                traceback.print_exc(file=fh)
        except OSError:
            log = "(could not write a log)"
        etype, value = sys.exc_info()[:2]
        click.echo(f"brokenlang: internal error: {etype.__name__ if etype else 'Exception'}: {value} "
                   f"(details in {log})", err=True)
        return 3
    return 0


def main_entry() -> NoReturn:
    """The console script and `python -m brokenlang`: run, then leave."""
    leave(run())


def leave(code: int) -> NoReturn:
    """Exit with `code`, the exit handlers run and the output flushed, but without tearing
    the interpreter down: freeing spaCy's and thinc's modules one by one costs 0.15-0.3 s
    at every exit, a fifth of the pre-commit hook's time on a note with failure language.
    While another thread runs (a plain exit waits for it), or under a profiler or tracer
    (`python -m cProfile -m brokenlang` writes its figures after the program ends), a
    plain exit."""
    if threading.active_count() > 1 or sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):   # the reader left (a broken pipe), or a closed stream
            stream.flush()
    os._exit(code)
