"""The write protocol: temp + fsync + compare-and-swap + rename, appended bytes carried
over, links refused, open writers detected, leftovers swept. Real files, real processes."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from brokenlang import safewrite

PY = sys.executable


def snap_of(path: Path) -> safewrite.Snapshot:
    return safewrite.read_snapshot(str(path))


def replace(path: Path, new: bytes, allow_append: bool = True) -> safewrite.Swapped:
    snap = snap_of(path)
    try:
        tmp = safewrite.temp_name(str(path))
        safewrite.write_temp(snap, tmp, new)
        return safewrite.swap(snap, tmp, len(new), allow_append)
    finally:
        os.close(snap.fd)


def leftovers(folder: Path) -> list[str]:
    return [n for n in os.listdir(folder) if safewrite.TMP_MARK in n]


@pytest.mark.parametrize("data", [
    b"", b"x", b"a\r\nb\rc\n", b"\xef\xbb\xbf\xff\xfe\x00\x00 nul and bad utf-8", b"no newline", b"z" * 3_000_000,
])
def test_snapshot_reads_exact_bytes(tmp_path: Path, data: bytes) -> None:
    p = tmp_path / "m.md"
    p.write_bytes(data)
    snap = snap_of(p)
    os.close(snap.fd)
    assert snap.data == data and snap.stat.size == len(data)


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o644, 0o755])
def test_replace_keeps_mode_and_leaves_no_temp(tmp_path: Path, mode: int) -> None:
    p = tmp_path / "m.md"
    p.write_bytes(b"old\n")
    p.chmod(mode)
    ino = p.stat().st_ino
    replace(p, b"new\r\n")
    assert p.read_bytes() == b"new\r\n"
    assert stat.S_IMODE(p.stat().st_mode) == mode
    assert p.stat().st_ino != ino and leftovers(tmp_path) == []


def test_write_all_survives_short_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real(fd, bytes(data[:7])))
    fd = os.open(tmp_path / "f", os.O_WRONLY | os.O_CREAT)
    safewrite.write_all(fd, b"0123456789" * 100)
    os.close(fd)
    assert (tmp_path / "f").read_bytes() == b"0123456789" * 100


def test_write_all_raises_when_no_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "write", lambda fd, data: 0)
    fd = os.open(tmp_path / "f", os.O_WRONLY | os.O_CREAT)
    with pytest.raises(safewrite.ShortWrite):
        safewrite.write_all(fd, b"abc")
    os.close(fd)


def test_full_disk_leaves_file_and_folder_as_they_were(tmp_path: Path) -> None:
    """RLIMIT_FSIZE makes write() stop short exactly as a full disk does."""
    p = tmp_path / "m.md"
    p.write_bytes(b"A" * 10_000)
    script = textwrap.dedent(f"""
        import os, resource, signal, sys
        from brokenlang import safewrite
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
        snap = safewrite.read_snapshot({str(p)!r})
        tmp = safewrite.temp_name(snap.path)
        try:
            safewrite.write_temp(snap, tmp, b"B" * 9000)
        except OSError as e:
            print("refused", e.errno)
            sys.exit(0)
        safewrite.swap(snap, tmp, 9000, True)
        print("replaced")
    """)
    out = subprocess.run([PY, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("refused")
    assert p.read_bytes() == b"A" * 10_000
    assert leftovers(tmp_path) == []


def test_in_place_change_after_read_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "m.md"
    p.write_bytes(b"one\ntwo\n")
    snap = snap_of(p)
    tmp = safewrite.temp_name(str(p))
    safewrite.write_temp(snap, tmp, b"planned\n")
    time.sleep(0.01)
    p.write_bytes(b"ONE\ntwo\n")  # same size, new bytes
    with pytest.raises(safewrite.Changed):
        safewrite.swap(snap, tmp, 8, True)
    os.close(snap.fd)
    assert p.read_bytes() == b"ONE\ntwo\n"


def test_a_new_mtime_at_the_old_size_is_an_append_under_way(tmp_path: Path) -> None:
    """A write sets the mtime before the size: a stat between the two sees the old size with
    a new mtime. With the bytes as read, that is no change (the append is carried later)."""
    p = tmp_path / "m.md"
    p.write_bytes(b"- stale\n")
    snap = snap_of(p)
    os.utime(p, ns=(snap.stat.mtime_ns + 1_000_000, snap.stat.mtime_ns + 1_000_000))
    now = safewrite.to_stat(os.stat(p))
    assert now.size == snap.stat.size and now.mtime_ns != snap.stat.mtime_ns
    assert safewrite.only_appended(snap, now)
    tmp = safewrite.temp_name(str(p))
    safewrite.write_temp(snap, tmp, b"<!-- t -->\n")
    safewrite.swap(snap, tmp, 11, True)
    os.close(snap.fd)
    assert p.read_bytes() == b"<!-- t -->\n"


def test_rename_over_after_read_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "m.md"
    p.write_bytes(b"one\n")
    snap = snap_of(p)
    tmp = safewrite.temp_name(str(p))
    safewrite.write_temp(snap, tmp, b"planned\n")
    (tmp_path / "other").write_bytes(b"one\n")
    os.replace(tmp_path / "other", p)  # an editor's atomic save
    with pytest.raises(safewrite.Changed):
        safewrite.swap(snap, tmp, 8, True)
    os.close(snap.fd)
    assert p.read_bytes() == b"one\n"


def replaced_past_the_compare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Any, str]:
    """A file read, our temp file written, then the file replaced by another process's
    ("theirs\\n") in a way the compare did not see: (path, snapshot, temp name)."""
    p = tmp_path / "m.md"
    p.write_bytes(b"one\n")
    snap = snap_of(p)
    tmp = safewrite.temp_name(str(p))
    safewrite.write_temp(snap, tmp, b"planned\n")
    (tmp_path / "other").write_bytes(b"theirs\n")
    os.replace(tmp_path / "other", p)
    monkeypatch.setattr(safewrite, "compare", lambda snap, allow: None)  # the race: compare saw the old file
    return p, snap, tmp


def test_exchange_notices_a_rename_that_slipped_past_the_compare(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    p, snap, tmp = replaced_past_the_compare(tmp_path, monkeypatch)
    with pytest.raises(safewrite.Changed):
        safewrite.swap(snap, tmp, 8, True)
    os.close(snap.fd)
    assert p.read_bytes() == b"theirs\n" and leftovers(tmp_path) == []


LATE_WRITER = textwrap.dedent("""
    import os, sys, time
    fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND)
    print("open", flush=True)
    sys.stdin.readline()
    time.sleep(0.2)   # writes only once the swap has been undone
    for i in range(3):
        os.write(fd, b"- late %d\\n" % i)
    os.close(fd)
