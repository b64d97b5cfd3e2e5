"""`brokenlang watch`: change-to-report latency, and self-triggered rewrites under load.

1. Latency: 200 changes (appends and atomic saves, alternating) to the daily notes of a
   copy of samples/, one at a time; for each, the time from the write to the watcher
   reporting the new finding.
2. Soak: `--seconds` (default 120) with `apply` on and another process appending to two
   notes every ~50 ms (a fifth of the lines stale). Counts the rewrites, the entries
   quarantined, and the self-triggered rewrites: a rewrite of a file whose bytes were
   still exactly those of brokenlang's previous rewrite (from the journal: sha256_before
   of a transaction equal to sha256_after of the one before it). That must be 0.

Prints figures only; never asserts on time (a benchmark, not a test).

    python benchmarks/watch_latency.py [--changes 200] [--seconds 120] [--polling] [--same-subject]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from brokenlang.models import Finding
from brokenlang.watcher import Watcher, WatchOptions

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
LEDGER = """\
version: 1
issues:
  - id: cloudrun-500
    title: Cloud Run deploy returns HTTP 500
    match:
      - deploy failed with HTTP 500
    resolved: 2026-02-16
    now: Cloud Run deploys succeed; /api returns 200.
"""
APPENDER = r"""
import random, sys, time
paths, seconds = sys.argv[1:3], float(sys.argv[3])
random.seed(7)
end = time.monotonic() + seconds
n = stale = 0
while time.monotonic() < end:
    n += 1
    if n % 5 == 0:
        line, stale = f"- 09:{n % 60:02d} deploy failed with HTTP 500 (run {n})\n", stale + 1
    elif n % 7 == 0:
        line = f"- 10:{n % 60:02d} OAuth token expired for account {n}\n"
    else:
        line = f"- 11:{n % 60:02d} wrote summary {n}; all checks green\n"
    with open(random.choice(paths), "a", encoding="utf-8") as fh:   # open, append, close: as agents do
        fh.write(line)
    time.sleep(random.uniform(0.02, 0.08))
print(n, stale)
"""


class Timed:
    """A reporter that notes when each finding and fix arrived."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.seen: dict[str, float] = {}    # entry text -> when its first finding arrived
        self.fixes = 0

    def finding(self, f: Finding) -> None:
        with self.cond:
            self.seen.setdefault(f.entry, time.perf_counter())
            self.cond.notify_all()

    def fixed(self, path: str, line: int, edit_id: str, kind: str, where: str | None) -> None:
        with self.cond:
            self.fixes += 1

    def notice(self, path: str, message: str) -> None:
        pass

    def wait_for(self, entry: str, timeout: float = 30.0) -> float | None:
        with self.cond:
            if not self.cond.wait_for(lambda: entry in self.seen, timeout):
                return None
            return self.seen[entry]


def workspace(root: Path, quiet: float) -> Path:
    (root / ".brokenlang").mkdir()
    (root / ".brokenlang" / "ledger.yaml").write_text(LEDGER)
    (root / ".brokenlang.yaml").write_text(f"quiet_seconds: {quiet}\ngit_dates: false\n")
    (root / "memory").mkdir()
    note = root / "memory" / "2026-02-14.md"
    note.write_text("# 2026-02-14\n\n- 08:00 coffee\n")
    return note


SUBJECTS = ("billing worker", "search index", "mailer", "webhook relay", "backup cron", "image resizer",
            "vector store", "scheduler", "api gateway", "auth service", "telegram bot", "rss poller",
            "calendar sync", "invoice job", "embeddings job", "log shipper", "dns updater", "cache warmer",
            "pdf renderer", "voice bot", "crm sync", "s3 uploader", "metrics agent", "slack bridge", "git mirror")
FAILURES = ("crashed", "is down again", "timed out", "returned HTTP 502", "job failed with exit code 1")


def change_line(i: int, same_subject: bool) -> str:
    """A new failure statement: 25 subjects x 5 failures, or always the same one."""
    if same_subject:
        return f"- 09:{i % 60:02d} deploy failed with HTTP 500 (change {i})\n"
    return f"- {8 + i % 12:02d}:{i % 60:02d} {SUBJECTS[i % len(SUBJECTS)]} {FAILURES[i // len(SUBJECTS) % 5]} (#{i})\n"


