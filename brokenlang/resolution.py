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
    focus: frozenset[str] = frozenset()   # for failures: the words naming what failed


class Subjects:
    """IDF weights of subject words over everything scanned in one run."""

    def __init__(self, docs: Sequence[frozenset[str]]) -> None:
        self.n = max(1, len(docs))
        self.df = Counter(w for d in docs for w in d)

    def weight(self, w: str) -> float:
        return math.log((self.n + 1) / (self.df.get(w, 0) + 0.5))

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
    return b.when > a.when and (a.strong and b.strong or b.when - a.when > dt.timedelta(days=1))


def resolve_by_text(statements: Sequence[Statement], subjects: Subjects) -> dict[int, Statement]:
    """For each failure statement, the resolution that makes it stale (if the latest
    related statement after it is a resolution). A resolution must name what failed (its
    focus words); a later failure needs less to count, so doubt keeps a failure open."""
    out: dict[int, Statement] = {}
    for f in statements:
        if f.resolves:
            continue
        related = [s for s in statements if s.key != f.key and later(f, s) and _related(f, s, subjects)
                   and (not s.resolves or names_focus(f, s))]
        if not related:
            continue
        latest = [s for s in related if not any(later(s, t) for t in related)]
        if latest and all(s.resolves for s in latest):
            out[f.key] = max(latest, key=lambda s: (s.when, s.line))
    return out


def names_focus(f: Statement, r: Statement) -> bool:
    """Does r name (most of) what f says failed? 'Gmail labels work' does not resolve
    'Gmail digest not sent'."""
    if not f.focus:
        return True
    have = r.own | r.context
    need = math.ceil(len(f.focus) / 2)
    return len(f.focus & have) >= need


def _related(a: Statement, b: Statement, subjects: Subjects) -> bool:
    sim = subjects.similarity(a, b)
    if sim < THRESHOLD:
        return False
    shared = (a.own | a.context) & (b.own | b.context)
    return sum(subjects.weight(w) for w in shared) >= MIN_SHARED_WEIGHT


def subject_words(text: str) -> frozenset[str]:
    return frozenset(subject.words(text))
