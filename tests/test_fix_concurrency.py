"""Two real writer processes append numbered entries while real `brokenlang fix --apply`
runs loop: one writer reopens the file for each append, the other holds a long-lived
append handle (in bursts). Afterwards every entry is in its file or in quarantine
exactly once: none lost, none duplicated."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path
from typing import NamedTuple

PY = sys.executable
REPO = Path(__file__).resolve().parents[1]
ENTRIES = 1000 if os.environ.get("CI") else 600    # per writer (the library loop takes 3x more)
LEDGER = """\
version: 1
issues:
  - id: cloudrun-500
    title: Cloud Run deploy returns HTTP 500
    match: [deploy failed with HTTP 500]
    resolved: 2026-02-16
"""
# Every fifth entry is stale (a resolved failure), the rest are kept.
WRITER = textwrap.dedent("""
    import os, sys, time
    base, tag, n, style = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    pace, rotate = float(sys.argv[5]), int(sys.argv[6])
    def path(i):   # a new daily-note-like file every `rotate` entries (0: one file)
        return f"{base[:-3]}-{i // rotate:04d}.md" if rotate else base
    def entry(i):
        if i % 5 == 0:
            return b"- 2026-01-10 09:00 %s%d deploy failed with HTTP 500\\n" % (tag.encode(), i)
        return b"- 2026-01-10 09:01 %s%d wrote the weekly notes\\n" % (tag.encode(), i)
    i = 0
    if style == "reopen":
        while i < n:
            with open(path(i), "ab") as fh:
                fh.write(entry(i))
            i += 1
            time.sleep(pace)
    else:
        while i < n:
            fd = os.open(path(i), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            for _ in range(25):   # bursts never cross a rotation (rotate is a multiple of 25)
                if i < n:
                    os.write(fd, entry(i))
                    i += 1
                    time.sleep(pace)
            os.close(fd)
            time.sleep(0.03)
""")
ENTRY = re.compile(rb"- 2026-01-10 09:0[01] ([AB]\d+) ")
# The same write path as the CLI (cmd_fix.fix_findings: journal, quarantine, safewrite) in a
# loop that takes its findings from a regex instead of a scan: many more fixes per second,
# so many more chances to race with the writers.
LIBRARY_LOOP = textwrap.dedent("""
    import io, os, re, sys
    from brokenlang import cmd_fix, fixer, journal
    from brokenlang.models import Finding
    root, stop = sys.argv[1], sys.argv[2]
    STALE = re.compile(rb"^- 2026-01-10 09:00 \\S+ deploy failed with HTTP 500$")
    opts = cmd_fix.FixOptions((), None, None, "quarantine", True, False, True, True, False, False, False)
    def findings(rel, data):
        for n, ln in enumerate(fixer.split_lines(data), 1):
            text = data[ln.start:ln.end]
            if STALE.match(text):
                entry = text.decode()
                yield Finding(rel, n, n, 1, "deploy.failed", "error", "stale", "deploy failed", entry, n, n,
                              "2026-01-10", "timestamp", "cloudrun-500", "ledger",
                              "stale: resolved on 2026-02-16 (cloudrun-500)", entry)
    runs = edits = during = 0
    last = False
    clean = {}   # files with nothing stale at their last look: (size, mtime) then
    while True:
        done = os.path.exists(stop)
        found = []
        for name in sorted(os.listdir(os.path.join(root, "memory"))):
            rel = "memory/" + name
            st = os.stat(os.path.join(root, rel))
            if clean.get(rel) == (st.st_size, st.st_mtime_ns):
                continue
            with open(os.path.join(root, rel), "rb") as fh:
                mine = list(findings(rel, fh.read()))
            if mine:
                clean.pop(rel, None)
            else:
                clean[rel] = (st.st_size, st.st_mtime_ns)
            found += mine
        with journal.opened(root) as j:
            results = cmd_fix.fix_findings(opts, found, "quarantine", 2.0, root, root, j, io.BytesIO())
        runs += 1
        made = sum(len(r.edits) for r in results)
        edits += made
        during += 0 if done else made
        if last and not found:
            break
        last = done and not any(r.deferred for r in results)
    print(runs, edits, during, flush=True)
""")


class Outcome(NamedTuple):
    entries: int
    lost: int
    duplicated: int
    quarantined: int
    fix_runs: int
    edits: int               # entries quarantined by the fix runs
    edits_while_writing: int
    carried_bytes: int
    deferred_open: int


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO)}
    return subprocess.run([PY, "-m", "brokenlang", *args], cwd=cwd, capture_output=True, env=env, timeout=900)


def count(root: Path) -> Counter[bytes]:
    seen: Counter[bytes] = Counter()
    for p in [*(root / "memory").glob("*.md"), *(root / ".brokenlang" / "quarantine").rglob("*.md")]:
        seen.update(m.group(1) for m in ENTRY.finditer(p.read_bytes()))
    return seen


def run(root: Path, per_writer: int, pace: float = 0.004, rotate: int = 0) -> Outcome:
    """Writers against real `brokenlang fix --apply` processes run one after another."""
    writers = _start_writers(_setup(root), per_writer, pace, rotate)
    runs = edits = during = carried = deferred = 0
    fix = ("fix", "--apply", "--ignore-quiet-window")
    while True:
        writing = any(w.poll() is None for w in writers)
        out = cli(root, *fix)
        assert out.returncode in (0, 1), out.stderr
        runs += 1
        made = out.stdout.count(b"quarantined bl-")
        edits += made
        during += made if writing else 0
        carried += sum(int(m) for m in re.findall(rb"carried over (\d+) bytes", out.stderr))
        deferred += out.stderr.count(b"is open for writing")
        if not writing and out.returncode == 0:
            break
    return _outcome(root, per_writer, runs, edits, during, carried, deferred)


def run_library(root: Path, per_writer: int, pace: float = 0.001, rotate: int = 0) -> Outcome:
    """Writers against a fix loop in one long-lived library process (no scan start-up)."""
    _setup(root)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    stop = root / "stop"
    with open(root / "loop.out", "w+b") as out_fh, open(root / "loop.err", "w+b") as err_fh:
        # files, not pipes: a full pipe would stall the loop while the writers write
        loop = subprocess.Popen([PY, "-c", LIBRARY_LOOP, str(root), str(stop)], env=env, stdout=out_fh,
                                stderr=err_fh)
        writers = _start_writers(_bases(root), per_writer, pace, rotate)
        for w in writers:
            w.wait()
        stop.write_bytes(b"")
        loop.wait(timeout=3600)
        out, err = (root / "loop.out").read_bytes(), (root / "loop.err").read_bytes()
    assert loop.returncode == 0, err[-2000:]
    runs, edits, during = map(int, out.splitlines()[-1].split())
    carried = sum(int(m) for m in re.findall(rb"carried over (\d+) bytes", err))
    return _outcome(root, per_writer, runs, edits, during, carried, err.count(b"is open for writing"))


def _outcome(root: Path, per_writer: int, runs: int, edits: int, during: int, carried: int,
             deferred: int) -> Outcome:
    seen = count(root)
    expected = {f"{tag}{i}".encode() for tag in "AB" for i in range(per_writer)}
    quarantined = sum(1 for p in (root / ".brokenlang" / "quarantine").rglob("*.md")
                      for _ in ENTRY.finditer(p.read_bytes()))
    return Outcome(len(expected), len(expected - set(seen)), sum(n - 1 for n in seen.values() if n > 1),
                   quarantined, runs, edits, during, carried, deferred)


def _bases(root: Path) -> dict[str, Path]:
    return {"A": root / "memory" / "2026-01-10.md", "B": root / "memory" / "2026-01-11.md"}


def _setup(root: Path) -> dict[str, Path]:
    (root / ".brokenlang").mkdir(parents=True)
    (root / ".brokenlang" / "ledger.yaml").write_text(LEDGER)
    (root / "memory").mkdir()
    return _bases(root)


def _start_writers(files: dict[str, Path], per_writer: int, pace: float, rotate: int) -> list[subprocess.Popen[bytes]]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return [subprocess.Popen([PY, "-c", WRITER, str(files[tag]), tag, str(per_writer), style, str(pace),
                              str(rotate)], env=env)
            for tag, style in (("A", "reopen"), ("B", "handle"))]


def test_no_entry_lost_or_duplicated_under_concurrent_appends(tmp_path: Path) -> None:
    got = run(tmp_path, ENTRIES)
    assert (got.lost, got.duplicated) == (0, 0), got
    assert got.quarantined == 2 * len(range(0, ENTRIES, 5))   # every stale entry moved, once
    assert got.edits_while_writing >= 1, got   # fixes really ran while the writers wrote
    stale_left = [p for p in (tmp_path / "memory").glob("*.md") if b"deploy failed" in p.read_bytes()]
    assert stale_left == []


def test_library_fix_loop_under_concurrent_appends(tmp_path: Path) -> None:
    got = run_library(tmp_path, 3 * ENTRIES, rotate=500)
    assert (got.lost, got.duplicated) == (0, 0), got
    assert got.quarantined == 2 * len(range(0, 3 * ENTRIES, 5)), got
    assert got.fix_runs > 20 and got.edits_while_writing > got.edits // 2, got   # swaps raced the writers
