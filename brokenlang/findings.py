"""The pure core: files in, findings out. Entries are split and dated, failure hits are
matched and put in context, asserted failures are checked against the ledger and against
later resolution text, and each hit becomes a Finding with a state."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import chain
from operator import attrgetter
from typing import NamedTuple, Protocol

from . import context, dating, entries, resolution, subject
from .ledger import Issue, LedgerMatcher
from .models import Analysis, Dated, Entry, Finding, Hit, Rule, SourceFile


class SpanMatcher(Protocol):
    rules: dict[str, Rule]

    def match(self, text: str) -> list[tuple[str, int, int]]: ...


GitDates = Callable[[SourceFile], dict[int, dt.datetime]]
OMITTED = re.compile(r"^\[\.\.\.[^\]]*\]$")


class LocalHit(NamedTuple):
    """A hit as its own file sees it: a finding whose state is settled there (ignored,
    resolved in the same statement) or waits for the ledger and the other files."""

    finding: Finding        # state "open" and no message until settled
    settled: bool
    plain: str              # the entry's text, as the ledger is matched against it
    section: str            # its section heading ("" for a heading)
    when: dt.datetime
    strong: bool
    stmt: int               # the file's statement of this failure, -1 if none


class FileAnalysis(NamedTuple):
    """What one file says on its own, without the other files or the ledger: its hits in
    context, its statements for the resolution timeline (keys numbered within the file)
    and the subject words of its entries (for their weights). Depends only on the file's
    path, bytes and mtime (and git, when `used_git`), so it can be cached by them."""

    path: str
    entries: int
    docs: int                                   # entries counted for subject word weights
    words: dict[str, int]                       # subject word -> how many of them name it
    statements: tuple[resolution.Statement, ...]
    hits: tuple[LocalHit, ...]
    used_git: bool = False     # an entry without a date of its own asked git
    used_mtime: bool = False   # ... and one was dated by the file's mtime


class _Hit(NamedTuple):
    file: SourceFile
    entry: Entry
    dated: Dated
    hit: Hit
    ctx: context.Context
    stmt: int          # index of the entry's statement, -1 if none


def analyse(files: Sequence[SourceFile], matcher: SpanMatcher, ledger: LedgerMatcher,
            git_dates: GitDates | None = None) -> Analysis:
    return combine([analyse_file(f, matcher, git_dates) for f in files], matcher.rules, ledger)


def analyse_file(f: SourceFile, matcher: SpanMatcher, git_dates: GitDates | None = None) -> FileAnalysis:
    """The part of the analysis that needs only this file (run per file, in any process)."""
    hits: list[LocalHit] = []
    statements: list[resolution.Statement] = []
    owns: list[frozenset[str]] = []   # subject words of each entry counted
    es = entries.split(f.path, f.text)
    asked: list[bool] = []

    def provider() -> dict[int, dt.datetime]:
        asked.append(True)
        return git_dates(f) if git_dates else {}

    dates = dating.date_entries(f.path, es, f.mtime, provider if git_dates else None)
    scope = _Scope()
    seen: dict[str, int] = {}
    minor = frozenset(r.id for r in matcher.rules.values() if r.severity == "info")
    match, word_set, statement_cue = matcher.match, subject.plain_word_set, context.resolution_statement_text
    positions = dating.file_order(es) or map(_START, es)
    for e, d, at in zip(es, dates, positions, strict=False):   # as long as es
        kind, text, masked = e.kind, e.text, e.masked
        if kind in NOT_STATEMENTS or _omitted(text):
            continue
        heading = kind == "heading"
        if heading:
            scope.enter(e)
        spans = match(masked)
        # resolution.subject_words(subject.plain(e.text)): counted for the weights and reused by the statements
        own = word_set(text)
        owns.append(own)
        if spans:
            entry_hits = _entry_hits(e, spans, scope, minor)
            stmt = _statements(f, e, d, at, entry_hits, scope, statements, own, minor=minor)
            plain = subject.plain(text)
            for hit, ctx in entry_hits:
                hits.append(_local(_Hit(f, e, d, hit, ctx, stmt), matcher.rules[hit.rule], seen, plain))
            if heading:
                scope.heading_done(e, entry_hits)
            elif kind != "item":
                scope.lead(context.lead_in(e))
            continue
        # no hit (most entries): _statements' and heading_done's questions, each asked once
        cue: bool | None = None
        if scope.lead_no_fix and kind == "item":
            cue = False   # a step of a plan ('**Next steps:**' - Deploy the fixed build) or a workaround
        elif heading or not scope.resolves:
            cue = statement_cue(masked)
        if _solution_field(masked) or cue is not False:
            _statements(f, e, d, at, [], scope, statements, own, cue)
        if heading:
            scope.heading_done(e, [], cue)
        elif kind != "item":
            scope.lead(context.lead_in(e))
    # one count at the end: the same words in the same order as counting entry by entry
    words = Counter(chain.from_iterable(owns))
    return FileAnalysis(f.path, len(es), len(owns), dict(words), tuple(statements), tuple(hits), bool(asked),
                        "mtime" in map(_SOURCE, dates))


_SOURCE = attrgetter("source")
_START = attrgetter("start_line")
NOT_STATEMENTS = ("front_matter", "table_head")   # metadata and column names say nothing of the present


def _omitted(text: str) -> bool:
    # OMITTED needs '[...' in the text: most entries are not looked at by the regex
    return "[..." in text and OMITTED.match(text.strip()) is not None


def _entry_hits(e: Entry, spans: list[tuple[str, int, int]], scope: _Scope,
                minor: frozenset[str]) -> list[tuple[Hit, context.Context]]:
    """The entry's failure hits, each in its context."""
    entry_hits = []
    for rid, s, end in merge_adjacent(spans, e.masked, minor):
        hit = Hit(rid, s, end, e.text[s:end])
        ctx = context.classify(e, hit, scope.lead_rule and e.kind == "item", scope.rule)
        if ctx.status == context.ASSERTED and scope.covers and e.kind != "heading" and not context.red_marked(e) \
                and not context.contrasted(e, hit) and not context.only_found(e) \
                and (scope.lists_fixes or context.reports_past(e, hit)
                     or (scope.reports_fix and context.problem_field(e))):
            ctx = context.Context(context.RESOLVED, "section heading reports the fix")
        elif ctx.status == context.ASSERTED and scope.retro and e.kind != "heading" and context.reports_past(e, hit) \
                and not context.contrasted(e, hit):
            ctx = context.Context(context.RESOLVED, "section heading tells what was wrong before")
        elif ctx.status == context.ASSERTED and context.committed_fix(e, scope.commits or scope.resolves):
            ctx = context.Context(context.RESOLVED, "a commit fixes it")
        elif ctx.status == context.ASSERTED and scope.lead_fixed and e.kind == "item" and not context.red_marked(e) \
                and not context.contrasted(e, hit) and not context.only_found(e) and not context.still_open(e):
            ctx = context.Context(context.RESOLVED, "the line before the list reports the fix")
        entry_hits.append((hit, ctx))
    return entry_hits


