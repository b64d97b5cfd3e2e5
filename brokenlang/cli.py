"""The command line (click): a thin front end over run.scan and friends."""
from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from typing import Any

import click

from . import __version__
from .errors import UserError

FORMATS = ("text", "json", "sarif", "github")
FAIL_ON = ("stale", "recurred", "open", "never")


def common_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file.")(f)
    f = click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False), help="Ledger file.")(f)
    f = click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary.")(f)
    f = click.option("--no-color", is_flag=True, help="No ANSI colors (NO_COLOR is honoured too).")(f)
    return f


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
def scan(paths: tuple[str, ...], config_path: str | None, ledger_path: str | None, quiet: bool,
         no_color: bool, fmt: str, fail_on: str | None, show_ignored: bool, packs: tuple[str, ...],
         exclude: tuple[str, ...], no_git: bool) -> None:
    """Report findings in PATHS (default: .). Never writes."""
    from . import report as rep
    from .run import ScanOptions
    from .run import scan as run_scan

    r = run_scan(paths, ScanOptions(config=config_path, ledger=ledger_path, packs=packs, exclude=exclude,
                                    git_dates=False if no_git else None))
    level = fail_on or r.config.fail_on
    out = click.get_text_stream("stdout")
    if fmt == "json":
        click.echo(rep.to_json(r, show_ignored))
    elif fmt in ("sarif", "github"):
        from . import formats
        click.echo(formats.render(fmt, r, show_ignored))
    else:
        color = rep.use_color(out, no_color)
        for line in rep.text_lines(r, show_ignored, color):
            click.echo(line, color=color)
        if not quiet:
            for n in r.notices:
                click.echo(f"{n.path}:{n.line}: notice: {n.message}" if n.line else f"{n.path}: notice: {n.message}",
                           err=True)
            click.echo(rep.summary_line(r))
    sys.exit(rep.exit_code(r.findings, level))


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


def _register() -> None:
    """Front ends that live in their own modules."""
    try:
        from .cmd_fix import fix_command, restore_command
    except ImportError:
        return
    main.add_command(fix_command, "fix")
    main.add_command(restore_command, "restore")


_register()


def run(argv: Sequence[str] | None = None) -> int:
    """Entry point: user errors are exit 2 with file:line, crashes exit 3 with a log path."""
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
        log = os.path.join(tempfile.gettempdir(), f"brokenlang-crash-{dt.datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}.log")
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
