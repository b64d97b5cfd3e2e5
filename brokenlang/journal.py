"""The append-only journal `.brokenlang/journal.jsonl`, its blobs, the quarantine files,
and the journalled write that ties them to a file replacement.

Every replacement is a transaction: a `pending` record (original bytes, hashes before
and after, temp name, quarantine offset) is fsynced before the quarantine append and
before the temp file exists; `done` or `aborted` follows. A run killed in between leaves
a `pending` record that the next run settles by looking at the file: if it starts with
the planned bytes the edit happened (roll forward: `done`), if it starts with the old
bytes it did not (roll back: quarantine truncated, temp removed, `aborted`)."""
from __future__ import annotations

import base64
import datetime as dt
import errno
import fcntl
import json
import os
import re
import secrets
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

from . import confine, fixer, safewrite

JOURNAL = "journal.jsonl"
LOCK = "lock"
BLOBS = "blobs"
INLINE_MAX = 64 * 1024          # larger originals go to blobs/<sha256>
QUARANTINE_MODE = 0o600         # quarantined entries may come from private (0600) notes
LOCK_WAIT_SECONDS = 60.0
SHA = re.compile(r"^[0-9a-f]{64}$")
VERSION = 1

Record = dict[str, Any]


class JournalError(Exception):
    """The journal cannot be used safely (locked, unreadable blob, bad record)."""


class QuarantineBlock(NamedTuple):
    header: bytes      # one comment line naming the id, the file and the lines
    original: bytes
    pad: bytes         # a newline when the original had none, so blocks stay apart

    @property
    def data(self) -> bytes:
        return self.header + self.original + self.pad


class EditRecord(NamedTuple):
    """One edit as the journal remembers it."""

    id: str
    txn: str
    path: str                  # relative to the root, '/'-separated
    kind: str
    time: str
    ledger_id: str | None
    line: int
    end_line: int
    original: bytes
    replacement: bytes
    quarantine: tuple[str, ...]   # parts below .brokenlang/ ((), for rewrites)
    block: bytes                  # the quarantine block as appended (b"" for rewrites)


class Settled(NamedTuple):
    txn: str
    path: str
    outcome: str       # done | aborted | unknown
    note: str


def now_text() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


