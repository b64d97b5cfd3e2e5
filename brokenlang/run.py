"""The run function every front end calls: config -> packs -> files -> analysis -> Report."""
from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple, Protocol

from . import budget as budget_mod
from . import config as config_mod
from . import files as files_mod
from . import ledger as ledger_mod
from . import suppress
from .budget import estimate_tokens
from .errors import UserError
from .models import Finding, Notice, Rule, SourceFile

DEFAULT_LEDGER = os.path.join(".brokenlang", "ledger.yaml")


class ScanOptions(NamedTuple):
    config: str | None = None        # --config
    ledger: str | None = None        # --ledger
    packs: tuple[str, ...] = ()      # extra packs (replaces built-in when `builtin` is not listed)
    exclude: tuple[str, ...] = ()
    cwd: str | None = None
    git_dates: bool | None = None
    context_budget: int | None = None   # --context-budget (overrides context_budget_tokens)


class Progress(Protocol):
    """What a run tells a progress display (the CLI's is rich, on a TTY only)."""

    def stage(self, name: str, total: int | None = None) -> None: ...

    def advance(self, n: int = 1) -> None: ...


class Report(NamedTuple):
    findings: list[Finding]
    ignored: list[Finding]
    notices: list[Notice]
    files: list[SourceFile]
    entries: int
    context_tokens: int
    seconds: float
    config: config_mod.Config
    ledger_path: str | None
    rules: tuple[Rule, ...] = ()
    budget: budget_mod.Budget | None = None
    unused_suppressions: tuple[suppress.Unused, ...] = ()


def load_matcher(cfg: config_mod.Config, extra: Sequence[str] = ()):  # type: ignore[no-untyped-def]
    from . import patterns
    from .matcher import SpacyMatcher

    packs = list(extra or cfg.packs)
    dirs = [patterns.builtin_dir() if p == "builtin" else p for p in packs] if packs else [patterns.builtin_dir()]
    return SpacyMatcher(patterns.load_packs(dirs))


def find_ledger(opt: str | None, cfg: config_mod.Config, cwd: str, targets: Sequence[str] = ()) -> str | None:
    """--ledger, then the config's, then `.brokenlang/ledger.yaml` in or above a scanned
    folder (not above the current directory), then in the config's folder."""
    if opt:
        return opt
    if cfg.ledger:
        return cfg.ledger
    for t in targets:
        d = t if os.path.isdir(t) else os.path.dirname(t)
        while True:
            p = os.path.join(d, DEFAULT_LEDGER)
            if os.path.isfile(p):
                return p
            if d == cwd or len(d) <= len(cwd) or os.path.dirname(d) == d:
                break
            d = os.path.dirname(d)
    p = os.path.join(cfg.root, DEFAULT_LEDGER)
    return p if os.path.isfile(p) else None


def config_start(paths: Sequence[str], cwd: str) -> str:
    """Where config discovery starts: the folder holding the scanned paths, else cwd."""
    if not paths:
        return cwd
    dirs = [t if os.path.isdir(t) else os.path.dirname(t) for t in (os.path.join(cwd, p) for p in paths)]
    try:
        return os.path.commonpath([os.path.abspath(d) for d in dirs])
    except ValueError:   # different drives
        return cwd


def load_config(path: str | None, paths: Sequence[str], cwd: str) -> config_mod.Config:
    """--config, else the first config found walking up from the scanned paths, else from cwd."""
    if path is not None:
        return config_mod.load(path, cwd)
    start = config_start(paths, cwd)
    if start != cwd and config_mod.find(start) is not None:
        return config_mod.load(None, start)
    return config_mod.load(None, cwd)


class Sources(NamedTuple):
    """What a run reads before any analysis: config, ledger location, files."""

    config: config_mod.Config
    ledger_path: str | None
    root: str                  # the folder holding every scanned path
    files: list[SourceFile]
    notices: list[Notice]


def collect(paths: Sequence[str], options: ScanOptions = ScanOptions(), progress: Progress | None = None) -> Sources:
    """Config, ledger path and the files to scan (read), as `scan` sees them."""
    cwd = os.path.realpath(options.cwd or os.getcwd())
    cfg = load_config(options.config, paths, cwd)
    targets = [os.path.normpath(os.path.join(cwd, p)) for p in (paths or cfg.paths or (".",))]
    for t in targets:
        if not os.path.lexists(t):
            raise UserError("no such file or folder", os.path.relpath(t, cwd))
    ledger_path = find_ledger(options.ledger, cfg, cwd, targets)
    root = os.path.commonpath([os.path.abspath(t) if os.path.isdir(t) else os.path.dirname(os.path.abspath(t))
                               for t in targets])
    include = cfg.include or config_mod.DEFAULT_INCLUDE
    found = files_mod.discover(targets, root=root, include=include,
                               exclude=tuple(cfg.exclude) + tuple(options.exclude),
                               respect_gitignore=cfg.respect_gitignore)
    notices = list(found.notices)
    sources: list[SourceFile] = []
    if progress:
        progress.stage("reading", len(found.files))
    for path in found.files:
        if progress:
            progress.advance()
        if config_mod.TOOL_DIR in path.split(os.sep):   # the ledger, journal and quarantine: never scanned
            notices.append(Notice(files_mod.display_path(path, cwd), 0,
                                  f"inside {config_mod.TOOL_DIR}/ (brokenlang's own files), never scanned"))
            continue
        got = files_mod.read_source(path, cwd=cwd, max_bytes=cfg.max_file_bytes, root=root)
        if isinstance(got, Notice):
            notices.append(got)
        else:
            sources.append(got)
    return Sources(cfg, ledger_path, root, sources, notices)


def scan(paths: Sequence[str], options: ScanOptions = ScanOptions(), progress: Progress | None = None) -> Report:
    from .findings import analyse

    t0 = time.monotonic()
    cfg, ledger_path, _, sources, notices = collect(paths, options, progress)
    ledger = ledger_mod.load(ledger_path) if ledger_path else ledger_mod.EMPTY
    if progress:
        progress.stage("loading patterns")
    matcher = load_matcher(cfg, options.packs)
    use_git = cfg.git_dates if options.git_dates is None else options.git_dates
    git = None
    if use_git:
        from .gitdates import line_dates

        def git(sf: SourceFile) -> dict[int, dt.datetime]:
            return line_dates(sf.abspath)
    if progress:
        progress.stage("analysing", len(sources))
    analysis = analyse(_Counted(sources, progress.advance) if progress else sources, matcher,
                       ledger_mod.LedgerMatcher(ledger), git)
    applied = suppress.apply(sources, analysis.findings)
    tokens = sum(estimate_tokens(s.text) for s in sources)
    limit = cfg.context_budget_tokens if options.context_budget is None else options.context_budget
    budget = budget_mod.compute([(s.path, s.text) for s in sources], limit, dt.date.today())
    return Report(applied.kept, applied.suppressed + analysis.ignored, notices, sources, analysis.entries, tokens,
                  time.monotonic() - t0, cfg, ledger_path, tuple(matcher.rules.values()), budget,
                  tuple(applied.unused))


class _Counted(list[SourceFile]):
    """analyse() walks its files once, in order: counting that walk moves the progress bar."""

    def __init__(self, items: Sequence[SourceFile], advance: Callable[[], None]) -> None:
        super().__init__(items)
        self._advance = advance

    def __iter__(self) -> Iterator[SourceFile]:
        for item in super().__iter__():
            yield item
            self._advance()
