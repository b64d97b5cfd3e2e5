"""The journal, restore and recovery: exact bytes back, refusals that leave files alone,
interrupted runs settled. Library calls on real files, and the real CLI."""
from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest
from conftest import LEDGER

from brokenlang import confine, fixer, journal, restore, safewrite
from brokenlang.models import Finding

PY = sys.executable
REPO = Path(__file__).resolve().parents[1]
NOTE = (b"# 2026-02-14\r\n\r\n- 09:10 deploy failed with HTTP 500\r\n- 10:00 lunch with the team\r\n"
        b"- 11:00 deploy failed with HTTP 500 again\r\n  the rollout is stuck\r\n- 12:00 wrote docs")


def finding(rel: str, line: int, end: int | None = None, fp: str = "fp") -> Finding:
    return Finding(path=rel, line=line, end_line=end or line, column=1, rule="core.failed", severity="error",
                   state="stale", text="failed", entry="", entry_line=line, entry_end_line=end or line,
                   entry_date="2026-02-14", date_source="filename", ledger_id="cloudrun-500", resolved_by="ledger",
                   message="stale: 'failed' was resolved on 2026-02-16 (cloudrun-500)", fingerprint=fp,
                   now="Cloud Run deploys succeed.")


def fix_file(root: Path, rel: str, findings: Sequence[Finding], mode: str = "quarantine") -> fixer.Plan:
    with journal.opened(str(root)) as j:
        snap = safewrite.read_snapshot(str(root / rel))
        try:
            plan = fixer.plan_fix(rel, snap.data, findings, mode, taken_ids=journal.taken_ids(j.records()))
            journal.commit_fix(j, snap, rel, plan)
        finally:
            os.close(snap.fd)
    return plan


def restore_ids(root: Path, ids: Sequence[str] | None = None) -> list[restore.Restored]:
    with journal.opened(str(root)) as j:
        index = restore.edit_index(j)
        chosen = [index[i] for i in ids] if ids is not None else list(index.values())
        by_path: dict[str, list[journal.EditRecord]] = {}
        for e in chosen:
            by_path.setdefault(e.path, []).append(e)
        return [restore.restore_file(j, p, es, False) for p, es in by_path.items()]


def records(root: Path) -> list[dict[str, object]]:
    text = (root / ".brokenlang" / "journal.jsonl").read_bytes().split(b"\n")
    return [json.loads(line) for line in text if line.strip()]


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO)}
    return subprocess.run([PY, "-m", "brokenlang", *args], cwd=cwd, capture_output=True, env=env, timeout=120)


def memory_tree(root: Path, note: bytes = NOTE) -> Path:
    (root / ".brokenlang").mkdir(parents=True)
    (root / ".brokenlang" / "ledger.yaml").write_text(LEDGER)
    (root / "memory").mkdir()
    p = root / "memory" / "2026-02-14.md"
    p.write_bytes(note)
    os.utime(p, (1_700_000_000, 1_700_000_000))
    return p


@pytest.mark.parametrize(("data", "spans", "mode"), [
    (b"- a failed\n- b\n- c failed\n", [(1, 1), (3, 3)], "quarantine"),
    (b"- a failed\r\n  more\r\n- b\r\n", [(1, 2)], "rewrite"),
    (b"\xef\xbb\xbf- a failed\r- b\r", [(1, 1)], "quarantine"),
    (b"- b\n- a failed \xff\xfe\x00 bytes", [(2, 2)], "quarantine"),
    (b"- a failed " + b"x" * 100_000 + b"\n- b\n", [(1, 1)], "quarantine"),   # original kept as a blob
    (b"- a failed " + b"y" * 100_000 + b"\n- b\n", [(1, 1)], "rewrite"),
])
def test_fix_then_restore_is_byte_exact(tmp_path: Path, data: bytes, spans: list[tuple[int, int]],
                                       mode: str) -> None:
    p = memory_tree(tmp_path, data)
    plan = fix_file(tmp_path, "memory/2026-02-14.md", [finding("memory/2026-02-14.md", a, b, f"fp{a}")
                                                       for a, b in spans], mode)
    assert p.read_bytes() == plan.after != data
    results = restore_ids(tmp_path)
    assert [r.ok for r in results] == [True]
    assert p.read_bytes() == data
    quarantine = tmp_path / ".brokenlang" / "quarantine" / "memory" / "2026-02-14.md"
    assert not quarantine.exists() or quarantine.read_bytes() == b""
    blobs = tmp_path / ".brokenlang" / "blobs"
    assert (len(data) > journal.INLINE_MAX) is (blobs.exists() and len(os.listdir(blobs)) == 1)


