"""The file edge: find the files to scan and read them, treating every name, link and byte as hostile.

`discover` walks folders (include/exclude globs, .gitignore, symlinks kept inside the
root, loops cut) and `read_source` reads one file (no FIFOs or devices opened, size cap,
binary detection, bytes kept exactly via surrogateescape). Nothing here raises for a bad
file: each problem becomes a `Notice` naming the file, with line 0 when it is about the
whole file (a binary file's notice gives the line of its first NUL or undecodable byte).
"""
from __future__ import annotations

import codecs
import errno
import hashlib
import os
import re
import stat
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

from . import ignore
from .errors import UserError
from .models import Notice, SourceFile

DEFAULT_INCLUDE = ("*.md", "*.markdown", "*.mdx", "*.txt", "*.log", "*.jsonl", "*.ndjson")
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
SKIP_DIRS = frozenset({".git", ".brokenlang", "node_modules", ".venv", "venv", "__pycache__",
                       ".tox", ".mypy_cache", ".ruff_cache", ".pytest_cache"})
MAX_GITIGNORE_BYTES = 1024 * 1024
NUL_WINDOW = 8 * 1024
DECODE_WINDOW = 64 * 1024
MAX_UNDECODABLE = 0.30
READ_CHUNK = 1024 * 1024

_ESCAPED = re.compile("[\udc80-\udcff]")   # what surrogateescape makes of each undecodable byte
# O_NONBLOCK: opening a FIFO that slipped past the lstat check must not hang the run.
# O_NOFOLLOW: a symlink swapped in after discovery is refused rather than followed.
_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
               | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))

_DIR_FLAGS = (os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
              | getattr(os, "O_CLOEXEC", 0))
_DIR_FD_OK = os.open in os.supports_dir_fd and os.stat in os.supports_dir_fd
_GONE = "file vanished before it could be read, skipped"
_DirKey = tuple[int, int]   # (st_dev, st_ino): a folder's identity whatever path reaches it


class Discovery(NamedTuple):
    files: list[str]          # absolute real paths, sorted, each once
    notices: list[Notice]     # what was skipped and why


class _Dir(NamedTuple):
    real: str                                  # real path of the folder
    rel: str                                   # path below the root as walked, "/"-separated
    ignores: tuple[ignore.IgnoreFile, ...]     # .gitignore files governing it
    chain: frozenset[_DirKey]                  # folders above it: meeting one again is a loop


def discover(paths: Sequence[str], *, root: str, include: Sequence[str] = DEFAULT_INCLUDE,
             exclude: Sequence[str] = (), respect_gitignore: bool = True,
             cwd: str | None = None) -> Discovery:
    """The files to scan under `paths` (relative ones are taken from `cwd`), never leaving `root`.

    Explicit file arguments are always scanned; folders are walked with `include`,
    `exclude` and .gitignore. Returned paths are real paths (symlinks resolved), so a file
    reached through several links is listed once.
    """
    here = os.getcwd() if cwd is None else cwd
    real_root = os.path.realpath(os.path.join(here, root))
    if not os.path.isdir(real_root):
        raise UserError("the scan root is not a folder", root)
    walker = _Walker(real_root, here, _globs(include, "include"), _globs(exclude, "exclude"),
                     respect_gitignore)
    for path in paths or [real_root]:
        walker.add(path)
    return Discovery(sorted(walker.files, key=lambda p: p.split(os.sep)), walker.notices)


def read_source(abspath: str, *, cwd: str, max_bytes: int = DEFAULT_MAX_BYTES,
                root: str | None = None, folders: Folders | None = None) -> SourceFile | Notice:
    """Read one file as text whose bytes round-trip exactly, or say why it was skipped.

    With `root`, the file is reached from the root one folder at a time without following
    any symlink, so a folder swapped for a link after discovery cannot lead outside.
    `folders` (with `root`) keeps the last folder so reached open for the next file.
    """
    path = os.path.normpath(os.path.join(cwd, abspath))
    shown = display_path(path, cwd)
    got = _read_bytes(path, max_bytes, root, folders)
    if isinstance(got, str):
        return Notice(shown, 0, got)
    data, mtime = got
    binary = _binary_reason(data)
    if binary is not None:
        return Notice(shown, binary[0], binary[1])
    return SourceFile(shown, path, data.decode("utf-8", "surrogateescape"), mtime, len(data),
                      hashlib.sha256(data).hexdigest())


