"""The run function every front end calls: config -> packs -> files -> analysis -> Report."""
from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import NamedTuple

from . import config as config_mod
from . import files as files_mod
from . import ledger as ledger_mod
from .errors import UserError
from .models import Finding, Notice, SourceFile

DEFAULT_LEDGER = os.path.join(".brokenlang", "ledger.yaml")


class ScanOptions(NamedTuple):
    config: str | None = None        # --config
    ledger: str | None = None        # --ledger
    packs: tuple[str, ...] = ()      # extra packs (replaces built-in when `builtin` is not listed)
    exclude: tuple[str, ...] = ()
    cwd: str | None = None
    git_dates: bool | None = None


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


def estimate_tokens(text: str) -> int:
    """About four characters per token for English prose and logs."""
    return (len(text) + 3) // 4


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


def scan(paths: Sequence[str], options: ScanOptions = ScanOptions()) -> Report:
    from .findings import analyse

    t0 = time.monotonic()
    cwd = os.path.realpath(options.cwd or os.getcwd())
    cfg = config_mod.load(options.config, cwd)
    targets = [os.path.normpath(os.path.join(cwd, p)) for p in (paths or cfg.paths or (".",))]
    for t in targets:
        if not os.path.lexists(t):
            raise UserError("no such file or folder", os.path.relpath(t, cwd))
    ledger_path = find_ledger(options.ledger, cfg, cwd, targets)
    ledger = ledger_mod.load(ledger_path) if ledger_path else ledger_mod.EMPTY
    matcher = load_matcher(cfg, options.packs)
    root = os.path.commonpath([os.path.abspath(t) if os.path.isdir(t) else os.path.dirname(os.path.abspath(t))
                               for t in targets])
    include = cfg.include or files_mod.DEFAULT_INCLUDE
    found = files_mod.discover(targets, root=root, include=include,
                               exclude=tuple(cfg.exclude) + tuple(options.exclude),
                               respect_gitignore=cfg.respect_gitignore)
    notices = list(found.notices)
    sources: list[SourceFile] = []
    for path in found.files:
        got = files_mod.read_source(path, cwd=cwd, max_bytes=cfg.max_file_bytes)
        if isinstance(got, Notice):
            notices.append(got)
        else:
            sources.append(got)
    use_git = cfg.git_dates if options.git_dates is None else options.git_dates
    git = None
    if use_git:
        from .gitdates import line_dates

        def git(sf: SourceFile) -> dict:  # type: ignore[type-arg]
            return line_dates(sf.abspath)
    analysis = analyse(sources, matcher, ledger_mod.LedgerMatcher(ledger), git)
    tokens = sum(estimate_tokens(s.text) for s in sources)
    return Report(analysis.findings, analysis.ignored, notices, sources, analysis.entries, tokens,
                  time.monotonic() - t0, cfg, ledger_path)
