"""The pure planner: stale entries -> tombstones or rewrites, on bytes, conserving every byte."""
from __future__ import annotations

import re

import pytest

from brokenlang import entries, fixer
from brokenlang.cmd_fix import diff_bytes
from brokenlang.models import Finding

ID = re.compile(rb"bl-[0-9a-f]{10}")


def finding(line: int, end: int | None = None, *, path: str = "memory/2026-02-14.md", state: str = "stale",
            entry: str = "", ledger: str | None = "cloudrun-500", now: str | None = "Cloud Run deploys succeed.",
            fp: str = "fp", rule: str = "core.failed") -> Finding:
    return Finding(path=path, line=line, end_line=end or line, column=1, rule=rule, severity="error", state=state,
                   text="failed", entry=entry, entry_line=line, entry_end_line=end or line,
                   entry_date="2026-02-14", date_source="filename", ledger_id=ledger, resolved_by="ledger",
                   message=f"stale: 'failed' was resolved on 2026-02-16 ({ledger})", fingerprint=fp, now=now)


def ids_blanked(data: bytes) -> bytes:
    return ID.sub(b"bl-ID", data)


TOMB = (b"<!-- brokenlang: quarantined bl-ID (resolved 2026-02-16, cloudrun-500); "
        b"restore with: brokenlang restore bl-ID -->")
MARK = b"<!-- brokenlang: rewritten bl-ID; restore with: brokenlang restore bl-ID -->"


@pytest.mark.parametrize(("name", "data", "spans", "mode", "expected"), [
    ("lf", b"# Day\n- deploy failed\n- lunch\n", [(2, 2)], "quarantine", b"# Day\n" + TOMB + b"\n- lunch\n"),
    ("crlf kept", b"# Day\r\n- deploy failed\r\n- lunch\r\n", [(2, 2)], "quarantine",
     b"# Day\r\n" + TOMB + b"\r\n- lunch\r\n"),
    ("lone cr kept", b"a\r- deploy failed\rb\r", [(2, 2)], "quarantine", b"a\r" + TOMB + b"\rb\r"),
    ("no final newline", b"a\n- deploy failed", [(2, 2)], "quarantine", b"a\n" + TOMB),
    ("bom stays first", b"\xef\xbb\xbf- deploy failed\nb\n", [(1, 1)], "quarantine",
     b"\xef\xbb\xbf" + TOMB + b"\nb\n"),
    ("continuation lines are one entry", b"- deploy failed\n  still broken\n- ok\n", [(1, 2)], "quarantine",
     TOMB + b"\n- ok\n"),
    ("mixed terminators inside entry", b"- x failed\r\n  more\r  again\n- ok", [(1, 3)], "quarantine",
     TOMB + b"\n- ok"),
    ("indent kept", b"- top\n    - deploy failed\n", [(2, 2)], "quarantine", b"- top\n    " + TOMB + b"\n"),
    ("two findings one entry", b"- deploy failed with HTTP 500\n", [(1, 1), (1, 1)], "quarantine", TOMB + b"\n"),
    ("overlapping ranges merge", b"- a failed\n  b\n  c\n", [(1, 2), (2, 3)], "quarantine", TOMB + b"\n"),
    ("rewrite list item", b"- 09:10 deploy failed\n", [(1, 1)], "rewrite",
     b"- Cloud Run deploys succeed. " + MARK + b"\n"),
    ("rewrite task item with indent", b"  * [ ] deploy failed\r\n", [(1, 1)], "rewrite",
     b"  * [ ] Cloud Run deploys succeed. " + MARK + b"\r\n"),
    ("rewrite heading", b"## Deploy failed\n", [(1, 1)], "rewrite", b"## Cloud Run deploys succeed. " + MARK + b"\n"),
    ("rewrite paragraph", b"Deploy failed\nagain.\n\nnext\n", [(1, 2)], "rewrite",
     b"Cloud Run deploys succeed. " + MARK + b"\n\nnext\n"),
    ("rewrite numbered", b"1. deploy failed\n", [(1, 1)], "rewrite", b"1. Cloud Run deploys succeed. " + MARK + b"\n"),
])
def test_plan_bytes(name: str, data: bytes, spans: list[tuple[int, int]], mode: str, expected: bytes) -> None:
    findings = [finding(a, b, fp=f"fp{i}") for i, (a, b) in enumerate(spans)]
    plan = fixer.plan_fix("memory/2026-02-14.md", data, findings, mode)
    assert ids_blanked(plan.after) == expected
    assert len(plan.edits) == 1
    assert fixer.unapply(plan.after, plan.edits) == data