def latency(changes: int, polling: bool, same_subject: bool) -> None:
    """Changes to a copy of samples/ (an OpenClaw-style workspace), 20 per daily note, the
    way an agent writes its notes; each change adds one failure statement."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "workspace"
        shutil.copytree(SAMPLES, root)
        (root / ".brokenlang.yaml").write_text("quiet_seconds: 2\ngit_dates: false\n")
        rep = Timed()
        w = Watcher(str(root), rep, WatchOptions(cwd=str(root), polling=polling, poll_interval=0.1))
        w.start()
        by_kind: dict[str, list[float]] = {"append": [], "atomic save": []}
        lost = 0
        try:
            for i in range(changes):
                note = root / "memory" / f"2026-12-{1 + i // 20 % 28:02d}.md"
                line = change_line(i, same_subject)
                kind = "append" if i % 2 == 0 else "atomic save"
                t0 = time.perf_counter()
                if kind == "append" or not note.exists():
                    with open(note, "a", encoding="utf-8") as fh:
                        fh.write(line)
                else:
                    tmp_file = note.with_name(f".{note.name}.tmp")
                    tmp_file.write_text(note.read_text() + line)
                    os.replace(tmp_file, note)
                got = rep.wait_for(line.strip())
                if got is None:
                    lost += 1
                    continue
                by_kind[kind].append(got - t0)
        finally:
            w.stop()
        every = sorted(by_kind["append"] + by_kind["atomic save"])
        what = "one subject" if same_subject else f"{len(SUBJECTS)} subjects"
        print(f"latency, change to report ({w.backend}, debounce {w.options.debounce:g}s), {len(every)} changes "
              f"to a copy of samples/ ({what}, 20 per daily note):")
        for kind, values in (("all", every), *by_kind.items()):
            if values:
                print(f"  {kind:<12} p50 {_ms(_pct(values, 50))}  p99 {_ms(_pct(values, 99))}  "
                      f"max {_ms(max(values))}  mean {_ms(statistics.fmean(values))}")
        print(f"  analyses {w.stats.analyses}, mean {_ms(w.stats.analysis_seconds / max(w.stats.analyses, 1))} "
              f"each (the whole folder, matches of unchanged entries remembered); not reported {lost}")


def soak(seconds: float, polling: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        note = workspace(root, quiet=0)
        other = root / "memory" / "2026-02-13.md"
        other.write_text("# 2026-02-13\n\n")
        rep = Timed()
        w = Watcher(str(root), rep, WatchOptions(cwd=str(root), apply=True, polling=polling, poll_interval=0.1))
        w.start()
        try:
            appender = subprocess.run([sys.executable, "-c", APPENDER, str(note), str(other), str(seconds)],
                                      capture_output=True, text=True, check=True)
            lines, stale = map(int, appender.stdout.split())
            _wait_idle(w, quiet=3.0)
            before = _fix_records(root)
            time.sleep(5.0)   # quiet: nothing may be rewritten any more
            after_quiet = len(_fix_records(root)) - len(before)
        finally:
            w.stop()
        records = _fix_records(root)
        edits = [e for r in records for e in r.get("edits", [])]
        originals = [e.get("original_sha256") for e in edits]
        left = sum(text.count("deploy failed") for text in (note.read_text(), other.read_text()))
        print(f"soak {seconds:g}s, apply on, quiet_seconds 0, an appender process on 2 notes:")
        print(f"  appended {lines} lines ({stale} stale); changes seen {w.stats.changes}; "
              f"findings reported {w.stats.findings}")
        print(f"  rewrites {len(records)}; entries quarantined {len(edits)} "
              f"(duplicates {len(originals) - len(set(originals))}); stale entries left {left}")
        print(f"  self-triggered rewrites {_self_triggered(records)} (journal), {w.stats.self_rewrites} (watcher); "
              f"own-write events ignored {w.stats.own_events}; rewrites in 5 s of quiet after {after_quiet}")


def _fix_records(root: Path) -> list[dict[str, Any]]:
    """Fix transactions that completed, in order."""
    path = root / ".brokenlang" / "journal.jsonl"
    if not path.exists():
        return []
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    done = {r["txn"] for r in records if r["type"] == "done"}
    return [r for r in records if r["type"] == "pending" and r.get("kind") == "fix" and r["txn"] in done]


def _self_triggered(records: list[dict[str, Any]]) -> int:
    """Rewrites that started from the very bytes the previous rewrite of that file left."""
    last: dict[str, str] = {}
    count = 0
    for r in records:
        if last.get(r["path"]) == r["sha256_before"]:
            count += 1
        last[r["path"]] = r["sha256_after"]
    return count


def _wait_idle(w: Watcher, quiet: float) -> None:
    calm = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if w.idle():
            calm = calm or time.monotonic()
            if time.monotonic() - calm >= quiet:
                return
        else:
            calm = None
        time.sleep(0.05)


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:6.0f} ms"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--changes", type=int, default=200, help="changes for the latency run (default 200)")
    ap.add_argument("--seconds", type=float, default=120.0, help="length of the soak (default 120)")
    ap.add_argument("--polling", action="store_true", help="use the PollingObserver")
    ap.add_argument("--same-subject", action="store_true",
                    help="every change about the same failure (the worst case for resolution text)")
    args = ap.parse_args(argv)
    if args.changes:
        latency(args.changes, args.polling, args.same_subject)
    if args.seconds:
        soak(args.seconds, args.polling)
    return 0


if __name__ == "__main__":
    sys.exit(main())
