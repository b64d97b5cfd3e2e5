"""Split a file's text into entries: what an agent reads as one statement.

Markdown: front matter, headings, list items with continuation lines, table rows,
paragraphs (split at hard breaks and `**Label:**` field lines), fenced blocks (a pasted
log or traceback is split into log records; source code is skipped). Logs: records with
their continuation lines (tracebacks). JSONL: one record per line."""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from itertools import accumulate

from .models import Entry

LINE_BREAK = re.compile(r"\r\n|\r|\n")
HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+|$)(.*?)[ \t#]*$")
SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
LIST_ITEM = re.compile(r"^([ \t]*)([-*+•]|\d{1,9}[.)])([ \t]+|$)")
FENCE = re.compile(r"^([ \t]*)(`{3,}|~{3,})[ \t]*([^`\s]*)")
TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
FIELD_LINE = re.compile(r"^\s*(\*\*[^*\n]{1,60}\*\*|__[^_\n]{1,60}__)\s*:?|^\s*(user|assistant|system|human|ai)\s*:",
                        re.I)
HR = re.compile(r"^ {0,3}([-*_])([ \t]*\1){2,}[ \t]*$")
LOG_START = re.compile(
    r"^\s*(\[?\d{4}-\d{2}-\d{2}[T ]?\d{0,2}|\[?\d{2}:\d{2}(:\d{2})?\]?\s"
    r"|\[?(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL|CRIT|PANIC)\b"
    r"|[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}|\w+(\.\w+)*: (level|lvl)=|(level|lvl)=|npm ERR!|E: "
    r"|Traceback \(most recent call last\))")
LOG_CONT = re.compile(r"^(\s+\S|\s*File \"|\s*at \S|\s*\^+\s*$|\s*\.\.\. \d+ more"
                      r"|\w+(\.\w+)*(Error|Exception|Exit|Interrupt|Warning)\b:?|During handling|The above exception)")
CODE_LANGS = {"python", "py", "js", "javascript", "ts", "typescript", "tsx", "jsx", "go", "rust", "rs", "java",
              "c", "cpp", "c++", "h", "cs", "csharp", "ruby", "rb", "php", "swift", "kotlin", "scala", "sql",
              "bash", "sh", "shell", "zsh", "fish", "powershell", "ps1", "yaml", "yml", "json", "toml", "ini",
              "xml", "html", "css", "scss", "dockerfile", "makefile", "diff", "patch", "lua", "perl", "r",
              "hcl", "terraform", "nginx", "jsonc", "graphql", "proto", "mermaid", "dart", "elixir", "haskell"}
LOG_LANGS = {"log", "logs", "text", "txt", "console", "output", "stdout", "stderr", "traceback", "pytb",
             "plaintext", "plain", "shell-session", "terminal", "error"}
INLINE_CODE = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)")
URL = re.compile(r"\b(?:https?|ftp|file|wss?)://[^\s<>()\[\]`]+|\bwww\.[^\s<>()`]+")
HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
LOG_EXT = (".log", ".out", ".err")
JSONL_EXT = (".jsonl", ".ndjson")
TEXT_KEYS = re.compile(r"(?i)^(msg|message|text|content|error|err|summary|note|body|detail|details|reason"
                       r"|description|exception|stack|stacktrace|event|status|title|output)$")


def split_lines(text: str) -> list[str]:
    """Lines split at CRLF, CR or LF only (never at form feeds or U+2028)."""
    # without a CR the only break is LF, which str.split finds much faster
    return LINE_BREAK.split(text) if "\r" in text else text.split("\n")


def line_offsets(lines: list[str], text: str) -> list[int]:
    if "\r" not in text:
        # every line but the last ends in one LF
        return list(accumulate([len(ln) + 1 for ln in lines[:-1]], initial=0))
    offs, pos = [], 0
    for ln in lines:
        offs.append(pos)
        pos += len(ln)
        if text.startswith("\r\n", pos):
            pos += 2
        elif pos < len(text):
            pos += 1
    return offs


NOT_LF = re.compile(r"[^\n]")


def _blank(m: re.Match[str]) -> str:
    s = m.group(0)
    return NOT_LF.sub(" ", s) if "\n" in s else " " * len(s)


# an exception class that opens inline code is failure language: '`UnsatisfiedLinkError: x`'
CODE_EXCEPTION = re.compile(r"(?:[a-z_]\w*\.)*[A-Z]\w*(?:Error|Exception)(?=:|$)")


def _blank_code(m: re.Match[str]) -> str:
    """Inline code blanked, but for an exception class it opens."""
    ticks, body = m.group(1), m.group(2)
    name = CODE_EXCEPTION.match(body) if "rror" in body or "xception" in body else None
    if name is None:
        return _blank(m)
    return " " * len(ticks) + name.group(0) + " " * (len(body) - name.end() + len(ticks))


