"""Work at scale: worker processes (results gathered in task order, so the output never
depends on which worker finished first; each worker has its matcher once), and huge logs
read in bounded, newline-aligned pieces, of which only the records a rule can match are
kept. The analysis of such a log asks `Replay`, which answers from the hits computed here."""
from __future__ import annotations

import bisect
import os
import re
import stat
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from . import entries
from . import files as files_mod
from .models import Finding, Notice, Rule, SourceFile

Span = tuple[str, int, int]

CHUNK_BYTES = 1024 * 1024
IN_FLIGHT_PER_WORKER = 2
MAX_RECORD_BYTES = 64 * CHUNK_BYTES
STREAM_EXT = entries.LOG_EXT + entries.JSONL_EXT   # split record by record, so readable in pieces
SUPPRESS = re.compile(r"brokenlang:", re.I)   # lines that may hold a suppression comment are kept
SUPPRESSED_ON = re.compile(r"^(ignored \(suppressed on line )(\d+)")   # suppress.apply's message


class MatcherSpec(NamedTuple):
    """How to build the matcher in a worker: the engine name, the rules and the plan."""

    engine: str                 # fast | spacy
    rules: tuple[Rule, ...]
    plan: Any = None            # engine.Plan for `fast`


def build(spec: MatcherSpec) -> Any:
    if spec.engine == "spacy":
        from .matcher import SpacyMatcher

        return SpacyMatcher(spec.rules)
    from .engine import FastMatcher

    return FastMatcher(spec.rules, spec.plan)


class Replay:
    """A matcher answering from hits computed beforehand for every entry of every file
    (texts it has no hits for have none); `rules` as the real matcher has them."""

    def __init__(self, rules: dict[str, Rule], known: dict[str, list[Span]]) -> None:
        self.rules = rules
        self.known = known

    def match(self, text: str) -> list[Span]:
        return list(self.known.get(text, ()))


# -- workers -------------------------------------------------------------------------------

_WORKER: Any = None   # the matcher of a worker process (inherited when forked)


def _init_worker(spec: MatcherSpec) -> None:
    global _WORKER
    if _WORKER is None:
        _WORKER = build(spec)


def worker_matcher() -> Any:
    return _WORKER


def _worker_piece(task: tuple[str, str]) -> list[Record]:
    return piece_records(_WORKER, *task, candidates_only=True)


def ordered_map(fn: Callable[[Any], Any], tasks: Iterable[Any], spec: MatcherSpec, jobs: int,
                matcher: Any = None) -> Iterator[Any]:
    """fn over tasks in `jobs` processes, results in task order, with at most a few tasks
    in flight per worker (tasks may be read lazily: a huge log never sits in a queue).
    A forked worker starts with `matcher` as it is here; a spawned one builds its own."""
    global _WORKER
    import multiprocessing

    # fork on Linux: workers start at once and never re-run the caller's __main__ (spawn
    # re-imports it, which an unguarded script cannot survive); spawn elsewhere (macOS
    # frameworks are not fork-safe). Workers only compute: no lock of another thread is
    # ever taken in them.
    fork = sys.platform.startswith("linux")
    ctx = multiprocessing.get_context("fork" if fork else "spawn")
    _WORKER = matcher if fork else None
    try:
        pool = ctx.Pool(jobs, initializer=_init_worker, initargs=(spec,))
    finally:
        _WORKER = None
    with pool:
        pending: deque[Any] = deque()
        for task in tasks:
            pending.append(pool.apply_async(fn, (task,)))
            if len(pending) >= jobs * IN_FLIGHT_PER_WORKER:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def in_background(fn: Callable[[], Any], wanted: bool = True, nice: int = 0) -> Callable[[], None]:
    """Start fn in a forked child (which sees this process's state as it is) and go on;
    return a function that waits for the child. fn runs here at once instead where
    there is no fork, while other threads run (a fork copies their locks), or when not
    `wanted`. What fn returns or raises in a child is lost: for work whose result is only
    a side effect that may fail (a cache being written). `nice`: the child yields the CPU
    to this process by that much (os.nice)."""
    if not wanted or not sys.platform.startswith("linux") or threading.active_count() > 1:
        fn()
        return _done
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        pid = os.fork()
    except OSError:   # no process to spare
        fn()
        return _done
    if pid == 0:   # the child: no exit handler, no buffered output of the parent's
        code = 1
        try:
            if nice:
                os.nice(nice)
            fn()
            code = 0
        finally:
            os._exit(code)

    def wait() -> None:
        os.waitpid(pid, 0)
    return wait


