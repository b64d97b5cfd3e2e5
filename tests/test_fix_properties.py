"""Properties on generated memory documents (mixed line endings, BOM, invalid UTF-8, NUL,
no final newline, very long lines): restore(fix(x)) == x byte for byte, and
fix(fix(x)) == fix(x)."""
from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brokenlang import fixer, journal, restore, safewrite
from brokenlang.models import Finding

EXAMPLES = 2000 if os.environ.get("CI") else 400
SETTINGS = settings(max_examples=EXAMPLES, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
CHUNKS = [b"deploy failed", b"HTTP 500", b" ", b"  ", b"\t", b"- ", b"* ", b"1. ", b"# ", b"\xff", b"\xe2\x82",
          b"\xc3", b"\x00", b"\x0b", b"\x0c", b"\x1c", b"\x85", "\u2028".encode(), b"\xef\xbb\xbf", b"<!--", b"-->",
          b"bl-", b"brokenlang:", "é".encode(), "名".encode(), b"{\"msg\": \"x\"}", b"|", b"`"]
TERMINATORS = [b"\n", b"\r\n", b"\r"]
PATHS = ["memory/2026-02-14.md", "logs/app.log", "events.jsonl", "notes.txt"]


class Doc(NamedTuple):
    path: str
    data: bytes
    findings: tuple[Finding, ...]
    entries: int


content = st.one_of(
    st.lists(st.sampled_from(CHUNKS) | st.binary(max_size=6).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")),
             min_size=1, max_size=8).map(b"".join),
    st.integers(2_000, 40_000).map(lambda n: b"x" * n),          # a very long line
)
entry = st.tuples(st.lists(st.tuples(content, st.sampled_from(TERMINATORS)), min_size=1, max_size=4),
                  st.sampled_from(["stale", "stale", "open", "recurred", "resolved", None]))


@st.composite
def documents(draw: st.DrawFn) -> Doc:
    path = draw(st.sampled_from(PATHS))
    bom = draw(st.booleans())
    parts = draw(st.lists(entry, min_size=1, max_size=10))
    final_newline = draw(st.booleans())
    chunks: list[bytes] = [fixer.BOM] if bom else []
    spans: list[tuple[int, int, str | None]] = []
    line = 1
    prev = b""
    for lines, state in parts:
        spans.append((line, line + len(lines) - 1, state))
        for text, term in lines:
            # a lone CR then an empty line's LF would read as one CRLF: keep lines apart
            chunks += [text or (b" " if prev == b"\r" else b""), term]
            prev = term
        line += len(lines)
    if not final_newline:
        chunks[-1] = b""
        chunks[-2] = chunks[-2] or b"x"   # a last line with no bytes at all is no line
    data = b"".join(chunks)
    split = fixer.split_lines(data)
    assert len(split) == line - 1
    findings = tuple(_finding(path, data, split, a, b, state, i) for i, (a, b, state) in enumerate(spans)
                     if state is not None)
    return Doc(path, data, findings, len(spans))


def _finding(path: str, data: bytes, split: Sequence[fixer.Line], a: int, b: int, state: str, i: int) -> Finding:
    text = data[split[a - 1].start:split[b - 1].end].decode("utf-8", "surrogateescape").strip()
    return Finding(path=path, line=a, end_line=b, column=1, rule="core.failed", severity="error", state=state,
                   text="failed", entry=text, entry_line=a, entry_end_line=b, entry_date="2026-02-14",
                   date_source="filename", ledger_id="cloudrun-500", resolved_by="ledger",
                   message="stale: 'failed' was resolved on 2026-02-16 (cloudrun-500)", fingerprint=f"fp{i}",
                   now="Cloud Run deploys succeed.")


def records_of(plan: fixer.Plan) -> list[journal.EditRecord]:
    return [journal.EditRecord(e.id, "t", plan.path, e.kind, "", e.ledger_id, e.line, e.end_line, e.original,
                               e.replacement, (), b"") for e in plan.edits]


def flag_markers(path: str, data: bytes, old: Sequence[Finding]) -> list[Finding]:
    """What a scanner that flagged our own tombstones and markers would report."""
    out = []
    for n, ln in enumerate(fixer.split_lines(data), 1):
        if fixer.MARKER.search(data[ln.start:ln.end]):
            out.append(old[0]._replace(line=n, end_line=n, entry_line=n, entry_end_line=n, entry="",
                                       state="stale", fingerprint=f"again{n}"))
    return out


@SETTINGS
@given(documents(), st.sampled_from(fixer.MODES), st.booleans())
def test_restore_of_fix_is_identity_and_fix_is_idempotent(doc: Doc, mode: str, rewrite_resolved: bool) -> None:
    plan = fixer.plan_fix(doc.path, doc.data, doc.findings, mode, rewrite_resolved=rewrite_resolved)
    wanted = fixer.eligible_states(rewrite_resolved)
    touchable = [f for f in doc.findings if f.state in wanted]
    assert len(plan.edits) + len(plan.skipped) == len(touchable)
    assert all("byte order mark" in s.reason for s in plan.skipped)   # only a BOM-only first entry
    assert restore.unapply(plan.after, records_of(plan)) == doc.data
    for e in plan.edits:   # kept bytes + cut bytes = the original, entry by entry
        assert doc.data[e.start:e.end] == e.original
    again = fixer.plan_fix(doc.path, plan.after, flag_markers(doc.path, plan.after, doc.findings) or [], mode,
                           rewrite_resolved=rewrite_resolved)
    assert again.after == plan.after and again.edits == ()


@settings(max_examples=max(EXAMPLES // 20, 40), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(documents(), st.sampled_from(fixer.MODES))
def test_round_trip_through_disk_journal_and_restore(doc: Doc, mode: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        target = root / doc.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(doc.data)
        with journal.opened(str(root)) as j:
            snap = safewrite.read_snapshot(str(target))
            plan = fixer.plan_fix(doc.path, snap.data, doc.findings, mode)
            if plan.edits:
                journal.commit_fix(j, snap, doc.path, plan)
            os.close(snap.fd)
            assert target.read_bytes() == plan.after
            index = restore.edit_index(j)
            assert sorted(index) == sorted(e.id for e in plan.edits)
            if index:
                result = restore.restore_file(j, doc.path, list(index.values()), False)
                assert result.ok, result.message
        assert target.read_bytes() == doc.data
        assert [n for n in os.listdir(target.parent) if safewrite.TMP_MARK in n] == []
