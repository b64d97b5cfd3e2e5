"""`brokenlang init`: write a commented config and an empty ledger, make the cache
folder, print the pre-commit snippet. Never overwrites: if either file exists nothing is written (exit 2)."""
from __future__ import annotations

import os

import click

from . import __version__
from .cache import CACHE_DIR, CACHE_IGNORE
from .config import TOOL_DIR
from .errors import UserError
from .ledgerfile import EMPTY_LEDGER

REPO_URL = "https://github.com/brokenlang/brokenlang"
CONFIG_NAME = ".brokenlang.yaml"
LEDGER_NAME = os.path.join(TOOL_DIR, "ledger.yaml")

CONFIG_TEXT = """\
# brokenlang configuration. Every key is optional; the values below are the defaults.
# Command-line options override this file. Unknown keys are errors.

# What `brokenlang scan` reads when no path is given (relative to this file).
paths: ["."]

# Globs (gitignore syntax) to leave out; .gitignore is respected as well.
exclude: []

# Globs a folder scan reads; leaving it unset means *.md, *.markdown, *.mdx, *.txt, *.log,
# *.jsonl, *.ndjson plus memory/**, notes/**, notes and .claude/**/*.md.
# include: ["*.md", "*.log"]

# Pattern packs: `builtin` (the shipped ones) and your own pack files or folders.
packs: [builtin]

# The ledger of resolved issues (`brokenlang ledger add/list/check/suggest`).
ledger: .brokenlang/ledger.yaml

# Warn when the files an agent loads at session start hold more tokens than this.
context_budget_tokens: 40000

# `fix` leaves alone files modified in the last this many seconds.
quiet_seconds: 2

# How `fix --apply` treats stale entries: quarantine (move out, leave a tombstone) or rewrite.
fix_mode: quarantine

# Lowest state that makes `scan` exit 1: stale (stale or recurred), recurred, open, never.
fail_on: stale

# Respect .gitignore files; date undated entries by their last git commit.
respect_gitignore: true
git_dates: true
"""


def pre_commit_snippet() -> str:
    return f"""\
# .pre-commit-config.yaml
repos:
  - repo: {REPO_URL}
    rev: v{__version__}
    hooks:
      - id: brokenlang          # check only: fails on stale or recurred entries
      # - id: brokenlang-fix    # quarantines or rewrites stale entries (writes files)
"""


def _cache_folder(path: str) -> None:
    """The project's cache folder (scans keep their cache there once it exists), ignored by git."""
    os.makedirs(path, exist_ok=True)
    ignore = os.path.join(path, ".gitignore")
    if not os.path.lexists(ignore):
        with open(ignore, "x", encoding="utf-8") as fh:
            fh.write(CACHE_IGNORE)


@click.command("init")
@click.argument("folder", default=".", type=click.Path(file_okay=False))
def init_command(folder: str) -> None:
    """Write .brokenlang.yaml and an empty .brokenlang/ledger.yaml in FOLDER (default: .),
    and print the .pre-commit-config.yaml snippet. Existing files are never overwritten."""
    config_path = os.path.join(folder, CONFIG_NAME)
    ledger_path = os.path.join(folder, LEDGER_NAME)
    existing = [p for p in (config_path, ledger_path) if os.path.lexists(p)]
    if existing:
        raise UserError(f"will not overwrite {' and '.join(os.path.normpath(p) for p in existing)}; "
                        "nothing was written")
    os.makedirs(os.path.join(folder, TOOL_DIR), exist_ok=True)
    _cache_folder(os.path.join(folder, TOOL_DIR, CACHE_DIR))
    for path, text in ((config_path, CONFIG_TEXT), (ledger_path, EMPTY_LEDGER)):
        with open(path, "x", encoding="utf-8") as fh:   # "x": a file created meanwhile is not clobbered
            fh.write(text)
        click.echo(f"wrote {os.path.normpath(path)}", err=True)
    click.echo(pre_commit_snippet(), nl=False)
