"""Watch a memory folder (watchdog): re-analyse on change, report the findings that are new,
and with `apply` fix stale entries through the same path as `brokenlang fix --apply`.

Measured (shared/MEASUREMENTS.md): an atomic save arrives as a *moved* event (temp ->
target) with no *modified* on the target, and a fixer that reacts to its own writes loops
(501 rewrites in 2 s). So every path an event names is re-read after a short debounce,
and the sha256 of the bytes each fix wrote is remembered: an event that brings exactly
those bytes updates the cache and is never acted on. Fixes are only ever started by an
outside change, so one outside change causes at most one rewrite.

The folder's context (resolution text in other files, the ledger) is kept warm: files
are read again only when their stat changes, and the spaCy matcher's result per entry
text is memoised, so re-analysing the whole folder after a change costs the splitting
and dating, not the matching."""
from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import io
import os
import stat
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from . import config as config_mod
from . import files as files_mod
from . import ignore, run
from . import ledger as ledger_mod
from .errors import UserError
from .models import Finding, Rule, SourceFile

if TYPE_CHECKING:
    from .findings import FileAnalysis

STATE_DIR = ".brokenlang"
SAME, OWN, CHANGED = "same", "own", "changed"   # what a re-read found
OWN_WRITES_KEPT = 8           # hashes of our own writes remembered per file
FIX_MARGIN = 0.05             # seconds past the quiet window before a fix is tried
RETRY_SECONDS = (1.0, 2.0, 5.0, 10.0, 30.0)   # a deferred fix (file open, kept changing) waits this long
RETRYABLE = ("modified ", "is open for writing", "kept changing")
ACTED_ON = frozenset({"created", "modified", "moved", "deleted", "closed"})   # not opened / closed_no_write
FALLBACK_ERRNOS = frozenset({errno.ENOSPC, errno.EMFILE, errno.ENFILE, errno.ENOSYS, errno.EPERM,
                             errno.EACCES, errno.ENOMEM})


class WatchOptions(NamedTuple):
    config: str | None = None        # --config
    ledger: str | None = None        # --ledger
    apply: bool = False              # fix stale entries (the safety rules of `fix --apply`)
    mode: str | None = None          # rewrite | quarantine (default: config fix_mode)
    debounce: float = 0.05           # seconds of quiet per path before it is read
    max_wait: float = 1.0            # ...but never longer than this after its first event
    polling: bool = False            # use watchdog's PollingObserver from the start
    poll_interval: float = 0.5
    baseline: bool = True            # report (and fix) what is there at start, not only changes
    git_dates: bool | None = None
    cwd: str | None = None           # paths are reported relative to it (default: os.getcwd())
    engine: str = "fast"             # fast (engine.py) or spacy (the reference matcher)


class Reporter(Protocol):
    """Where the watcher's output goes (injected: text, JSON lines, or a test's list)."""

    def finding(self, f: Finding) -> None: ...

    def fixed(self, path: str, line: int, edit_id: str, kind: str, where: str | None) -> None: ...

    def notice(self, path: str, message: str) -> None: ...


class Stats:
    """Counts for the summary line and the benchmark."""

    def __init__(self) -> None:
        self.changes = 0            # outside changes read (new bytes that are not ours)
        self.findings = 0           # findings reported
        self.fixes = 0              # entries quarantined or rewritten
        self.rewrites = 0           # files replaced
        self.own_events = 0         # paths re-read that held exactly the bytes we wrote
        self.self_rewrites = 0      # rewrites started while a file held our own last write: must stay 0
        self.analyses = 0
        self.analysis_seconds = 0.0

    def line(self) -> str:
        return (f"brokenlang watch: {self.changes} change{_s(self.changes)} seen, {self.findings} "
                f"finding{_s(self.findings)} reported, {self.fixes} fix{'es' if self.fixes != 1 else ''} applied")

    def as_dict(self) -> dict[str, Any]:
        return {"changes": self.changes, "findings": self.findings, "fixes": self.fixes,
                "rewrites": self.rewrites, "own_events": self.own_events, "self_rewrites": self.self_rewrites}


