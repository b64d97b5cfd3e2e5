"""What fix does with unusual files: modes kept, links and read-only files refused, and
brokenlang's own files confined to `.brokenlang/` whatever the names and symlinks."""
from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from brokenlang import cmd_fix, confine, fixer, journal, safewrite
from brokenlang.models import Finding

PY = sys.executable
REPO = Path(__file__).resolve().parents[1]
LEDGER = """\
version: 1
issues:
  - id: cloudrun-500
    title: Cloud Run deploy returns HTTP 500
    match: [deploy failed with HTTP 500]
    resolved: 2026-02-16
"""
STALE = b"- 09:10 deploy failed with HTTP 500\n- 09:30 coffee\n"
OLD = 1_700_000_000


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO)}
    return subprocess.run([PY, "-m", "brokenlang", *args], cwd=cwd, capture_output=True, env=env, timeout=120)


def put(path: Path, data: bytes = STALE, mode: int | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if mode is not None:
        path.chmod(mode)
    os.utime(path, (OLD, OLD), follow_symlinks=False)
    return path


def project(root: Path) -> Path:
    (root / ".brokenlang").mkdir(parents=True)
    (root / ".brokenlang" / "ledger.yaml").write_text(LEDGER)
    return root


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != journal.LOCK}


def test_cli_matrix(tmp_path: Path) -> None:
    root = project(tmp_path / "root")
    outside = tmp_path / "outside"
    put(outside / "secret.md")
    modes = {0o600: "2026-01-01", 0o640: "2026-01-02", 0o644: "2026-01-03", 0o755: "2026-01-04"}
    for mode, day in modes.items():
        put(root / "memory" / f"{day}.md", mode=mode)
    hard = put(root / "memory" / "2026-01-05.md")
    os.link(hard, root / "hardlink.md")
    readonly = put(root / "memory" / "2026-01-06.md", mode=0o444)
    in_ro_dir = put(root / "memory" / "ro" / "2026-01-07.md")
    (root / "memory" / "ro").chmod(0o555)
    odd_name = b"2026-01-08 \xff ..\xef\xbc\x8e\xef\xbc\x8e " + "é".encode() * 90 + b".md"  # odd bytes, dots
    odd = put(root / "memory" / os.fsdecode(odd_name))
    (root / "memory" / "out.md").symlink_to(outside / "secret.md")
    (root / "linkdir").symlink_to(outside)
    try:
        out = cli(root, "fix", "--apply")
    finally:
        (root / "memory" / "ro").chmod(0o755)
    assert out.returncode == 1, out.stderr
    for mode, day in modes.items():
        p = root / "memory" / f"{day}.md"
        assert stat.S_IMODE(p.stat().st_mode) == mode
        assert p.read_bytes().startswith(b"<!-- brokenlang: quarantined bl-")
    for p in (hard, root / "hardlink.md", readonly, in_ro_dir):
        assert p.read_bytes() == STALE
    assert hard.stat().st_nlink == 2 and stat.S_IMODE(readonly.stat().st_mode) == 0o444
    err = out.stderr.decode("utf-8", "replace")
    assert "2026-01-05.md: refused: has 2 hard links" in err
    assert "2026-01-06.md: refused: is read-only (mode 0444)" in err
    assert "2026-01-07.md: refused: is in a read-only folder" in err
    assert odd.read_bytes().startswith(b"<!-- brokenlang: quarantined bl-")
    assert tree_bytes(outside) == {"secret.md": STALE}
    assert (root / "memory" / "out.md").is_symlink()
    state = (root / ".brokenlang").resolve()
    for p in state.rglob("*"):
        assert p.resolve().is_relative_to(state)
    quarantined = [p for p in (state / "quarantine").rglob("*") if p.is_file()]
    assert len(quarantined) == 5
    assert all(len(os.fsencode(p.name)) <= confine.MAX_NAME_BYTES for p in quarantined)


def finding(path: str) -> Finding:
    return Finding(path=path, line=1, end_line=1, column=1, rule="core.failed", severity="error", state="stale",
                   text="failed", entry="", entry_line=1, entry_end_line=1, entry_date="2026-01-01",
                   date_source="filename", ledger_id="x", resolved_by="ledger", message="stale", fingerprint="f")


def fix_library(root: Path, paths: list[str]) -> tuple[list[cmd_fix.FileResult], bytes]:
    opts = cmd_fix.FixOptions((), None, None, "quarantine", True, False, True, True, False, True, False)
    out = io.BytesIO()
    with journal.opened(str(root)) as j:
        results = cmd_fix.fix_findings(opts, [finding(p) for p in paths], "quarantine", 2.0, str(root),
                                       str(root), j, out)
    return results, out.getvalue()


@pytest.mark.parametrize(("name", "make", "reason"), [
    ("symlink inside root", lambda root, out: (root / "m.md").symlink_to(put(root / "real.md")), "symlink"),
    ("symlink outside root", lambda root, out: (root / "m.md").symlink_to(put(out / "x.md")), "symlink"),
    ("file in symlinked folder", lambda root, out: (put(out / "m.md"), (root / "d").symlink_to(out)), "outside"),
    ("hard link", lambda root, out: os.link(put(root / "m.md"), out / "other.md"), "hard links"),
    ("inside .brokenlang", lambda root, out: put(root / ".brokenlang" / "m.md"), "outside the root or inside"),
    ("outside the root", lambda root, out: put(out / "m.md"), "outside the root"),
])
def test_links_and_strays_are_refused(tmp_path: Path, name: str, make: object, reason: str) -> None:
    root = project(tmp_path / "root")
    out = tmp_path / "out"
    out.mkdir()
    make(root, out)  # type: ignore[operator]
    target = {"file in symlinked folder": "d/m.md", "inside .brokenlang": ".brokenlang/m.md",
              "outside the root": "../out/m.md"}.get(name, "m.md")
    before = {**tree_bytes(root), **{f"out/{k}": v for k, v in tree_bytes(out).items()}}
    results, _ = fix_library(root, [target])
    assert [(r.changed, reason in (r.deferred or "")) for r in results] == [(False, True)]
    after = {**tree_bytes(root), **{f"out/{k}": v for k, v in tree_bytes(out).items()}}
    assert after == before