def display_path(abspath: str, cwd: str) -> str:
    """`abspath` relative to `cwd` with "/" separators when inside it, else absolute."""
    path = os.path.normpath(os.path.join(cwd, abspath))
    for base in _bases(cwd):
        inner = base.rstrip(os.sep) + os.sep
        if path.startswith(inner):   # both normalised: what relpath would give
            return path[len(inner):].replace(os.sep, "/")
        if _inside(path, base):
            return os.path.relpath(path, base).replace(os.sep, "/")
    return path


@lru_cache(maxsize=16)
def _bases(cwd: str) -> tuple[str, ...]:
    # only names what is shown: a folder moved meanwhile makes a path absolute, nothing more
    return tuple(dict.fromkeys((os.path.normpath(cwd), os.path.realpath(cwd))))


class _Walker:
    """One discovery run's state: found files, notices and the folders already walked."""

    def __init__(self, root: str, cwd: str, include: tuple[ignore.Pattern, ...],
                 exclude: tuple[ignore.Pattern, ...], respect_gitignore: bool) -> None:
        self.root = root
        self.cwd = cwd
        self.include = include
        self.exclude = exclude
        self.respect_gitignore = respect_gitignore
        self.files: dict[str, None] = {}       # insertion-ordered set of real paths
        self.notices: list[Notice] = []
        self.visited: set[_DirKey] = set()
        self.gitignores: dict[str, tuple[ignore.Pattern, ...]] = {}   # real folder -> its patterns

    def note(self, path: str, message: str) -> None:
        self.notices.append(Notice(display_path(path, self.cwd), 0, message))

    def add(self, arg: str) -> None:
        """One command-line path: a file is taken as is, a folder is walked."""
        given = os.path.normpath(os.path.join(self.cwd, arg))
        real = os.path.realpath(given)
        if not _inside(real, self.root):
            via = f" through a symbolic link (to {real!r})" if real != given else ""
            self.note(given, f"outside the scanned root {self.root!r}{via}, skipped")
            return
        probe = _probe(given, follow=True)
        if isinstance(probe, str):
            self.note(given, probe if os.path.lexists(given) else "no such file or folder, skipped")
        elif stat.S_ISDIR(probe.st_mode):
            self.start(real, probe)
        elif stat.S_ISREG(probe.st_mode):
            self.files[real] = None
        else:
            self.note(given, f"{_kind(probe.st_mode)}, not a regular file, skipped")

    def start(self, real: str, st: os.stat_result) -> None:
        key = (st.st_dev, st.st_ino)
        if key in self.visited:
            return
        self.visited.add(key)
        rel = os.path.relpath(real, self.root).replace(os.sep, "/")
        rel = "" if rel == "." else rel
        self.walk(_Dir(real, rel, self.ancestor_ignores(rel), frozenset({key})))

    def ancestor_ignores(self, rel: str) -> tuple[ignore.IgnoreFile, ...]:
        """The .gitignore files from the root down to (not including) folder `rel`."""
        if not rel:
            return ()
        parts = rel.split("/")
        found: tuple[ignore.IgnoreFile, ...] = ()
        for depth in range(len(parts)):
            base = "/".join(parts[:depth])
            found += self.gitignore_at(os.path.join(self.root, *parts[:depth]), base)
        return found

    def walk(self, top: _Dir) -> None:
        stack = [top]   # explicit stack: a hostile tree can be deeper than Python's recursion limit
        while stack:
            folder = stack.pop()
            entries = self.listing(folder.real)
            if entries is None:
                continue
            folder = folder._replace(ignores=folder.ignores + self.gitignore_at(folder.real, folder.rel))
            children = [child for entry in entries if (child := self.visit(folder, entry)) is not None]
            stack.extend(reversed(children))   # reversed: pop in sorted order

    def listing(self, real: str) -> list[os.DirEntry[str]] | None:
        try:
            with os.scandir(real) as it:
                return sorted(it, key=lambda e: e.name)
        except OSError as e:
            self.note(real, _error_message(e, "folder vanished while scanning, skipped", "folder"))
            return None

    def gitignore_at(self, real_dir: str, rel: str) -> tuple[ignore.IgnoreFile, ...]:
        if not self.respect_gitignore:
            return ()
        if real_dir not in self.gitignores:
            self.gitignores[real_dir] = self.load_gitignore(os.path.join(real_dir, ".gitignore"))
        patterns = self.gitignores[real_dir]
        return (ignore.IgnoreFile(rel, patterns),) if patterns else ()

    def load_gitignore(self, path: str) -> tuple[ignore.Pattern, ...]:
        if not os.path.lexists(path):
            return ()
        real = os.path.realpath(path)
        if not _inside(real, self.root):   # a .gitignore is untrusted input too: never read outside
            self.note(path, f"symbolic link points outside the scanned root (to {real!r}), not read")
            return ()
        got = read_source(real, cwd=self.cwd, max_bytes=MAX_GITIGNORE_BYTES, root=self.root)
        if isinstance(got, Notice):
            self.notices.append(got._replace(message=f".gitignore not used: {got.message}"))
            return ()
        patterns, bad = ignore.parse_gitignore(got.text)
        for problem in bad:
            self.notices.append(Notice(got.path, problem.line, problem.message))
        return patterns

    def visit(self, parent: _Dir, entry: os.DirEntry[str]) -> _Dir | None:
        """Take one folder entry: record a file, return a folder to walk, or note a skip."""
        rel = f"{parent.rel}/{entry.name}" if parent.rel else entry.name
        link = _is_link(entry)
        probe = _probe(entry.path, follow=link)
        is_dir = not isinstance(probe, str) and stat.S_ISDIR(probe.st_mode)
        if not self.wanted(parent, rel, entry.name, is_dir):
            return None
        real = os.path.realpath(entry.path) if link else entry.path
        if link and not _inside(real, self.root):
            self.note(entry.path,
                      f"symbolic link points outside the scanned root (to {real!r}), not followed")
        elif isinstance(probe, str):
            self.note(entry.path, probe)
        elif is_dir:
            return self.enter(parent, entry.path, real, rel, probe)
        elif stat.S_ISREG(probe.st_mode):
            self.files[real] = None
        else:
            self.note(entry.path, f"{_kind(probe.st_mode)}, not a regular file, skipped")
        return None

    def wanted(self, parent: _Dir, rel: str, name: str, is_dir: bool) -> bool:
        if is_dir and name in SKIP_DIRS:
            return False
        if ignore.decide(self.exclude, rel, is_dir):
            return False
        if ignore.is_ignored(parent.ignores, rel, is_dir):
            return False
        return is_dir or ignore.decide(self.include, rel, False) is True

    def enter(self, parent: _Dir, path: str, real: str, rel: str, st: os.stat_result) -> _Dir | None:
        key = (st.st_dev, st.st_ino)
        if key in parent.chain:
            self.note(path, f"symbolic link loop (back to {real!r}), not followed")
            return None
        if key in self.visited:   # the same folder reached by another link: already walked
            return None
        self.visited.add(key)
        return _Dir(real, rel, parent.ignores, parent.chain | {key})


