"""Date every entry (SPEC §3): a timestamp in the entry, the nearest heading above with a
date, front matter `date:`, a YYYY-MM-DD in the file name, then git and mtime (weak)."""
from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Sequence
from itertools import pairwise

from . import casefold
from .models import Dated, Entry

UTC = dt.timezone.utc
MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
ISO = re.compile(r"(?<![\d.])(\d{4})-(\d{2})-(\d{2})"
                 r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2}|UTC|GMT)?)?(?![\d])")
SLASHED = re.compile(r"(?<![\d/])(\d{4})/(\d{2})/(\d{2})(?![\d/])")
MONTH_DAY = re.compile(r"\b(\d{1,2})\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s+(\d{4})\b"
                       r"|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?"
                       r"\s+(\d{4})\b", re.I)
TIME_LEAD_CHARS = r"[\s>#*_\-+•\d.)\[\]]"
TIME_LEAD = re.compile(r"^" + TIME_LEAD_CHARS + r"*?\**\[?(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(am|pm)?\b\s*(UTC|GMT|Z)?",
                       re.I)
# Every character TIME_LEAD can consume before the time's colon is in TIME_LEAD_CHARS ('*',
# '[' and digits are), so a match needs the first character outside that class to be ':'.
# Stripping the class's ASCII members finds that character; a non-ASCII one may be in the class.
_LEAD_ASCII = "".join(c for c in map(chr, range(128)) if re.fullmatch(TIME_LEAD_CHARS, c, re.I))
MONTH_DAY_TWIN = casefold.ascii_twin(MONTH_DAY)
FOUR_DIGITS = re.compile(r"\d\d\d\d")
# the same on ASCII text, where \d is [0-9]; sre tests a range much faster than a Unicode category
FOUR_ASCII_DIGITS = re.compile(r"[0-9][0-9][0-9][0-9]")
FILE_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?:[-_T](\d{2})(\d{2})(?!\d))?")
FRONT_DATE = re.compile(r"^date:\s*['\"]?([^'\"\n]+)", re.M)


def _mk(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> dt.datetime | None:
    try:
        return dt.datetime(y, mo, d, h, mi, s, 0, UTC)
    except ValueError:
        return None


def _tz(t: dt.datetime, tz: str | None) -> dt.datetime:
    if not tz or tz.upper() in ("Z", "UTC", "GMT"):
        return t
    sign = 1 if tz[0] == "+" else -1
    digits = tz[1:].replace(":", "")
    return t - sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))


def find_date(text: str) -> tuple[dt.datetime, bool] | None:
    """First date in text -> (UTC datetime, has_time)."""
    four = (FOUR_ASCII_DIGITS if text.isascii() else FOUR_DIGITS).search(text)
    if four is None:
        return None   # ISO, SLASHED and MONTH_DAY all need four digits in a row
    # ISO and SLASHED matches start with four digits: none starts before the first four
    m = ISO.search(text, four.start()) if "-" in text else None
    if m:
        ys, mos, ds, hs, mis, ss, tz = m.groups()
        y, mo, d = int(ys), int(mos), int(ds)
        if hs:
            t = _mk(y, mo, d, int(hs), int(mis), int(ss or 0))
            if t:
                return _tz(t, tz), True
        t = _mk(y, mo, d)
        if t:
            return t, False
    m2 = SLASHED.search(text, four.start()) if "/" in text else None
    if m2:
        t = _mk(int(m2.group(1)), int(m2.group(2)), int(m2.group(3)))
        if t:
            return t, False
    m3 = casefold.search(MONTH_DAY, MONTH_DAY_TWIN, text)
    if m3:
        if m3.group(1):
            day, mon, year = int(m3.group(1)), m3.group(2), int(m3.group(3))
        else:
            mon, day, year = m3.group(4), int(m3.group(5)), int(m3.group(6))
        t = _mk(year, MONTHS[mon.lower()[:3]], day)
        if t:
            return t, False
    return None


def lead_time(text: str) -> tuple[int, int, int] | None:
    """A time of day at the start of an entry or heading: '- 09:10 deploy failed', '## 05:44 UTC — ...'."""
    rest = text.lstrip(_LEAD_ASCII)
    if not rest or (rest[0] != ":" and rest[0].isascii()):
        return None
    m = TIME_LEAD.match(text)
    if not m:
        return None
    h, mi = int(m.group(1)), int(m.group(2))
    ampm = (m.group(4) or "").lower()
    if ampm == "pm" and h < 12:
        h += 12
    elif ampm == "am" and h == 12:
        h = 0
    if h > 23 or mi > 59:
        return None
    return h, mi, int(m.group(3) or 0)


def _with_time(day: dt.datetime, hms: tuple[int, int, int]) -> dt.datetime:
    # == day.replace(hour=..., minute=..., second=...) for a day made by _mk (UTC, no
    # microseconds, fold 0), and building is faster; any other day is replaced
    if day.tzinfo is not UTC or day.microsecond or day.fold:
        return day.replace(hour=hms[0], minute=hms[1], second=hms[2])
    return dt.datetime(day.year, day.month, day.day, hms[0], hms[1], hms[2], 0, UTC)


