"""The resolved-issues ledger (SPEC §4): strict loading, and precise fuzzy matching of
asserted failures against its issues (rapidfuzz, blocked by shared subject words)."""
from __future__ import annotations

import datetime as dt
import fnmatch
import re
from collections.abc import Sequence
from typing import Any, NamedTuple

from . import subject, yamlio
from .errors import UserError

ISSUE_KEYS = {"id", "title", "match", "resolved", "now", "paths", "evidence"}
TOP_KEYS = {"version", "issues"}
SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
UTC = dt.timezone.utc


class Issue(NamedTuple):
    id: str
    title: str
    match: tuple[str, ...]
    resolved: dt.datetime      # aware UTC; a date-only value means the end of that day
    resolved_text: str         # as written, for messages
    now: str | None
    paths: tuple[str, ...]
    evidence: str | None
    line: int


class Ledger(NamedTuple):
    path: str | None
    issues: tuple[Issue, ...]


EMPTY = Ledger(None, ())


def parse_resolved(value: Any, path: str, line: int) -> tuple[dt.datetime, str]:
    if isinstance(value, dt.datetime):
        t = value if value.tzinfo else value.replace(tzinfo=UTC)
        return t.astimezone(UTC), value.isoformat()
    if isinstance(value, dt.date):
        end = dt.datetime(value.year, value.month, value.day, 23, 59, 59, 999999, tzinfo=UTC)
        return end, value.isoformat()
    if isinstance(value, str):
        s = value.strip()
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
                d = dt.date.fromisoformat(s)
                return dt.datetime(d.year, d.month, d.day, 23, 59, 59, 999999, tzinfo=UTC), s
            t = dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
            return (t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(UTC), s
        except ValueError:
            pass
    raise UserError(f"bad date {value!r} in `resolved` (want YYYY-MM-DD or an ISO datetime)", path, line)


def load(path: str) -> Ledger:
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        raise UserError("ledger file not found", path) from None
    except OSError as e:
        raise UserError(f"cannot read ledger: {e.strerror}", path) from None
    return parse(raw, path)


def parse(raw: bytes | str, path: str) -> Ledger:
    data = yamlio.load(raw, path)
    if data is None:
        return Ledger(path, ())
    if not isinstance(data, dict):
        raise UserError("the ledger must be a mapping with `version: 1` and `issues:`", path, 1)
    for key in data:
        if key not in TOP_KEYS:
            raise UserError(f"unknown key {key!r} in ledger (allowed: issues, version)", path,
                            yamlio.line_of(data, key))
    if data.get("version", 1) != 1:
        raise UserError("unsupported ledger version (want 1)", path, yamlio.line_of(data, "version"))
    raw_issues = data.get("issues") or []
    if not isinstance(raw_issues, list):
        raise UserError("`issues` must be a list", path, yamlio.line_of(data, "issues"))
    issues: list[Issue] = []
    seen: dict[str, int] = {}
    for item in raw_issues:
        issue = _parse_issue(item, path)
        if issue.id in seen:
            raise UserError(f"duplicate issue id {issue.id!r} (first on line {seen[issue.id]})", path, issue.line)
        seen[issue.id] = issue.line
        issues.append(issue)
    return Ledger(path, tuple(issues))


def _parse_issue(item: Any, path: str) -> Issue:
    line = yamlio.line_of(item)
    if not isinstance(item, dict):
        raise UserError("each issue must be a mapping", path, line)
    for key in item:
        if key not in ISSUE_KEYS:
            raise UserError(f"unknown key {key!r} in issue (allowed: {', '.join(sorted(ISSUE_KEYS))})",
                            path, yamlio.line_of(item, key, line))
    iid = item.get("id")
    if not isinstance(iid, str) or not SLUG.match(iid):
        raise UserError(f"issue needs an `id` slug (got {iid!r})", path, line)
    title = item.get("title")
    if not isinstance(title, str) or not title.strip():
        raise UserError(f"issue {iid}: `title` is required", path, line)
    match = item.get("match")
    if match is None:
        match = [title]
    if isinstance(match, str):
        match = [match]
    if not isinstance(match, list) or not match or not all(isinstance(m, str) and m.strip() for m in match):
        raise UserError(f"issue {iid}: `match` must be a non-empty list of phrases", path,
                        yamlio.line_of(item, "match", line))
    if "resolved" not in item:
        raise UserError(f"issue {iid}: `resolved` date is required", path, line)
    resolved, resolved_text = parse_resolved(item["resolved"], path, yamlio.line_of(item, "resolved", line))
    now = item.get("now")
    if now is not None and not isinstance(now, str):
        raise UserError(f"issue {iid}: `now` must be text", path, yamlio.line_of(item, "now", line))
    paths = item.get("paths") or []
    if isinstance(paths, str):
        paths = [paths]
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise UserError(f"issue {iid}: `paths` must be a list of globs", path, yamlio.line_of(item, "paths", line))
    evidence = item.get("evidence")
    return Issue(iid, title.strip(), tuple(m.strip() for m in match), resolved, resolved_text,
                 now.strip() if isinstance(now, str) else None, tuple(paths),
                 str(evidence) if evidence is not None else None, line)


def path_in_scope(issue: Issue, path: str) -> bool:
    if not issue.paths:
        return True
    return any(fnmatch.fnmatchcase(path, g) or fnmatch.fnmatchcase(path, g.replace("**/", "")) for g in issue.paths)


class _Phrase(NamedTuple):
    issue: Issue
    text: str                  # lowercased
    words: list[str]           # its subject words, sorted
    verdicts: frozenset[str]   # its words for how it failed ('timeout', 'errors')


class LedgerMatcher:
    """Matches entry text to issues. A phrase matches when the entry covers nearly all of
    its subject words ('cloud run 500' does not swallow 'Vercel deploy fails') and the
    character-level similarity agrees."""

    THRESHOLD = 0.8

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._phrases: list[_Phrase] = []
        self._by_word: dict[str, list[int]] = {}
        for issue in ledger.issues:
            for phrase in issue.match:
                ws = sorted(set(subject.words(phrase)))
                idx = len(self._phrases)
                self._phrases.append(_Phrase(issue, phrase.lower(), ws, subject.verdict_words(phrase)))
                for w in ws:
                    self._by_word.setdefault(w, []).append(idx)
        self._words = frozenset(self._by_word)
        self._processed: list[str] | None = None   # each phrase as rapidfuzz compares it, made once
        self._scope: dict[tuple[int, str], bool] = {}   # (phrase, path) -> in scope: fnmatch per hit adds up

    def match(self, text: str, context: str, path: str) -> tuple[Issue, float] | None:
        """Best issue for an entry (`text`), with `context` (its section heading) as extra words."""
        if not self._phrases:
            return None
        own = set(subject.words(text))
        have = own | set(subject.words(context))
        named = have & self._words
        if not named:   # the usual case: no phrase shares a word with the entry
            return None
        from rapidfuzz import fuzz, utils  # only now: a run with no candidate never imports it

        if self._processed is None:
            self._processed = [utils.default_process(p.text) for p in self._phrases]
        cands = {i for w in named for i in self._by_word[w]}
        best: tuple[Issue, float] | None = None
        norm_text: str | None = None
        told: frozenset[str] | None = None   # the entry's words for how it failed
        for idx in sorted(cands):
            issue, _, ws, verdicts = self._phrases[idx]
            if not ws or not self._in_scope(idx, issue, path):
                continue
            covered = [w for w in ws if w in have or _fuzzy_in(w, have)]
            coverage = len(covered) / len(ws)
            # the entry itself must name part of it, unless it names nothing ('Status: Not installed')
            if coverage < self.THRESHOLD or (own and not any(w in own for w in covered)):
                continue
            # one subject word ('8 jobs with timeout errors': 'jobs') names no problem by itself:
            # the entry must also say how it failed the way the phrase does
            if len(ws) == 1 and verdicts:
                if told is None:
                    told = subject.verdict_words(text)
                if not any(_same_verdict(a, b) for a in verdicts for b in told):
                    continue
            if norm_text is None:
                norm_text = utils.default_process(text)
            chars = fuzz.partial_token_set_ratio(self._processed[idx], norm_text) / 100.0
            score = 0.7 * coverage + 0.3 * chars
            if score >= self.THRESHOLD and (best is None or score > best[1]):
                best = (issue, score)
        return best

    def _in_scope(self, idx: int, issue: Issue, path: str) -> bool:
        got = self._scope.get((idx, path))
        if got is None:
            got = self._scope[(idx, path)] = path_in_scope(issue, path)
        return got


def _same_verdict(a: str, b: str) -> bool:
    """'failure' and 'failed', 'errors' and 'error': one word, or forms of one (a shared
    beginning of four letters or more)."""
    return a == b or (len(a) >= 4 <= len(b) and a[:4] == b[:4])


def _fuzzy_in(word: str, have: set[str]) -> bool:
    if len(word) < 5:
        return False
    from rapidfuzz import fuzz
    return any(len(h) >= 5 and fuzz.ratio(word, h) >= 88 for h in have)


def all_issues(ledgers: Sequence[Ledger]) -> list[Issue]:
    return [i for lg in ledgers for i in lg.issues]