def combine(files: Sequence[FileAnalysis], rules: dict[str, Rule], ledger: LedgerMatcher,
            spread: resolution.Spread | None = None) -> Analysis:
    """The files' analyses together: statements numbered across them, subject weights over
    every entry, resolution by later text, then each waiting hit against the ledger."""
    statements: list[resolution.Statement] = []
    starts: list[int] = []
    df: Counter[str] = Counter()
    docs = n_entries = 0
    for fa in files:
        start = len(statements)
        starts.append(start)
        # the constructor: _replace is several times slower, and there can be 100k statements
        statements += [resolution.Statement(s.key + start, *s[1:]) for s in fa.statements] if start else fa.statements
        df.update(fa.words)
        docs += fa.docs
        n_entries += fa.entries
    by_text = resolution.resolve_by_text(statements, resolution.Subjects.from_counts(docs, df), spread)
    findings: list[Finding] = []
    ignored: list[Finding] = []
    for fa, start in zip(files, starts, strict=True):
        for h in fa.hits:
            fd = h.finding if h.settled else _settle(h, rules[h.finding.rule], ledger, by_text,
                                                     -1 if h.stmt < 0 else h.stmt + start)
            (ignored if fd.state == "ignored" else findings).append(fd)
    return Analysis(findings, ignored, n_entries)


