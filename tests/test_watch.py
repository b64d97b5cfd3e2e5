"""`brokenlang watch` with a real watchdog observer on a temporary folder: the watcher's
library API in-process, and the real CLI in a subprocess."""
from __future__ import annotations

import errno
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import LEDGER

from brokenlang import cmd_fix, files, run, watcher
from brokenlang.models import Finding
from brokenlang.watcher import Watcher, WatchOptions

BACKUP_ISSUE = """\
  - id: nightly-backup
    title: nightly backup cron fails
    match:
      - nightly backup cron failed
    resolved: 2026-02-20
"""
STALE = "- 09:10 deploy failed with HTTP 500\n"
TIMEOUT = 20.0      # generous: a loaded 2-core machine


class Collect:
    """A reporter that keeps everything, for assertions."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.findings: list[Finding] = []
        self.fixes: list[tuple[str, int, str, str]] = []
        self.notices: list[tuple[str, str]] = []

    def finding(self, f: Finding) -> None:
        with self.lock:
            self.findings.append(f)

    def fixed(self, path: str, line: int, edit_id: str, kind: str, where: str | None) -> None:
        with self.lock:
            self.fixes.append((path, line, edit_id, kind))

    def notice(self, path: str, message: str) -> None:
        with self.lock:
            self.notices.append((path, message))

    def entries(self) -> list[str]:
        with self.lock:
            return [f.entry for f in self.findings]


def wait_until(predicate: Callable[[], Any], timeout: float = TIMEOUT, interval: float = 0.01) -> float:
    """Seconds until `predicate()` held; fails the test after `timeout`."""
    t0 = time.monotonic()
    while not predicate():
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)
    return time.monotonic() - t0


def settle(w: Watcher, quiet: float = 0.5) -> None:
    """Wait until the watcher has had nothing to do for `quiet` seconds."""
    deadline = time.monotonic() + TIMEOUT
    calm_since = None
    while time.monotonic() < deadline:
        if w.idle():
            calm_since = calm_since or time.monotonic()
            if time.monotonic() - calm_since >= quiet:
                return
        else:
            calm_since = None
        time.sleep(0.02)
    raise AssertionError("the watcher never went idle")


@pytest.fixture(autouse=True)
def warm_matcher(monkeypatch: pytest.MonkeyPatch) -> None:
    """One spaCy matcher for the whole module (loading it is the slow part of a start)."""
    cache = _MATCHERS
    real = cache.setdefault("real", run.load_matcher)

    def cached(cfg: Any, extra: Any = ()) -> Any:
        key = (tuple(cfg.packs), tuple(extra))
        if key not in cache:
            cache[key] = real(cfg, extra)
        return cache[key]

    monkeypatch.setattr(run, "load_matcher", cached)


_MATCHERS: dict[Any, Any] = {}


def workspace(root: Path, quiet: float = 0, note: str = "# 2026-02-14\n\n- 08:00 coffee\n") -> Path:
    (root / ".brokenlang").mkdir()
    (root / ".brokenlang" / "ledger.yaml").write_text(LEDGER)
    (root / ".brokenlang.yaml").write_text(f"quiet_seconds: {quiet}\ngit_dates: false\n")
    (root / "memory").mkdir()
    path = root / "memory" / "2026-02-14.md"
    path.write_text(note)
    return path


def append(path: Path, text: str) -> None:
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(text)


def atomic_write(path: Path, text: str) -> None:
    """What editors and agents do: write a temp file, then rename it over the target."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, path)


@contextmanager
def watching(folder: Path, **options: Any) -> Iterator[tuple[Watcher, Collect]]:
    rep = Collect()
    w = Watcher(str(folder), rep, WatchOptions(cwd=str(folder), **options))
    w.start()
    try:
        yield w, rep
    finally:
        w.stop()


def fix_transactions(root: Path) -> list[dict[str, Any]]:
    path = root / ".brokenlang" / "journal.jsonl"
    if not path.exists():
        return []
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [r for r in records if r["type"] == "pending" and r.get("kind") == "fix"]


# -- in-process: the watcher's library API ---------------------------------------------