def test_journal_records_every_edit(tmp_path: Path) -> None:
    p = memory_tree(tmp_path)
    plan = fix_file(tmp_path, "memory/2026-02-14.md", [finding("memory/2026-02-14.md", 3),
                                                       finding("memory/2026-02-14.md", 5, 6, "fp2")])
    pending, done = records(tmp_path)
    assert pending["type"] == "pending" and done == {**done, "type": "done", "txn": pending["txn"], "appended": 0}
    assert pending["path"] == "memory/2026-02-14.md" and pending["kind"] == "fix"
    assert pending["sha256_before"] == safewrite.sha256(NOTE)
    assert pending["sha256_after"] == safewrite.sha256(p.read_bytes())
    edits = pending["edits"]
    assert isinstance(edits, list) and [e["id"] for e in edits] == [e.id for e in plan.edits]
    for rec, e in zip(edits, plan.edits, strict=True):
        assert base64.b64decode(rec["original_b64"]) == e.original
        assert (rec["kind"], rec["ledger_id"], rec["line"]) == ("quarantine", "cloudrun-500", e.line)
    q = pending["quarantine"]
    assert isinstance(q, dict) and q["parts"] == ["quarantine", "memory", "2026-02-14.md"] and q["offset"] == 0
    for private in ("journal.jsonl", "quarantine/memory/2026-02-14.md"):
        assert stat.S_IMODE((tmp_path / ".brokenlang" / private).stat().st_mode) == 0o600


def test_restore_keeps_text_added_elsewhere(tmp_path: Path) -> None:
    p = memory_tree(tmp_path)
    plan = fix_file(tmp_path, "memory/2026-02-14.md", [finding("memory/2026-02-14.md", 3)])
    p.write_bytes(b"- new first line\n" + p.read_bytes() + b"\n- appended later\n")
    assert [r.ok for r in restore_ids(tmp_path)] == [True]
    assert p.read_bytes() == b"- new first line\n" + NOTE + b"\n- appended later\n"
    assert plan.edits


def break_tombstone(how: str, body: bytes, tomb: bytes) -> bytes:
    return {"deleted": body.replace(tomb, b""),
            "edited": body.replace(tomb, tomb.replace(b"restore with", b"restore:")),
            "duplicated": body + b"\n" + tomb,
            "moved into a line": body.replace(tomb, b"note: " + tomb),
            "line joined": body.replace(tomb + b"\r\n", tomb + b" and more\r\n")}[how]


@pytest.mark.parametrize("how", ["deleted", "edited", "duplicated", "moved into a line", "line joined"])
def test_restore_refuses_when_the_tombstone_changed(tmp_path: Path, how: str) -> None:
    p = memory_tree(tmp_path)
    plan = fix_file(tmp_path, "memory/2026-02-14.md", [finding("memory/2026-02-14.md", 3)])
    tomb = fixer.marker_line(plan.edits[0].replacement)
    changed = break_tombstone(how, p.read_bytes(), tomb)
    p.write_bytes(changed)
    (result,) = restore_ids(tmp_path)
    assert not result.ok and plan.edits[0].id in result.message
    assert p.read_bytes() == changed


@pytest.mark.parametrize("bad", ["../outside.md", "/tmp/outside.md", "memory/../../outside.md", "link/outside.md",
                                 ".brokenlang/journal.jsonl", "memory\x00/x.md"])