class _Section(NamedTuple):
    level: int
    rule: bool        # a section of rules ('## Lessons')
    resolves: bool    # its heading reports a fix or a success: its statements report it too
    names_fix: bool   # its heading names a fix ('### Infrastructure Fix')
    strong: bool      # ... reports a fix, not only a success ('Cleanup Completed')
    lists_fixes: bool  # ... is over a list of fixes ('What was fixed:'): every failure in it was
    commits: bool     # ... is over a list of commits ('### Commits Today')
    retro: bool       # ... over what was wrong before ('## What was wrong (v1)')


class _Scope:
    """What the headings and lead-in lines above an entry say about it."""

    def __init__(self) -> None:
        self.stack: list[_Section] = []
        self.lead_rule = False   # a lead-in line made the items after it rules
        self.lead_open = False   # ... or things not done yet (see context.lead_in)
        self.lead_no_fix = False   # ... steps to take or a workaround, of those
        self.lead_fixed = False  # ... or things fixed
        self.section = ""
        self.section_line = 0
        self._section_words: frozenset[str] | None = None

    def enter(self, heading: Entry) -> None:
        while self.stack and self.stack[-1].level >= heading.heading_level:
            self.stack.pop()
        self.lead_rule = self.lead_open = self.lead_no_fix = self.lead_fixed = False
        self.section = heading.section
        self.section_line = heading.start_line
        self._section_words = None

    def heading_done(self, heading: Entry, entry_hits: list[tuple[Hit, context.Context]],
                     cue: bool | None = None) -> None:
        """`cue`: context.is_resolution_statement(heading), when already known."""
        asserted = any(c.status == context.ASSERTED for _, c in entry_hits)
        resolved = any(c.status == context.RESOLVED for _, c in entry_hits)
        resolves = not asserted and (resolved or (context.is_resolution_statement(heading) if cue is None else cue))
        names_fix = not asserted and context.heading_reports_fix(heading)
        lists_fixes = resolves and context.heading_lists_fixes(heading)
        # a success heading ('Cleanup Completed') is no fix heading ('Drew Pushes Fixes')
        strong = resolves and (resolved or context.strong_resolution(heading))
        self.stack.append(_Section(heading.heading_level, context.section_rule(heading.section), resolves,
                                   names_fix, strong, lists_fixes, context.commits_heading(heading.section),
                                   context.retro_heading(heading.section)))

    def lead(self, kind: str) -> None:
        self.lead_rule, self.lead_open = kind == context.LEAD_RULE, kind in (context.LEAD_OPEN, context.LEAD_NO_FIX)
        self.lead_no_fix = kind == context.LEAD_NO_FIX
        self.lead_fixed = kind == context.LEAD_FIXED

    @property
    def section_words(self) -> frozenset[str]:
        """Subject words of the current section heading (computed once per section, when asked)."""
        if self._section_words is None:
            self._section_words = resolution.subject_words(self.section)
        return self._section_words

    @property
    def rule(self) -> bool:
        return any(s.rule for s in self.stack)

    @property
    def resolves(self) -> bool:
        """The section reports a fix: its statements report it too."""
        return bool(self.stack) and self.stack[-1].resolves and not self.lead_open

    @property
    def fixes(self) -> bool:
        """The section reports fixes: its statements may close a failure by one shared word."""
        return self.resolves and self.stack[-1].strong

    @property
    def retro(self) -> bool:
        return bool(self.stack) and self.stack[-1].retro

    @property
    def commits(self) -> bool:
        return bool(self.stack) and self.stack[-1].commits

    @property
    def lists_fixes(self) -> bool:
        return self.covers and self.stack[-1].lists_fixes

    @property
    def reports_fix(self) -> bool:
        """The section reports or names a fix, not only a success ('## Fixed the login', not
        '## Validation: OPERATIONAL')."""
        return self.covers and (self.stack[-1].strong or self.stack[-1].names_fix)

    @property
    def covers(self) -> bool:
        """The section reports or names a fix: a past failure in it is the fixed one. Naming
        a fix ('### Infrastructure Fix') says nothing of other failures, elsewhere."""
        return bool(self.stack) and (self.stack[-1].resolves or self.stack[-1].names_fix) and not self.lead_open