def test_an_appended_stale_entry_is_reported_within_two_seconds(tmp_path: Path) -> None:
    note = workspace(tmp_path)
    with watching(tmp_path) as (w, rep):
        assert rep.findings == []
        t0 = time.monotonic()
        append(note, STALE)
        wait_until(lambda: rep.findings)
        latency = time.monotonic() - t0
    [f] = rep.findings
    assert (f.path, f.line, f.state, f.ledger_id) == ("memory/2026-02-14.md", 4, "stale", "cloudrun-500")
    assert latency < 2.0, f"reported after {latency:.2f}s"
    assert w.stats.changes >= 1 and w.stats.findings == 1


def test_an_atomic_save_is_seen_and_only_new_findings_are_reported(tmp_path: Path) -> None:
    note = workspace(tmp_path, note="# 2026-02-14\n\n" + STALE)
    with watching(tmp_path) as (w, rep):
        assert rep.entries() == [STALE.strip()]          # the baseline
        atomic_write(note, note.read_text() + "- 11:00 wrote the weekly summary\n")
        wait_until(lambda: w.stats.changes >= 1)
        settle(w)
        assert rep.entries() == [STALE.strip()]          # nothing new: not printed again
        atomic_write(note, note.read_text() + "- 12:00 deploy failed with HTTP 500 on staging\n")
        wait_until(lambda: len(rep.findings) == 2)
        settle(w)
    assert rep.entries()[1] == "- 12:00 deploy failed with HTTP 500 on staging"
    assert rep.findings[1].line == 5


def test_a_change_reanalyses_only_the_changed_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from brokenlang import findings

    note = workspace(tmp_path)
    other = tmp_path / "memory" / "2026-02-13.md"
    other.write_text("# 2026-02-13\n\n- 09:10 deploy failed with HTTP 500\n")
    analysed: list[str] = []
    real = findings.analyse_file

    def counting(f: Any, *a: Any) -> Any:
        analysed.append(f.path)
        return real(f, *a)

    monkeypatch.setattr(findings, "analyse_file", counting)
    with watching(tmp_path) as (w, rep):
        assert sorted(analysed) == ["memory/2026-02-13.md", "memory/2026-02-14.md"]
        assert [(f.path, f.line) for f in rep.findings] == [("memory/2026-02-13.md", 3)]   # the baseline
        analysed.clear()
        append(note, "- 12:00 deploy failed with HTTP 500 on staging\n")
        wait_until(lambda: len(rep.findings) == 2)
        settle(w)
        current = sorted((f.path, f.line, f.state) for fs in w._findings.values() for f in fs)
    assert set(analysed) == {"memory/2026-02-14.md"}
    # the unchanged file's findings are still there, from its kept analysis
    assert current == [("memory/2026-02-13.md", 3, "stale"), ("memory/2026-02-14.md", 4, "stale")]


def test_rapid_appends_are_debounced_and_each_entry_is_reported_once(tmp_path: Path) -> None:
    note = workspace(tmp_path)
    n = 30
    with watching(tmp_path) as (w, rep):
        for i in range(n):
            append(note, f"- 09:{i:02d} deploy failed with HTTP 500 (attempt {i})\n")
            time.sleep(0.01)
        wait_until(lambda: len(rep.findings) >= n)
        settle(w)
        analyses = w.stats.analyses
    texts = rep.entries()
    assert len(texts) == n and len(set(texts)) == n
    assert analyses < n, "every append was analysed on its own: no debounce"


def test_a_touch_or_a_duplicate_event_is_not_a_change(tmp_path: Path) -> None:
    note = workspace(tmp_path, note="# 2026-02-14\n\n" + STALE)
    with watching(tmp_path) as (w, rep):
        os.utime(note)
        note.write_bytes(note.read_bytes())   # modified + closed events, same bytes
        time.sleep(1.0)
        settle(w)
        assert w.stats.changes == 0
        assert len(rep.findings) == 1


def test_deleted_and_recreated_files_and_new_folders(tmp_path: Path) -> None:
    note = workspace(tmp_path, note="# 2026-02-14\n\n" + STALE)
    with watching(tmp_path) as (w, rep):
        note.unlink()
        wait_until(lambda: w.stats.changes >= 1)
        settle(w)
        note.write_text("# 2026-02-14\n\n" + STALE)   # recreated: its finding is new again
        wait_until(lambda: len(rep.findings) == 2)
        deep = tmp_path / "memory" / "archive" / "2026"
        deep.mkdir(parents=True)
        (deep / "2026-02-13.md").write_text("- 17:00 deploy failed with HTTP 500 twice\n")
        wait_until(lambda: len(rep.findings) == 3)
        settle(w)
    assert [f.path for f in rep.findings] == ["memory/2026-02-14.md", "memory/2026-02-14.md",
                                              "memory/archive/2026/2026-02-13.md"]


