"""Give back the exact original bytes of quarantined or rewritten entries.

Restore swaps each tombstone (or rewritten line) for the journalled original. It is safe
as long as that line is in the file exactly once, unchanged; text added elsewhere since
the fix is kept. Anything else is refused, and the file is left as it is."""
from __future__ import annotations

import os
from collections.abc import Sequence
from typing import NamedTuple

from . import confine, fixer, journal, safewrite

RETRIES = 5


class RestoreRefused(Exception):
    """Restoring would not be byte-exact or would overwrite someone's change."""


class Restored(NamedTuple):
    path: str
    ids: tuple[str, ...]
    ok: bool
    message: str


def edit_index(j: journal.Journal) -> dict[str, journal.EditRecord]:
    """Every edit that is in effect: its fix happened (or may have) and it is not restored."""
    records = j.records()
    status = journal.txn_status(records)
    restored = restored_ids(records, status)
    out: dict[str, journal.EditRecord] = {}
    for rec in records:
        if rec["type"] != "pending" or rec.get("kind") != "fix":
            continue
        if status.get(str(rec.get("txn"))) not in ("done", "unknown"):
            continue
        for e in journal.edit_records(j, rec):
            if e.id not in restored:
                out.setdefault(e.id, e)  # ids are never reused: a later twin is not ours
    return out


def already_restored(j: journal.Journal) -> set[str]:
    records = j.records()
    return restored_ids(records, journal.txn_status(records))


def restored_ids(records: Sequence[journal.Record], status: dict[str, str]) -> set[str]:
    return {str(i) for r in records if r["type"] == "pending" and r.get("kind") == "restore"
            and status.get(str(r.get("txn"))) == "done" for i in r.get("ids", [])}


def unapply(current: bytes, edits: Sequence[journal.EditRecord]) -> bytes:
    """`current` with each edit's tombstone line replaced by its original bytes."""
    spots = sorted((_locate(current, e), e) for e in edits)
    out: list[bytes] = []
    pos = 0
    for at, e in spots:
        if at < pos:
            raise RestoreRefused(f"{e.id}: overlaps another restored entry")
        out += [current[pos:at], e.original]
        pos = at + len(e.replacement)
    out.append(current[pos:])
    return b"".join(out)


def _locate(current: bytes, e: journal.EditRecord) -> int:
    """Where the edit's line is: present once, at a line start, its line unchanged."""
    marker = fixer.marker_line(e.replacement)
    terminator = e.replacement[len(marker):]
    count = current.count(marker)
    if count != 1:
        what = "is gone or was edited" if count == 0 else f"appears {count} times"
        raise RestoreRefused(f"{e.id}: its {_what(e)} line {what} in {e.path}")
    at = current.index(marker)
    at_line_start = at == 0 or current[at - 1:at] in (b"\n", b"\r") or \
        (at == len(fixer.BOM) and current.startswith(fixer.BOM))
    end = at + len(marker)
    if not at_line_start or current[end:end + len(terminator)] != terminator:
        raise RestoreRefused(f"{e.id}: its {_what(e)} line was edited in {e.path}")
    return at


def _what(e: journal.EditRecord) -> str:
    return "tombstone" if e.kind == "quarantine" else "rewritten"


def restore_file(j: journal.Journal, path: str, edits: Sequence[journal.EditRecord],
                 allow_open_files: bool) -> Restored:
    """Restore the given edits of one file (root-relative `path`), or say why not."""
    ids = tuple(e.id for e in edits)
    try:
        target = confine.check_record_path(j.root, path)
        _check_target(target, allow_open_files)
        _swap_in(j, target, path, edits)
    except (confine.ConfinementError, RestoreRefused, safewrite.Refused, safewrite.Changed) as e:
        return Restored(path, ids, False, str(e))
    except OSError as e:  # permissions, full disk: the file is as it was
        return Restored(path, ids, False, f"could not write ({e.strerror or e})")
    drop_quarantine_blocks(j, ids)
    return Restored(path, ids, True, "restored")


def _check_target(target: str, allow_open_files: bool) -> None:
    reason = safewrite.refusal(target)
    if reason:
        raise RestoreRefused(f"{target} {reason}")
    writers = safewrite.open_writers(target)
    if writers and not allow_open_files:
        raise RestoreRefused(f"{target} is open for writing by pid {', '.join(map(str, writers))} "
                             "(--allow-open-files)")


def _swap_in(j: journal.Journal, target: str, path: str, edits: Sequence[journal.EditRecord]) -> None:
    for _ in range(RETRIES):
        snap = safewrite.read_snapshot(target)
        try:
            after = unapply(snap.data, edits)
            journal.commit_restore(j, snap, path, after, [e.id for e in edits])
            return
        except safewrite.Changed:
            continue  # changed under us: read again
        finally:
            os.close(snap.fd)
    raise safewrite.Changed(f"{path} kept changing; try again")


def drop_quarantine_blocks(j: journal.Journal, ids: Sequence[str]) -> None:
    """Take restored entries out of quarantine, so each entry lives in one place."""
    wanted = set(ids)
    for rec in j.records():
        if rec["type"] != "pending" or rec.get("kind") != "fix":
            continue
        if not wanted & {str(e.get("id")) for e in rec.get("edits", [])}:
            continue
        for e in journal.edit_records(j, rec):
            if e.id in wanted and e.block:
                j.quarantine_remove(e.quarantine, e.block)
