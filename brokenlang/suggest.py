"""`ledger suggest` (pure): propose ledger issues from what the scanned files and the git
history already say was fixed.

* A failure that later text resolved (`resolved_by: text`): its failure entries give the
  match phrases, the resolving statement gives the date.
* A statement that reports its own fix (state `resolved`): the earlier open failures about
  the same subject give the match phrases, the statement's date is the resolution.
* A commit whose subject says it fixed something ("fix: ...", "fixed ...", "resolve ...")
  and that touched a scanned memory file: the subject (and earlier failures about the same
  subject) give the match phrases, the commit date is the resolution.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from . import subject
from .ledger import Issue, Ledger, LedgerMatcher
from .models import Finding

FIX_SUBJECT = re.compile(
    r"^\s*(?:fix(?:\([^)]*\))?!?\s*:|fix(?:ed|es)?\b|resolve[sd]?\b(?:\([^)]*\))?:?|hotfix\s*:)\s*(?P<what>.+)$", re.I)
TEXT_RESOLUTION = re.compile(r"\((?P<path>[^()]+):(?P<line>\d+), (?P<date>\d{4}-\d{2}-\d{2})\)\s*$")
MAX_PHRASES = 5
MAX_WORDS = 10
SLUG_WORDS = 4


class Commit(NamedTuple):
    sha: str
    date: dt.date
    subject: str
    files: tuple[str, ...]     # paths as the scan reports them, only the scanned ones


class Proposal(NamedTuple):
    id: str
    title: str
    match: tuple[str, ...]
    resolved: str              # ISO date
    evidence: str

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "title": self.title, "match": list(self.match), "resolved": self.resolved,
                "evidence": self.evidence}


def phrase(text: str, hit: str = "") -> str:
    """A short match phrase from an entry: the clause holding the hit, without list
    markers, times, dates or markup, at most MAX_WORDS words."""
    lines = [ln for ln in text.splitlines() if ln.strip()] or [text]
    line = next((ln for ln in lines if hit and hit.lower() in ln.lower()), lines[0])
    line = re.sub(r"^\s*(?:[-*+•]|\d{1,9}[.)])\s+(?:\[[ xX]\]\s+)?", "", line)
    line = re.sub(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?\b", " ", line)
    line = re.sub(r"\b\d{1,2}:\d{2}(?::\d{2})?\b", " ", line)
    line = re.sub(r"[`*_~#>\[\]]+|<!--.*?-->", " ", line)
    clauses = [c for c in re.split(r"[.;!?—–]\s|\s[-–]\s|,\s|\(|\)|:\s", line) if c.strip()]
    clause = next((c for c in clauses if hit and hit.lower() in c.lower()), clauses[0] if clauses else line)
    words = clause.split()
    if len(words) > MAX_WORDS:
        lowered = [w.lower() for w in words]
        first = hit.split()[0].lower() if hit.split() else ""
        at = next((i for i, w in enumerate(lowered) if first and first in w), 0)
        start = max(0, min(at - 3, len(words) - MAX_WORDS))
        words = words[start:start + MAX_WORDS]
    return " ".join(words).strip(" ,:;-–—\"'")


def slug(text: str) -> str:
    words = [w for w in re.findall(r"[a-z0-9]+", text.lower())
             if w not in subject.STOP and w not in subject.VERDICT and len(w) > 1]
    return "-".join(words[:SLUG_WORDS]) or "issue"


def _title(text: str) -> str:
    t = " ".join(text.split())
    return t[:1].upper() + t[1:] if t else "Resolved issue"


def _words(text: str) -> frozenset[str]:
    return frozenset(subject.words(text))


def related(a: frozenset[str], b: frozenset[str]) -> bool:
    """Same subject: they share at least half the words of the smaller one (and one at least)."""
    if not a or not b:
        return False
    return len(a & b) * 2 >= min(len(a), len(b))


def _phrases(failures: Iterable[Finding]) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for f in failures:
        p = phrase(f.entry, f.text)
        if p and _words(p):
            out.setdefault(p, None)
    return tuple(out)[:MAX_PHRASES]


def from_findings(findings: Sequence[Finding]) -> list[Proposal]:
    out: list[Proposal] = []
    by_resolution: dict[tuple[str, str, str], list[Finding]] = {}
    for f in findings:
        if f.state == "stale" and f.resolved_by == "text":
            m = TEXT_RESOLUTION.search(f.message)
            if m:
                by_resolution.setdefault((m.group("path"), m.group("line"), m.group("date")), []).append(f)
    for (path, line, date), fails in by_resolution.items():
        match = _phrases(fails)
        if match:
            out.append(Proposal(slug(match[0]), _title(match[0]), match, date,
                                f"resolution text at {path}:{line} ({date})"))
    open_fails = [f for f in findings if f.state == "open" and f.ledger_id is None]
    for r in findings:
        if r.state != "resolved" or not r.entry_date:
            continue
        words = _words(r.entry)
        fails = [f for f in open_fails if f.entry_date and f.entry_date <= r.entry_date
                 and related(_words(f.entry), words)]
        match = _phrases(fails)
        if match:
            out.append(Proposal(slug(match[0]), _title(match[0]), match, r.entry_date,
                                f"{r.path}:{r.line}: {_short(r.entry)}"))
    return out


def from_commits(commits: Sequence[Commit], findings: Sequence[Finding]) -> list[Proposal]:
    out = []
    failures = [f for f in findings if f.state in ("open", "stale") and f.ledger_id is None]
    for c in commits:
        m = FIX_SUBJECT.match(c.subject)
        if not m:
            continue
        what = re.sub(r"\s*\(#\d+\)\s*$", "", m.group("what")).strip(" .")
        words = _words(what)
        if not words:
            continue
        fails = [f for f in failures if f.entry_date and f.entry_date <= c.date.isoformat()
                 and related(_words(f.entry), words)]
        match = tuple(dict.fromkeys((what, *_phrases(fails))))[:MAX_PHRASES]
        out.append(Proposal(slug(what), _title(what), match, c.date.isoformat(),
                            f"commit {c.sha[:7]} {c.subject!r} ({c.date.isoformat()}) touched "
                            + ", ".join(c.files[:3]) + (" ..." if len(c.files) > 3 else "")))
    return out


def select(proposals: Iterable[Proposal], ledger: Ledger) -> list[Proposal]:
    """Drop proposals the ledger already covers (same id, or phrases matching one of its
    issues) and later proposals about the same issue as an earlier one (their phrases
    match each other's either way)."""
    covered = LedgerMatcher(ledger)
    taken = {i.id for i in ledger.issues}
    out: list[Proposal] = []
    for p in proposals:
        if p.id in taken or any(covered.match(x, "", "") for x in p.match):
            continue
        mine = LedgerMatcher(Ledger(None, (_as_issue(p),)))
        if out and any(mine.match(x, "", "") for q in out for x in q.match):
            continue
        taken.add(p.id)
        out.append(p)
        covered = LedgerMatcher(Ledger(None, (*ledger.issues, *(_as_issue(q) for q in out))))
    return out


def _as_issue(p: Proposal) -> Issue:
    return Issue(p.id, p.title, p.match, dt.datetime.min.replace(tzinfo=dt.UTC), p.resolved, None, (),
                 p.evidence, 0)


def _short(text: str, n: int = 80) -> str:
    t = " ".join(text.split())
    return t if len(t) <= n else t[: n - 3] + "..."