@pytest.mark.parametrize(("path", "expected"), [
    ("logs/app.log", b"# brokenlang: quarantined bl-ID (resolved 2026-02-16, cloudrun-500); "
                     b"restore with: brokenlang restore bl-ID\n"),
    ("notes.txt", b"# brokenlang: quarantined bl-ID (resolved 2026-02-16, cloudrun-500); "
                  b"restore with: brokenlang restore bl-ID\n"),
    ("events.jsonl", b'{"brokenlang": "quarantined bl-ID (resolved 2026-02-16, cloudrun-500); '
                     b'restore with: brokenlang restore bl-ID"}\n'),
    ("MEMORY.md", TOMB + b"\n"),
])
def test_tombstone_style_follows_file_kind(path: str, expected: bytes) -> None:
    plan = fixer.plan_fix(path, b"deploy failed\n", [finding(1, path=path)], "quarantine")
    assert ids_blanked(plan.after) == expected


def test_jsonl_rewrite_is_json() -> None:
    plan = fixer.plan_fix("e.jsonl", b'{"msg": "deploy failed"}\n', [finding(1, path="e.jsonl")], "rewrite")
    assert ids_blanked(plan.after) == (b'{"text": "Cloud Run deploys succeed.", "brokenlang": '
                                       b'"rewritten bl-ID; restore with: brokenlang restore bl-ID"}\n')


@pytest.mark.parametrize(("states", "rewrite_resolved", "edited"), [
    (["stale"], False, True),
    (["open"], False, False),
    (["recurred"], False, False),
    (["resolved"], False, False),
    (["resolved"], True, True),
    (["ignored"], False, False),
    (["stale", "open"], False, False),        # a live failure in the same entry wins
    (["stale", "recurred"], True, False),
    (["stale", "resolved"], False, True),
    (["stale", "ignored"], False, True),
])
def test_only_stale_entries_are_touched(states: list[str], rewrite_resolved: bool, edited: bool) -> None:
    data = b"- deploy failed and cron keeps crashing\n- ok\n"
    findings = [finding(1, state=s, fp=f"fp{i}") for i, s in enumerate(states)]
    plan = fixer.plan_fix("m.md", data, [f._replace(path="m.md") for f in findings], "quarantine",
                          rewrite_resolved=rewrite_resolved)
    assert (plan.after != data) is edited
    assert len(plan.edits) == int(edited)


@pytest.mark.parametrize(("data", "f", "reason"), [
    (b"- a\n- deploy failed\n", finding(2, entry="- deploy failed"), None),
    (b"\xef\xbb\xbf- deploy failed\n", finding(1, entry="\ufeff- deploy failed"), None),
    (b"- a\n- deploy failed\n", finding(2, entry="- the deploy failed"), fixer.CHANGED),
    (b"- a\n", finding(3), fixer.CHANGED),
    (b"- a\n" + TOMB.replace(b"bl-ID", b"bl-0123456789") + b"\n", finding(2), "already a brokenlang"),
    (b"- deploy failed\n", finding(1, now=None), "no replacement text"),
    (b"\xef\xbb\xbf", finding(1), "no bytes besides the byte order mark"),
])
def test_skips_say_why(data: bytes, f: Finding, reason: str | None) -> None:
    plan = fixer.plan_fix(f.path, data, [f], "rewrite")
    if reason is None:
        assert plan.edits and not plan.skipped
    else:
        assert not plan.edits and plan.after == data
        assert [s.line for s in plan.skipped] == [f.entry_line]
        assert reason in plan.skipped[0].reason


def test_rewrite_falls_back_to_rule_template() -> None:
    plan = fixer.plan_fix("m.md", b"- deploy failed\n", [finding(1, path="m.md", now=None)], "rewrite",
                          templates={"core.failed": "The deploy works now."})
    assert plan.after.startswith(b"- The deploy works now. <!-- brokenlang: rewritten bl-")


def test_now_text_is_one_line() -> None:
    plan = fixer.plan_fix("m.md", b"- deploy failed\n", [finding(1, path="m.md", now="Works.\nReally\r\nnow.")],
                          "rewrite")
    assert plan.after.count(b"\n") == 1 and b"\r" not in plan.after
    assert plan.after.startswith(b"- Works. Really now. <!--")


