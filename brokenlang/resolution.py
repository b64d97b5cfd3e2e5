"""Later resolution text: the latest statement about a subject wins. A failure is stale
(resolved_by: text) when the latest later statement about the same subject reports a fix."""
from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

from . import subject


class Statement(NamedTuple):
    key: int                 # index into the caller's statement list
    path: str
    line: int
    order: tuple[str, int]   # (path, line): position inside one file
    when: dt.datetime
    strong: bool             # dated from the text, not from git/mtime
    resolves: bool           # True: reports a fix/success; False: asserts a failure
    own: frozenset[str]      # subject words of the entry
    context: frozenset[str]  # subject words of its section heading
    focus: tuple[frozenset[str], ...] = ()   # for failures: per hit, the words naming what failed
    section: int = 0         # line of the heading the statement sits under (its own line for a heading)
    heading: bool = False
    fix_section: bool = False  # under a heading that reports fixes ('## Drew Pushes Fixes')
    solution: bool = False   # a 'Solution:' / 'Fix:' field: names a remedy, not that it worked
    weak: bool = False       # a resolution cue that only says something went well ('docs updated ✅')


class Subjects:
    """IDF weights of subject words over everything scanned in one run."""

    def __init__(self, docs: Sequence[frozenset[str]]) -> None:
        self.n = max(1, len(docs))
        self.df = Counter(w for d in docs for w in d)

    def weight(self, w: str) -> float:
        return math.log((self.n + 1) / (self.df.get(w, 0) + 0.5))

    @property
    def min_shared(self) -> float:
        """Enough shared weight to tie two statements: one word seen in just two places
        (or MIN_SHARED_WEIGHT in a large workspace)."""
        return min(MIN_SHARED_WEIGHT, math.log((self.n + 1) / 2.5))

    def similarity(self, a: Statement, b: Statement) -> float:
        """Weight of what two statements share, relative to the smaller one. `b` must name
        something `a` itself names: a shared section heading alone is not enough."""
        wa, wb = a.own | a.context, b.own | b.context
        shared = wa & wb
        if not shared or not (a.own & wb):
            return 0.0
        num = sum(self.weight(w) for w in shared)
        den = min(sum(self.weight(w) for w in wa), sum(self.weight(w) for w in wb)) or 1.0
        return num / den


THRESHOLD = 0.3
MIN_SHARED_WEIGHT = 1.5


def later(a: Statement, b: Statement) -> bool:
    """Is b written after a? Within a file, position decides when dates agree."""
    if a.path == b.path and b.line > a.line and b.when.date() >= a.when.date():
        return True  # notes are appended: further down the same day (or a vaguer date) is later
    return b.when > a.when and ((a.strong and b.strong) or b.when - a.when > dt.timedelta(days=1))


def resolve_by_text(statements: Sequence[Statement], subjects: Subjects) -> dict[int, Statement]:
    """For each failure statement, the resolution that makes it stale (if the latest
    related statement after it is a resolution). A resolution must name what failed (its
    focus words); a later failure needs less to count, so doubt keeps a failure open."""
    out: dict[int, Statement] = {}
    for f in statements:
        if f.resolves:
            continue
        related = [s for s in statements if s.key != f.key and not s.solution and later(f, s) and
                   (_resolves(f, s, subjects) if s.resolves else _related(f, s, subjects))]
        if not related:
            continue
        latest = [s for s in related if not any(later(s, t) for t in related)]
        if latest and all(s.resolves for s in latest):
            out[f.key] = max(latest, key=lambda s: (s.when, s.line))
    _incident_sections(statements, out)
    _problem_solution(statements, out)
    return out


def _problem_solution(statements: Sequence[Statement], out: dict[int, Statement]) -> None:
    """'Problem: X' / 'Solution: Y' / 'Script v4 - proven with 94 leads' in one section: a
    remedy followed by evidence that it worked, and no failure after it."""
    sections: dict[tuple[str, int], list[Statement]] = {}
    for s in statements:
        if not s.heading:
            sections.setdefault((s.path, s.section), []).append(s)
    for items in sections.values():
        items.sort(key=lambda s: s.line)
        for i, f in enumerate(items):
            if f.resolves or f.key in out:
                continue
            rest = items[i + 1:]
            sol = next((k for k, s in enumerate(rest) if s.solution), None)
            if sol is None:
                continue
            after = rest[sol + 1:]
            proof = next((s for s in after if s.resolves and not s.solution), None)
            if proof is not None and not any(not s.resolves for s in rest):
                out[f.key] = proof


def _incident_sections(statements: Sequence[Statement], out: dict[int, Statement]) -> None:
    """'## Credits Ran Out' ... '- cron failed (still on Opus)' ... '- Credits replenished':
    when a section's heading failure is resolved inside the section and nothing fails
    after that, the failures between them were consequences of the same incident."""
    for h in statements:
        r = out.get(h.key)
        if not h.heading or h.resolves or r is None or r.path != h.path or r.section != h.line:
            continue
        inside = [s for s in statements if s.path == h.path and s.section == h.line and s.key != h.key]
        if any(not s.resolves and s.line > r.line for s in inside):
            continue
        for s in inside:
            if not s.resolves and s.line < r.line:
                out.setdefault(s.key, r)


def names_focus(f: Statement, r: Statement) -> bool:
    """Does r name what f says failed? f's focus has one group per clause with hits; r must
    name a third of the words of at least half of the groups. 'Gmail labels work' does not
    resolve 'Gmail digest not sent'."""
    have = r.own | r.context
    groups = [g for g in f.focus if g]
    named = sum(len(g & have) >= math.ceil(len(g) / 3) for g in groups)
    return not groups or named * 2 >= len(groups)


def _resolves(f: Statement, r: Statement, subjects: Subjects) -> bool:
    """A resolution must name f's focus, and share its subject: in proportion, or by at
    least two distinctive words ('All province IDs correct' for 'FK failures: wrong
    province IDs caused ...')."""
    if not names_focus(f, r):
        return False
    if r.fix_section and _shared_weight(f, r, subjects) >= subjects.min_shared:
        return True
    shared = (f.own | f.context) & (r.own | r.context)
    if r.weak:  # 'API docs updated ✅' must not close 'API returned 500 on /orders'
        return len(shared) >= 2 and _related(f, r, subjects)
    if _related(f, r, subjects):
        return True
    return len(shared) >= 2 and sum(subjects.weight(w) for w in shared) >= 2 * subjects.min_shared


def _shared_weight(a: Statement, b: Statement, subjects: Subjects) -> float:
    return sum(subjects.weight(w) for w in (a.own | a.context) & (b.own | b.context))


def _related(a: Statement, b: Statement, subjects: Subjects) -> bool:
    sim = subjects.similarity(a, b)
    if sim < THRESHOLD:
        return False
    shared = (a.own | a.context) & (b.own | b.context)
    return sum(subjects.weight(w) for w in shared) >= subjects.min_shared


def subject_words(text: str) -> frozenset[str]:
    return frozenset(subject.words(text))