def test_a_file_that_vanishes_mid_read_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    note = workspace(tmp_path)
    real = files.read_source
    vanish = {"armed": False}

    def racing(path: str, **kw: Any) -> Any:
        if vanish["armed"] and path.endswith("2026-02-14.md"):
            vanish["armed"] = False
            os.unlink(path)   # gone between the event and the read
        return real(path, **kw)

    monkeypatch.setattr(files, "read_source", racing)
    with watching(tmp_path) as (w, rep):
        vanish["armed"] = True
        append(note, STALE)
        wait_until(lambda: not vanish["armed"])
        settle(w)
        other = tmp_path / "memory" / "2026-02-15.md"
        other.write_text("- 10:00 deploy failed with HTTP 500 again\n")
        wait_until(lambda: rep.findings)   # still alive and watching
    assert [f.path for f in rep.findings] == ["memory/2026-02-15.md"]


def test_apply_quarantines_exactly_once_and_never_loops(tmp_path: Path) -> None:
    note = workspace(tmp_path)
    with watching(tmp_path, apply=True) as (w, rep):
        append(note, STALE)
        wait_until(lambda: rep.fixes)
        time.sleep(5.0)   # five seconds of quiet: a loop would show up as more rewrites
        settle(w)
        stats = w.stats
    assert len(rep.fixes) == 1
    assert len(fix_transactions(tmp_path)) == 1
    text = note.read_text()
    assert text.count("brokenlang: quarantined") == 1 and "deploy failed" not in text
    quarantine = (tmp_path / ".brokenlang" / "quarantine" / "memory" / "2026-02-14.md").read_text()
    assert quarantine.count(STALE) == 1
    assert stats.own_events >= 1, "the watcher never saw its own write"
    assert (stats.rewrites, stats.self_rewrites) == (1, 0)


def test_apply_waits_for_the_quiet_window(tmp_path: Path) -> None:
    note = workspace(tmp_path, quiet=1.5)
    with watching(tmp_path, apply=True) as (w, rep):
        append(note, STALE)
        written = note.stat().st_mtime
        wait_until(lambda: rep.fixes)
        fixed_at = time.time()
        settle(w)
    assert fixed_at - written >= 1.5
    assert len(fix_transactions(tmp_path)) == 1


def test_a_restored_entry_is_not_quarantined_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    note = workspace(tmp_path)
    with watching(tmp_path, apply=True) as (w, rep):
        append(note, STALE)
        wait_until(lambda: rep.fixes)
        settle(w)
        monkeypatch.chdir(tmp_path)
        assert cmd_fix.run_restore((), True, (), False, True) == 0
        assert STALE in note.read_text()
        wait_until(lambda: len(rep.findings) == 2)   # it is back: reported again...
        time.sleep(1.0)
        settle(w)
    assert len(rep.fixes) == 1                       # ...but the user's restore wins
    assert STALE in note.read_text()


def test_a_ledger_change_reloads_and_reports_what_became_stale(tmp_path: Path) -> None:
    note = workspace(tmp_path, note="# 2026-02-14\n\n- 03:00 nightly backup cron failed again\n")
    with watching(tmp_path) as (w, rep):
        assert [f.state for f in rep.findings] == ["open"]
        ledger = tmp_path / ".brokenlang" / "ledger.yaml"
        atomic_write(ledger, LEDGER + BACKUP_ISSUE)
        wait_until(lambda: any(f.state == "stale" for f in rep.findings))
        settle(w)
    assert rep.findings[-1].ledger_id == "nightly-backup"
    assert any("reloaded" in m for _, m in rep.notices)
    assert note.exists()


def test_a_broken_ledger_edit_keeps_the_previous_one(tmp_path: Path) -> None:
    note = workspace(tmp_path)
    with watching(tmp_path) as (_w, rep):
        (tmp_path / ".brokenlang" / "ledger.yaml").write_text("version: 1\nissues:\n  - id: x\n    bogus: 1\n")
        wait_until(lambda: any("not reloaded" in m for _, m in rep.notices))
        append(note, STALE)
        wait_until(lambda: rep.findings)
    assert rep.findings[0].state == "stale"


