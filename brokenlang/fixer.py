"""Plan the edits for one file, on bytes: each stale entry becomes a one-line tombstone
(quarantine) or its current truth with a provenance marker (rewrite). Pure: bytes and
findings in, a Plan out; nothing here touches the disk or the clock."""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import NamedTuple

from .models import Finding

LINE_BREAK = re.compile(rb"\r\n|\r|\n")
BOM = b"\xef\xbb\xbf"
MODES = ("quarantine", "rewrite")
BLOCKING = frozenset({"open", "recurred"})   # a live failure in the entry: never touch it
# Our own tombstones and markers, in every comment style: never planned over again.
MARKER = re.compile(rb'brokenlang"?: "?(?:quarantined|rewritten) bl-[0-9a-f]{10}\b')
PREFIX = re.compile(rb"^[ \t]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?|#{1,6}[ \t]+|(?:>[ \t]?)+)?")
INDENT = re.compile(rb"^[ \t]*")
DATE = re.compile(r"resolved\D{0,40}?(\d{4}-\d{2}-\d{2})")
CHANGED = "(changed since the scan?)"
HASH_STYLE = (".log", ".txt", ".out", ".err")
JSON_STYLE = (".jsonl", ".ndjson")


class PlanError(Exception):
    """The planned bytes would not give back the original: a bug, never written."""


class Line(NamedTuple):
    start: int        # byte offset of the first byte of the line
    end: int          # offset just past its content
    next: int         # offset just past its terminator


class Edit(NamedTuple):
    id: str
    kind: str                 # quarantine | rewrite
    line: int                 # 1-based first line of the entry
    end_line: int
    start: int                # byte range in the original file
    end: int
    original: bytes           # exactly the bytes cut out (terminator included)
    replacement: bytes        # tombstone or rewritten line (same terminator)
    ledger_id: str | None
    resolved: str | None      # resolution date when known
    rules: tuple[str, ...]
    fingerprints: tuple[str, ...]
    states: tuple[str, ...]


class Skip(NamedTuple):
    line: int
    reason: str


class Plan(NamedTuple):
    path: str
    before: bytes
    after: bytes
    edits: tuple[Edit, ...]
    skipped: tuple[Skip, ...]

    @property
    def touches_open_end(self) -> bool:
        """An edit runs to the end of a file with no final newline: text appended later
        would continue that very line."""
        end = len(self.before)
        return any(e.end == end for e in self.edits) and not self.before.endswith((b"\n", b"\r"))


def split_lines(data: bytes) -> list[Line]:
    """Lines as the scanner numbers them: split at CRLF, CR or LF only."""
    lines: list[Line] = []
    pos = 0
    for m in LINE_BREAK.finditer(data):
        lines.append(Line(pos, m.start(), m.end()))
        pos = m.end()
    if pos < len(data):
        lines.append(Line(pos, len(data), len(data)))
    return lines


def eligible_states(rewrite_resolved: bool) -> frozenset[str]:
    return frozenset({"stale", "resolved"}) if rewrite_resolved else frozenset({"stale"})


