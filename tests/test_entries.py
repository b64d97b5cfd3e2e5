import re

import pytest

from brokenlang.entries import mask, split, split_lines


def kinds(path, text):
    return [(e.kind, e.start_line, e.end_line) for e in split(path, text)]


@pytest.mark.parametrize(("text", "expected"), [
    # list items keep their continuation lines; nested items are their own entries
    ("- deploy failed\n  with HTTP 500\n- ok\n", [("item", 1, 2), ("item", 3, 3)]),
    ("1. first\n   - nested\n2. second\n", [("item", 1, 1), ("item", 2, 2), ("item", 3, 3)]),
    # paragraphs, split at hard breaks and **Field:** lines
    ("one line\nsame para\n\nnext para\n", [("paragraph", 1, 2), ("paragraph", 4, 4)]),
    ("**Status:** Not installed  \n**Priority:** HIGH\n", [("paragraph", 1, 1), ("paragraph", 2, 2)]),
    # ... and at a line that opens with a status mark, as a list item would
    ("✅ Site live\n✅ Admin panel working\n⚠️ export slow\n  since Monday\n",
     [("paragraph", 1, 1), ("paragraph", 2, 2), ("paragraph", 3, 4)]),
    # headings (ATX and setext) and table rows (separator skipped)
    ("# Title\ntext\n", [("heading", 1, 1), ("paragraph", 2, 2)]),
    ("Title\n=====\n", [("heading", 1, 2)]),
    ("| a | b |\n|---|---|\n| x | y |\n", [("table_head", 1, 1), ("table_row", 3, 3)]),
    ("| a | b |\n| x | y |\n", [("table_row", 1, 1), ("table_row", 2, 2)]),
    # front matter
    ("---\ndate: 2026-01-22\n---\n\nbody\n", [("front_matter", 1, 3), ("paragraph", 5, 5)]),
    # source code is skipped; a pasted traceback is scanned as log records
    ("```python\nraise ValueError('x')\n```\n", []),
    ("```\nTraceback (most recent call last):\n  File \"a.py\", line 1\nValueError: boom\n```\n",
     [("log", 2, 4)]),
    ("```log\n2026-02-14 09:10:00 ERROR deploy failed\n2026-02-14 09:11:00 INFO ok\n```\n",
     [("log", 2, 2), ("log", 3, 3)]),
    # CRLF and lone CR are line breaks, form feed is not
    ("- a\r\n- b\r- c\x0cd\n", [("item", 1, 1), ("item", 2, 2), ("item", 3, 3)]),
])
def test_markdown_entries(text, expected):
    assert kinds("notes.md", text) == expected


def test_log_records_keep_traceback():
    text = ("2026-02-14 09:10:00 INFO start\n"
            "2026-02-14 09:10:01 ERROR job failed\n"
            "Traceback (most recent call last):\n"
            "  File \"job.py\", line 3, in <module>\n"
            "KeyError: 'x'\n"
            "2026-02-14 09:10:02 INFO done\n")
    assert kinds("app.log", text) == [("log", 1, 1), ("log", 2, 5), ("log", 6, 6)]


def test_jsonl_keeps_only_message_values():
    line = '{"ts": "2026-02-14T09:10:00Z", "level": "info", "msg": "deploy failed", "error_count": 0}'
    (entry,) = split("events.jsonl", line + "\n")
    assert entry.kind == "jsonl"
    assert "deploy failed" in entry.masked
    assert "level" not in entry.masked and "error_count" not in entry.masked
    assert len(entry.masked) == len(entry.text)


def test_mask_blanks_inline_code_and_urls_keeping_offsets():
    text = "run `make fail` then see https://x.test/error and <!-- failed -->"
    m = mask(text)
    assert len(m) == len(text)
    assert "fail" not in m and "error" not in m and "failed" not in m
    assert m.startswith("run ")


@pytest.mark.parametrize(("text", "kept"), [
    ("[RESOLVED] `UnsatisfiedLinkError: wgpuCreateInstance`", ["[RESOLVED]", "UnsatisfiedLinkError"]),
    ("`TargetClosedError` with Chromium", ["TargetClosedError", "with", "Chromium"]),
    ("`requests.exceptions.ConnectionError: x`", ["requests.exceptions.ConnectionError"]),
    ("added `except KeyError` and `raise_error()`", ["added", "and"]),
    ("`errors.py` has `ErrorBoundary` and `Error`", ["has", "and"]),
])
def test_mask_keeps_an_exception_class_that_opens_inline_code(text, kept):
    m = mask(text)
    assert len(m) == len(text) and m.split() == kept
    assert all(text[w.start():w.end()] == w.group() for w in re.finditer(r"\S+", m))


def test_split_lines_only_at_line_breaks():
    assert split_lines("a\r\nb\rc\nd\x0ce\u2028f") == ["a", "b", "c", "d\x0ce\u2028f"]


def test_entry_text_and_offset_round_trip():
    text = "# H\n\n- one\n  two\n\npara\n"
    for e in split("x.md", text):
        assert text[e.offset:e.offset + len(e.text)] == e.text


@pytest.mark.parametrize("text", ["", "a", "a\n", "a\nb\n\nc", "a\r\nb\rc\n", "\r\r\n\n"])
def test_line_offsets_point_at_each_line(text: str) -> None:
    from brokenlang.entries import line_offsets
    lines = split_lines(text)
    offs = line_offsets(lines, text)
    assert [text[o:o + len(ln)] for o, ln in zip(offs, lines, strict=True)] == lines
    assert offs == sorted(offs) and len(offs) == len(lines)