def _statements(f: SourceFile, e: Entry, d: Dated, at: int, entry_hits: list[tuple[Hit, context.Context]],
                scope: _Scope, out: list[resolution.Statement], own: frozenset[str], cue: bool | None = None,
                minor: frozenset[str] = frozenset()) -> int:
    """Record what the entry says for the resolution timeline; return its failure statement.
    `at`: the entry's position in the order the file was written (dating.file_order);
    `own`: the entry's subject words; `cue`: context.is_resolution_statement(e), when known;
    `minor`: the rules of severity info."""
    quiet = not entry_hits
    solution = quiet and _solution_field(e.masked)
    # a solution field that tells what was done ('**Fix:** Added the user ID') reports the fix
    told = solution and FIX_TOLD.match(e.masked) is not None and not context.NOT_A_REPORT.search(e.masked)
    reports = quiet and (told or (scope.resolves and e.kind != "heading" and not context.left_open(e))
                         or (context.is_resolution_statement(e) if cue is None else cue))
    if quiet and not solution and not reports:   # most entries
        return -1
    asserted = [h for h, c in entry_hits if c.status == context.ASSERTED]
    resolved = [h for h, c in entry_hits if c.status == context.RESOLVED]
    ctx_words = scope.section_words if e.kind != "heading" else frozenset()
    fail_stmt = -1

    def add(resolves: bool, words: frozenset[str], focus: tuple[frozenset[str], ...] = (),
            near: frozenset[str] = frozenset()) -> int:
        weak = resolves and not resolved and not context.strong_resolution(e)
        out.append(resolution.Statement(len(out), f.path, e.start_line, (f.path, at), d.when,
                                        d.strong, resolves, words, ctx_words, focus,
                                        e.start_line if e.kind == "heading" else scope.section_line,
                                        e.kind == "heading", scope.fixes and e.kind != "heading",
                                        weak=weak, minor=not resolves and all(h.rule in minor for h in asserted),
                                        near=near))
        return len(out) - 1

    both = bool(asserted and resolved)
    if solution:
        out.append(resolution.Statement(len(out), f.path, e.start_line, (f.path, at), d.when,
                                        d.strong, True, own, ctx_words,
                                        section=scope.section_line, solution=True))
        if not told:
            return -1
    if resolved or reports:
        add(True, _clause_words(e, resolved) if both else context.without_doing_cue(e.text, own),
            near=_cue_words(e) if reports and not resolved else frozenset())
    if asserted:
        words = _clause_words(e, asserted) if both else own
        fail_stmt = add(False, words, _focus(e, asserted))
    return fail_stmt


def _focus(e: Entry, hits: list[Hit]) -> tuple[frozenset[str], ...]:
    """What failed, one group per clause: subject words in each hit ('deploy' failed) and
    the one just before it (Gmail 'digest' not sent; verbs skipped); with neither, the
    first two after it."""
    groups: dict[tuple[int, int], set[str]] = {}
    spans = context.clauses(e.masked)
    for h in hits:
        a, b = next(((a, b) for a, b in spans if a <= h.start < b), (0, len(e.text)))
        inside = subject.plain_words(e.text[h.start:h.end])
        before = [w for w in subject.plain_words(e.text[a:h.start]) if w not in ACTIONS][-1:]
        after = subject.plain_words(e.text[h.end:b])[:2] if not before and not inside else []
        groups.setdefault((a, b), set()).update(inside, before, after)
    return tuple(frozenset(g) for g in groups.values())


# verbs that often stand right before a failure ("tried to write to a missing column"): not what failed
ACTIONS = frozenset("""write read fetch load open send call try tri get put post save parse import export
install upload download sync connect reach access find creat create updat update delet delete remov remove
add start stop restart check verify""".split())


# where a statement's parts meet: sentences, a label's colon, dashes and arrows, asides
CUE_PARTS = re.compile(r"[.;!?](?=\s|$)|:(?=\s)|\s[-—–]+\s|→|->|=>|[()]")


def _cue_words(e: Entry) -> frozenset[str]:
    """The words of a resolution statement's first clause and of each clause with a
    resolution cue (and of the clause after a cue that names nothing: 'Fixed: the Gmail
    digest'); empty when the entry is one part (then all its words are near)."""
    spans = context.spans_between(e.masked, CUE_PARTS.finditer(e.masked))
    if len(spans) < 2:
        return frozenset()
    words: set[str] = set(subject.plain_words(e.text[slice(*spans[0])]))
    for i, (a, b) in enumerate(spans):
        if context.RESOLUTION_CUE.search(e.masked, a, b):
            own = subject.plain_words(e.text[a:b])
            words.update(own)
            if not own and i + 1 < len(spans):
                words.update(subject.plain_words(e.text[slice(*spans[i + 1])]))
    return frozenset(words)


