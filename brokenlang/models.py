"""The records that flow through a run: config -> rules -> entries -> hits -> findings."""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple

STATES = ("stale", "recurred", "open", "resolved")
FAIL_LEVELS = {"stale": ("stale", "recurred"), "recurred": ("stale", "recurred"),
               "open": ("stale", "recurred", "open"), "never": ()}


class Rule(NamedTuple):
    """One failure-language rule from a pattern pack."""

    id: str                      # "pack.rule"
    message: str
    severity: str                # error | warning | info
    patterns: tuple[tuple[dict[str, object], ...], ...]   # spaCy token patterns
    phrases: tuple[str, ...]     # PhraseMatcher phrases (matched on LOWER)
    template: str | None         # rewrite text when the ledger has no `now`
    match_examples: tuple[str, ...]
    no_match_examples: tuple[str, ...]
    source: str                  # pack file
    line: int                    # line of the rule in the pack file


class SourceFile(NamedTuple):
    """A file read for scanning. `text` is decoded with surrogateescape: bytes round-trip."""

    path: str            # as reported: relative to the current directory
    abspath: str
    text: str
    mtime: float
    size: int
    sha256: str = ""     # of the bytes read, when known


class Entry(NamedTuple):
    """One statement an agent reads as a unit (list item, paragraph, log record...)."""

    path: str
    kind: str            # item | paragraph | heading | table_head | table_row | log | jsonl | front_matter
    start_line: int      # 1-based, inclusive
    end_line: int
    text: str            # the entry as written (markup kept)
    offset: int          # character offset of `text` in the file text
    section: str         # nearest heading above (text), "" if none
    heading_level: int   # for headings, 1-6; else 0
    masked: str          # `text` with inline code, URLs and quotes blanked (same length)


class Hit(NamedTuple):
    """A rule match inside an entry; start/end are character offsets into entry.text."""

    rule: str
    start: int
    end: int
    text: str


class Dated(NamedTuple):
    when: dt.datetime    # aware, UTC
    source: str          # timestamp | heading | front_matter | filename | git | mtime
    strong: bool         # from the first four sources


class Finding(NamedTuple):
    path: str
    line: int
    end_line: int
    column: int
    rule: str
    severity: str
    state: str           # stale | recurred | open | resolved | ignored
    text: str
    entry: str
    entry_line: int
    entry_end_line: int
    entry_date: str | None
    date_source: str | None
    ledger_id: str | None
    resolved_by: str | None   # ledger | text | None
    message: str
    fingerprint: str
    reason: str | None = None  # why ignored
    now: str | None = None     # replacement text known for a stale finding


class Notice(NamedTuple):
    """Something the user should know that is not a finding (skipped file, ...)."""

    path: str
    line: int
    message: str


class Analysis(NamedTuple):
    """What the analysis of a run's files gives: findings, ignored hits, entries counted."""

    findings: list[Finding]
    ignored: list[Finding]
    entries: int