def test_restore_refuses_records_pointing_outside_the_root(tmp_path: Path, bad: str) -> None:
    root = tmp_path / "root"
    p = memory_tree(root)
    outside = tmp_path / "outside.md"
    outside.write_bytes(b"mine\n")
    (root / "link").symlink_to(tmp_path)
    fix_file(root, "memory/2026-02-14.md", [finding("memory/2026-02-14.md", 3)])
    journal_file = root / ".brokenlang" / "journal.jsonl"
    forged = [json.dumps({**r, "path": bad, "txn": f"{r['txn']}x",
                          "edits": [{**e, "id": "bl-ffffffffff"} for e in r.get("edits", [])]})  # type: ignore[attr-defined]
              for r in records(root)]
    for r in forged:
        assert json.loads(r)["path"] == bad
    with open(journal_file, "a") as fh:
        fh.write("\n".join(forged) + "\n")
    out = cli(root, "restore", "--all")
    assert out.returncode == 2, out.stderr
    assert b"refused" in out.stderr
    assert outside.read_bytes() == b"mine\n"
    assert p.read_bytes() == NOTE  # the genuine record was restored


def test_records_with_dot_dot_never_resolve() -> None:
    for bad in ["..", "a/../b", "/etc/passwd", "", "a//b", "./a"]:
        with pytest.raises(confine.ConfinementError):
            confine.check_record_path("/tmp", bad)


def test_torn_journal_line_is_skipped_and_sealed(tmp_path: Path) -> None:
    memory_tree(tmp_path)
    (tmp_path / ".brokenlang" / "journal.jsonl").write_bytes(b'{"v": 1, "type": "pend')
    fix_file(tmp_path, "memory/2026-02-14.md", [finding("memory/2026-02-14.md", 3)])
    lines = (tmp_path / ".brokenlang" / "journal.jsonl").read_bytes().split(b"\n")
    assert lines[0] == b'{"v": 1, "type": "pend' and json.loads(lines[1])["type"] == "pending"
    assert [r.ok for r in restore_ids(tmp_path)] == [True]


CRASH = textwrap.dedent("""
    import os, sys
    from brokenlang import fixer, journal, safewrite
    from brokenlang.models import Finding
    point = sys.argv[2]
    def die(*a, **k):
        os._exit(9)
    def after(real):
        def run(*a, **k):
            real(*a, **k)
            os._exit(9)
        return run
    if point == "before quarantine": journal.Journal.quarantine_append = die
    if point == "before temp": safewrite.write_temp = die
    if point == "before swap": safewrite.swap = die
    if point == "after exchange": safewrite._check_exchanged = after(safewrite._check_exchanged)
    if point == "after rename": safewrite.carry_tail = die
    if point == "before done":
        real_append = journal.Journal.append
        def append(self, rec):
            if rec["type"] == "done":
                os._exit(9)
            real_append(self, rec)
        journal.Journal.append = append
    root, rel = sys.argv[1], "memory/2026-02-14.md"
    f = Finding(rel, 3, 3, 1, "core.failed", "error", "stale", "failed", "", 3, 3, None, None, "cloudrun-500",
                "ledger", "stale: resolved on 2026-02-16", "fp", now="Works.")
    with journal.opened(root) as j:
        snap = safewrite.read_snapshot(os.path.join(root, rel))
        plan = fixer.plan_fix(rel, snap.data, [f], "quarantine")
        print(plan.after.hex(), flush=True)
        journal.commit_fix(j, snap, rel, plan)
""")