def _clause_words(e: Entry, hits: list[Hit]) -> frozenset[str]:
    spans = context.clauses(e.masked)
    text = " ".join(e.text[a:b] for a, b in spans if any(a <= h.start < b for h in hits))
    return frozenset(subject.plain_words(text))


def _solution_field(text: str) -> bool:
    """SOLUTION_FIELD.match(text), the regex run only where it may match: it needs a ':',
    and its word starts right after the lead-in class (the class has no letter), so at the
    first character past the class's ASCII characters. A character other than ASCII there
    may be another space or digit of the class, or fold to a letter: the regex decides."""
    if ":" not in text:
        return False
    nxt = text.lstrip(SOLUTION_LEAD)[:1]
    if nxt.isascii() and nxt.lower() not in SOLUTION_INITIALS:
        return False
    return SOLUTION_FIELD.match(text) is not None and context.NO_FIX_FIELD.match(text) is None


SOLUTION_LEAD = " \t\n\v\f\r\x1c\x1d\x1e\x1f>*_-+0123456789.)"   # ASCII of context.FIELD_LEAD's class
SOLUTION_INITIALS = frozenset("sfr")   # solution|fix|remedy|resolution


# not 'Workaround:' (nor 'Fix/workaround:'): a failure worked around is still there
SOLUTION_FIELD = re.compile(context.FIELD_LEAD + r"(?:solution|fix|remedy|resolution)\s*[*_]*\s*:", re.I)
# ... whose value opens with a verb in the past: what was done ('Added', 'Switched to', 'Rebuilt')
FIX_TOLD = re.compile(SOLUTION_FIELD.pattern + r"[*_\s]*(?:\w+ly\s+)?"
                      r"(?!(?:tried|attempted|needed|required|suggested|proposed|planned|expected|intended|wanted"
                      r"|recommended|blocked|failed|stalled|deferred|postponed|skipped|unresolved|untested)\b)"
                      r"(?:[a-z]+ed|made|ran|set|put|wrote|rewrote|built|rebuilt|moved|got|took|found|kept|swapped"
                      r"|reset|rolled back|dropped|cut|shut|split|bumped|reran|redid|undid|overrode|brought)\b", re.I)
GLUE = re.compile(r"^[\s,:(\-–—]*(?:\w+[\s,:(\-–—]+){0,2}$")
CLAUSE_BREAK = re.compile(r"[.;!?|\n]|\bbut\b|\band\b|\bthen\b", re.I)


SENTENCE_MARKS = (".", ";", "!", "?")
# a count of none between two hits tells of the second alone: 'CONSOLE ERRORS: Zero JavaScript errors'
NONE_BETWEEN = re.compile(r"\b(?:no|not|zero|none|never|without|nothing|0)\b", re.I)


def merge_adjacent(spans: list[tuple[str, int, int]], text: str,
                   minor: frozenset[str] = frozenset()) -> list[tuple[str, int, int]]:
    """'deploy failed' + 'with HTTP 500' is one failure: hits a few words apart in one
    clause become one hit, named by its first part whose rule is not `minor` (of severity
    info: "Root cause: the token expired" is the expired token), else by its first part."""
    out: list[tuple[str, int, int]] = []
    for rid, s, e in spans:
        if out:
            prid, ps, pe = out[-1]
            gap = text[pe:s]
            # a hit that ends a sentence ('testing blocked.') ends the clause too
            if GLUE.match(gap) and not CLAUSE_BREAK.search(gap) and text[pe - 1:pe] not in SENTENCE_MARKS \
                    and not NONE_BETWEEN.search(gap) and not context.FEATURE_AFTER.match(gap):
                out[-1] = (rid if prid in minor and rid not in minor else prid, ps, max(pe, e))
                continue
        out.append((rid, s, e))
    return out