def mask(text: str) -> str:
    """Blank inline code, URLs and HTML comments, keeping offsets (same length)."""
    # each pattern needs its literal marker: skip the regex scan when the marker is absent
    if "<!--" in text:
        text = HTML_COMMENT.sub(_blank, text)
    if "`" in text:
        text = INLINE_CODE.sub(_blank_code, text)
    return URL.sub(_blank, text) if _may_have_url(text) else text


def _may_have_url(text: str) -> bool:
    """False when URL cannot match: each of its branches needs '://' or 'www.'."""
    return "://" in text or "www." in text


def split(path: str, text: str) -> list[Entry]:
    lower = path.lower()
    if lower.endswith(JSONL_EXT):
        return list(_jsonl(path, text))
    lines = split_lines(text)
    offs = line_offsets(lines, text)
    if lower.endswith(LOG_EXT) or (lower.endswith(".txt") and _looks_like_log(lines)):
        return list(_log_records(path, text, lines, offs, 0, len(lines), ""))
    return list(_markdown(path, text, lines, offs))


def _looks_like_log(lines: list[str]) -> bool:
    sample = [ln for ln in lines[:200] if ln.strip()]
    return bool(sample) and sum(bool(LOG_START.match(ln)) for ln in sample) >= 0.5 * len(sample)


# Entry(...) without the Python-level NamedTuple.__new__ frame: the same tuple
_new = tuple.__new__


def _entry(path: str, kind: str, text: str, lines: list[str], offs: list[int], a: int, b: int,
           section: str, level: int = 0, masked: str | None = None,
           masker: Callable[[str], str] | None = None) -> Entry:
    """Entry for lines[a:b] (0-based, b exclusive); masked as given, else by `masker`
    (default: mask)."""
    start = offs[a]
    body = text[start:offs[b - 1] + len(lines[b - 1])]
    if masked is None:
        masked = (masker or mask)(body)
    return _new(Entry, (path, kind, a + 1, b, body, start, section, level, masked))


def _markdown(path: str, text: str, lines: list[str], offs: list[int]) -> Iterator[Entry]:
    n = len(lines)
    i = 0
    section = ""
    if n and lines[0].lstrip("\ufeff").strip() == "---":
        for j in range(1, min(n, 200)):
            if lines[j].strip() in ("---", "..."):
                yield _entry(path, "front_matter", text, lines, offs, 0, j + 1, "", masked=" " * 0)
                i = j + 1
                break
    while i < n:
        line = lines[i]
        if not line or line.isspace():   # == not line.strip() (same whitespace), without a copy
            i += 1
            continue
        c = line.lstrip(" \t")[0]   # the line has a non-blank character
        if _is_hr(line, c):
            i += 1
            continue
        fence = FENCE.match(line) if c in FENCE_LEAD else None
        if fence:
            j = _fence_end(lines, i, fence.group(2))
            yield from _fenced(path, text, lines, offs, i, j, fence.group(3).lower(), section)
            i = j
            continue
        h = HEADING.match(line) if c == "#" else None
        if h:
            section = h.group(2).strip()
            yield _entry(path, "heading", text, lines, offs, i, i + 1, section, len(h.group(1)))
            i += 1
            continue
        if i + 1 < n and _is_setext(lines[i + 1]) and not _item(line, c) and not line.lstrip().startswith("|"):
            section = line.strip()
            level = 1 if lines[i + 1].strip().startswith("=") else 2
            yield _entry(path, "heading", text, lines, offs, i, i + 2, section, level)
            i += 2
            continue
        if line.lstrip().startswith("|"):
            if not TABLE_SEP.match(line):
                # the row over the separator holds the column names: '| Why It Failed |'
                head = i + 1 < n and TABLE_SEP.match(lines[i + 1]) is not None
                yield _entry(path, "table_head" if head else "table_row", text, lines, offs, i, i + 1, section)
            i += 1
            continue
        item = _item(line, c)
        j = i + 1
        if item:
            indent = len(item.group(1).expandtabs(4))
            while j < n and _continues_item(lines[j], indent):
                j += 1
            yield _entry(path, "item", text, lines, offs, i, j, section)
        else:
            while j < n and _continues_paragraph(lines[j - 1], lines[j]):
                j += 1
            yield _entry(path, "paragraph", text, lines, offs, i, j, section)
        i = j


def _fence_end(lines: list[str], i: int, marker: str) -> int:
    for j in range(i + 1, len(lines)):
        s = lines[j].strip()
        if s.startswith(marker[0] * len(marker)) and not s.strip(marker[0]):
            return j + 1
    return len(lines)


def _fenced(path: str, text: str, lines: list[str], offs: list[int], i: int, j: int, lang: str,
            section: str) -> Iterator[Entry]:
    body_end = j - 1 if j - 1 > i and FENCE.match(lines[j - 1]) else j
    if lang in CODE_LANGS:
        return  # source code and shell commands are not statements about the present
    if lang not in LOG_LANGS and not any(LOG_START.match(ln) for ln in lines[i + 1:body_end]):
        return  # an unlabelled block that does not look like a log: treat as code
    yield from _log_records(path, text, lines, offs, i + 1, body_end, section)


