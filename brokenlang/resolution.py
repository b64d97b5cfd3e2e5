"""Later resolution text: the latest statement about a subject wins. A failure is stale
(resolved_by: text) when the latest later statement about the same subject reports a fix."""
from __future__ import annotations

import bisect
import datetime as dt
import heapq
import math
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple

from . import subject


class Statement(NamedTuple):
    key: int                 # index into the caller's statement list
    path: str
    line: int
    order: tuple[str, int]   # (path, position): where it stands in the order its file was written (the line,
                             # unless the file is kept newest first: dating.file_order)
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
    minor: bool = False      # a failure of info rules only ('Next: Fix the score'): no problem after a fix
    near: frozenset[str] = frozenset()   # for a resolution told in other words: those of its first clause and
                                         # of the clauses of its cue ('SSH working' in 'SSH working: root@host');
                                         # empty: all of `own`


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
MIDNIGHT = dt.time(tzinfo=dt.timezone.utc)   # the time of a statement dated by its day only
DAY = dt.timedelta(days=1)
MIN_SHARED_WEIGHT = 1.5
# an item under a heading that reports fixes closes a failure by one shared word when the
# word is that much of what the item is about ('Gmail fixed', not '/tasks tab switcher ...')
FIX_ITEM_SHARE = 0.3


def later(a: Statement, b: Statement) -> bool:
    """Is b written after a? Within a file, position decides when dates agree."""
    if a.path == b.path:
        if b.order[1] > a.order[1] and b.when.date() >= a.when.date():
            return True  # notes are appended: further down the same day (or a vaguer date) is later
        if b.when.date() == a.when.date() and MIDNIGHT in (a.when.timetz(), b.when.timetz()):
            return False  # above it the same day, one of them dated by its day only: earlier
    return b.when > a.when and ((a.strong and b.strong) or b.when - a.when > DAY)


Spread = Callable[[Callable[[Sequence[Statement]], list[tuple[int, int]]], Sequence[Statement]],
                  list[list[tuple[int, int]]]]


