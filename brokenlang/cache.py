"""A content-hash cache: what is expensive and depends only on bytes is computed once.
Safe to delete at any time; never stale, because every key is a hash of everything the
value depends on, including brokenlang's own source code and the installed spaCy and RE2:

* `engine-<key>.json`: the rules of the pattern packs and the engine plan derived from
  them (key: the pack files' paths and bytes); the last used few are kept
  (engine.ENGINES_KEPT);
* `file/<key>.json`: one file's own analysis (incremental.py; key: the engine key, the
  file's path and its bytes; kept with the mtime/git stamps it depended on);
* `answers/<key>.json`: the matcher's answers for the entries of a file that reached
  spaCy, by their text (key: the engine key and the file's path, not its bytes: an edited
  file finds those of its version before; engine.FastMatcher.remembering);
* `run-<key>.json`: the findings of a whole run (key: every file's key and the ledger;
  kept with every file's stamps); only the newest few are kept (incremental.RUNS_KEPT);
* `out-<key>.json`: a run's findings as its JSON report renders them (raw bytes; key:
  the run's key and the stamps its findings depended on, incremental.output_key), two
  per run at most.

File values are bounded: a value read is marked used (its mtime), and once they take
more than `max_bytes()` (BROKENLANG_CACHE_MAX_MB, default 1024) the least recently used
are removed down to LOW_WATER of it (`trim`, after a scan that stored new ones); the
answers likewise, to a tenth of it (incremental.ANSWERS_SHARE), and the hook's entries known
clean (incremental.may_match) to another tenth.

Values are JSON, or the JSON text of a report (a cache file is data, never code). Where it
lives: see for_project;
`BROKENLANG_NO_CACHE=1` (or `--no-cache`) turns it off."""
from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import itertools
import json
import os
import sys
import time
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from .models import Rule

TOOL_DIR = ".brokenlang"
SHARDED = ("file", "answers", "clean")   # many values: kept in folders by the key's first two digits
HEAD = 65   # a value file: the sha256 of the rest (hex) and a newline, then the JSON
CACHE_DIR = "cache"
CACHE_IGNORE = "# brokenlang's cache: safe to delete\n*\n"
FORMAT = 2
MAX_MB = 1024       # file values kept, at most (BROKENLANG_CACHE_MAX_MB overrides)
LOW_WATER = 0.8     # a trim goes down to this share of the limit, so that it seldom runs
STALE_TEMP = 3600   # seconds after which a left-over temporary file (a killed writer) goes


class Cache:
    """A folder of JSON values by key; a missing, unreadable or malformed value is a miss."""

    def __init__(self, folder: str | None) -> None:
        self.folder = folder
        self.hits = 0
        self.misses = 0
        self._made: set[str] = set()   # folders known to exist

    def get(self, kind: str, key: str) -> Any:
        """The value stored, or None. A value whose bytes are not those written (a digest
        heads each file) is a miss: what is read back is exactly what `put` was given."""
        body = self._read(kind, key)
        value = None
        if body is not None:
            try:
                value = json.loads(body)
            except ValueError:
                body = None
        self._count(body is not None)
        return value

    def get_bytes(self, kind: str, key: str) -> bytes | None:
        """The bytes stored by put_bytes, or None."""
        body = self._read(kind, key)
        self._count(body is not None)
        return body

    def _read(self, kind: str, key: str) -> bytes | None:
        if self.folder is None:
            return None
        try:
            with open(self._path(kind, key), "rb") as fh:
                data = fh.read()
        except OSError:
            return None
        head, body = data[:HEAD], data[HEAD:]
        return body if head == hashlib.sha256(body).hexdigest().encode("ascii") + b"\n" else None

    def _count(self, hit: bool) -> None:
        if self.folder is not None:
            self.hits += hit
            self.misses += not hit

    def put(self, kind: str, key: str, value: Any) -> None:
        """Write atomically (temp file + rename); a cache that cannot be written is no error."""
        try:
            # ASCII: surrogates (undecodable bytes) survive
            body = json.dumps(value, separators=(",", ":")).encode("ascii")
        except ValueError:
            self.folder = None   # a value JSON cannot hold: stop trying for this run
            return
        self.put_bytes(kind, key, body)

    def put_bytes(self, kind: str, key: str, body: bytes) -> None:
        """Store bytes as they are (atomically, headed by their digest)."""
        if self.folder is None:
            return
        path = self._path(kind, key)
        folder = os.path.dirname(path)
        try:
            if folder not in self._made:   # once per folder and run: a scan stores thousands of values
                os.makedirs(folder, exist_ok=True)
                ignore = os.path.join(self.folder, ".gitignore")
                if not os.path.exists(ignore):
                    with open(ignore, "w", encoding="utf-8") as fh:
                        fh.write(CACHE_IGNORE)
                self._made.add(folder)
            fd, tmp = _temporary(folder)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(hashlib.sha256(body).hexdigest().encode("ascii") + b"\n" + body)
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError:
            self.folder = None   # read-only or full: stop trying for this run

    def touch(self, kind: str, key: str) -> None:
        """Mark a value as used now (what `trim` keeps longest)."""
        if self.folder is not None:
            with contextlib.suppress(OSError):
                os.utime(self._path(kind, key))

    def trim(self, kind: str, max_bytes: int) -> int:
        """When the values of a sharded kind take more than max_bytes, delete the least
        recently used (oldest mtime) down to LOW_WATER of it; also left-over temporary
        files older than STALE_TEMP. Returns the number of values deleted."""
        if self.folder is None:
            return 0
        found: list[tuple[int, int, str]] = []   # (mtime_ns, size, path)
        now = time.time()
        try:
            with os.scandir(os.path.join(self.folder, kind)) as shards:
                folders = [e.path for e in shards if e.is_dir(follow_symlinks=False)]
            for folder in folders:
                with os.scandir(folder) as it:
                    for e in it:
                        st = e.stat(follow_symlinks=False)
                        if e.name.startswith(".tmp-"):
                            if now - st.st_mtime > STALE_TEMP:
                                with contextlib.suppress(OSError):
                                    os.unlink(e.path)
                        elif e.name.endswith(".json"):
                            found.append((st.st_mtime_ns, st.st_size, e.path))
        except OSError:
            return 0
        total = sum(size for _, size, _ in found)
        if total <= max_bytes:
            return 0
        removed = 0
        for _, size, path in sorted(found):
            if total <= max_bytes * LOW_WATER:
                break
            with contextlib.suppress(OSError):
                os.unlink(path)
                removed += 1
            total -= size
        return removed

    def _path(self, kind: str, key: str) -> str:  # key: hex digest
        if kind in SHARDED:
            return os.path.join(self.folder or "", kind, key[:2], f"{key}.json")
        return os.path.join(self.folder or "", f"{kind}-{key}.json")

    def prune(self, kind: str, keep: int) -> None:
        """Delete all but the `keep` newest values of an unsharded kind."""
        if self.folder is None:
            return
        try:
            with os.scandir(self.folder) as it:
                found = [(e.stat().st_mtime_ns, e.path) for e in it
                         if e.name.startswith(f"{kind}-") and e.name.endswith(".json") and e.is_file()]
        except OSError:
            return
        for _, path in sorted(found, reverse=True)[keep:]:
            with contextlib.suppress(OSError):
                os.unlink(path)