# What a line that a pattern matches starts with after spaces and tabs: lines that start
# with anything else skip that regex (most lines of prose and logs).
HR_LEAD = "-*_"
FENCE_LEAD = "`~"
ITEM_LEAD = "-*+•"
SETEXT_LEAD = ("=", "-")
HR_STRIP = {c: c + " \t" for c in HR_LEAD}


def _is_hr(line: str, c: str) -> bool:
    # an HR line holds only its marker, spaces and tabs: strip() rejects most lines cheaply
    return c in HR_LEAD and not line.strip(HR_STRIP[c]) and bool(HR.match(line))


def _is_setext(line: str) -> bool:
    # likewise a setext underline holds only '=' or '-', spaces and tabs
    return not line.strip(" \t=-") and line.lstrip(" ").startswith(SETEXT_LEAD) and bool(SETEXT.match(line))


def _item(line: str, c: str) -> re.Match[str] | None:
    """LIST_ITEM.match(line), given c, the line's first character after spaces and tabs."""
    return LIST_ITEM.match(line) if c in ITEM_LEAD or c.isdecimal() else None


def _continues_item(line: str, indent: int) -> bool:
    if not line or line.isspace():
        return False
    c = line.lstrip(" \t")[0]
    # a nested or sibling item is its own entry (tested first: both tests are pure)
    if _item(line, c) or _block_start(line, c):
        return False
    lead = len(line) - len(line.lstrip())
    return lead > indent or not FIELD_LINE.match(line)


def _continues_paragraph(prev: str, line: str) -> bool:
    if not line or line.isspace():
        return False
    c = line.lstrip(" \t")[0]
    if _item(line, c) or _block_start(line, c) or c in STATUS_LEAD:
        return False
    # a hard break or a `**Field:**` line starts a new statement
    return not (prev.endswith(("  ", "\\")) or FIELD_LINE.match(line))


# a line that opens with a status mark is a statement of its own, as a list item is
# ('✅ Site live on Vercel' / '✅ Admin panel fully functional', without list markers)
STATUS_LEAD = frozenset("✅❌⚠🔴🟠🟡🟢☑✔✓✗✘⏳🚫⛔")


def _block_start(line: str, c: str) -> bool:
    return bool((c == "#" and HEADING.match(line)) or (c in FENCE_LEAD and FENCE.match(line))
                or line.lstrip().startswith("|") or _is_hr(line, c))


def _log_records(path: str, text: str, lines: list[str], offs: list[int], a: int, b: int,
                 section: str) -> Iterator[Entry]:
    i = a
    while i < b:
        line = lines[i]
        if not line or line.isspace():
            i += 1
            continue
        j = _record_end(lines, i, b)
        yield _entry(path, "log", text, lines, offs, i, j, section, masker=_mask_log)
        i = j


def _record_end(lines: list[str], i: int, b: int) -> int:
    """End (exclusive) of the log record starting at non-blank lines[i], within lines[:b]."""
    j = i + 1
    in_tb = lines[i].lstrip().startswith("Traceback")
    while j < b:
        ln = lines[j]
        if not ln or ln.isspace():
            break
        if ln.lstrip().startswith("Traceback"):
            in_tb = True  # a traceback belongs to the record that logged it
        elif LOG_START.match(ln):
            if not (in_tb and LOG_CONT.match(ln)):
                break
        elif not (in_tb or LOG_CONT.match(ln)):
            break
        j += 1
    return j


def _mask_log(body: str) -> str:
    return URL.sub(lambda m: " " * len(m.group(0)), body) if _may_have_url(body) else body


def _jsonl(path: str, text: str) -> Iterator[Entry]:
    lines = split_lines(text)
    offs = line_offsets(lines, text)
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        yield _entry(path, "jsonl", text, lines, offs, i, i + 1, "", masked=_mask_json(line))


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _mask_json(line: str) -> str:
    """Keep only the string values of message-like keys (offsets kept)."""
    try:
        json.loads(line)
    except ValueError:
        return mask(line)
    out = [" "] * len(line)
    strings = list(_JSON_STRING.finditer(line))
    for k, m in enumerate(strings):
        after = line[m.end():].lstrip()
        if after.startswith(":"):
            continue  # a key
        key = ""
        before = line[:m.start()].rstrip()
        if before.endswith(":") and k > 0 and strings[k - 1].end() <= len(before):
            key = strings[k - 1].group(0)[1:-1]
        if key and not TEXT_KEYS.match(key) and not key.lower().endswith(("message", "msg", "error", "text")):
            continue
        for p in range(m.start() + 1, m.end() - 1):
            out[p] = line[p]
    return "".join(out)