@pytest.mark.parametrize("rel", [
    "../escape.md", "/etc/passwd", "a/../../b.md", "..", ".", "", "a\x00b/c.md", "\\..\\x.md", "．．/x.md",
    "\u2024\u2024/x.md", "memory/" + "x" * 1000 + ".md", "/".join(["d"] * 200) + "/f.md", "a\udcff\udcfe.md",
    "a\nb/c\r.md", ".brokenlang/journal.jsonl",
])
def test_quarantine_paths_never_leave_the_state_dir(tmp_path: Path, rel: str) -> None:
    parts = confine.quarantine_parts(rel)
    assert parts[0] == "quarantine"
    for part in parts:
        assert part not in ("", ".", "..") and "/" not in part and "\x00" not in part
        assert len(os.fsencode(part)) <= confine.MAX_NAME_BYTES + 20
    root = project(tmp_path / "root")
    with journal.opened(str(root)) as j:
        offset = j.quarantine_size(parts)
        j.quarantine_append(parts, offset, b"entry\n")
    written = [p for p in (root / ".brokenlang").rglob("*") if p.is_file() and p.read_bytes() == b"entry\n"]
    assert len(written) == 1
    assert written[0].resolve().is_relative_to((root / ".brokenlang" / "quarantine").resolve())


@pytest.mark.parametrize("planted", [".brokenlang", ".brokenlang/quarantine", ".brokenlang/quarantine/memory",
                                     ".brokenlang/quarantine/memory/2026-01-01.md", ".brokenlang/journal.jsonl",
                                     ".brokenlang/blobs"])
def test_symlinks_planted_in_the_state_dir_are_refused(tmp_path: Path, planted: str) -> None:
    root = tmp_path / "root"
    root.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / ".brokenlang").mkdir()
    link = root / planted
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.name.endswith((".md", ".jsonl")):
        (outside / "target").write_bytes(b"")
        link.symlink_to(outside / "target")
    else:
        if link.exists():
            link.rmdir()
        link.symlink_to(outside)
    note = put(root / "memory" / "2026-01-01.md", b"- deploy failed " + b"x" * (journal.INLINE_MAX + 10) + b"\n")
    rel = "memory/2026-01-01.md"
    with pytest.raises(confine.ConfinementError), journal.opened(str(root)) as j:
        snap = safewrite.read_snapshot(str(note))
        plan = fixer.plan_fix(rel, snap.data, [finding(rel)], "quarantine")
        journal.commit_fix(j, snap, rel, plan)
    assert note.read_bytes().startswith(b"- deploy failed x")
    assert [p for p in outside.rglob("*") if p.is_file() and p.read_bytes()] == []


def test_cli_exit_2_for_a_symlinked_state_dir(tmp_path: Path) -> None:
    root = tmp_path / "root"
    outside = project(tmp_path / "outside")
    root.mkdir()
    (root / ".brokenlang").symlink_to(outside / ".brokenlang")
    note = put(root / "memory" / "2026-01-01.md")
    out = cli(root, "fix", "--apply", "--ledger", str(outside / ".brokenlang" / "ledger.yaml"))
    assert out.returncode == 2, out.stderr
    assert b"symlink" in out.stderr
    assert note.read_bytes() == STALE
    assert sorted(os.listdir(outside / ".brokenlang")) == ["ledger.yaml"]


@pytest.mark.parametrize(("flags", "name", "age", "changed"), [
    ((), "2026-01-01.md", 100.0, True),
    ((), "today", 100.0, False),
    (("--allow-today",), "today", 100.0, True),
    ((), "2026-01-01.md", 0.0, False),
    (("--ignore-quiet-window",), "2026-01-01.md", 0.0, True),
])
def test_safety_windows(tmp_path: Path, flags: tuple[str, ...], name: str, age: float, changed: bool) -> None:
    root = project(tmp_path / "root")
    if name == "today":
        name = f"{safewrite.today()[0].isoformat()}.md"
    p = put(root / name)
    os.utime(p, (os.path.getmtime(p), __import__("time").time() - age))
    opts = cmd_fix.FixOptions((), None, None, "quarantine", True, False, "--ignore-quiet-window" in flags,
                              "--allow-today" in flags, False, True, False)
    with journal.opened(str(root)) as j:
        (result,) = cmd_fix.fix_findings(opts, [finding(name)], "quarantine", 2.0, str(root), str(root), j,
                                         io.BytesIO())
    assert result.changed is changed
    assert (p.read_bytes() == STALE) is not changed


def test_open_for_writing_is_deferred_unless_allowed(tmp_path: Path) -> None:
    root = project(tmp_path / "root")
    p = put(root / "m.md")
    holder = subprocess.Popen([PY, "-c", "import sys; f = open(sys.argv[1], 'ab'); print(1, flush=True); "
                               "sys.stdin.read()", str(p)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert holder.stdout is not None and holder.stdout.readline() == b"1\n"
    try:
        (held,) = fix_library(root, ["m.md"])[0]
        assert not held.changed and "open for writing by pid" in (held.deferred or "")
        assert p.read_bytes() == STALE
    finally:
        holder.communicate(b"")
    (free,) = fix_library(root, ["m.md"])[0]
    assert free.changed and p.read_bytes().startswith(b"<!-- brokenlang: quarantined")