NO_CACHE = Cache(None)
_TEMPORARY = itertools.count()


def _temporary(folder: str) -> tuple[int, str]:
    """A new file in `folder` for a value being written, opened exclusively with mkstemp's
    mode (0600): named by this process and a counter (cheaper than mkstemp's random names);
    a name an earlier process left is passed over."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(16):
        tmp = os.path.join(folder, f".tmp-{os.getpid()}-{next(_TEMPORARY)}")
        try:
            return os.open(tmp, flags, 0o600), tmp
        except FileExistsError:
            continue
    import tempfile

    return tempfile.mkstemp(prefix=".tmp-", dir=folder)


def for_project(root: str, enabled: bool = True) -> Cache:
    """The cache for a project whose config folder is `root`: BROKENLANG_CACHE_DIR, else
    `.brokenlang/cache/` when that folder exists (create it to keep the cache with the
    project), else the user's cache folder (XDG_CACHE_HOME or ~/.cache)/brokenlang. A scan
    never creates anything inside the project."""
    if not enabled or os.environ.get("BROKENLANG_NO_CACHE", "") not in ("", "0"):
        return NO_CACHE
    named = os.environ.get("BROKENLANG_CACHE_DIR")
    if named:
        return Cache(os.path.abspath(named))
    inside = os.path.join(root, TOOL_DIR, CACHE_DIR)
    if os.path.isdir(inside) and not os.path.islink(inside) and not os.path.islink(os.path.dirname(inside)):
        return Cache(inside)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Cache(os.path.join(base, "brokenlang")) if os.path.isabs(base) else NO_CACHE


def max_bytes() -> int:
    """The limit on file values: BROKENLANG_CACHE_MAX_MB (a number of MB, 0 or more), else
    MAX_MB. Anything else is a UserError (a typo must not quietly mean the default)."""
    named = os.environ.get("BROKENLANG_CACHE_MAX_MB", "").strip()
    if not named:
        return MAX_MB << 20
    try:
        mb = float(named)
        if not mb >= 0:
            raise ValueError
        return min(int(mb * (1 << 20)), sys.maxsize)
    except (ValueError, OverflowError):
        from .errors import UserError

        raise UserError(f"BROKENLANG_CACHE_MAX_MB: not a number of MB (0 or more): {named!r}") from None


@lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of brokenlang's source and of the installed spaCy and RE2 (their files' size
    and mtime: an upgrade changes them; found without importing either)."""
    h = hashlib.sha256(f"{FORMAT}\0{sys.version_info[:2]}".encode())
    for dist in ("spacy", "re2", "_re2"):
        spec = importlib.util.find_spec(dist)
        origin = spec.origin if spec is not None and spec.origin else ""
        try:
            st = os.stat(origin)
            h.update(f"\0{dist}:{origin}:{st.st_size}:{st.st_mtime_ns}".encode())
        except OSError:
            h.update(f"\0{dist}:none".encode())
    here = os.path.dirname(os.path.abspath(__file__))
    for name in sorted(os.listdir(here)):
        if name.endswith(".py"):
            with open(os.path.join(here, name), "rb") as fh:
                h.update(b"\0" + name.encode() + b"\0" + fh.read())
    return h.hexdigest()


def digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for p in parts:
        b = p.encode("utf-8", "surrogateescape") if isinstance(p, str) else p
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.hexdigest()


def packs_key(files: Sequence[str]) -> str:
    parts: list[bytes | str] = [code_version()]
    for path in files:
        with open(path, "rb") as fh:
            parts += [os.path.abspath(path), fh.read()]
    return digest(*parts)


def rules_to_json(rules: Sequence[Rule]) -> list[Any]:
    return [r._asdict() for r in rules]


def rules_from_json(data: list[Any]) -> list[Rule]:
    out = []
    for d in data:
        out.append(Rule(id=d["id"], message=d["message"], severity=d["severity"],
                        patterns=tuple(tuple(dict(t) for t in p) for p in d["patterns"]),
                        phrases=tuple(d["phrases"]), template=d["template"],
                        match_examples=tuple(d["match_examples"]), no_match_examples=tuple(d["no_match_examples"]),
                        source=d["source"], line=d["line"]))
    return out