def plan_fix(path: str, data: bytes, findings: Sequence[Finding], mode: str, *,
             rewrite_resolved: bool = False, taken_ids: Collection[str] = (),
             templates: Mapping[str, str] | None = None) -> Plan:
    """Edits for the stale entries of one file, checked to conserve every byte."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    lines = split_lines(data)
    wanted = eligible_states(rewrite_resolved)
    taken = set(taken_ids)
    edits: list[Edit] = []
    skipped: list[Skip] = []
    for group in _clusters([f for f in findings if f.path == path]):
        outcome = _plan_entry(path, data, lines, group, mode, wanted, taken, templates or {})
        if isinstance(outcome, Edit):
            edits.append(outcome)
            taken.add(outcome.id)
        elif outcome is not None:
            skipped.append(outcome)
    after = apply(data, edits)
    check_conservation(data, after, edits)
    return Plan(path, data, after, tuple(edits), tuple(skipped))


def _clusters(findings: Sequence[Finding]) -> Iterator[list[Finding]]:
    """Findings grouped by entry; overlapping line ranges are one entry (one edit)."""
    ordered = sorted(findings, key=lambda f: (f.entry_line, f.entry_end_line))
    group: list[Finding] = []
    end = 0
    for f in ordered:
        if group and f.entry_line > end:
            yield group
            group = []
        group.append(f)
        end = max(end, f.entry_end_line) if len(group) > 1 else f.entry_end_line
    if group:
        yield group


def _plan_entry(path: str, data: bytes, lines: Sequence[Line], group: Sequence[Finding], mode: str,
                wanted: frozenset[str], taken: set[str], templates: Mapping[str, str]) -> Edit | Skip | None:
    first, last = min(f.entry_line for f in group), max(f.entry_end_line for f in group)
    chosen = [f for f in group if f.state in wanted]
    if not chosen:
        return None
    why = _why_not(data, lines, group, chosen, first, last)
    if why:
        return Skip(first, why)
    now = _now_text(chosen, templates) if mode == "rewrite" else None
    if mode == "rewrite" and now is None:
        return Skip(first, "no replacement text (ledger `now` or rule template): use --mode quarantine")
    return _edit(path, data, lines, chosen, first, last, mode, now, taken)


def _span(data: bytes, lines: Sequence[Line], first: int, last: int) -> tuple[int, int]:
    """Bytes of lines first..last with the last terminator; a leading BOM stays in the file."""
    start = lines[first - 1].start + (len(BOM) if first == 1 and data.startswith(BOM) else 0)
    return start, lines[last - 1].next


def _why_not(data: bytes, lines: Sequence[Line], group: Sequence[Finding], chosen: Sequence[Finding],
             first: int, last: int) -> str | None:
    blocking = sorted({f.state for f in group} & BLOCKING)
    if blocking:
        return f"entry also holds a {'/'.join(blocking)} failure: left as is"
    if first < 1 or last > len(lines) or first > last:
        return f"lines {first}-{last} are not in the file {CHANGED}"
    start, end = _span(data, lines, first, last)
    if start >= end:
        return "entry holds no bytes besides the byte order mark"
    if MARKER.search(data, start, end):
        return "already a brokenlang tombstone or marker"
    if not _entry_matches(data[lines[first - 1].start:lines[last - 1].end], chosen):
        return f"entry text differs from the scan {CHANGED}"
    return None


def _edit(path: str, data: bytes, lines: Sequence[Line], chosen: Sequence[Finding], first: int, last: int,
          mode: str, now: str | None, taken: set[str]) -> Edit:
    start, end = _span(data, lines, first, last)
    original = data[start:end]
    ledger_id = next((f.ledger_id for f in chosen if f.ledger_id), None)
    resolved = next((m.group(1) for f in chosen if (m := DATE.search(f.message))), None)
    fingerprints = tuple(sorted({f.fingerprint for f in chosen}))
    edit_id = make_id(path, fingerprints, original, taken)
    first_line = data[start:lines[first - 1].end]
    if now is None:
        indent = INDENT.match(first_line).group(0)  # type: ignore[union-attr]
        body = indent + tombstone(path, edit_id, resolved, ledger_id)
    else:
        body = rewritten(path, first_line, edit_id, now)
    terminator = data[lines[last - 1].end:end]
    return Edit(edit_id, mode, first, last, start, end, original, body + terminator, ledger_id, resolved,
                tuple(sorted({f.rule for f in chosen})), fingerprints, tuple(sorted({f.state for f in chosen})))


def _entry_matches(lines: bytes, chosen: Sequence[Finding]) -> bool:
    """The entry's lines (a BOM included) still read as the entry the scanner saw, which
    it reports stripped of surrounding whitespace."""
    text = lines.decode("utf-8", "surrogateescape").strip()
    return all(f.entry == text for f in chosen if f.entry)


def _now_text(chosen: Sequence[Finding], templates: Mapping[str, str]) -> str | None:
    for f in chosen:
        text = f.now or templates.get(f.rule)
        if text and text.strip():
            return " ".join(text.split())  # one line, whatever the ledger holds
    return None


def make_id(path: str, fingerprints: Sequence[str], original: bytes, taken: Collection[str]) -> str:
    """`bl-` + 10 hex from path, fingerprints and the original bytes; unique among `taken`."""
    base = "\0".join((path, *fingerprints, hashlib.sha256(original).hexdigest()))
    salt = 0
    while True:
        key = base if salt == 0 else f"{base}\0{salt}"
        edit_id = "bl-" + hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:10]
        if edit_id not in taken:
            return edit_id
        salt += 1


def comment_style(path: str) -> str:
    lower = path.lower()
    if lower.endswith(JSON_STYLE):
        return "json"
    if lower.endswith(HASH_STYLE):
        return "hash"
    return "html"


def clean_text(text: str, limit: int = 80) -> str:
    """Comment-safe, one-line text for ids and dates that come from user files."""
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text.replace("-->", "- ->").replace("--", "-")[:limit]


def tombstone(path: str, edit_id: str, resolved: str | None, ledger_id: str | None) -> bytes:
    """The one line left where a quarantined entry was; it holds no failure words."""
    details = ", ".join(clean_text(x) for x in (f"resolved {resolved}" if resolved else None, ledger_id) if x)
    text = f"brokenlang: quarantined {edit_id}{f' ({details})' if details else ''}; " \
           f"restore with: brokenlang restore {edit_id}"
    return _comment(path, text)


def rewritten(path: str, first_line: bytes, edit_id: str, now: str) -> bytes:
    """The entry's current truth, keeping its list marker and indent, with a marker."""
    marker = f"brokenlang: rewritten {edit_id}; restore with: brokenlang restore {edit_id}"
    if comment_style(path) == "json":
        record = {"text": now, "brokenlang": marker.removeprefix("brokenlang: ")}
        return json.dumps(record, ensure_ascii=False).encode("utf-8", "surrogateescape")
    prefix = PREFIX.match(first_line).group(0)  # type: ignore[union-attr]
    return prefix + now.encode("utf-8", "surrogateescape") + b" " + _comment(path, marker)


