"""Keep every path brokenlang writes for itself under `<root>/.brokenlang/`, whatever the
file names are (`../`, absolute, NUL, very long, Unicode look-alikes, symlinked folders).

Files under `.brokenlang/` are opened through directory descriptors with O_NOFOLLOW at
every step, so a symlink planted inside `.brokenlang/` is refused, never followed."""
from __future__ import annotations

import errno
import hashlib
import os
import stat
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress

STATE_DIR = ".brokenlang"
MAX_NAME_BYTES = 200      # below NAME_MAX (255) with room for temp-file affixes
KEEP_NAME_BYTES = 120
MAX_PATH_BYTES = 3000     # below PATH_MAX (4096) with room for the root
MAX_DEPTH = 40
DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class ConfinementError(Exception):
    """A path that would leave the root or pass through a symlink."""


def find_root(start: str) -> str:
    """The nearest folder at or above `start` that holds a real `.brokenlang/`, else `start`."""
    here = os.path.abspath(start)
    folder = here
    while True:
        candidate = os.path.join(folder, STATE_DIR)
        if os.path.isdir(candidate) and not os.path.islink(candidate):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return here
        folder = parent


def relative_to_root(root: str, path: str) -> str | None:
    """`path` as a '/'-joined path relative to `root`, or None when it lies outside.

    The folder part is resolved (symlinked folders count where they lead); the last
    component is not, so that a symlinked file is reported as such by the caller."""
    absolute = os.path.abspath(path)
    folder = os.path.realpath(os.path.dirname(absolute))
    real_root = os.path.realpath(root)
    full = os.path.join(folder, os.path.basename(absolute))
    if os.path.commonpath([real_root, full]) != real_root or full == real_root:
        return None
    rel = os.path.relpath(full, real_root)
    parts = rel.split(os.sep)
    if parts[0] in ("..", STATE_DIR):
        return None  # outside, or brokenlang's own files
    return "/".join(parts)


def check_record_path(root: str, rel: str) -> str:
    """The absolute path for a root-relative path read from the journal; refuses any that
    is absolute, climbs with `..`, holds NUL or resolves (through symlinks) outside root."""
    if not rel or "\x00" in rel or rel.startswith(("/", "\\")) or os.path.isabs(rel):
        raise ConfinementError(f"journal path {rel!r} is not relative to the root")
    parts = rel.split("/")
    if any(p in ("", ".", "..") for p in parts) or parts[0] == STATE_DIR:
        raise ConfinementError(f"journal path {rel!r} leaves the root")
    full = os.path.join(root, *parts)
    if relative_to_root(root, full) != "/".join(parts):
        raise ConfinementError(f"journal path {rel!r} resolves outside the root")
    return full


def safe_component(name: str) -> str:
    """One path component that cannot climb, separate or overflow, kept readable."""
    cleaned = "".join("_" if _unsafe_char(ch) else ch for ch in name)
    folded = unicodedata.normalize("NFKC", cleaned)
    if not folded.strip(". ") or any(sep in folded for sep in ("/", "\\")):
        cleaned = "_" + cleaned.replace(".", "_")  # '..' spelled with look-alikes, or empty
    encoded = os.fsencode(cleaned)
    if len(encoded) > MAX_NAME_BYTES:
        digest = hashlib.sha256(encoded).hexdigest()[:16]
        head = encoded[:KEEP_NAME_BYTES].decode("utf-8", "ignore")
        cleaned = f"{head}~{digest}"
    return cleaned


def _unsafe_char(ch: str) -> bool:
    code = ord(ch)
    return code < 0x20 or code == 0x7F or ch in "/\\" or 0xD800 <= code <= 0xDFFF


def safe_parts(rel: str) -> list[str]:
    """Components of `rel` made safe; a too deep or too long path is folded into a hash."""
    parts = [safe_component(p) for p in rel.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts:
        parts = ["_"]
    total = sum(len(os.fsencode(p)) + 1 for p in parts)
    if len(parts) > MAX_DEPTH or total > MAX_PATH_BYTES:
        digest = hashlib.sha256(os.fsencode(rel)).hexdigest()
        parts = ["_long", digest[:2], f"{digest}~{parts[-1]}"]
    return parts


def quarantine_parts(rel: str) -> list[str]:
    """Mirror of a root-relative file path under `quarantine/` (relative to .brokenlang)."""
    return ["quarantine", *safe_parts(rel)]


def open_state_dir(root: str, create: bool) -> int:
    """A descriptor for `<root>/.brokenlang`, refusing a symlink there."""
    root_fd = os.open(root, DIR_FLAGS)
    try:
        return open_dir_chain(root_fd, [STATE_DIR], create)
    finally:
        os.close(root_fd)


def open_dir_chain(base_fd: int, parts: Sequence[str], create: bool) -> int:
    """Walk (and with `create` make) folders below `base_fd` without following symlinks."""
    fd = os.dup(base_fd)
    for part in parts:
        if part in ("", ".", "..") or "/" in part or "\x00" in part:
            os.close(fd)
            raise ConfinementError(f"unsafe path component {part!r}")
        try:
            child = _open_child_dir(fd, part, create)
        finally:
            os.close(fd)
        fd = child
    return fd


def _open_child_dir(fd: int, part: str, create: bool) -> int:
    if create:
        with suppress(FileExistsError):
            os.mkdir(part, 0o755, dir_fd=fd)
    try:
        return os.open(part, DIR_FLAGS, dir_fd=fd)
    except OSError as e:
        if e.errno in (errno.ELOOP, errno.ENOTDIR):
            raise ConfinementError(f"{part!r} under {STATE_DIR}/ is a symlink or not a folder") from None
        raise


@contextmanager
def state_subdir(root: str, parts: Sequence[str], create: bool) -> Iterator[int]:
    """Descriptor of a folder below `.brokenlang/` for the duration of a `with`."""
    top = open_state_dir(root, create)
    try:
        fd = open_dir_chain(top, parts, create)
    finally:
        os.close(top)
    try:
        yield fd
    finally:
        os.close(fd)


def open_state_file(dir_fd: int, name: str, flags: int, mode: int = 0o644) -> int:
    """Open a regular file in a confined folder; a symlink or a special file is refused."""
    if name in ("", ".", "..") or "/" in name or "\x00" in name:
        raise ConfinementError(f"unsafe file name {name!r}")
    try:
        fd = os.open(name, flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode, dir_fd=dir_fd)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise ConfinementError(f"{name!r} under {STATE_DIR}/ is a symlink") from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise ConfinementError(f"{name!r} under {STATE_DIR}/ is not a regular file")
    return fd


def display(parts: Sequence[str]) -> str:
    """How a confined path is shown to the user."""
    return "/".join([STATE_DIR, *parts])