def _done() -> None:
    return None


def fork_map(fn: Callable[[Sequence[Any]], Any], items: Sequence[Any], jobs: int) -> list[Any]:
    """fn over `jobs` contiguous parts of items: the first here, the others in forked
    children (which see this process's state as it is: nothing is sent but the results);
    results in part order. A child that fails has its part done here. One process where
    there is no fork, or while other threads run (a fork copies their locks)."""
    import pickle

    if jobs <= 1 or len(items) < 2 or not sys.platform.startswith("linux") or threading.active_count() > 1:
        return [fn(items)]
    n = len(items)
    bounds = [(i * n // jobs, (i + 1) * n // jobs) for i in range(jobs)]
    children = []
    for lo, hi in bounds[1:]:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:   # the child: compute, send, leave without running any exit handler
            code = 1
            try:
                os.close(read_end)
                with os.fdopen(write_end, "wb") as fh:
                    fh.write(pickle.dumps(fn(items[lo:hi])))   # between this program's own processes
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        children.append((pid, read_end, lo, hi))
    out = [fn(items[bounds[0][0]:bounds[0][1]])]
    for pid, read_end, lo, hi in children:
        with os.fdopen(read_end, "rb") as fh:
            data = fh.read()
        _, status = os.waitpid(pid, 0)
        out.append(pickle.loads(data) if status == 0 and data else fn(items[lo:hi]))
    return out


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:   # not on Linux
        return max(1, os.cpu_count() or 1)


# -- huge logs, read in pieces ---------------------------------------------------------------

class Record(NamedTuple):
    """An entry of a piece of a log that is kept: it has hits (or may hold a suppression)."""

    start_line: int     # 1-based, in the piece
    end_line: int
    text: str           # its lines as written
    masked: str
    spans: list[Span] | None   # None: not matched yet (piece_records, candidates_only)


class LineMap:
    """Line numbers of a compacted log (kept records only) -> lines of the real file."""

    def __init__(self) -> None:
        self.starts: list[int] = []    # first compact line of each kept run
        self.shift: list[int] = []     # real line - compact line on that run

    def add(self, compact: int, real: int) -> None:
        self.starts.append(compact)
        self.shift.append(real - compact)

    def real(self, line: int) -> int:
        i = bisect.bisect_right(self.starts, line) - 1
        return line + self.shift[i] if i >= 0 else line


class Streamed(NamedTuple):
    source: SourceFile      # text: the kept records at compact lines; size: the real size
    lines: LineMap
    hits: dict[str, list[Span]]


def streamable(path: str) -> bool:
    return path.lower().endswith(STREAM_EXT)


def piece_records(matcher: Any, path: str, text: str, candidates_only: bool = False) -> list[Record]:
    """The records of a piece worth keeping. `candidates_only`: those a rule could match,
    spans left for the caller (None): a worker then never loads spaCy, which matters for
    memory when one huge log is spread over processes (its hits are rare)."""
    out = []
    for e in entries.split(path, text):
        if candidates_only:
            if matcher.could_match(e.masked) or SUPPRESS.search(e.text):
                out.append(Record(e.start_line, e.end_line, e.text, e.masked, None))
            continue
        spans = matcher.match(e.masked)
        if spans or SUPPRESS.search(e.text):
            out.append(Record(e.start_line, e.end_line, e.text, e.masked, [(r, a, b) for r, a, b in spans]))
    return out


def read_pieces(abspath: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[tuple[int, str]] | str:
    """(first line number, text) of newline-aligned pieces of a log, each cut before a line
    that starts a record whatever came before it (entries._log_records), so that every
    piece splits into the same records as the whole file; or why it cannot be read."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(abspath, flags)
    except OSError as e:
        return f"cannot be read ({e.strerror}), skipped"
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        return "not a regular file, skipped"
    head = os.pread(fd, files_mod.DECODE_WINDOW, 0)
    binary = files_mod._binary_reason(head)
    if binary is not None:
        os.close(fd)
        return binary[1]
    return _pieces(fd, chunk_bytes, jsonl=abspath.lower().endswith(entries.JSONL_EXT))


def _pieces(fd: int, chunk_bytes: int, jsonl: bool) -> Iterator[tuple[int, str]]:
    line = 1
    rest = b""
    try:
        while True:
            data = os.read(fd, chunk_bytes)
            buf = rest + data
            if not data:
                if buf:
                    yield line, buf.decode("utf-8", "surrogateescape")
                return
            cut = _cut(buf, jsonl)
            if cut <= 0 and len(buf) > MAX_RECORD_BYTES:
                cut = buf.rfind(b"\n") + 1   # a "record" this long is no log: cut at any line
            if cut <= 0:
                rest = buf   # one record longer than a piece: read on
                continue
            piece, rest = buf[:cut], buf[cut:]
            yield line, piece.decode("utf-8", "surrogateescape")
            line += piece.count(b"\n") + piece.count(b"\r") - piece.count(b"\r\n")
    finally:
        os.close(fd)


def _cut(buf: bytes, jsonl: bool) -> int:
    """Where to end a piece: after the last line break that comes before a line that surely
    starts a new record (a blank line, or a record start that is no continuation). 0: none."""
    end = buf.rfind(b"\n")
    while end > 0:
        start = buf.rfind(b"\n", 0, end) + 1   # the last complete line is buf[start:end]
        if start <= 0:
            return 0
        line = buf[start:end].decode("utf-8", "surrogateescape").rstrip("\r")
        if jsonl or not line.strip() or (entries.LOG_START.match(line) and not entries.LOG_CONT.match(line)
                                         and not line.lstrip().startswith("Traceback")):
            return start
        end = start - 1
    return 0


def stream(abspath: str, shown: str, mtime: float, size: int, matcher: Any, spec: MatcherSpec,
           jobs: int) -> Streamed | Notice:
    """The kept records of a huge log as a compact SourceFile (records at their relative
    places, runs of other lines shortened to one blank line), with the map back to real
    line numbers. Memory: a few pieces and the kept records."""
    pieces = read_pieces(abspath)
    if isinstance(pieces, str):
        return Notice(shown, 0, pieces)
    if jobs > 1:
        results: Iterable[tuple[int, list[Record]]] = _numbered(pieces, spec, jobs, shown)
    else:
        results = ((first, piece_records(matcher, shown, text)) for first, text in pieces)
    out: list[str] = []
    compact = 0          # compact lines written so far
    real_end = 0         # last real line written
    lines = LineMap()
    hits: dict[str, list[Span]] = {}
    for first, records in results:
        for r in records:
            if r.spans is None:
                r = r._replace(spans=[(a, b, c) for a, b, c in matcher.match(r.masked)])
                if not r.spans and not SUPPRESS.search(r.text):
                    continue
            real = first + r.start_line - 1
            if compact and real > real_end + 1:
                out.append("\n\n")        # there were lines between: one blank line stands for them
                compact += 2
            elif compact:
                out.append("\n")
                compact += 1
            else:
                compact = 1
            lines.add(compact, real)
            out.append(r.text)
            compact += r.end_line - r.start_line
            real_end = first + r.end_line - 1
            if r.spans:
                hits[r.masked] = r.spans
    text = "".join(out)
    return Streamed(SourceFile(shown, abspath, text, mtime, size), lines, hits)


def _numbered(pieces: Iterator[tuple[int, str]], spec: MatcherSpec, jobs: int,
              shown: str) -> Iterator[tuple[int, list[Record]]]:
    firsts: deque[int] = deque()

    def tasks() -> Iterator[tuple[str, str]]:
        for first, text in pieces:
            firsts.append(first)
            yield shown, text

    for records in ordered_map(_worker_piece, tasks(), spec, jobs):
        yield firsts.popleft(), records


def real_lines(f: Finding, maps: dict[str, LineMap]) -> Finding:
    """A finding of a compacted log with the real file's line numbers (its own, and those
    its message names: a suppression comment in its file, a resolution in a compacted log)."""
    m = maps.get(f.path)
    if m is not None:
        f = f._replace(line=m.real(f.line), end_line=m.real(f.end_line), entry_line=m.real(f.entry_line),
                       entry_end_line=m.real(f.entry_end_line),
                       message=SUPPRESSED_ON.sub(lambda g: g.group(1) + str(m.real(int(g.group(2)))), f.message))
    for path, lines in maps.items():
        named = re.compile(r"(\(" + re.escape(path) + r":)(\d+)")
        f = f._replace(message=named.sub(_real_line(lines), f.message))
    return f


def _real_line(lines: LineMap) -> Callable[[re.Match[str]], str]:
    return lambda g: g.group(1) + str(lines.real(int(g.group(2))))
