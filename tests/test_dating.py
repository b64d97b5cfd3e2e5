import datetime as dt

import pytest

from brokenlang.dating import date_entries, find_date
from brokenlang.entries import split

UTC = dt.timezone.utc
MTIME = dt.datetime(2026, 3, 1, 12, 0, tzinfo=UTC).timestamp()


def dated(path, text, git=None):
    es = split(path, text)
    ds = date_entries(path, es, MTIME, (lambda: git) if git is not None else None)
    return {e.start_line: (d.when.isoformat(), d.source) for e, d in zip(es, ds, strict=True)}


@pytest.mark.parametrize(("path", "text", "line", "when", "source"), [
    ("notes.md", "- 2026-02-14T09:10:00Z deploy failed\n", 1, "2026-02-14T09:10:00+00:00", "timestamp"),
    ("memory/2026-02-14.md", "- 09:10 deploy failed\n", 1, "2026-02-14T09:10:00+00:00", "timestamp"),
    ("notes.md", "## 2026-02-14\n- deploy failed\n", 2, "2026-02-14T00:00:00+00:00", "heading"),
    ("notes.md", "# Feb 14, 2026\n- deploy failed\n", 2, "2026-02-14T00:00:00+00:00", "heading"),
    ("memory/2026-02-14.md", "## 05:44 UTC — Upgrade\n- failed\n", 2, "2026-02-14T05:44:00+00:00", "heading"),
    ("notes.md", "---\ndate: 2026-01-22\n---\n- deploy failed\n", 4, "2026-01-22T00:00:00+00:00", "front_matter"),
    ("memory/2026-02-14.md", "- deploy failed\n", 1, "2026-02-14T00:00:00+00:00", "filename"),
    ("memory/2026-01-30-1153.md", "- deploy failed\n", 1, "2026-01-30T11:53:00+00:00", "filename"),
    ("MEMORY.md", "- deploy failed\n", 1, "2026-03-01T12:00:00+00:00", "mtime"),
])
def test_date_sources(path, text, line, when, source):
    assert dated(path, text)[line] == (when, source)


def test_git_date_is_used_before_mtime():
    git = {1: dt.datetime(2026, 2, 20, tzinfo=UTC)}
    assert dated("MEMORY.md", "- deploy failed\n- other\n", git) == {
        1: ("2026-02-20T00:00:00+00:00", "git"), 2: ("2026-03-01T12:00:00+00:00", "mtime")}


def test_heading_date_does_not_leak_into_sibling_section():
    d = dated("notes.md", "## A (2026-02-12)\n- x failed\n## B\n- y failed\n")
    assert d[2][1] == "heading" and d[4][1] == "mtime"


@pytest.mark.parametrize(("text", "expected"), [
    ("RESOLVED 2026-03-25", "2026-03-25T00:00:00+00:00"),
    ("at 2026-03-25 10:00 +02:00", "2026-03-25T08:00:00+00:00"),
    ("on 2026/03/25", "2026-03-25T00:00:00+00:00"),
    ("14 Feb 2026", "2026-02-14T00:00:00+00:00"),
    ("2026-02-30", None),
    ("version 1.2.3", None),
])
def test_find_date(text, expected):
    got = find_date(text)
    assert (got[0].isoformat() if got else None) == expected