def resolve_by_text(statements: Sequence[Statement], subjects: Subjects,
                    spread: Spread | None = None) -> dict[int, Statement]:
    """For each failure statement, the resolution that makes it stale (if the latest
    related statement after it is a resolution). A resolution must name what failed (its
    focus words); a later failure needs less to count, so doubt keeps a failure open.
    `spread(fn, failures)`: fn over parts of the failures, e.g. in other processes (each
    failure's verdict depends on the timeline only); the results, part by part."""
    if subjects.min_shared <= 0:   # one entry: nothing can be related
        return {}
    timeline = _Timeline(statements, subjects)
    failures = [f for f in statements if not f.resolves]

    def verdicts(part: Sequence[Statement]) -> list[tuple[int, int]]:
        return [(f.key, got.key) for f in part if (got := timeline.verdict(f)) is not None]

    parts = spread(verdicts, failures) if spread is not None else [verdicts(failures)]
    by_key = {s.key: s for s in statements}
    out = {f: by_key[r] for part in parts for f, r in part}
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
      against the related statements further down its own file; when one of those is not
      among them (a line further down, timed earlier: position outranks time within a
      day, so the latest is not the newest), the failure is decided by the definition
      itself, over every related statement after it.
    Of several latest resolutions at the same time and line, the first in input order is
    named, as in the definition (see `verdict`).

    A statement is known by its rank, its place in the newest-first order of all of them
    (ties in input order): a word's list is then a rising list of ints, merged without a
    key, and a statement on several lists comes out of the merge once per list, in a row."""

    def __init__(self, statements: Sequence[Statement], subjects: Subjects) -> None:
        self.min_shared = subjects.min_shared
        ranked = sorted((s for s in statements if not s.solution), key=_newest_first)
        self.ranked = ranked
        self.rank = {s.key: r for r, s in enumerate(ranked)}
        self.whens = [s.when for s in ranked]
        self.words = words = [s.own | s.context for s in ranked]
        strong: dict[str, list[int]] = {}
        weak: dict[str, list[int]] = {}
        for r, s in enumerate(ranked):
            lists = strong if s.strong else weak
            for w in words[r]:
                got = lists.get(w)
                if got is None:
                    lists[w] = [r]
                else:
                    got.append(r)
        self.strong, self.weak = _shared_lists(strong), _shared_lists(weak)
        self.weight = {w: subjects.weight(w) for w in strong.keys() | weak.keys()}
        # the same sums, in the same order, as Subjects.similarity takes them
        self.totals = [sum(map(self.weight.__getitem__, ws)) for ws in words]
        # the weight of an item's own words, asked only of items under a fix heading
        self.own_totals = [sum(map(self.weight.__getitem__, s.own)) if s.fix_section else 0.0 for s in ranked]
        paths: dict[str, list[int]] = {}
        for r in sorted(range(len(ranked)), key=lambda r: ranked[r].order[1]):
            paths.setdefault(ranked[r].path, []).append(r)
        self.by_path = {p: ([ranked[r].order[1] for r in rs], rs) for p, rs in paths.items()}
        self._memo: dict[tuple[frozenset[str], frozenset[str], tuple[frozenset[str], ...]], dict[int, bool]] = {}
        self._streams: dict[tuple[int, frozenset[str]], list[list[int]]] = {}   # failures repeat their words

    def verdict(self, f: Statement) -> Statement | None:
        side = self._side(f)
        floor = dt.datetime.combine(f.when.date(), dt.time(), tzinfo=f.when.tzinfo)
        ranked = self.ranked
        candidates: list[int] = []
        top_strong = None
        for r in self._walk(self.strong, f, side, floor):
            when = ranked[r].when
            if top_strong is None:
                top_strong = when
            elif when != top_strong:
                break
            candidates.append(r)
        newest = top_strong
        for r in self._walk(self.weak, f, side, floor):
            when = ranked[r].when
            if newest is None or when > newest:
                newest = when
            if newest - when > DAY:
                break
            candidates.append(r)
        if newest is None:
            return None
        # a failure among the latest keeps f open: look for one first, then for the fixes
        candidates.sort(key=lambda r: ranked[r].resolves)
        among = set(candidates)
        latest: list[int] = []
        for r in candidates:
            k = ranked[r]
            if newest - k.when > DAY:
                continue
            follower = self._follower_in_file(f, side, k)
            if follower >= 0:
                if follower not in among:   # a line below, timed earlier: the walk's order is not later's
                    return self._exact(f, side, floor, newest)
                continue
            if not k.resolves:
                return None
            latest.append(r)
        # of several at the latest (time, line), the first in input order, as the definition's
        # max() names it: the lowest rank, since ranks keep input order among equals
        return self.ranked[min(latest)] if latest else None

    def _side(self, f: Statement) -> _Side:
        """What f brings to every comparison, and its memo (shared by failures that say the same)."""
        memo = self._memo.setdefault((f.own, f.context, f.focus), {})
        groups = tuple((g, math.ceil(len(g) / 3)) for g in f.focus if g)
        rank = self.rank[f.key]
        return _Side(self.words[rank], self.totals[rank], rank, groups, memo)

    def _walk(self, lists: dict[str, list[int]], f: Statement, side: _Side, floor: dt.datetime) -> Iterator[int]:
        """Ranks of the statements after f related to it, newest first, not before f's day."""
        key = (id(lists), side.words)
        streams = self._streams.get(key)
        if streams is None:
            # words always named together share one list: merge it once
            streams = self._streams[key] = list({id(items): items for w in side.words
                                                 if (items := lists.get(w)) is not None}.values())
        ranked, whens, memo, me = self.ranked, self.whens, side.memo, side.rank
        last = -1
        for r in streams[0] if len(streams) == 1 else heapq.merge(*streams):
            if r == last:
                continue
            last = r
            if whens[r] < floor:
                return
            got = memo.get(r)
            if got is False or r == me or not later(f, ranked[r]):   # the memo first: most are unrelated
                continue
            if got is None:
                got = memo[r] = self._related(f, side, r)
            if got:
                yield r

    def _follower_in_file(self, f: Statement, side: _Side, k: Statement) -> int:
        """The first statement related to f further down k's own file the same day or
        later (its rank), or -1."""
        lines, ranks = self.by_path[k.path]
        ranked, memo, me = self.ranked, side.memo, side.rank
        day = k.when.date()
        for r in ranks[bisect.bisect_right(lines, k.order[1]):]:
            t = ranked[r]
            if r != me and t.when.date() >= day and later(f, t):
                got = memo.get(r)
                if got is None:
                    got = memo[r] = self._related(f, side, r)
                if got:
                    return r
        return -1

    def _exact(self, f: Statement, side: _Side, floor: dt.datetime, newest: dt.datetime) -> Statement | None:
        """The definition itself, for the rare failure whose related statements the
        newest-first walk cannot order: a line further down a file the same day is later
        than the one above it, whatever their times say, so the latest is not the newest.
        Only the statements within a day of the newest can be latest (the newest is later
        than any older one); of those, one with a related follower further down its file
        is not, and the rest are compared with each other, newest first."""
        start = max(floor, newest - DAY)
        window = {*self._walk(self.strong, f, side, start), *self._walk(self.weak, f, side, start)}
        ranked = self.ranked
        order = sorted(window, key=lambda r: ranked[r].when, reverse=True)
        latest = [r for r in sorted(window) if self._follower_in_file(f, side, ranked[r]) < 0
                  and not any(later(ranked[r], ranked[t]) for t in order)]
        if latest and all(ranked[r].resolves for r in latest):
            return ranked[min(latest)]
        return None

    def _related(self, f: Statement, side: _Side, r: int) -> bool:
        """_resolves(f, s) if s resolves, else _related(f, s), with the word sets and their
        weights taken once: the same sets in the same order, so the same sums."""
        s, ws = self.ranked[r], self.words[r]
        if not s.resolves:
            if f.own.isdisjoint(ws):
                return False
            return self._similar(side, r, side.words & ws)
        named = 0
        for g, need in side.groups:
            named += len(g & ws) >= need
        if named * 2 < len(side.groups):
            return False
        if _aside(side.words, s):
            return False
        shared = side.words & ws
        if not shared:
            return False
        if s.fix_section:
            num = sum(map(self.weight.__getitem__, shared))
            if num >= self.min_shared and num >= FIX_ITEM_SHARE * self.own_totals[r]:
                return True
        if _by_heading_only(shared, f, s):
            return False
        if s.weak:
            return _two_apart(shared, f, s) and not f.own.isdisjoint(ws) and self._similar(side, r, shared)
        if not f.own.isdisjoint(ws) and self._similar(side, r, shared):
            return True
        return len(shared) >= 2 and _named(shared, f, s) \
            and sum(map(self.weight.__getitem__, shared)) >= 2 * self.min_shared

    def _similar(self, side: _Side, r: int, shared: frozenset[str]) -> bool:
        """_related's test once f's own words are known to meet s: similar enough, by enough weight."""
        if not shared:
            return False
        num = sum(map(self.weight.__getitem__, shared))
        return num / (min(side.total, self.totals[r]) or 1.0) >= THRESHOLD and num >= self.min_shared


