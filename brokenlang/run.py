"""The run function every front end calls: config -> packs -> files -> analysis -> Report."""
from __future__ import annotations

import datetime as dt
import functools
import os
import time
from collections.abc import Sequence
from typing import Any, NamedTuple, Protocol

from . import budget as budget_mod
from . import config as config_mod
from . import files as files_mod
from . import ledger as ledger_mod
from . import parallel, suppress
from .budget import estimate_tokens
from .errors import UserError
from .models import Finding, Notice, Rule, SourceFile

DEFAULT_LEDGER = os.path.join(".brokenlang", "ledger.yaml")
SPREAD_MIN_STATEMENTS = 20_000   # below this, resolution by text is quicker than a fork
BACKGROUND_MIN_FILES = 256       # new file values written by a forked process from this many on


class ScanOptions(NamedTuple):
    config: str | None = None        # --config
    ledger: str | None = None        # --ledger
    packs: tuple[str, ...] = ()      # extra packs (replaces built-in when `builtin` is not listed)
    exclude: tuple[str, ...] = ()
    cwd: str | None = None
    git_dates: bool | None = None
    context_budget: int | None = None   # --context-budget (overrides context_budget_tokens)
    engine: str = "fast"             # --engine: fast (default) or spacy (the reference)
    jobs: int | None = None          # --jobs: worker processes for large scans (default: the CPUs)
    cache: bool = True               # --no-cache: do not read or write .brokenlang/cache/
    matcher: Any = None              # one load_matcher gave before, taken when for the same packs (the hook's)


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
    output_key: str = ""   # what the rendered report is kept by in the cache ("" for none): incremental.output_key


def pack_files(cfg: config_mod.Config, extra: Sequence[str] = ()) -> list[str]:
    from . import patterns

    packs = list(extra or cfg.packs)
    dirs = [patterns.builtin_dir() if p == "builtin" else p for p in packs] if packs else [patterns.builtin_dir()]
    return patterns.pack_files(dirs)


def load_matcher(cfg: config_mod.Config, extra: Sequence[str] = (), engine: str = "fast",
                 cache: bool = True, reuse: Any = None) -> Any:
    """The matcher: `fast` (engine.py: spaCy's hits, spaCy run only where they can be) or
    `spacy` (the reference: spaCy's matchers on every entry). `reuse`: a fast one loaded
    before, taken when it is for the same packs and cache (engine.load)."""
    files = pack_files(cfg, extra)
    if engine == "spacy":
        from . import patterns
        from .matcher import SpacyMatcher

        return SpacyMatcher(patterns.load_packs(files))
    from . import cache as cache_mod
    from . import engine as engine_mod

    return engine_mod.load(files, cache_mod.for_project(cfg.root, cache), reuse)


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
    large: tuple[str, ...] = ()   # logs above max_file_bytes: scan reads them in pieces (parallel.stream)


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
    large: list[str] = []
    if progress:
        progress.stage("reading", len(found.files))
    with files_mod.Folders() as folders:
        for path in found.files:
            if progress:
                progress.advance()
            if config_mod.TOOL_DIR in path.split(os.sep):   # the ledger, journal and quarantine: never scanned
                notices.append(Notice(files_mod.display_path(path, cwd), 0,
                                      f"inside {config_mod.TOOL_DIR}/ (brokenlang's own files), never scanned"))
                continue
            if parallel.streamable(path) and _size(path) > cfg.max_file_bytes:
                large.append(path)
                continue
            got = files_mod.read_source(path, cwd=cwd, max_bytes=cfg.max_file_bytes, root=root, folders=folders)
            if isinstance(got, Notice):
                notices.append(got)
            else:
                sources.append(got)
    return Sources(cfg, ledger_path, root, sources, notices, tuple(large))


def _size(path: str) -> int:
    try:
        return os.lstat(path).st_size
    except OSError:
        return 0