def _comment(path: str, text: str) -> bytes:
    style = comment_style(path)
    if style == "json":
        body, _, rest = text.partition(": ")
        return json.dumps({body: rest}, ensure_ascii=False).encode("utf-8", "surrogateescape")
    if style == "hash":
        return f"# {text}".encode()
    return f"<!-- {text} -->".encode()


def apply(data: bytes, edits: Sequence[Edit]) -> bytes:
    """`data` with each edit's range replaced by its replacement."""
    out: list[bytes] = []
    pos = 0
    for e in sorted(edits, key=lambda e: e.start):
        if e.start < pos:
            raise PlanError(f"edits overlap at byte {e.start}")
        out += [data[pos:e.start], e.replacement]
        pos = e.end
    out.append(data[pos:])
    return b"".join(out)


def unapply(after: bytes, edits: Sequence[Edit]) -> bytes:
    """The original bytes back from a planned file: replacements swapped for originals."""
    out: list[bytes] = []
    pos = 0
    shift = 0
    for e in sorted(edits, key=lambda e: e.start):
        at = e.start + shift
        if after[at:at + len(e.replacement)] != e.replacement:
            raise PlanError(f"{e.id}: replacement not where it was planned")
        out += [after[pos:at], e.original]
        pos = at + len(e.replacement)
        shift += len(e.replacement) - len(e.original)
    out.append(after[pos:])
    return b"".join(out)


def check_conservation(before: bytes, after: bytes, edits: Sequence[Edit]) -> None:
    """Kept bytes plus cut entries are the original, and every tombstone is findable once."""
    for e in edits:
        if not e.original or before[e.start:e.end] != e.original:
            raise PlanError(f"{e.id}: cut bytes are not the entry's bytes")
    if unapply(after, edits) != before:
        raise PlanError("kept entries plus cut entries do not give back the original bytes")
    for e in edits:
        if after.count(marker_line(e.replacement)) != 1:
            raise PlanError(f"{e.id}: its marker would not be unique in the file")


def marker_line(replacement: bytes) -> bytes:
    """The replacement without its line terminator: what restore looks for."""
    return replacement.rstrip(b"\r\n")