def _shared_lists(lists: dict[str, list[int]]) -> dict[str, list[int]]:
    """The same lists, with equal ones made one object (templated notes name words together)."""
    one: dict[tuple[int, ...], list[int]] = {}
    return {w: one.setdefault(tuple(items), items) for w, items in lists.items()}


class _Side(NamedTuple):
    words: frozenset[str]                        # own | context
    total: float                                 # their weight
    rank: int
    groups: tuple[tuple[frozenset[str], int], ...]   # focus groups, and how many words of each to name
    memo: dict[int, bool]                        # rank -> related to f


def _newest_first(s: Statement) -> tuple[float, int]:
    return (-s.when.timestamp(), -s.order[1])


def _problem_solution(statements: Sequence[Statement], out: dict[int, Statement]) -> None:
    """'Problem: X' / 'Solution: Y' / 'Script v4 - proven with 94 leads' in one section: a
    remedy followed by evidence that it worked, and no failure after it."""
    sections: dict[tuple[str, int], list[Statement]] = {}
    for s in statements:
        if not s.heading:
            sections.setdefault((s.path, s.section), []).append(s)
    for items in sections.values():
        items.sort(key=lambda s: s.line)
        # a failure followed by another failure is not closed: only the section's last one can be
        # (a to-do or root cause of severity info after it is no new problem)
        last = next((i for i in range(len(items) - 1, -1, -1) if not items[i].resolves and not items[i].minor), None)
        if last is None or items[last].key in out:
            continue
        rest = items[last + 1:]
        sol = next((k for k, s in enumerate(rest) if s.solution), None)
        if sol is None:
            continue
        proof = next((s for s in rest[sol + 1:] if s.resolves and not s.solution), None)
        if proof is not None:
            out[items[last].key] = proof


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
    province IDs caused ...'), one of them named by f or r itself (_named)."""
    if not names_focus(f, r):
        return False
    if _aside(f.own | f.context, r):
        return False
    if r.fix_section:
        num = _shared_weight(f, r, subjects)
        if num >= subjects.min_shared and num >= FIX_ITEM_SHARE * sum(subjects.weight(w) for w in r.own):
            return True
    shared = (f.own | f.context) & (r.own | r.context)
    if _by_heading_only(shared, f, r):
        return False
    if r.weak:  # 'API docs updated ✅' must not close 'API returned 500 on /orders'
        return _two_apart(shared, f, r) and _related(f, r, subjects)
    if _related(f, r, subjects):
        return True
    return len(shared) >= 2 and _named(shared, f, r) \
        and sum(subjects.weight(w) for w in shared) >= 2 * subjects.min_shared


