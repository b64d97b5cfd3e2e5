"""Line dates from git (the edge: a subprocess). Used only for entries with no date of
their own, and only inside a git work tree."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
from functools import lru_cache

UTC = dt.timezone.utc
TIMEOUT = 20


@lru_cache(maxsize=64)
def _toplevel(folder: str) -> str | None:
    try:
        p = subprocess.run(["git", "-C", folder, "rev-parse", "--show-toplevel"], capture_output=True,
                           timeout=TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return p.stdout.decode("utf-8", "surrogateescape").strip() or None if p.returncode == 0 else None


def line_dates(abspath: str) -> dict[int, dt.datetime]:
    """1-based line -> committer date of the line's last commit (uncommitted lines left out)."""
    top = _toplevel(os.path.dirname(abspath))
    if not top:
        return {}
    try:
        p = subprocess.run(["git", "-C", top, "blame", "--line-porcelain", "--", abspath], capture_output=True,
                           timeout=TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    if p.returncode != 0:
        return {}
    out: dict[int, dt.datetime] = {}
    line = 0
    when: dt.datetime | None = None
    committed = True
    for raw in p.stdout.split(b"\n"):
        if raw.startswith(b"\t"):
            if when is not None and committed:
                out[line] = when
            continue
        parts = raw.split(b" ")
        if len(parts) >= 3 and len(parts[0]) == 40 and parts[1].isdigit() and parts[2].isdigit():
            line = int(parts[2])
            committed = parts[0] != b"0" * 40
            when = None
        elif parts[0] == b"committer-time" and len(parts) == 2 and parts[1].isdigit():
            when = dt.datetime.fromtimestamp(int(parts[1]), UTC)
    return out


def stamp(abspath: str, known: dict[str, str]) -> str:
    """What git dates of this file depend on besides its bytes: the work tree and the
    commit it has checked out ("" outside a work tree). `known`: stamps by folder, so a
    run asks git once per work tree."""
    folder = os.path.dirname(abspath)
    got = known.get(folder)
    if got is None:
        top = _work_tree(folder)
        got = known[folder] = "" if top is None else f"{top}\0{_head(top)}"
    return got + "\0" + os.environ.get("GIT_DIR", "") + "\0" + os.environ.get("GIT_WORK_TREE", "")


def _work_tree(folder: str) -> str | None:
    d = folder
    while True:
        if os.path.lexists(os.path.join(d, ".git")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def _head(top: str) -> str:
    try:
        p = subprocess.run(["git", "-C", top, "rev-parse", "HEAD"], capture_output=True, timeout=TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return p.stdout.decode("ascii", "replace").strip() if p.returncode == 0 else "?"