def _s(n: int) -> str:
    return "" if n == 1 else "s"


class MemoMatcher:
    """The spaCy matcher with its answer per entry text remembered: an unchanged entry is
    never matched twice. Entries not seen in the last analysis are forgotten."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.rules: dict[str, Rule] = inner.rules
        self._memo: dict[str, list[tuple[str, int, int]]] = {}
        self._used: set[str] = set()

    def match(self, text: str) -> list[tuple[str, int, int]]:
        got = self._memo.get(text)
        if got is None:
            got = self._memo[text] = self.inner.match(text)
        self._used.add(text)
        return got

    def sweep(self) -> None:
        self._memo = {k: v for k, v in self._memo.items() if k in self._used}
        self._used = set()


class _Cached(NamedTuple):
    source: SourceFile
    key: tuple[int, int, int, int]   # dev, ino, size, mtime_ns when read
    sha256: str


class Settings(NamedTuple):
    """What is loaded once and again only when the config or the ledger changes."""

    config: config_mod.Config
    ledger_path: str | None
    ledger: ledger_mod.LedgerMatcher
    matcher: MemoMatcher
    include: tuple[ignore.Pattern, ...]


def load_settings(folder: str, cwd: str, options: WatchOptions, matcher: MemoMatcher | None = None) -> Settings:
    """Config and ledger found as `scan FOLDER` finds them, and the pattern packs (kept
    when `matcher` is given)."""
    cfg = run.load_config(options.config, [folder], cwd)
    ledger_path = run.find_ledger(options.ledger, cfg, cwd, [folder])
    ledger_path = os.path.abspath(os.path.join(cwd, ledger_path)) if ledger_path else None
    ledger = ledger_mod.load(ledger_path) if ledger_path else ledger_mod.EMPTY
    if matcher is None:
        matcher = MemoMatcher(_load_matcher(cfg, options.engine))
    include = tuple(p for t in (cfg.include or config_mod.DEFAULT_INCLUDE) if (p := ignore.compile_pattern(t)))
    return Settings(cfg, ledger_path, ledger_mod.LedgerMatcher(ledger), matcher, include)


def _load_matcher(cfg: config_mod.Config, engine: str) -> Any:
    return run.load_matcher(cfg) if engine == "fast" else run.load_matcher(cfg, engine=engine)


class Watcher:
    """One watched folder. `start()` reads it and starts the observer and the worker;
    `stop()` ends both. All analysis and fixing happens on the worker thread."""

    def __init__(self, folder: str, reporter: Reporter, options: WatchOptions = WatchOptions()) -> None:
        self.cwd = os.path.realpath(options.cwd or os.getcwd())
        self.folder = os.path.realpath(os.path.join(self.cwd, folder))
        if not os.path.isdir(self.folder):
            raise UserError("not a folder", folder)
        self.options = options
        self.reporter = reporter
        self.stats = Stats()
        self.settings = load_settings(self.folder, self.cwd, options)
        self.root = self._fix_root()
        self.backend = ""
        self._observer: Any = None
        self._worker: threading.Thread | None = None
        self._cond = threading.Condition()
        self._stopping = False
        self._pending: dict[str, tuple[float, float]] = {}   # path -> (first event, last event)
        self._rediscover = False
        self._reload = False
        self._fix_at: dict[str, float] = {}                  # path -> when to try fixing it
        self._tries: dict[str, int] = {}
        self._files: set[str] = set()                        # in scope (discovered), real paths
        self._cache: dict[str, _Cached] = {}
        self._git: dict[tuple[str, tuple[int, int, int, int]], dict[int, dt.datetime]] = {}
        # real path -> (what it was computed from, the file's own analysis): a change re-analyses one file
        self._own_analysis: dict[str, tuple[tuple[Any, ...], FileAnalysis]] = {}
        self._findings: dict[str, list[Finding]] = {}        # real path -> its current findings
        self._reported: dict[str, set[tuple[str, str]]] = {} # real path -> (fingerprint, state) shown
        self._own: dict[str, deque[str]] = {}                # real path -> sha256 of bytes we wrote
        self._blocked: dict[str, str] = {}                   # path -> sha256 a fix was refused for
        self._cause: dict[str, str] = {}                     # path -> why its fix was queued
        self._noticed: set[tuple[str, tuple[int, int, int, int]]] = set()
        self._settings_paths = self._settings_files()
        self._outputs = _output_files()                      # our stdout/stderr, if redirected into the folder

    # -- life cycle ------------------------------------------------------------------

    def start(self) -> None:
        """Start watching first (no change is lost while the folder is read), then take
        the baseline, then let the worker run."""
        self._start_observer()
        try:
            self._discover()
            self._read_all()
            self._analyse(report=self.options.baseline, changed=set(self._files))
        except BaseException:
            self.stop()
            raise
        self._worker = threading.Thread(target=self._run, name="brokenlang-watch", daemon=True)
        self._worker.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._observer is not None:
            with contextlib.suppress(Exception):
                self._observer.stop()
                self._observer.join(timeout=5)
        if self._worker is not None and self._worker is not threading.current_thread():
            self._worker.join(timeout=30)

    def __enter__(self) -> Watcher:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def idle(self) -> bool:
        """Nothing queued and no fix waiting (tests and benchmarks poll this)."""
        with self._cond:
            return not self._pending and not self._fix_at and not self._rediscover and not self._reload

    # -- the observer ----------------------------------------------------------------

    def _watched_dirs(self) -> list[tuple[str, bool]]:
        dirs = [(self.folder, True)]
        for p in (self.settings.ledger_path, self.settings.config.path):
            if p:
                d = os.path.dirname(os.path.realpath(p))
                if os.path.isdir(d) and not _inside(d, self.folder) and (d, False) not in dirs:
                    dirs.append((d, False))
        return dirs

    def _start_observer(self) -> None:
        handler = _Handler(self)
        if not self.options.polling:
            try:
                self._observer = self._schedule(Observer(), handler)
                self.backend = type(self._observer).__name__
                return
            except OSError as e:
                if e.errno not in FALLBACK_ERRNOS:
                    raise
                why = {errno.ENOSPC: "out of inotify watches (fs.inotify.max_user_watches)",
                       errno.EMFILE: "out of inotify instances (fs.inotify.max_user_instances)"}.get(
                    e.errno or 0, f"native file events unavailable ({e.strerror or e})")
                self.reporter.notice(files_mod.display_path(self.folder, self.cwd),
                                     f"{why}; polling every {self.options.poll_interval:g}s instead")
        self._observer = self._schedule(PollingObserver(timeout=self.options.poll_interval), handler)
        self.backend = "PollingObserver"

    def _schedule(self, observer: Any, handler: FileSystemEventHandler) -> Any:
        try:
            for d, recursive in self._watched_dirs():
                observer.schedule(handler, d, recursive=recursive)
            observer.start()
        except BaseException:
            with contextlib.suppress(Exception):
                observer.stop()
            raise
        return observer

    def on_event(self, kind: str, path: str, is_dir: bool) -> None:
        """Called on the observer thread: classify and queue, nothing else."""
        if self._is_settings(path):
            with self._cond:
                self._reload = True
                self._touch(path)
            return
        rel = _relative(path, self.folder)
        if rel is None or _skipped(rel):
            return
        with self._cond:
            if is_dir:
                if kind != "modified":
                    self._rediscover = True
                    self._touch(path)
                return
            if path not in self._files:
                if kind != "deleted" and ignore.decide(self.settings.include, rel, False) is not True:
                    return
                self._rediscover = True
            self._touch(path)

    def _touch(self, path: str) -> None:
        now = time.monotonic()
        first = self._pending.get(path, (now, now))[0]
        self._pending[path] = (first, now)
        self._cond.notify_all()

    def _settings_files(self) -> frozenset[str]:
        s = self.settings
        return frozenset(os.path.realpath(p) for p in (s.ledger_path, s.config.path) if p)

    def _is_settings(self, path: str) -> bool:
        s = self.settings
        if path in self._settings_paths:
            return True
        if path.endswith(os.sep + os.path.join(STATE_DIR, "ledger.yaml")) and s.ledger_path is None \
                and not self.options.ledger and not s.config.ledger:
            return True
        return s.config.path is None and os.path.basename(path) in config_mod.CONFIG_NAMES \
            and os.path.dirname(path) == self.folder

    # -- the worker ------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                paths, fixes, reload, rediscover = self._wait_due()
                if self._stopping:
                    return
            try:
                self._process(paths, fixes, reload, rediscover)
            except Exception as e:  # one bad change must not end the watch
                self.reporter.notice(files_mod.display_path(self.folder, self.cwd),
                                     f"internal error while processing a change: {type(e).__name__}: {e}")

    def _wait_due(self) -> tuple[list[str], list[str], bool, bool]:
        """Block (holding the condition) until some path is due, or the watch stops."""
        while not self._stopping:
            now = time.monotonic()
            due = [p for p, (first, last) in self._pending.items()
                   if now >= min(last + self.options.debounce, first + self.options.max_wait)]
            fixes = [p for p, at in self._fix_at.items() if now >= at]
            if due or fixes:
                for p in due:
                    del self._pending[p]
                for p in fixes:
                    del self._fix_at[p]
                reload, rediscover = self._reload, self._rediscover
                self._reload = self._rediscover = False
                return due, fixes, reload, rediscover
            deadlines = [min(last + self.options.debounce, first + self.options.max_wait)
                         for first, last in self._pending.values()] + list(self._fix_at.values())
            self._cond.wait(max(0.0, min(deadlines) - now) if deadlines else None)
        return [], [], False, False

    def _process(self, paths: Sequence[str], fixes: Sequence[str], reload: bool, rediscover: bool) -> None:
        if reload:
            self._reload_settings()
        new: set[str] = set()
        if rediscover or reload:
            new = self._discover()
        seen = {p: self._read(p) for p in sorted(set(paths) | new) if p in self._files or p in self._cache}
        changed = {p for p, what in seen.items() if what == CHANGED}
        if changed or reload or rediscover or OWN in seen.values():
            self._analyse(report=True, changed=changed, everything=reload)
        for p in fixes:
            self._try_fix(p)

    # -- reading -----------------------------------------------------------------------

    def _discover(self) -> set[str]:
        """Walk the folder again (new sub-folders, moved files); returns the files new to it."""
        cfg = self.settings.config
        found = files_mod.discover([self.folder], root=self.folder, include=cfg.include or config_mod.DEFAULT_INCLUDE,
                                   exclude=cfg.exclude, respect_gitignore=cfg.respect_gitignore, cwd=self.cwd)
        before = self._files
        self._files = set(found.files)
        for gone in before - self._files:
            self._forget(gone)
        return self._files - before

    def _read_all(self) -> None:
        for p in sorted(self._files):
            self._read(p)
        self.stats.changes = 0   # the baseline is not a change

    def _read(self, path: str) -> str:
        """Read one file again if its stat changed: CHANGED when it holds new bytes from
        outside (a vanished file is forgotten: changed too), OWN when it holds exactly
        the bytes of our last fix, SAME otherwise (touched, a duplicate event)."""
        try:
            st = os.stat(path, follow_symlinks=False)
        except OSError:
            return CHANGED if self._forget(path) else SAME
        key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        if key[:2] in self._outputs:   # `watch . > out.log`: reading our own output would feed on itself
            if (path, (0, 0, 0, 0)) not in self._noticed:
                self._noticed.add((path, (0, 0, 0, 0)))
                self.reporter.notice(files_mod.display_path(path, self.cwd), "is this watch's own output: not scanned")
            return SAME
        old = self._cache.get(path)
        if old is not None and old.key == key:
            return SAME
        got = files_mod.read_source(path, cwd=self.cwd, max_bytes=self.settings.config.max_file_bytes,
                                    root=self.folder)
        if not isinstance(got, SourceFile):   # vanished mid-read, binary, permission denied...
            if (path, key) not in self._noticed and os.path.lexists(path):
                self._noticed.add((path, key))
                self.reporter.notice(got.path, got.message)
            return CHANGED if self._forget(path) else SAME
        digest = got.sha256 or hashlib.sha256(got.text.encode("utf-8", "surrogateescape")).hexdigest()
        self._cache[path] = _Cached(got, key, digest)
        if old is not None and old.sha256 == digest:
            return SAME
        if digest in self._own.get(path, ()):
            self.stats.own_events += 1   # the event our own fix caused: never acted on
            return OWN
        self._blocked.pop(path, None)
        self._tries.pop(path, None)
        self.stats.changes += 1
        return CHANGED

    def _forget(self, path: str) -> bool:
        """A file that vanished: its findings go, so that a file recreated later is new."""
        known = path in self._cache
        self._cache.pop(path, None)
        self._findings.pop(path, None)
        self._reported.pop(path, None)
        self._own.pop(path, None)
        self._fix_at.pop(path, None)
        if known:
            self.stats.changes += 1
        return known

    def _git_dates(self, sf: SourceFile) -> dict[int, dt.datetime]:
        cached = self._cache.get(sf.abspath)
        key = (sf.abspath, cached.key if cached else (0, 0, 0, 0))
        if key not in self._git:
            from .gitdates import line_dates

            self._git = {k: v for k, v in self._git.items() if k[0] != sf.abspath}
            self._git[key] = line_dates(sf.abspath)
        return self._git[key]

    # -- analysis and reporting --------------------------------------------------------

    def _analyse(self, report: bool, changed: set[str], everything: bool = False) -> None:
        """Analyse the whole folder (cached), report findings not shown before, and queue
        fixes for the files that changed from outside."""
        from . import suppress
        from .findings import analyse_file, combine

        t0 = time.monotonic()
        s = self.settings
        sources = [self._cache[p].source for p in sorted(self._cache) if p in self._files]
        use_git = s.config.git_dates if self.options.git_dates is None else self.options.git_dates
        own = []
        for sf in sources:
            cached = self._cache[sf.abspath]
            # the stat key holds the mtime; a matcher equals only itself
            basis = (cached.key, cached.sha256, bool(use_git), s.matcher)
            got = self._own_analysis.get(sf.abspath)
            if got is None or got[0] != basis:
                got = (basis, analyse_file(sf, s.matcher, self._git_dates if use_git else None))
                self._own_analysis[sf.abspath] = got
            own.append(got[1])
        for gone in set(self._own_analysis) - {sf.abspath for sf in sources}:
            del self._own_analysis[gone]
        result = combine(own, s.matcher.rules, s.ledger)
        kept = suppress.apply(sources, result.findings).kept   # `<!-- brokenlang: ignore -->`, as scan does
        s.matcher.sweep()
        self.stats.analyses += 1
        self.stats.analysis_seconds += time.monotonic() - t0
        by_path: dict[str, list[Finding]] = {p: [] for p in self._cache}
        abspath = {sf.path: sf.abspath for sf in sources}
        for f in kept:
            by_path.setdefault(abspath.get(f.path, f.path), []).append(f)
        self._findings = by_path
        for path in sorted(by_path):
            keys = {(f.fingerprint, f.state) for f in by_path[path]}
            shown = self._reported.get(path, set())
            if report:
                for f in by_path[path]:
                    if (f.fingerprint, f.state) not in shown:
                        self.reporter.finding(f)
                        self.stats.findings += 1
            self._reported[path] = keys
            # fixes start only from an outside change (or the start, or a new ledger): never
            # from our own write, so one change causes at most one rewrite
            if self.options.apply and (path in changed or everything) \
                    and any(f.state == "stale" for f in by_path[path]):
                self._schedule_fix(path, cause="reload" if everything and path not in changed else "change")

    # -- fixing --------------------------------------------------------------------------

    def _schedule_fix(self, path: str, delay: float | None = None, cause: str | None = None) -> None:
        if cause is not None:
            self._cause[path] = cause
        quiet = self.settings.config.quiet_seconds
        if delay is None:
            try:
                age = time.time() - os.stat(path).st_mtime
            except OSError:
                return
            delay = max(0.0, quiet - age) + (FIX_MARGIN if quiet else 0.0)
        with self._cond:
            self._fix_at[path] = time.monotonic() + delay
            self._cond.notify_all()

    def _try_fix(self, path: str) -> None:
        from . import cmd_fix, journal, safewrite

        cached = self._cache.get(path)
        if cached is None or path not in self._files or self._blocked.get(path) == cached.sha256:
            return
        with self._cond:
            busy = path in self._pending
        if busy:   # events are queued for it: read those first
            self._schedule_fix(path, self.options.debounce * 2)
            return
        what = self._read(path)
        if what != SAME:   # changed without an event yet: analyse that first
            self._analyse(report=True, changed={path} if what == CHANGED else set())
            return
        cached = self._cache.get(path)
        if cached is None:
            return
        shown = cached.source.path
        if safewrite.is_daily_note_of(path, safewrite.today()):
            self._blocked[path] = cached.sha256
            self.reporter.notice(shown, "stale entries left: today's daily note is never edited")
            return
        quiet = self.settings.config.quiet_seconds
        if safewrite.quiet_refusal(path, quiet):
            self._schedule_fix(path)
            return
        findings = [f for f in self._findings.get(path, ()) if f.fingerprint not in self._restored()]
        if not any(f.state == "stale" for f in findings):
            return
        opts = cmd_fix.FixOptions(paths=(), config=self.options.config, ledger=self.options.ledger,
                                  mode=self.options.mode, apply=True, rewrite_resolved=False,
                                  ignore_quiet_window=False, allow_today=False, allow_open_files=False,
                                  quiet=True, color=False)
        try:
            with journal.opened(self.root) as j, _stdout_to(io.BytesIO()) as out:
                journal.recover(j)
                seen = {r.get("txn") for r in j.records() if r["type"] == "pending"}
                results = cmd_fix.fix_findings(opts, findings, self.settings.config.fix_mode, quiet,
                                               self.cwd, self.root, j, out)
                written = [r for r in j.records() if r["type"] == "pending" and r.get("txn") not in seen]
        except (journal.JournalError, OSError) as e:
            self.reporter.notice(shown, f"could not fix now ({e}); will try again")
            self._retry(path)
            return
        ours = cached.sha256 in self._own.get(path, ()) and self._cause.get(path) != "reload"
        for rec in written:   # remember what we wrote: the event that brings it is not a change
            if "sha256_after" in rec:
                self._own.setdefault(path, deque(maxlen=OWN_WRITES_KEPT)).append(str(rec["sha256_after"]))
        for r in results:
            if r.changed:
                self.stats.self_rewrites += ours   # a rewrite of bytes we wrote ourselves: a loop
                self._fixed(path, r)
            elif r.deferred and r.deferred.startswith(RETRYABLE) and not r.error:
                self._retry(path)
            elif r.deferred:
                self._blocked[path] = cached.sha256

    def _fixed(self, path: str, result: Any) -> None:
        from . import confine

        self.stats.rewrites += 1
        self._tries.pop(path, None)
        rel = confine.relative_to_root(self.root, path) or ""
        where = confine.display(confine.quarantine_parts(rel)) if rel else None
        for e in result.edits:
            self.stats.fixes += 1
            self.reporter.fixed(result.path, e.line, e.id, e.kind, where if e.kind == "quarantine" else None)

    def _retry(self, path: str) -> None:
        n = self._tries.get(path, 0)
        self._tries[path] = n + 1
        self._schedule_fix(path, RETRY_SECONDS[min(n, len(RETRY_SECONDS) - 1)])

    def _restored(self) -> set[str]:
        """Fingerprints of entries the user restored: `restore` wins over the watcher."""
        from . import confine, journal, restore

        try:
            fd = confine.open_state_dir(self.root, create=False)
        except (OSError, confine.ConfinementError):
            return set()
        try:
            records = journal.read_records(fd)
        finally:
            os.close(fd)
        restored = restore.restored_ids(records, journal.txn_status(records))
        if not restored:
            return set()
        return {str(fp) for r in records if r["type"] == "pending" and r.get("kind") == "fix"
                for e in r.get("edits", []) if e.get("id") in restored for fp in e.get("fingerprints", [])}

    def _fix_root(self) -> str:
        """Where `.brokenlang/` (journal, quarantine) lives: found at or above the folder,
        else beside the config, else the folder itself."""
        from . import confine

        root = confine.find_root(self.folder)
        if root == self.folder and not os.path.isdir(os.path.join(root, STATE_DIR)) \
                and self.settings.config.path and _inside(self.folder, self.settings.config.root):
            return self.settings.config.root
        return root

    def _reload_settings(self) -> None:
        old = self.settings
        try:
            new = load_settings(self.folder, self.cwd, self.options, matcher=old.matcher)
            if new.config.packs != old.config.packs:
                new = new._replace(matcher=MemoMatcher(_load_matcher(new.config, self.options.engine)))
        except UserError as e:
            self.reporter.notice(str(e.path or ""), f"not reloaded, keeping the previous settings: {e.message}"
                                 + (f" (line {e.line})" if e.line else ""))
            return
        self.settings = new
        self.reporter.notice(files_mod.display_path(new.ledger_path or self.folder, self.cwd),
                             "config and ledger reloaded")


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: Watcher) -> None:
        super().__init__()
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in ACTED_ON:
            return
        if event.event_type == "closed" or event.event_type == "modified":
            kind = "modified"
        else:
            kind = event.event_type
        for p in (event.src_path, getattr(event, "dest_path", "")):
            if p:
                self.watcher.on_event(kind, os.fsdecode(p), event.is_directory)


@contextlib.contextmanager
def _stdout_to(sink: io.BytesIO) -> Iterator[io.BytesIO]:
    """The fix path prints its own lines to stdout; the watcher reports edits itself."""
    wrapper = io.TextIOWrapper(sink, encoding="utf-8", errors="surrogateescape", write_through=True)
    with contextlib.redirect_stdout(wrapper):
        yield sink
    wrapper.detach()


def _output_files() -> set[tuple[int, int]]:
    found = set()
    for fd in (1, 2):
        try:
            st = os.fstat(fd)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode):
            found.add((st.st_dev, st.st_ino))
    return found


def _relative(path: str, folder: str) -> str | None:
    if not _inside(path, folder) or path == folder:
        return None
    return os.path.relpath(path, folder).replace(os.sep, "/")


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _skipped(rel: str) -> bool:
    """Paths never scanned: brokenlang's own state, .git, virtualenvs, our temp files."""
    parts = rel.split("/")
    if any(p in files_mod.SKIP_DIRS for p in parts[:-1]) or parts[-1] in files_mod.SKIP_DIRS:
        return True
    from .safewrite import TMP_NAME

    return bool(TMP_NAME.match(parts[-1]))


