"""Later resolution text: the latest statement about a subject wins. A failure is stale
(resolved_by: text) when the latest later statement about the same subject reports a fix."""
from __future__ import annotations

import bisect
import datetime as dt
import heapq
import math
from collections import Counter
from collections.abc import Iterator, Sequence
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
        self._set(len(docs), Counter(w for d in docs for w in d))

    @classmethod
    def from_counts(cls, n_docs: int, df: Counter[str]) -> Subjects:
        """From the number of documents and how many name each word (summed over files)."""
        self = cls.__new__(cls)
        self._set(n_docs, df)
        return self

    def _set(self, n_docs: int, df: Counter[str]) -> None:
        self.n = max(1, n_docs)
        self.df = df
        self._weights: dict[str, float] = {}
        # Enough shared weight to tie two statements: one word seen in just two places
        # (or MIN_SHARED_WEIGHT in a large workspace).
        self.min_shared = min(MIN_SHARED_WEIGHT, math.log((self.n + 1) / 2.5))

    def weight(self, w: str) -> float:
        got = self._weights.get(w)
        if got is None:
            got = self._weights[w] = math.log((self.n + 1) / (self.df.get(w, 0) + 0.5))
        return got

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
DAY = dt.timedelta(days=1)
MIN_SHARED_WEIGHT = 1.5


def later(a: Statement, b: Statement) -> bool:
    """Is b written after a? Within a file, position decides when dates agree."""
    if a.path == b.path and b.line > a.line and b.when.date() >= a.when.date():
        return True  # notes are appended: further down the same day (or a vaguer date) is later
    return b.when > a.when and ((a.strong and b.strong) or b.when - a.when > DAY)


def resolve_by_text(statements: Sequence[Statement], subjects: Subjects) -> dict[int, Statement]:
    """For each failure statement, the resolution that makes it stale (if the latest
    related statement after it is a resolution). A resolution must name what failed (its
    focus words); a later failure needs less to count, so doubt keeps a failure open."""
    if subjects.min_shared <= 0:   # one entry: nothing can be related
        return {}
    out: dict[int, Statement] = {}
    timeline = _Timeline(statements, subjects)
    for f in statements:
        if not f.resolves:
            got = timeline.verdict(f)
            if got is not None:
                out[f.key] = got
    _incident_sections(statements, out)
    _problem_solution(statements, out)
    return out


class _Timeline:
    """The statements indexed by subject word, newest first, so that the latest related
    statements after a failure are found without comparing it with every statement.

    Exactly what the plain definition gives ("the statements after f that are related to
    it and not followed by another of them"), because:
    * a related statement must share a subject word with f (every relation needs shared
      weight), so only the lists of f's words are walked, newest first;
    * nothing dated before the midnight that starts f's day is after f;
    * of the related strong-dated statements, all but those at the newest time are
      followed by one at that time; a weak-dated one more than a day older than the
      newest related statement is followed by it. What is left (a few) is checked
      against the related statements further down its own file."""

    def __init__(self, statements: Sequence[Statement], subjects: Subjects) -> None:
        self.subjects = subjects
        strong: dict[str, list[Statement]] = {}
        weak: dict[str, list[Statement]] = {}
        by_path: dict[str, list[Statement]] = {}
        for s in statements:
            if s.solution:
                continue
            for w in s.own | s.context:
                (strong if s.strong else weak).setdefault(w, []).append(s)
            by_path.setdefault(s.path, []).append(s)
        for lists in (strong, weak):
            for items in lists.values():
                items.sort(key=_newest_first)
        for items in by_path.values():
            items.sort(key=_line)
        self.strong, self.weak, self.by_path = strong, weak, by_path
        self._memo: dict[tuple[frozenset[str], frozenset[str], tuple[frozenset[str], ...], int], bool] = {}

    def related(self, f: Statement, s: Statement) -> bool:
        """s is about what f says failed (f's side: own words, context and focus)."""
        key = (f.own, f.context, f.focus, s.key)
        got = self._memo.get(key)
        if got is None:
            got = _resolves(f, s, self.subjects) if s.resolves else _related(f, s, self.subjects)
            self._memo[key] = got
        return got

    def _walk(self, lists: dict[str, list[Statement]], f: Statement) -> Iterator[Statement]:
        """Statements sharing a word with f, newest first, each once, not before f's day."""
        words = f.own | f.context
        streams = [lists[w] for w in words if w in lists]
        floor = dt.datetime.combine(f.when.date(), dt.time(), tzinfo=f.when.tzinfo)
        seen: set[int] = set()
        merged = streams[0] if len(streams) == 1 else heapq.merge(*streams, key=_newest_first)
        for s in merged:
            if s.when < floor:
                return
            if s.key in seen or s.key == f.key:
                continue
            seen.add(s.key)
            if later(f, s) and self.related(f, s):
                yield s

    def verdict(self, f: Statement) -> Statement | None:
        candidates: list[Statement] = []
        top_strong = None
        for s in self._walk(self.strong, f):
            if top_strong is None:
                top_strong = s.when
            elif s.when != top_strong:
                break
            candidates.append(s)
        newest = top_strong
        for s in self._walk(self.weak, f):
            if newest is None or s.when > newest:
                newest = s.when
            if newest - s.when > DAY:
                break
            candidates.append(s)
        if newest is None:
            return None
        latest = [k for k in candidates if newest - k.when <= DAY and not self._followed_in_file(f, k)]
        if latest and all(s.resolves for s in latest):
            return max(latest, key=lambda s: (s.when, s.line))
        return None

    def _followed_in_file(self, f: Statement, k: Statement) -> bool:
        """Is k followed further down its own file by a statement related to f?"""
        items = self.by_path[k.path]
        for t in items[bisect.bisect_right(items, k.line, key=_line):]:
            if t.key != f.key and t.when.date() >= k.when.date() and later(f, t) and self.related(f, t):
                return True
        return False



def _line(s: Statement) -> int:
    return s.line


def _newest_first(s: Statement) -> tuple[float, int]:
    return (-s.when.timestamp(), -s.line)


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
    sections: dict[tuple[str, int], list[Statement]] = {}
    for s in statements:
        sections.setdefault((s.path, s.section), []).append(s)
    for h in statements:
        r = out.get(h.key)
        if not h.heading or h.resolves or r is None or r.path != h.path or r.section != h.line:
            continue
        inside = [s for s in sections[(h.path, h.line)] if s.key != h.key]
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