class Journal:
    """The journal of one root, held under an exclusive lock while open."""

    def __init__(self, root: str, state_fd: int, lock_fd: int) -> None:
        self.root = root
        self.state_fd = state_fd
        self.lock_fd = lock_fd
        self._fd: int | None = None

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
        os.close(self.lock_fd)
        os.close(self.state_fd)

    def append(self, record: Record) -> None:
        """One JSON line, written whole and fsynced before we go on."""
        record = {"v": VERSION, **record}
        line = json.dumps(record, ensure_ascii=True, sort_keys=True).encode("ascii") + b"\n"
        safewrite.write_all(self._journal_fd(), line)
        os.fsync(self._journal_fd())

    def _journal_fd(self) -> int:
        if self._fd is None:
            created = not _exists(self.state_fd, JOURNAL)
            fd = confine.open_state_file(self.state_fd, JOURNAL, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                safewrite.write_all(fd, b"\n")  # a torn last line from a killed run stays its own line
            if created:
                os.fsync(self.state_fd)
            self._fd = fd
        return self._fd

    def records(self) -> list[Record]:
        return read_records(self.state_fd)

    def put_blob(self, data: bytes) -> str:
        digest = safewrite.sha256(data)
        with _subdir(self.state_fd, [BLOBS]) as fd:
            if _exists(fd, digest):
                return digest
            tmp = f".{digest}.{secrets.token_hex(6)}"
            out = confine.open_state_file(fd, tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                safewrite.write_all(out, data)
                os.fsync(out)
            finally:
                os.close(out)
            os.replace(tmp, digest, src_dir_fd=fd, dst_dir_fd=fd)
            os.fsync(fd)
        return digest

    def get_blob(self, digest: str) -> bytes:
        if not SHA.match(digest):
            raise JournalError(f"bad blob reference {digest!r}")
        with _subdir(self.state_fd, [BLOBS], create=False) as fd:
            blob = confine.open_state_file(fd, digest, os.O_RDONLY)
            try:
                data = safewrite.pread_all(blob, 0, os.fstat(blob).st_size)
            finally:
                os.close(blob)
        if safewrite.sha256(data) != digest:
            raise JournalError(f"blob {digest} does not match its hash")
        return data

    # -- quarantine files -------------------------------------------------------------

    def quarantine_size(self, parts: Sequence[str]) -> int:
        with _subdir(self.state_fd, parts[:-1]) as fd:
            q = confine.open_state_file(fd, parts[-1], os.O_RDONLY | os.O_CREAT, QUARANTINE_MODE)
            try:
                return os.fstat(q).st_size
            finally:
                os.close(q)

    def quarantine_append(self, parts: Sequence[str], offset: int, data: bytes) -> None:
        with _subdir(self.state_fd, parts[:-1]) as fd:
            q = confine.open_state_file(fd, parts[-1], os.O_WRONLY | os.O_APPEND | os.O_CREAT, QUARANTINE_MODE)
            try:
                if os.fstat(q).st_size != offset:
                    raise JournalError(f"{confine.display(parts)} changed while locked")
                safewrite.write_all(q, data)
                os.fsync(q)
            finally:
                os.close(q)
            os.fsync(fd)

    def quarantine_read(self, parts: Sequence[str]) -> bytes | None:
        try:
            with _subdir(self.state_fd, parts[:-1], create=False) as fd:
                q = confine.open_state_file(fd, parts[-1], os.O_RDONLY)
                try:
                    return safewrite.pread_all(q, 0, os.fstat(q).st_size)
                finally:
                    os.close(q)
        except FileNotFoundError:
            return None

    def quarantine_remove(self, parts: Sequence[str], data: bytes, offset: int | None = None) -> bool:
        """Take one appended block back out (rollback or restore); False if not found once."""
        current = self.quarantine_read(parts)
        if current is None or not data:
            return False
        if offset is not None and current[offset:] == data:
            kept = current[:offset]
        elif current.count(data) == 1:
            at = current.index(data)
            kept = current[:at] + current[at + len(data):]
        else:
            return False
        with _subdir(self.state_fd, parts[:-1]) as fd:
            _replace_state_file(fd, parts[-1], kept)
        return True

    def quarantine_ensure(self, parts: Sequence[str], offset: int, data: bytes) -> None:
        """Roll forward: the block must be in quarantine once; append it if it is not."""
        current = self.quarantine_read(parts) or b""
        if current[offset:offset + len(data)] == data or (data and current.count(data) >= 1):
            return
        self.quarantine_append(parts, len(current), data)


def _exists(dir_fd: int, name: str) -> bool:
    try:
        os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        return True
    except FileNotFoundError:
        return False


@contextmanager
def _subdir(state_fd: int, parts: Sequence[str], create: bool = True) -> Iterator[int]:
    fd = confine.open_dir_chain(state_fd, parts, create)
    try:
        yield fd
    finally:
        os.close(fd)


def _replace_state_file(dir_fd: int, name: str, data: bytes) -> None:
    tmp = f".{name[:100]}{safewrite.TMP_MARK}{secrets.token_hex(6)}"
    out = confine.open_state_file(dir_fd, tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, QUARANTINE_MODE)
    try:
        safewrite.write_all(out, data)
        os.fsync(out)
    finally:
        os.close(out)
    os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    os.fsync(dir_fd)


def read_records(state_fd: int) -> list[Record]:
    """Every whole, well-formed record; a torn line from a killed run is skipped."""
    try:
        fd = confine.open_state_file(state_fd, JOURNAL, os.O_RDONLY)
    except FileNotFoundError:
        return []
    try:
        raw = safewrite.pread_all(fd, 0, os.fstat(fd).st_size)
    finally:
        os.close(fd)
    out: list[Record] = []
    for line in raw.split(b"\n"):
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if isinstance(rec, dict) and isinstance(rec.get("type"), str):
            out.append(rec)
    return out


@contextmanager
def opened(root: str, create: bool = True) -> Iterator[Journal]:
    """The journal of `root`, locked against other brokenlang runs while in use."""
    state_fd = confine.open_state_dir(root, create)
    try:
        lock_fd = confine.open_state_file(state_fd, LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        _lock(lock_fd)
    except BaseException:
        os.close(state_fd)
        raise
    journal = Journal(root, state_fd, lock_fd)
    try:
        yield journal
    finally:
        journal.close()


def _lock(fd: int) -> None:
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() > deadline:
                raise JournalError("another brokenlang run holds .brokenlang/lock") from None
            time.sleep(0.05)


# -- transactions ----------------------------------------------------------------------

def txn_status(records: Sequence[Record]) -> dict[str, str]:
    """Last known status of every transaction: pending, done, aborted or unknown."""
    status: dict[str, str] = {}
    for rec in records:
        txn = rec.get("txn")
        if isinstance(txn, str):
            status[txn] = rec["type"]
    return status


def quarantine_blocks(path: str, edits: Sequence[fixer.Edit], when: str) -> list[QuarantineBlock]:
    style = fixer.comment_style(path)
    out = []
    for e in edits:
        details = ", ".join(x for x in (f"resolved {e.resolved}" if e.resolved else "", e.ledger_id or "") if x)
        text = fixer.clean_text(f"{e.id} from {path} lines {e.line}-{e.end_line}, quarantined {when}", 400) + \
            (f" ({fixer.clean_text(details)})" if details else "")
        if style == "json":
            header = json.dumps({"brokenlang": text}, ensure_ascii=False).encode("utf-8", "surrogateescape")
        elif style == "hash":
            header = f"# brokenlang: {text}".encode("utf-8", "surrogateescape")
        else:
            header = f"<!-- brokenlang: {text} -->".encode("utf-8", "surrogateescape")
        pad = b"" if e.original.endswith((b"\n", b"\r")) else b"\n"
        out.append(QuarantineBlock(header + b"\n", e.original, pad))
    return out


def _edit_record(j: Journal, e: fixer.Edit, block: QuarantineBlock | None) -> Record:
    rec: Record = {"id": e.id, "kind": e.kind, "line": e.line, "end_line": e.end_line,
                   "start": e.start, "end": e.end, "ledger_id": e.ledger_id, "resolved": e.resolved,
                   "rules": list(e.rules), "fingerprints": list(e.fingerprints), "states": list(e.states),
                   "original_sha256": safewrite.sha256(e.original), "replacement_b64": b64(e.replacement)}
    if len(e.original) <= INLINE_MAX:
        rec["original_b64"] = b64(e.original)
    else:
        rec["original_blob"] = j.put_blob(e.original)
    if block is not None:
        rec["quarantine_header_b64"] = b64(block.header)
        rec["quarantine_pad_b64"] = b64(block.pad)
    return rec


def commit_fix(j: Journal, snap: safewrite.Snapshot, rel: str, plan: fixer.Plan) -> safewrite.Swapped:
    """Journal, quarantine and swap in one planned file; raises safewrite.Changed if the
    file changed under us (nothing is left behind then)."""
    when = now_text()
    parts = tuple(confine.quarantine_parts(rel))
    quarantined = [e for e in plan.edits if e.kind == "quarantine"]
    blocks = dict(zip((e.id for e in quarantined), quarantine_blocks(rel, quarantined, when), strict=True))
    edits = [_edit_record(j, e, blocks.get(e.id)) for e in plan.edits]
    q_data = b"".join(b.data for b in blocks.values())
    extra: Record = {"kind": "fix", "edits": edits}
    if q_data:
        extra["quarantine"] = {"parts": list(parts), "offset": j.quarantine_size(parts), "length": len(q_data)}
    return _transaction(j, snap, rel, plan.after, extra, q_data, not plan.touches_open_end, when)


def commit_restore(j: Journal, snap: safewrite.Snapshot, rel: str, after: bytes,
                   ids: Sequence[str]) -> safewrite.Swapped:
    return _transaction(j, snap, rel, after, {"kind": "restore", "ids": list(ids)}, b"", True, now_text())


def _transaction(j: Journal, snap: safewrite.Snapshot, rel: str, after: bytes, extra: Record,
                 q_data: bytes, allow_append: bool, when: str) -> safewrite.Swapped:
    txn = "t-" + secrets.token_hex(8)
    tmp = safewrite.temp_name(snap.path)
    pending: Record = {"type": "pending", "txn": txn, "time": when, "path": rel,
                       "size_before": len(snap.data), "sha256_before": safewrite.sha256(snap.data),
                       "size_after": len(after), "sha256_after": safewrite.sha256(after),
                       "tmp": os.path.basename(tmp), **extra}
    j.append(pending)
    try:
        if q_data:
            q = extra["quarantine"]
            j.quarantine_append(q["parts"], q["offset"], q_data)
        safewrite.write_temp(snap, tmp, after)
        swapped = safewrite.swap(snap, tmp, len(after), allow_append)
    except safewrite.Changed as e:
        _abort(j, pending, tmp, f"file {e}")  # the swap never happened, or was undone
        raise
    except BaseException as e:
        if settle(j, pending, reason=_reason(e)).outcome == "done":
            return safewrite.Swapped(0, ())
        raise
    j.append({"type": "done", "txn": txn, "time": now_text(), "appended": swapped.appended,
              "late_writers": list(swapped.late_writers)})
    return swapped


def _abort(j: Journal, pending: Record, tmp: str, reason: str) -> None:
    _remove_tmp(tmp)
    _undo_quarantine(j, pending)
    j.append({"type": "aborted", "txn": pending["txn"], "time": now_text(), "reason": reason})


def _reason(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}"


# -- settling interrupted transactions -------------------------------------------------

def recover(j: Journal) -> list[Settled]:
    """Settle every transaction a killed run left pending (roll forward or back)."""
    records = j.records()
    status = txn_status(records)
    pending = [r for r in records if r["type"] == "pending" and status.get(r.get("txn", "")) == "pending"]
    return [settle(j, rec, reason="recovered after an interrupted run") for rec in pending]


def settle(j: Journal, rec: Record, reason: str) -> Settled:
    """Decide from the file itself whether a pending transaction happened."""
    txn, rel = str(rec.get("txn")), str(rec.get("path"))
    try:
        target = confine.check_record_path(j.root, rel)
    except confine.ConfinementError as e:
        j.append({"type": "unknown", "txn": txn, "time": now_text(), "reason": str(e)})
        return Settled(txn, rel, "unknown", str(e))
    current = _read_plain(target)
    tmp = _tmp_path(target, rec.get("tmp"))
    if current is not None and _starts_with(current, rec, "after"):
        _carry_from_tmp(tmp, target, rec)
        _ensure_quarantine(j, rec)
        if rec.get("kind") == "restore":
            from .restore import drop_quarantine_blocks  # restore builds on the journal
            drop_quarantine_blocks(j, [str(i) for i in rec.get("ids", [])])
        j.append({"type": "done", "txn": txn, "time": now_text(), "recovered": True, "reason": reason})
        return Settled(txn, rel, "done", "the edit had been made: completed")
    if current is not None and _starts_with(current, rec, "before"):
        _remove_tmp(tmp)
        _undo_quarantine(j, rec)
        j.append({"type": "aborted", "txn": txn, "time": now_text(), "reason": reason})
        return Settled(txn, rel, "aborted", "the edit had not been made: rolled back")
    _remove_tmp(tmp, unless_holds=rec)
    j.append({"type": "unknown", "txn": txn, "time": now_text(), "reason": "file changed since"})
    return Settled(txn, rel, "unknown", "file changed since; its entries stay restorable by id")


def _read_plain(path: str) -> bytes | None:
    try:
        fd = os.open(path, safewrite.READ_FLAGS)
    except OSError:
        return None
    try:
        return safewrite.pread_all(fd, 0, os.fstat(fd).st_size)
    finally:
        os.close(fd)


def _starts_with(data: bytes, rec: Record, which: str) -> bool:
    size = rec.get(f"size_{which}")
    return isinstance(size, int) and len(data) >= size and \
        safewrite.sha256(data[:size]) == rec.get(f"sha256_{which}")


def _tmp_path(target: str, name: object) -> str | None:
    if not isinstance(name, str) or not safewrite.TMP_NAME.match(name) or "/" in name:
        return None
    return os.path.join(os.path.dirname(target), name)


def _remove_tmp(tmp: str | None, unless_holds: Record | None = None) -> None:
    if tmp is None or not os.path.isfile(tmp) or os.path.islink(tmp):
        return
    if unless_holds is not None:
        data = _read_plain(tmp) or b""
        if not (_starts_with(data, unless_holds, "after") and len(data) == unless_holds.get("size_after")):
            return  # not plainly our own temp: keep it for a human
    os.unlink(tmp)


def _carry_from_tmp(tmp: str | None, target: str, rec: Record) -> None:
    """Killed between exchange and unlink: the temp name holds the old file, perhaps with
    bytes other processes appended to it. Carry those over, then drop the temp."""
    if tmp is None or not os.path.isfile(tmp) or os.path.islink(tmp):
        return
    data = _read_plain(tmp) or b""
    if _starts_with(data, rec, "before"):
        extra = data[int(rec["size_before"]):]
        if extra:
            safewrite.append_bytes(target, extra)
    os.unlink(tmp)


def _ensure_quarantine(j: Journal, rec: Record) -> None:
    q = rec.get("quarantine")
    if isinstance(q, dict):
        j.quarantine_ensure(q["parts"], int(q["offset"]), _blocks_data(j, rec))


def _undo_quarantine(j: Journal, rec: Record) -> None:
    q = rec.get("quarantine")
    if isinstance(q, dict):
        j.quarantine_remove(q["parts"], _blocks_data(j, rec), int(q["offset"]))


def _blocks_data(j: Journal, rec: Record) -> bytes:
    return b"".join(e.block for e in edit_records(j, rec))


def edit_records(j: Journal, rec: Record) -> list[EditRecord]:
    """The edits of one `fix` pending record, originals loaded and checked."""
    q = rec.get("quarantine")
    parts = tuple(q["parts"]) if isinstance(q, dict) else ()
    out = []
    for e in rec.get("edits", []):
        original = unb64(e["original_b64"]) if "original_b64" in e else j.get_blob(e["original_blob"])
        if safewrite.sha256(original) != e.get("original_sha256"):
            raise JournalError(f"{e.get('id')}: original bytes do not match their hash")
        block = b""
        if "quarantine_header_b64" in e:
            block = unb64(e["quarantine_header_b64"]) + original + unb64(e.get("quarantine_pad_b64", ""))
        out.append(EditRecord(str(e["id"]), str(rec["txn"]), str(rec["path"]), str(e["kind"]),
                              str(rec.get("time", "")), e.get("ledger_id"), int(e["line"]),
                              int(e["end_line"]), original, unb64(e["replacement_b64"]),
                              parts if block else (), block))
    return out


def taken_ids(records: Sequence[Record]) -> set[str]:
    """Every edit id in effect or once in effect; ids of aborted edits may be handed out
    again, so a run after a crash plans the very same edits."""
    status = txn_status(records)
    return {str(e.get("id")) for r in records if r["type"] == "pending"
            and status.get(str(r.get("txn"))) != "aborted" for e in r.get("edits", [])}