@pytest.mark.parametrize(("point", "forward"), [
    ("before quarantine", False), ("before temp", False), ("before swap", False),
    ("after exchange", True), ("after rename", True), ("before done", True),
])
def test_killed_run_is_settled_by_the_next(tmp_path: Path, point: str, forward: bool) -> None:
    p = memory_tree(tmp_path)
    out = subprocess.run([PY, "-c", CRASH, str(tmp_path), point], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert out.returncode == 9, out.stderr
    planned = bytes.fromhex(out.stdout.strip())
    assert p.read_bytes() == (planned if forward else NOTE)
    quarantine = tmp_path / ".brokenlang" / "quarantine" / "memory" / "2026-02-14.md"
    with journal.opened(str(tmp_path)) as j:
        (settled,) = journal.recover(j)
        assert journal.recover(j) == []
    assert settled.outcome == ("done" if forward else "aborted")
    assert p.read_bytes() == (planned if forward else NOTE)
    q = quarantine.read_bytes() if quarantine.exists() else b""
    assert q.count(b"- 09:10 deploy failed with HTTP 500\r\n") == int(forward)
    assert [n for n in os.listdir(p.parent) if safewrite.TMP_MARK in n] == []
    if forward:
        assert [r.ok for r in restore_ids(tmp_path)] == [True]
        assert p.read_bytes() == NOTE


def test_cli_dry_run_apply_idempotent_restore(tmp_path: Path) -> None:
    p = memory_tree(tmp_path)
    state = tmp_path / ".brokenlang"
    before = sorted(os.listdir(state))
    dry = cli(tmp_path, "fix")
    assert dry.returncode == 1, dry.stderr
    assert dry.stdout.startswith(b"--- a/memory/2026-02-14.md\n+++ b/memory/2026-02-14.md\n")
    assert b"-- 09:10 deploy failed with HTTP 500\r\n" in dry.stdout
    assert p.read_bytes() == NOTE and sorted(os.listdir(state)) == before
    applied = cli(tmp_path, "fix", "--apply", "--no-color")
    assert applied.returncode == 1, applied.stderr
    assert applied.stdout.count(b"quarantined bl-") == 2
    fixed = p.read_bytes()
    assert fixed.count(b"<!-- brokenlang: quarantined bl-") == 2 and b"deploy failed" not in fixed
    snapshot = {f: (f.read_bytes(), f.stat().st_mtime_ns) for f in [p, *state.rglob("*")] if f.is_file()}
    again = cli(tmp_path, "fix", "--apply")
    assert again.returncode == 0, again.stderr
    assert {f: (f.read_bytes(), f.stat().st_mtime_ns) for f in snapshot} == snapshot
    scan = cli(tmp_path, "scan", "--format", "json")
    assert json.loads(scan.stdout)["findings"] == []  # tombstones hold no failure language
    ids = [line.split(b" ")[2].decode() for line in applied.stdout.splitlines()]
    one = cli(tmp_path, "restore", ids[0])
    assert one.returncode == 0 and p.read_bytes().count(b"quarantined bl-") == 1
    rest = cli(tmp_path, "restore", "--path", "memory/2026-02-14.md")
    assert rest.returncode == 0, rest.stderr
    assert p.read_bytes() == NOTE
    assert (state / "quarantine" / "memory" / "2026-02-14.md").read_bytes() == b""
    assert cli(tmp_path, "restore", ids[0]).returncode == 0   # already restored: said, not an error
    unknown = cli(tmp_path, "restore", "bl-0000000000")
    assert unknown.returncode == 2 and b"bl-0000000000" in unknown.stderr
    assert cli(tmp_path, "restore").returncode == 2


def test_cli_rewrite_mode_from_flag(tmp_path: Path) -> None:
    p = memory_tree(tmp_path)
    out = cli(tmp_path, "fix", "--apply", "--mode", "rewrite")
    assert out.returncode == 1, out.stderr
    assert p.read_bytes().startswith(b"# 2026-02-14\r\n\r\n- Cloud Run deploys succeed; /api returns 200. "
                                     b"<!-- brokenlang: rewritten bl-")
    assert cli(tmp_path, "restore", "--all").returncode == 0
    assert p.read_bytes() == NOTE


def test_cli_refuses_unsafe_restore_with_exit_2(tmp_path: Path) -> None:
    p = memory_tree(tmp_path)
    fix_file(tmp_path, "memory/2026-02-14.md", [finding("memory/2026-02-14.md", 3)])
    edited = p.read_bytes().replace(b"restore with", b"restore via")
    p.write_bytes(edited)
    out = cli(tmp_path, "restore", "--all")
    assert out.returncode == 2
    assert b"refused to restore" in out.stderr and b"edited" in out.stderr
    assert p.read_bytes() == edited