def _globs(patterns: Sequence[str], what: str) -> tuple[ignore.Pattern, ...]:
    compiled = []
    for text in patterns:
        try:
            pattern = ignore.compile_pattern(text)
        except ValueError as e:
            raise UserError(f"{what} pattern {text[:60]!r}...: {e}") from None
        if pattern is not None:
            compiled.append(pattern)
    return tuple(compiled)


def _is_link(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_symlink()
    except OSError:
        return False   # vanished: the following stat reports it


def _probe(path: str, *, follow: bool, gone: str = "") -> os.stat_result | str:
    """The file's status, or a notice message saying why it cannot be had."""
    try:
        return os.stat(path) if follow else os.lstat(path)
    except OSError as e:
        default = "broken symbolic link, skipped" if follow else "vanished while scanning, skipped"
        return _error_message(e, gone or default, "file")


def _error_message(error: OSError, gone: str, what: str) -> str:
    if isinstance(error, FileNotFoundError):
        return gone
    if isinstance(error, PermissionError):
        return "permission denied, skipped"
    if error.errno == errno.ELOOP:
        return "symbolic link loop (or a link where none is followed), skipped"
    return f"{what} cannot be read ({error.strerror}), skipped"


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISFIFO, "named pipe (FIFO)"), (stat.S_ISSOCK, "socket"),
             (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"),
             (stat.S_ISDIR, "folder"), (stat.S_ISLNK, "symbolic link"))
    return next((name for test, name in kinds if test(mode)), "special file")


def _read_bytes(path: str, max_bytes: int, root: str | None,
                folders: Folders | None = None) -> tuple[bytes, float] | str:
    """The whole file and its mtime, or a notice message. Never opens a non-regular file."""
    if folders is not None and root is not None:
        got = folders.parent(path, root)
        if isinstance(got, str):
            return got
        return _read_in(*got, max_bytes)
    parent = _open_parent(path, root)
    if isinstance(parent, str):
        return parent
    dir_fd, name = parent
    try:
        return _read_in(dir_fd, name, max_bytes)
    finally:
        if dir_fd is not None:
            os.close(dir_fd)