def scan(paths: Sequence[str], options: ScanOptions = ScanOptions(), progress: Progress | None = None) -> Report:
    from . import cache as cache_mod
    from . import incremental

    t0 = time.monotonic()
    src = collect(paths, options, progress)
    cfg, ledger_path, sources, notices = src.config, src.ledger_path, src.files, src.notices
    ledger = ledger_mod.load(ledger_path) if ledger_path else ledger_mod.EMPTY
    if progress:
        progress.stage("loading patterns")
    matcher = load_matcher(cfg, options.packs, options.engine, options.cache, options.matcher)
    use_git = bool(cfg.git_dates if options.git_dates is None else options.git_dates)
    # Each file's own analysis is computed once per distinct bytes (the cache) and spread
    # over processes for large scans; a run over exactly the inputs of an earlier one
    # takes that run's findings.
    store = cache_mod.for_project(cfg.root, options.cache)
    max_bytes = cache_mod.max_bytes() if store.folder else None   # a bad limit is refused before any work
    packs_key = getattr(matcher, "key", "") or cache_mod.packs_key(pack_files(cfg, options.packs))
    engine_key = f"{options.engine}\0{packs_key}"   # the engine's name too: each has its own cache
    keyed = [incremental.Keyed(sf, incremental.file_key(engine_key, use_git, sf) if store.folder else "")
             for sf in sources]
    stamper = incremental.Stamper()
    whole = "" if src.large or not store.folder else incremental.run_key(
        engine_key, _ledger_identity(ledger_path), use_git, keyed)
    cached = incremental.cached_run(store, whole, keyed, stamper)
    analysis, stamps = cached if cached is not None else (None, [])
    maps: dict[str, parallel.LineMap] = {}
    if analysis is None:
        from .findings import analyse_file, combine

        if progress:
            progress.stage("analysing", len(sources))
        jobs = options.jobs or parallel.default_jobs()
        spec = parallel.MatcherSpec(options.engine, tuple(matcher.rules.values()), getattr(matcher, "plan", None))
        own, stamps, new, answers = incremental.analyse_files(keyed, matcher, spec, store, use_git, jobs, stamper,
                                                     progress.advance if progress else None)
        # the new file values are written while the files are combined (on a large scan, by
        # a forked process on the core the combining leaves idle most of the time)
        stored = parallel.in_background(functools.partial(incremental.store_files, store, new, max_bytes,
                                                          answers),
                                        len(new) >= BACKGROUND_MIN_FILES, nice=10)
        for path in src.large:
            st = os.stat(path)
            got = parallel.stream(path, files_mod.display_path(path, os.path.realpath(options.cwd or os.getcwd())),
                                  st.st_mtime, st.st_size, matcher, spec, jobs)
            if isinstance(got, Notice):
                notices.append(got)
                continue
            sources.append(got.source)
            own.append(analyse_file(got.source, parallel.Replay(matcher.rules, got.hits)))
            maps[got.source.path] = got.lines
        if maps:   # discovery's order
            order = sorted(range(len(sources)), key=lambda i: sources[i].abspath.split(os.sep))
            sources[:] = [sources[i] for i in order]
            own = [own[i] for i in order]
        spread = functools.partial(parallel.fork_map, jobs=jobs) if len(own) > 1 and sum(
            len(fa.statements) for fa in own) >= SPREAD_MIN_STATEMENTS else None
        try:
            analysis = combine(own, matcher.rules, ledger_mod.LedgerMatcher(ledger), spread)
            incremental.store_run(store, whole, stamps, analysis)
        finally:
            stored()
    applied = suppress.apply(sources, analysis.findings)
    kept, ignored, unused = applied.kept, applied.suppressed + analysis.ignored, tuple(applied.unused)
    if maps:
        kept = [parallel.real_lines(f, maps) for f in kept]
        ignored = [parallel.real_lines(f, maps) for f in ignored]
        unused = tuple(u._replace(line=maps[u.path].real(u.line)) if u.path in maps else u for u in unused)
    tokens = sum(estimate_tokens(s.text) if s.path not in maps else (s.size + 3) // 4 for s in sources)
    limit = cfg.context_budget_tokens if options.context_budget is None else options.context_budget
    budget = budget_mod.compute([(s.path, s.text) for s in sources], limit, dt.date.today())
    return Report(kept, ignored, notices, sources, analysis.entries, tokens, time.monotonic() - t0, cfg,
                  ledger_path, tuple(matcher.rules.values()), budget, unused, incremental.output_key(whole, stamps))


def _ledger_identity(path: str | None) -> tuple[str, bytes] | None:
    if path is None:
        return None
    with open(path, "rb") as fh:
        return os.path.abspath(path), fh.read()