def file_date(path: str) -> dt.datetime | None:
    m = FILE_DATE.search(os.path.basename(path))
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if m.group(4):
        t = _mk(y, mo, d, int(m.group(4)), int(m.group(5)))
        if t:
            return t
    return _mk(y, mo, d)


def front_matter_date(entries: Sequence[Entry]) -> dt.datetime | None:
    for e in entries:
        if e.kind == "front_matter":
            m = FRONT_DATE.search(e.text)
            if m:
                found = find_date(m.group(1))
                return found[0] if found else None
    return None


def _heading_dates(e: Entry, heading_dates: list[tuple[int, dt.datetime, str] | None],
                   day0: dt.datetime | None) -> tuple[int, dt.datetime, str] | None:
    """Enter heading e: set its level's date (clearing the levels below) and return the
    nearest heading date that now applies. `day0`: the file's own date, if any."""
    level = max(1, min(6, e.heading_level))
    for lv in range(level, 7):
        heading_dates[lv] = None
    own = find_date(e.text)
    if own:
        heading_dates[level] = (level, own[0], "heading")
    else:
        hms = lead_time(e.section)
        outer = next((h for h in reversed(heading_dates[:level]) if h), None)
        day = outer[1] if outer else day0
        if hms and day is not None:
            heading_dates[level] = (level, _with_time(day, hms), "heading")
    return next((h for h in reversed(heading_dates) if h), None)


# Dated(...) without the Python-level NamedTuple.__new__ frame: the same tuple
_new = tuple.__new__


def date_entries(path: str, entries: Sequence[Entry], mtime: float,
                 git_dates: Callable[[], dict[int, dt.datetime]] | None = None) -> list[Dated]:
    """One Dated per entry, in order. `git_dates` (line -> commit date) is asked for lazily."""
    fm = front_matter_date(entries)
    fd = file_date(path)
    base: tuple[dt.datetime, str] | None = (fm, "front_matter") if fm else ((fd, "filename") if fd else None)
    heading_dates: list[tuple[int, dt.datetime, str] | None] = [None] * 7   # by level
    out: list[Dated] = []
    git: dict[int, dt.datetime] | None = None
    mt = dt.datetime.fromtimestamp(mtime, UTC)
    nearest: tuple[int, dt.datetime, str] | None = None
    day0 = base[0] if base else None
    day = day0   # the day a bare time of day ('- 09:10 ...') falls on
    from_base = Dated(base[0], base[1], True) if base else None
    inherited = from_base   # what an entry without a date of its own gets (None: git or mtime)
    append = out.append
    for e in entries:
        kind = e.kind
        if kind == "heading":
            nearest = _heading_dates(e, heading_dates, day0)   # changes at headings only
            inherited = _new(Dated, (nearest[1], "heading", True)) if nearest else from_base
            day = nearest[1] if nearest else day0
        elif kind != "front_matter":
            own = find_date(e.masked)
            if own:
                append(_new(Dated, (own[0], "timestamp", True)))
                continue
            hms = lead_time(e.text) if day is not None else None
            if hms and day is not None:
                append(_new(Dated, (_with_time(day, hms), "timestamp", True)))
                continue
        if inherited is not None:
            append(inherited)   # one shared record: Dated is immutable
        else:
            if git is None and git_dates is not None:
                git = git_dates()
            gd = git.get(e.start_line) if git else None
            append(Dated(gd, "git", False) if gd else Dated(mt, "mtime", False))
    return out


# positions in a block of a newest-first file: lines stay below this
BLOCK = 1 << 32


def file_order(entries: Sequence[Entry]) -> list[int] | None:
    """Where each entry stands in the order the file was written, when that is not top to
    bottom; else None (the line is the position). A log kept newest first has dated headings
    that go back in time down the file ('## Session 26 (2026-02-08)' above '## Session 20
    (2026-01-19)'): at least two steps back and twice as many as forward, between the
    headings of the shallowest level that holds a date. It was written block by block from
    the bottom up, a block being what lies under one of those headings (and what is above
    the first, the newest), and each block top to bottom."""
    dated = [(i, e.heading_level, got[0].date()) for i, e in enumerate(entries)
             if e.kind == "heading" and (got := find_date(e.masked)) is not None]
    if len(dated) < 3:
        return None
    level = min(lvl for _, lvl, _ in dated)
    tops = [(i, day) for i, lvl, day in dated if lvl == level]
    days = [day for _, day in tops]
    back = sum(b < a for a, b in pairwise(days))
    forth = sum(b > a for a, b in pairwise(days))
    if back < 2 or back < 2 * forth:
        return None
    starts = {i for i, _ in tops}
    rank = len(tops)   # above the first dated heading: the newest
    out = []
    for i, e in enumerate(entries):
        rank -= i in starts
        out.append(rank * BLOCK + e.start_line)
    return out