def test_falls_back_to_polling_when_inotify_is_out_of_watches(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    class Exhausted(watcher.Observer):  # type: ignore[misc,valid-type]
        def start(self) -> None:
            raise OSError(errno.ENOSPC, "inotify watch limit reached")

    monkeypatch.setattr(watcher, "Observer", Exhausted)
    note = workspace(tmp_path)
    with watching(tmp_path, poll_interval=0.2) as (w, rep):
        assert w.backend == "PollingObserver"
        append(note, STALE)
        wait_until(lambda: rep.findings)
    assert any("inotify" in m and "polling" in m for _, m in rep.notices)


# -- the real CLI in a subprocess --------------------------------------------------------


class Proc:
    """`python -m brokenlang ...` with its output lines collected by reader threads."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        env = {**os.environ, "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"}
        self.p = subprocess.Popen([sys.executable, "-m", "brokenlang", *args], cwd=cwd, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.out: queue.Queue[str] = queue.Queue()
        self.err: list[str] = []
        self.lines: list[str] = []
        threading.Thread(target=self._pump, args=(self.p.stdout, self.out.put), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.p.stderr, self.err.append), daemon=True).start()

    @staticmethod
    def _pump(stream: Any, sink: Callable[[str], None]) -> None:
        for line in stream:
            sink(line.rstrip("\n"))

    def wait_err(self, text: str) -> None:
        wait_until(lambda: any(text in e for e in self.err) or self.p.poll() is not None, timeout=60)
        assert any(text in e for e in self.err), self.err

    def next_line(self, timeout: float = TIMEOUT) -> str:
        line = self.out.get(timeout=timeout)
        self.lines.append(line)
        return line

    def stop(self, sig: int = signal.SIGTERM) -> int:
        self.p.send_signal(sig)
        code = self.p.wait(timeout=30)
        time.sleep(0.2)   # let the reader threads drain
        while not self.out.empty():
            self.lines.append(self.out.get())
        return code

    def kill(self) -> None:
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


def test_cli_json_lines_and_sigterm_summary(tmp_path: Path) -> None:
    note = workspace(tmp_path)
    proc = Proc(["watch", ".", "--format", "json"], tmp_path)
    try:
        proc.wait_err("watching")
        t0 = time.monotonic()
        append(note, STALE)
        doc = json.loads(proc.next_line())
        latency = time.monotonic() - t0
        atomic_write(note, note.read_text() + "- 12:00 deploy failed with HTTP 500 on staging\n")
        second = json.loads(proc.next_line())
        code = proc.stop(signal.SIGTERM)
    finally:
        proc.kill()
    assert code == 0, proc.err
    assert doc["event"] == "finding" and doc["state"] == "stale" and doc["path"] == "memory/2026-02-14.md"
    assert doc["entry"] == STALE.strip() and doc["ledger_id"] == "cloudrun-500" and doc["fingerprint"]
    assert second["line"] == 5
    summary = json.loads(proc.lines[-1])
    assert summary["event"] == "summary" and summary["findings"] == 2 and summary["changes"] >= 2
    assert latency < 2.0, f"reported after {latency:.2f}s"


def test_cli_apply_ctrl_c_summary_and_own_output_file(tmp_path: Path) -> None:
    note = workspace(tmp_path)
    log = tmp_path / "watch.log"     # the watch's own output inside the watched folder
    env = {**os.environ, "NO_COLOR": "1"}
    with open(log, "w") as out:
        p = subprocess.Popen([sys.executable, "-m", "brokenlang", "watch", ".", "--apply"], cwd=tmp_path,
                             stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            wait_until(lambda: "watching" in log.read_text() or p.poll() is not None, timeout=60)
            append(note, STALE)
            wait_until(lambda: "quarantined" in log.read_text())
            time.sleep(2.0)
            p.send_signal(signal.SIGINT)
            code = p.wait(timeout=30)
        finally:
            if p.poll() is None:
                p.kill()
    text = log.read_text()
    assert code == 0, text
    lines = text.splitlines()
    assert sum(1 for line in lines if line.startswith("memory/2026-02-14.md:4:9: ") and "[stale]" in line) == 1
    assert any(line.startswith("memory/2026-02-14.md:4: quarantined bl-") for line in lines)
    assert "own output" in text and "deploy failed" not in note.read_text()
    assert lines[-1] == "brokenlang watch: 1 change seen, 1 finding reported, 1 fix applied"
    assert len(fix_transactions(tmp_path)) == 1