def _by_heading_only(shared: frozenset[str], f: Statement, r: Statement) -> bool:
    """Is the failure named by one word only, of the heading of another section than its
    own, and by none of r's own words? Under a log heading ('### 2026-03-16 (heartbeat
    #3)'), 'auto-logging operational' says nothing of a heartbeat's OAuth failure told
    elsewhere; under the failure's own heading ('### DEV-3: Migration collisions'),
    '**Status:** Fixed in #12' closes it, and so does an item under a heading that names
    the thing with more words ('### Two-Way Pipeline Sync Built')."""
    return len(shared) < 2 and shared.isdisjoint(r.own) and not _same_section(f, r)


def _two_apart(shared: frozenset[str], f: Statement, r: Statement) -> bool:
    """Two shared words, not counting those of a heading both sit under: the items of one
    section share it and say nothing of each other ('PostgreSQL: auth still failing' and
    'gog auth: healthy' under '## Infrastructure')."""
    return len(shared) >= 2 and (len(shared - (f.context & r.context)) >= 2 or not _same_section(f, r))


def _same_section(f: Statement, r: Statement) -> bool:
    return r.path == f.path and r.section == f.section


def _named(shared: frozenset[str], f: Statement, r: Statement) -> bool:
    """Is a shared word named by f or r itself, not only by both their section headings?
    Two items under '### Issue 3: Server Health' share 'server' and 'health' and say nothing
    of each other ('Docker container up but unhealthy', 'CORS fix merged')."""
    return not (f.own.isdisjoint(shared) and r.own.isdisjoint(shared))


def _aside(failure_words: frozenset[str], r: Statement) -> bool:
    """Does resolution r name the failure only outside the part that tells the fix ('SSH
    working: root@ungouge' is no fix of 'void@ungouge: OAuth incomplete'; 'Proof of
    concept WORKING (freed 12GB on travel laptop)' none of 'travel laptop offline')?"""
    if not r.near:
        return False
    named = failure_words & r.own
    return bool(named) and named.isdisjoint(r.near)


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
