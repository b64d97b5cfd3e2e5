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
ENTRIES = 1500 if os.environ.get("CI") else 800    # per writer
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
    path, tag, n, style, pace = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5])
    def entry(i):
        if i % 5 == 0:
            return b"- 2026-01-10 09:00 %s%d deploy failed with HTTP 500\\n" % (tag.encode(), i)
        return b"- 2026-01-10 09:01 %s%d wrote the weekly notes\\n" % (tag.encode(), i)
    i = 0
    if style == "reopen":
        while i < n:
            with open(path, "ab") as fh:
                fh.write(entry(i))
            i += 1
            time.sleep(pace)
    else:
        while i < n:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND)
            for _ in range(25):
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
    runs = edits = 0
    last = False
    while True:
        done = os.path.exists(stop)
        found = []
        for name in sorted(os.listdir(os.path.join(root, "memory"))):
            rel = "memory/" + name
            with open(os.path.join(root, rel), "rb") as fh:
                found += findings(rel, fh.read())
        with journal.opened(root) as j:
            results = cmd_fix.fix_findings(opts, found, "quarantine", 2.0, root, root, j, io.BytesIO())
        runs += 1
        edits += sum(len(r.edits) for r in results)
        if last and not found:
            break
        last = done and not any(r.deferred for r in results)
    print(runs, edits, flush=True)
""")


class Outcome(NamedTuple):
    entries: int
    lost: int
    duplicated: int
    quarantined: int
    fix_runs: int
    edits: int               # entries quarantined by the fix runs
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


def run(root: Path, per_writer: int) -> Outcome:
    files = _setup(root)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    writers = _start_writers(files, per_writer, env, 0.004)
    runs = changed = carried = deferred = 0
    fix = ("fix", "--apply", "--ignore-quiet-window")
    while any(w.poll() is None for w in writers):
        out = cli(root, *fix)
        assert out.returncode in (0, 1), out.stderr
        runs += 1
        changed += out.stdout.count(b"quarantined bl-")
        carried += sum(int(m) for m in re.findall(rb"carried over (\d+) bytes", out.stderr))
        deferred += out.stderr.count(b"is open for writing")
    for _ in range(3):   # catch up with what was written during the last run
        out = cli(root, *fix)
        runs += 1
        if out.returncode == 0:
            break
    assert out.returncode == 0, out.stderr
    seen = count(root)
    expected = {f"{tag}{i}".encode() for tag in files for i in range(per_writer)}
    lost = len(expected - set(seen))
    dup = sum(n - 1 for k, n in seen.items() if n > 1)
    quarantined = sum(1 for p in (root / ".brokenlang" / "quarantine").rglob("*.md")
                      for _ in ENTRY.finditer(p.read_bytes()))
    return Outcome(len(expected), lost, dup, quarantined, runs, changed, carried, deferred)


def run_library(root: Path, per_writer: int, pace: float = 0.001) -> Outcome:
    """Writers against a fix loop in one long-lived library process (no scan start-up)."""
    files = _setup(root)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    stop = root / "stop"
    loop = subprocess.Popen([PY, "-c", LIBRARY_LOOP, str(root), str(stop)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    writers = _start_writers(files, per_writer, env, pace)
    for w in writers:
        w.wait()
    stop.write_bytes(b"")
    out, err = loop.communicate(timeout=900)
    assert loop.returncode == 0, err[-2000:]
    runs, edits = map(int, out.splitlines()[-1].split())
    seen = count(root)
    expected = {f"{tag}{i}".encode() for tag in files for i in range(per_writer)}
    quarantined = sum(1 for p in (root / ".brokenlang" / "quarantine").rglob("*.md")
                      for _ in ENTRY.finditer(p.read_bytes()))
    carried = sum(int(m) for m in re.findall(rb"carried over (\d+) bytes", err))
    return Outcome(len(expected), len(expected - set(seen)), sum(n - 1 for n in seen.values() if n > 1),
                   quarantined, runs, edits, carried, err.count(b"is open for writing"))


def _setup(root: Path) -> dict[str, Path]:
    (root / ".brokenlang").mkdir(parents=True)
    (root / ".brokenlang" / "ledger.yaml").write_text(LEDGER)
    (root / "memory").mkdir()
    files = {"A": root / "memory" / "2026-01-10.md", "B": root / "memory" / "2026-01-11.md"}
    for f in files.values():
        f.write_bytes(b"# notes\n")
    return files


def _start_writers(files: dict[str, Path], per_writer: int, env: dict[str, str],
                   pace: float) -> list[subprocess.Popen[bytes]]:
    return [subprocess.Popen([PY, "-c", WRITER, str(files[tag]), tag, str(per_writer), style, str(pace)], env=env)
            for tag, style in (("A", "reopen"), ("B", "handle"))]


def test_no_entry_lost_or_duplicated_under_concurrent_appends(tmp_path: Path) -> None:
    got = run(tmp_path, ENTRIES)
    assert (got.lost, got.duplicated) == (0, 0), got
    assert got.quarantined == 2 * len(range(0, ENTRIES, 5))   # every stale entry moved, once
    assert got.edits >= 2, got   # fixes really ran while the writers wrote
    stale_left = [p for p in (tmp_path / "memory").glob("*.md") if b"deploy failed" in p.read_bytes()]
    assert stale_left == []


def test_library_fix_loop_under_concurrent_appends(tmp_path: Path) -> None:
    got = run_library(tmp_path, ENTRIES)
    assert (got.lost, got.duplicated) == (0, 0), got
    assert got.quarantined == 2 * len(range(0, ENTRIES, 5)), got
    assert got.fix_runs > 20, got   # many swaps raced the writers