def test_findings_of_other_files_are_ignored() -> None:
    plan = fixer.plan_fix("a.md", b"- deploy failed\n", [finding(1, path="b.md")], "quarantine")
    assert plan.after == b"- deploy failed\n"


def test_ids_are_stable_unique_and_short() -> None:
    data = b"- deploy failed\n- deploy failed\n"
    fs = [finding(1, path="m.md"), finding(2, path="m.md")]
    one = fixer.plan_fix("m.md", data, fs, "quarantine")
    two = fixer.plan_fix("m.md", data, fs, "quarantine")
    ids = [e.id for e in one.edits]
    assert ids == [e.id for e in two.edits]
    assert len(set(ids)) == 2 and all(re.fullmatch(r"bl-[0-9a-f]{10}", i) for i in ids)
    three = fixer.plan_fix("m.md", data, fs, "quarantine", taken_ids=ids)
    assert not set(ids) & {e.id for e in three.edits}


def test_edit_records_what_was_cut() -> None:
    data = b"x\r\n- deploy failed\r\n  more\r\ny"
    plan = fixer.plan_fix("m.md", data, [finding(2, 3, path="m.md")], "quarantine")
    (e,) = plan.edits
    assert (e.line, e.end_line, e.original) == (2, 3, b"- deploy failed\r\n  more\r\n")
    assert data[e.start:e.end] == e.original
    assert (e.ledger_id, e.resolved, e.rules, e.states) == ("cloudrun-500", "2026-02-16", ("core.failed",), ("stale",))


def test_conservation_check_refuses_a_bad_edit() -> None:
    plan = fixer.plan_fix("m.md", b"- a failed\n- b failed\n", [finding(1, path="m.md"), finding(2, path="m.md")],
                          "quarantine")
    bad = plan.edits[0]._replace(original=b"- a failed\n- b")
    with pytest.raises(fixer.PlanError):
        fixer.check_conservation(plan.before, plan.after, [bad, plan.edits[1]])
    with pytest.raises(fixer.PlanError):
        fixer.apply(plan.before, [plan.edits[0], plan.edits[0]._replace(start=plan.edits[0].start + 1)])


@pytest.mark.parametrize("text", [
    "a\nb\r\nc\rd", "a\x0bb\x1cc\u2028d\x85e\n", "\ufeffx\r\n\r\n\ry", "", "\n", "\r\n", "no end", "\r\r\n\n",
])
def test_line_split_matches_the_scanner(text: str) -> None:
    data = text.encode("utf-8", "surrogateescape")
    mine = [data[ln.start:ln.end].decode("utf-8", "surrogateescape") for ln in fixer.split_lines(data)]
    theirs = entries.split_lines(text)
    if theirs and theirs[-1] == "":
        theirs = theirs[:-1]  # text ending in a line break has no extra line
    assert mine == theirs


def test_diff_is_exact_unified_diff() -> None:
    before = b"# Day\n- deploy failed\n- lunch"
    plan = fixer.plan_fix("m.md", before, [finding(2, path="m.md")], "quarantine")
    (e,) = plan.edits
    assert diff_bytes("m.md", plan.before, plan.after, color=False).decode() == (
        "--- a/m.md\n+++ b/m.md\n@@ -1,3 +1,3 @@\n # Day\n-- deploy failed\n"
        f"+<!-- brokenlang: quarantined {e.id} (resolved 2026-02-16, cloudrun-500); "
        f"restore with: brokenlang restore {e.id} -->\n"
        " - lunch\n\\ No newline at end of file\n")


@pytest.mark.parametrize("ledger", ["x-->y\n<!--", "a\x00b"])
def test_hostile_ledger_ids_cannot_break_the_comment(ledger: str) -> None:
    plan = fixer.plan_fix("m.md", b"- deploy failed\n", [finding(1, path="m.md", ledger=ledger)], "quarantine")
    line = plan.after.rstrip(b"\n")
    assert line.startswith(b"<!-- ") and line.endswith(b" -->")
    assert line.count(b"-->") == 1 and b"\n" not in line and b"\x00" not in line


def test_touches_open_end() -> None:
    open_end = fixer.plan_fix("m.md", b"a\n- deploy failed", [finding(2, path="m.md")], "quarantine")
    closed = fixer.plan_fix("m.md", b"a\n- deploy failed\n", [finding(2, path="m.md")], "quarantine")
    assert open_end.touches_open_end and not closed.touches_open_end
