"""What a scan takes from the cache instead of computing it again, and never stale:

* a file's own analysis (findings.FileAnalysis: its entries' hits in context, statements
  and subject words), keyed by the engine key (packs and brokenlang's code), whether git
  dates are on, the file's path and its bytes; stored with what else it turned out to
  depend on (the file's mtime, when an entry was dated by it; the git work tree and
  checked-out commit, when git was asked) and used only while those are unchanged;
* a whole run's findings, keyed by the same for every file plus the ledger's path and
  bytes, stored with every file's mtime/git stamps in the same way.

Files not in the cache are analysed in this process or in `jobs` worker processes
(parallel.ordered_map), results in the files' order."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from . import cache as cache_mod
from . import codec, parallel
from .models import Analysis, SourceFile

if TYPE_CHECKING:
    from .findings import FileAnalysis

PARALLEL_MIN_BYTES = 4 * 1024 * 1024   # below this, starting workers costs more than it saves
BATCH_BYTES = 512 * 1024               # small files travel to a worker together
BATCH_FILES = 64
RUNS_KEPT = 8     # whole runs kept (one per scanned tree and ledger, as a rule)
ANSWERS_SHARE = 0.1   # of the file values' bound, for the matcher's answers (much smaller)


class Stamp(NamedTuple):
    """What a cached value depended on besides the bytes: None where it did not."""

    mtime: float | None
    git: str | None


class Keyed(NamedTuple):
    source: SourceFile
    key: str            # "" when the cache is off


def file_key(engine_key: str, use_git: bool, sf: SourceFile) -> str:
    # the bytes' digest stands for the text: the text is decoded from them, byte for byte
    content = ("bytes", sf.sha256) if sf.sha256 else ("text", sf.text)
    return cache_mod.digest("file", engine_key, "git" if use_git else "", sf.path, *content)


def run_key(engine_key: str, ledger: tuple[str, bytes] | None, use_git: bool, files: Sequence[Keyed]) -> str:
    parts: list[bytes | str] = ["run", engine_key, "git" if use_git else ""]
    parts += ["ledger", *ledger] if ledger else ["no ledger"]
    for k in files:
        parts += [k.source.path, k.key]
    return cache_mod.digest(*parts)


class Stamper:
    """The current stamp values of files (git asked once per work tree)."""

    def __init__(self) -> None:
        self._git: dict[str, str] = {}

    def git(self, sf: SourceFile) -> str:
        from .gitdates import stamp

        return stamp(sf.abspath, self._git)

    def holds(self, sf: SourceFile, st: Stamp) -> bool:
        return (st.mtime is None or st.mtime == sf.mtime) and (st.git is None or st.git == self.git(sf))

    def of(self, fa: FileAnalysis, sf: SourceFile, git: str | None) -> Stamp:
        return Stamp(sf.mtime if fa.used_mtime else None, git if fa.used_git else None)


def _stamp(value: Any) -> Stamp:
    mtime, git = value
    if not ((mtime is None or isinstance(mtime, float | int)) and (git is None or isinstance(git, str))):
        raise ValueError("not a stamp")
    return Stamp(None if mtime is None else float(mtime), git)


def cached_run(store: cache_mod.Cache, key: str, files: Sequence[Keyed],
               stamper: Stamper) -> tuple[Analysis, list[Stamp]] | None:
    """The findings of a run over exactly these inputs, if one was stored (and the stamps
    they depended on, which hold)."""
    value = store.get("run", key) if key else None
    if value is None:
        return None
    try:
        stamps = [_stamp(v) for v in value["stamps"]]
        if len(stamps) != len(files):
            return None
        if not all(stamper.holds(k.source, st) for k, st in zip(files, stamps, strict=True)):
            return None
        got = Analysis(codec.decode_findings(value["findings"]), codec.decode_findings(value["ignored"]),
                       int(value["entries"]))
    except (KeyError, TypeError, ValueError):
        return None
    store.touch("run", key)
    return got, stamps


def store_run(store: cache_mod.Cache, key: str, stamps: Sequence[Stamp], analysis: Analysis) -> None:
    if key:
        store.put("run", key, {"stamps": [list(s) for s in stamps], "entries": analysis.entries,
                               "findings": codec.encode_findings(analysis.findings),
                               "ignored": codec.encode_findings(analysis.ignored)})
        store.prune("run", RUNS_KEPT)


def output_key(run: str, stamps: Sequence[Stamp]) -> str:
    """What a run's report is kept by: its inputs and the stamps its findings depended on
    (the same run key with another mtime can give other findings)."""
    return cache_mod.digest("output", run, *(repr(tuple(st)) for st in stamps)) if run else ""


class Rendered:
    """The rendered lists of a run's JSON report (report.json_chunks), kept by output_key:
    the same inputs and stamps give the same findings, so the same bytes."""

    def __init__(self, store: cache_mod.Cache, key: str) -> None:
        self.store, self.key = store, key

    def get(self, name: str) -> bytes | None:
        return self.store.get_bytes("out", cache_mod.digest(self.key, name)) if self.key else None

    def put(self, name: str, body: bytes) -> None:
        if self.key:
            self.store.put_bytes("out", cache_mod.digest(self.key, name), body)
            self.store.prune("out", RUNS_KEPT * 2)


class Analysed(NamedTuple):
    files: list[FileAnalysis]      # each file's own analysis, in order
    stamps: list[Stamp]            # what each depended on
    new: list[tuple[str, FileAnalysis, Stamp]]   # (key, analysis, stamp) computed now: for store_files
    answers: list[tuple[str, list[Any]]]   # (key, the matcher's answers for a file): for store_files


def analyse_files(files: Sequence[Keyed], matcher: Any, spec: parallel.MatcherSpec, store: cache_mod.Cache,
                  use_git: bool, jobs: int, stamper: Stamper,
                  advance: Callable[[], None] | None = None) -> Analysed:
    """Each file's own analysis, in order, with what it depended on: from the cache where
    it holds, else computed (in worker processes when there is enough to do). What was
    computed is for the caller to store (store_files), when it suits it."""
    out: list[FileAnalysis | None] = [None] * len(files)
    stamps: list[Stamp] = [Stamp(None, None)] * len(files)
    answers: list[tuple[str, list[Any]]] = []
    todo: list[tuple[int, str | None]] = []   # (index, git stamp taken before git is asked)
    for i, k in enumerate(files):
        got = _cached_file(store, k, stamper)
        if got is not None:
            out[i], stamps[i] = got
            if advance:
                advance()
            continue
        todo.append((i, stamper.git(k.source) if use_git and k.key else None))
    size = sum(files[i].source.size for i, _ in todo)
    sources = [files[i].source for i, _ in todo]
    results: Iterable[FileAnalysis]
    if jobs > 1 and size >= PARALLEL_MIN_BYTES and len(todo) > 1:
        results = _flatten(parallel.ordered_map(_worker_batch, _batches(sources, use_git), spec, jobs, matcher))
    else:
        results = (_analyse_remembering(matcher, sf, use_git, store, answers) for sf in sources)
    new = []
    for (i, git), fa in zip(todo, results, strict=True):
        k = files[i]
        out[i], stamps[i] = fa, stamper.of(fa, k.source, git)
        if k.key:
            new.append((k.key, fa, stamps[i]))
        if advance:
            advance()
    return Analysed([fa for fa in out if fa is not None], stamps, new, answers)


def store_files(store: cache_mod.Cache, new: Sequence[tuple[str, FileAnalysis, Stamp]],
                max_bytes: int | None = None, answers: Sequence[tuple[str, list[Any]]] = ()) -> None:
    """Store files' analyses (analyse_files' `new`) and the matcher's answers for them
    (its `answers`); then, with `max_bytes`, trim the file values to it and the answers
    to ANSWERS_SHARE of it."""
    for key, fa, stamp in new:
        store.put("file", key, [codec.encode_file(fa), *stamp])
    for key, value in answers:
        store.put("answers", key, value)
    if max_bytes is not None and new:
        store.trim("file", max_bytes)
    if max_bytes is not None and answers:
        store.trim("answers", int(max_bytes * ANSWERS_SHARE))


def answers_key(matcher_key: str, path: str) -> str:
    """The matcher's answers for the file at `path`, whatever its bytes: an edited file
    finds those of its earlier version (the matcher's key covers the packs and the code)."""
    return cache_mod.digest("answers", matcher_key, path)


def _analyse_remembering(matcher: Any, sf: SourceFile, use_git: bool, store: cache_mod.Cache,
                         answers: list[tuple[str, list[Any]]]) -> FileAnalysis:
    """analyse_one, with the matcher's answers for the file's earlier version (when the
    matcher can take them: engine.FastMatcher.remembering); its answers now are added to
    `answers` when they differ."""
    key = getattr(matcher, "key", "")
    if not key or store.folder is None or not hasattr(matcher, "remembering"):
        return analyse_one(matcher, sf, use_git)
    akey = answers_key(key, sf.path)
    known = store.get("answers", akey)
    recording = matcher.remembering(known)
    try:
        fa = analyse_one(matcher, sf, use_git)
    finally:
        now = recording.done()
    if now != known:
        answers.append((akey, now))
    elif known is not None:
        store.touch("answers", akey)   # used: the last a trim removes
    return fa


def clean_key(matcher_key: str, path: str) -> str:
    """The entries of the file at `path` that no rule of the matcher can match, whatever its
    bytes (may_match)."""
    return cache_mod.digest("clean", matcher_key, path)


def may_match(matcher: Any, sf: SourceFile, store: cache_mod.Cache) -> bool:
    """Can a rule match an entry of the file (engine.FastMatcher.could_match, exact, no
    spaCy)? The entries found clean before in the file at this path, for this matcher, are
    known by a digest of their text, so an edited file asks the prefilter only about its
    new entries; when none can match, its entries are remembered as clean (the hook's
    everyday case: a note without failure language gains a line)."""
    from . import entries

    texts = [e.masked for e in entries.split(sf.path, sf.text)]
    key = getattr(matcher, "key", "")
    if not key or store.folder is None:
        return any(map(matcher.could_match, texts))
    ckey = clean_key(key, sf.path)
    known = store.get("clean", ckey)
    seen = set(known) if isinstance(known, list) and all(isinstance(d, str) for d in known) else set()
    digests = [cache_mod.digest("entry", t) for t in texts]
    if any(d not in seen and matcher.could_match(t) for t, d in zip(texts, digests, strict=True)):
        return True
    now = sorted(set(digests))
    if now != known:
        store.put("clean", ckey, now)
        store.trim("clean", int(cache_mod.max_bytes() * ANSWERS_SHARE))
    else:
        store.touch("clean", ckey)
    return False


def analyse_one(matcher: Any, sf: SourceFile, use_git: bool) -> FileAnalysis:
    from . import findings

    git = None
    if use_git:
        from .gitdates import line_dates

        def git(f: SourceFile) -> dict[Any, Any]:
            return line_dates(f.abspath)
    return findings.analyse_file(sf, matcher, git)


def _cached_file(store: cache_mod.Cache, k: Keyed, stamper: Stamper) -> tuple[FileAnalysis, Stamp] | None:
    value = store.get("file", k.key) if k.key else None
    if value is None:
        return None
    try:
        encoded, mtime, git = value
        st = _stamp([mtime, git])
        fa = codec.decode_file(encoded)
        if fa.path != k.source.path or (fa.used_mtime and st.mtime is None) or (fa.used_git and st.git is None):
            return None
    except (TypeError, ValueError):
        return None
    if not stamper.holds(k.source, st):
        return None
    store.touch("file", k.key)
    return fa, st


def _batches(sources: Sequence[SourceFile], use_git: bool) -> Iterator[tuple[list[SourceFile], bool]]:
    batch: list[SourceFile] = []
    size = 0
    for sf in sources:
        batch.append(sf)
        size += sf.size
        if size >= BATCH_BYTES or len(batch) >= BATCH_FILES:
            yield batch, use_git
            batch, size = [], 0
    if batch:
        yield batch, use_git


def _worker_batch(task: tuple[list[SourceFile], bool]) -> list[FileAnalysis]:
    sources, use_git = task
    return [analyse_one(parallel.worker_matcher(), sf, use_git) for sf in sources]


def _flatten(batches: Iterable[list[FileAnalysis]]) -> Iterator[FileAnalysis]:
    for batch in batches:
        yield from batch