""")


def test_a_writer_of_our_file_during_an_undone_swap_loses_nothing(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer that opened the path while our file stood there keeps writing to it after the
    swap is undone: what it writes goes to the file at the path, none of it to the removed one."""
    p, snap, tmp = replaced_past_the_compare(tmp_path, monkeypatch)
    real_exchange = safewrite._exchange
    writers: list[subprocess.Popen[bytes]] = []

    def exchange(a: str, b: str) -> bool:
        done = real_exchange(a, b)
        if not writers:   # our file is at the path now: a writer opens it
            w = subprocess.Popen([PY, "-c", LATE_WRITER, str(p)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            assert w.stdout is not None and w.stdin is not None
            assert w.stdout.readline() == b"open\n"
            w.stdin.write(b"go\n")
            w.stdin.flush()
            writers.append(w)
        return done

    monkeypatch.setattr(safewrite, "_exchange", exchange)
    with pytest.raises(safewrite.Changed):
        safewrite.swap(snap, tmp, 8, True)
    os.close(snap.fd)
    assert writers and writers[0].wait(timeout=30) == 0
    assert p.read_bytes() == b"theirs\n- late 0\n- late 1\n- late 2\n" and leftovers(tmp_path) == []


@pytest.mark.parametrize("allow_append", [True, False])
def test_append_after_read(tmp_path: Path, allow_append: bool) -> None:
    p = tmp_path / "m.md"
    p.write_bytes(b"- stale\n")
    snap = snap_of(p)
    tmp = safewrite.temp_name(str(p))
    safewrite.write_temp(snap, tmp, b"<!-- t -->\n")
    with open(p, "ab") as fh:
        fh.write(b"- appended\n")
    if allow_append:
        got = safewrite.swap(snap, tmp, 11, True)
        assert p.read_bytes() == b"<!-- t -->\n- appended\n" and got.appended == 11
    else:
        with pytest.raises(safewrite.Changed):
            safewrite.swap(snap, tmp, 11, False)
        assert p.read_bytes() == b"- stale\n- appended\n"
    os.close(snap.fd)


WRITER = textwrap.dedent("""
    import os, sys, time
    fd = os.open(sys.argv[1], {flags})
    print("open", flush=True)
    sys.stdin.readline()
    for i in range(int(sys.argv[2])):
        os.write(fd, b"- late %d\\n" % i)
    time.sleep(0.05)
    os.close(fd)
""")


def writer(path: Path, n: int, flags: str = "os.O_WRONLY | os.O_APPEND") -> subprocess.Popen[str]:
    proc = subprocess.Popen([PY, "-c", WRITER.format(flags=flags), str(path), str(n)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline() == "open\n"
    return proc


def test_late_writer_of_the_old_file_is_waited_for(tmp_path: Path) -> None:
    """A process that opened the file before the rename keeps writing to the old inode:
    swap waits until it closes and carries every byte over."""
    p = tmp_path / "m.md"
    p.write_bytes(b"- stale\n")
    proc = writer(p, 200)
    snap = snap_of(p)
    tmp = safewrite.temp_name(str(p))
    safewrite.write_temp(snap, tmp, b"<!-- t -->\n")
    assert proc.stdin is not None
    proc.stdin.write("go\n")
    proc.stdin.flush()
    got = safewrite.swap(snap, tmp, 11, True)
    os.close(snap.fd)
    proc.wait()
    body = p.read_bytes()
    assert body.startswith(b"<!-- t -->\n")
    assert sorted(body.splitlines()[1:]) == sorted(b"- late %d" % i for i in range(200))
    assert got.appended == len(body) - 11 and got.late_writers == ()


@pytest.mark.parametrize(("flags", "writes"), [
    ("os.O_WRONLY | os.O_APPEND", True),
    ("os.O_WRONLY", True),
    ("os.O_RDWR", True),
    ("os.O_RDONLY", False),
])
def test_open_writers_reads_proc(tmp_path: Path, flags: str, writes: bool) -> None:
    p = tmp_path / "m.md"
    p.write_bytes(b"x\n")
    proc = writer(p, 0, flags)
    try:
        found = safewrite.open_writers(str(p))
        assert (proc.pid in found) is writes
    finally:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
        proc.wait()
    assert proc.pid not in safewrite.open_writers(str(p))


def test_refusals(tmp_path: Path) -> None:
    (tmp_path / "plain.md").write_bytes(b"x")
    (tmp_path / "link.md").symlink_to(tmp_path / "plain.md")
    (tmp_path / "hard.md").write_bytes(b"x")
    os.link(tmp_path / "hard.md", tmp_path / "hard2.md")
    (tmp_path / "ro.md").write_bytes(b"x")
    (tmp_path / "ro.md").chmod(0o444)
    os.mkfifo(tmp_path / "fifo.md")
    assert safewrite.refusal(str(tmp_path / "plain.md")) is None
    assert "symlink" in (safewrite.refusal(str(tmp_path / "link.md")) or "")
    assert "hard links" in (safewrite.refusal(str(tmp_path / "hard.md")) or "")
    assert "read-only" in (safewrite.refusal(str(tmp_path / "ro.md")) or "")
    assert "regular" in (safewrite.refusal(str(tmp_path / "fifo.md")) or "")
    assert "no longer exists" in (safewrite.refusal(str(tmp_path / "gone.md")) or "")


def test_snapshot_refuses_a_symlink(tmp_path: Path) -> None:
    (tmp_path / "plain.md").write_bytes(b"x")
    (tmp_path / "link.md").symlink_to(tmp_path / "plain.md")
    with pytest.raises(OSError):
        safewrite.read_snapshot(str(tmp_path / "link.md"))


def test_sweep_removes_only_old_unopened_temps(tmp_path: Path) -> None:
    old = tmp_path / ".m.md.brokenlang-tmp-0123456789ab"
    fresh = tmp_path / ".m.md.brokenlang-tmp-ba9876543210"
    held = tmp_path / ".n.md.brokenlang-tmp-aaaaaaaaaaaa"
    other = tmp_path / ".m.md.brokenlang-tmp-notours"
    for f in (old, fresh, held, other):
        f.write_bytes(b"x")
    for f in (old, held, other):
        os.utime(f, (time.time() - 60, time.time() - 60))
    proc = writer(held, 0)
    try:
        removed = safewrite.sweep_temps(str(tmp_path))
    finally:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
        proc.wait()
    assert removed == [str(old)]
    assert sorted(os.listdir(tmp_path)) == sorted(f.name for f in (fresh, held, other))


def test_temp_name_fits_for_long_names(tmp_path: Path) -> None:
    name = "é" * 120 + ".md"     # 243 bytes: a longer temp name would not fit NAME_MAX
    p = tmp_path / name
    p.write_bytes(b"old")
    tmp = safewrite.temp_name(str(p))
    assert len(os.fsencode(os.path.basename(tmp))) < 255
    replace(p, b"new")
    assert p.read_bytes() == b"new"


@pytest.mark.parametrize(("name", "today"), [
    ("memory/2026-03-01.md", True), ("memory/2026-02-28.md", False), ("notes-2026-03-01-pm.md", True),
    ("MEMORY.md", False),
])
def test_daily_note_of_today(name: str, today: bool) -> None:
    import datetime as dt
    assert safewrite.is_daily_note_of(name, (dt.date(2026, 3, 1),)) is today


def test_quiet_window(tmp_path: Path) -> None:
    p = tmp_path / "m.md"
    p.write_bytes(b"x")
    assert "quiet window" in (safewrite.quiet_refusal(str(p), 5.0) or "")
    os.utime(p, (time.time() - 10, time.time() - 10))
    assert safewrite.quiet_refusal(str(p), 5.0) is None