class Folders:
    """The descriptor of the folder of the last file read (reached as _open_parent does),
    kept for the next file of the same folder: files come folder by folder. It names the
    folder that was reached then, so a later swap of a folder for a link changes nothing."""

    def __init__(self) -> None:
        self._folder: str | None = None
        self._fd: int | None = None

    def parent(self, path: str, root: str) -> tuple[int | None, str] | str:
        folder, name = os.path.split(path)
        if folder != self._folder:
            self.close()
            got = _open_parent(path, root)
            if isinstance(got, str) or got[0] is None:   # no descriptors here: the path itself
                return got
            self._folder, self._fd = folder, got[0]
        return self._fd, name

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
        self._folder = self._fd = None

    def __enter__(self) -> Folders:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _open_parent(path: str, root: str | None) -> tuple[int | None, str] | str:
    """A descriptor of the file's folder reached from `root` through real folders only."""
    if root is None or not _DIR_FD_OK:
        return None, path
    real_root = os.path.realpath(root)
    if path == real_root or not _inside(path, real_root):
        return f"outside the scanned root {real_root!r}, skipped"
    *folders, name = os.path.relpath(path, real_root).split(os.sep)
    try:
        fd = os.open(real_root, _DIR_FLAGS)
    except OSError as e:
        return _error_message(e, "the scanned root vanished, skipped", "folder")
    for folder in folders:
        try:
            inner = os.open(folder, _DIR_FLAGS, dir_fd=fd)
        except OSError as e:
            os.close(fd)
            if e.errno in (errno.ELOOP, errno.ENOTDIR):
                return "a folder on its path is a symbolic link or not a folder any more, not followed"
            return _error_message(e, _GONE, "folder")
        os.close(fd)
        fd = inner
    return fd, name


def _read_in(dir_fd: int | None, name: str, max_bytes: int) -> tuple[bytes, float] | str:
    try:
        before = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except OSError as e:
        return _error_message(e, _GONE, "file")
    refusal = _refusal(before, max_bytes)
    if refusal is not None:
        return refusal
    try:
        fd = os.open(name, _OPEN_FLAGS, dir_fd=dir_fd)
    except OSError as e:
        return _error_message(e, _GONE, "file")
    try:
        return _read_open(fd, before, max_bytes)
    except OSError as e:
        return _error_message(e, _GONE, "file")
    finally:
        os.close(fd)


def _refusal(st: os.stat_result, max_bytes: int) -> str | None:
    """Why a file must not even be opened, judged from its lstat."""
    if stat.S_ISLNK(st.st_mode):
        return "symbolic link not followed here (discovery resolves links inside the root), skipped"
    if not stat.S_ISREG(st.st_mode):
        return f"{_kind(st.st_mode)}, not a regular file, skipped"
    if st.st_size > max_bytes:
        # Streaming huge logs would plug in here: hand back a chunked reader instead of skipping.
        return f"larger than {max_bytes} bytes, skipped"
    return None


def _read_open(fd: int, before: os.stat_result, max_bytes: int) -> tuple[bytes, float] | str:
    st = os.fstat(fd)
    if (st.st_dev, st.st_ino) != (before.st_dev, before.st_ino) or not stat.S_ISREG(st.st_mode):
        return "file was replaced while being read, skipped"
    data = _read_capped(fd, max_bytes)
    if data is None:
        return f"larger than {max_bytes} bytes, skipped"
    return data, st.st_mtime


def _read_capped(fd: int, max_bytes: int) -> bytes | None:
    """Read to the end, or None once more than `max_bytes` arrive (the file grew after stat)."""
    chunks: list[bytes] = []
    total = 0
    while total <= max_bytes:
        chunk = os.read(fd, min(READ_CHUNK, max_bytes + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
    return None


def _binary_reason(data: bytes) -> tuple[int, str] | None:
    """(line, message) when the bytes look binary rather than text."""
    nul = data.find(b"\0", 0, NUL_WINDOW)
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        return line, f"binary file skipped (NUL byte on line {line})"
    head = data[:DECODE_WINDOW]
    try:   # valid UTF-8 decodes with no escaped byte
        head.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    # final=False holds back a multibyte character cut at the window's edge instead of counting it bad
    text = codecs.getincrementaldecoder("utf-8")("surrogateescape").decode(head, final=False)
    bad = _ESCAPED.findall(text)
    if head and len(bad) / len(head) > MAX_UNDECODABLE:
        first = _ESCAPED.search(text)
        line = text.count("\n", 0, first.start() if first else 0) + 1
        share = round(100 * len(bad) / len(head))
        return line, (f"binary file skipped ({share}% of the first {len(head)} bytes are not UTF-8, "
                      f"from line {line})")
    return None


def _inside(path: str, root: str) -> bool:
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:   # different drives, or one relative
        return False