def _local(h: _Hit, rule: Rule, seen: dict[str, int], plain: str) -> LocalHit:
    e, hit = h.entry, h.hit
    line = _line_at(e, hit.start)
    end_line = _line_at(e, max(hit.start, hit.end - 1))
    br = _line_break_before(e.text, hit.start)
    col = hit.start - br if br >= 0 else _col0(h) + hit.start + 1
    fp = _fingerprint(h, seen)
    entry_date = h.dated.when.date().isoformat()
    base = Finding(path=h.file.path, line=line, end_line=end_line, column=col, rule=rule.id,
                   severity=rule.severity, state="open", text=hit.text, entry=e.text.strip(),
                   entry_line=e.start_line, entry_end_line=e.end_line, entry_date=entry_date,
                   date_source=h.dated.source, ledger_id=None, resolved_by=None, message="", fingerprint=fp)
    quoted = _q(hit.text)
    settled: Finding | None = None
    if h.ctx.status == "ignored":
        settled = base._replace(state="ignored", message=f"ignored ({h.ctx.reason}): {quoted}", reason=h.ctx.reason)
    elif h.ctx.status == context.RESOLVED:
        settled = base._replace(state="resolved", now=rule.template,
                                message=f"resolved: {quoted} is reported fixed in the same statement")
    if settled is not None:
        return LocalHit(settled, True, "", "", h.dated.when, h.dated.strong, -1)
    return LocalHit(base, False, plain,
                    e.section if e.kind != "heading" else "", h.dated.when, h.dated.strong, h.stmt)


def _settle(h: LocalHit, rule: Rule, ledger: LedgerMatcher, by_text: dict[int, resolution.Statement],
            stmt: int) -> Finding:
    base = h.finding
    quoted = _q(base.text)
    found = ledger.match(h.plain, h.section, base.path)
    if found:
        return _ledger_state(base, found[0], Dated(h.when, base.date_source or "", h.strong), quoted, rule)
    res = by_text.get(stmt)
    if res is not None:
        return base._replace(state="stale", resolved_by="text", now=rule.template,
                             message=f"stale: {quoted} was resolved later ({res.path}:{res.line}, "
                                     f"{res.when.date().isoformat()})")
    return base._replace(message=f"open: {rule.message}: {quoted}")


def _ledger_state(base: Finding, issue: Issue, dated: Dated, quoted: str, rule: Rule) -> Finding:
    if dated.when <= issue.resolved:
        return base._replace(state="stale", ledger_id=issue.id, resolved_by="ledger", now=issue.now or rule.template,
                             message=f"stale: {quoted} was resolved on {issue.resolved_text} ({issue.id})")
    if dated.strong or dated.source == "git":
        return base._replace(state="recurred", ledger_id=issue.id,
                             message=f"recurred: {quoted} was written after {issue.id} was resolved on "
                                     f"{issue.resolved_text}")
    return base._replace(ledger_id=issue.id,
                         message=f"open: {quoted} matches {issue.id} (resolved {issue.resolved_text}) but its "
                                 f"date is only known from {dated.source}, which is later")


def _q(text: str) -> str:
    t = " ".join(text.split())
    return repr(t if len(t) <= 60 else t[:57] + "...")


def _line_at(e: Entry, pos: int) -> int:
    if "\r" not in e.text:   # then every line break is a '\n': counted without a regex
        return e.start_line + e.text.count("\n", 0, pos)
    return e.start_line + len(entries.LINE_BREAK.findall(e.text, 0, pos))


def _col0(h: _Hit) -> int:
    """Column of the entry start within its first line (0-based)."""
    start = h.entry.offset
    return start - (_line_break_before(h.file.text, start) + 1)


def _line_break_before(text: str, pos: int) -> int:
    """Index of the last line break (\n or \r) before pos, -1 if none. The \r is looked
    for only after the last \n: a file without \r is not searched back to its start for
    each hit."""
    nl = text.rfind("\n", 0, pos)
    return max(nl, text.rfind("\r", nl + 1, pos))


CLOCK = re.compile(r"\d{1,2}:\d{2}(:\d{2})?")   # every match has a ':'


def _fingerprint(h: _Hit, seen: dict[str, int]) -> str:
    """Stable when lines above move: path, rule, hit and normalised entry, plus occurrence."""
    text = h.entry.text
    norm = " ".join((CLOCK.sub("", text) if ":" in text else text).split()).lower()
    key = "\0".join((h.file.path, h.hit.rule, h.hit.text.lower(), norm))
    n = seen.get(key, 0)
    seen[key] = n + 1
    return hashlib.sha256(f"{key}\0{n}".encode("utf-8", "surrogateescape")).hexdigest()[:32]
