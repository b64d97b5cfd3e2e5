"""Turn a Report into text or JSON, and decide the exit code."""
from __future__ import annotations

import json
import operator
import os
import re
from collections.abc import Iterator, Sequence
from typing import Any, Protocol, TextIO

from . import budget, suppress
from .models import FAIL_LEVELS, STATES, Finding
from .run import Report

COLORS = {"stale": "\033[33m", "recurred": "\033[35m", "open": "\033[31m", "resolved": "\033[32m",
          "ignored": "\033[2m"}
BOLD, RESET = "\033[1m", "\033[0m"
FINDING_KEYS = ("path", "line", "end_line", "column", "rule", "severity", "state", "text", "entry",
                "entry_date", "date_source", "ledger_id", "resolved_by", "message", "fingerprint")


def exit_code(findings: Sequence[Finding], fail_on: str) -> int:
    levels = FAIL_LEVELS[fail_on]
    return 1 if any(f.state in levels for f in findings) else 0


def use_color(stream: TextIO, no_color: bool) -> bool:
    if no_color or os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def by_state(findings: Sequence[Finding]) -> dict[str, int]:
    counts = {s: 0 for s in STATES}
    for f in findings:
        if f.state in counts:
            counts[f.state] += 1
    return counts


def clean(value: Any) -> Any:
    """Undecodable bytes (kept as surrogates internally) are shown as U+FFFD."""
    if isinstance(value, str) and not value.isascii():
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return value


CONTROL = re.compile(r"[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """No terminal escapes or bidi overrides from hostile file names or text reach a TTY."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}" if ord(m.group(0)) < 256
                       else f"\\u{ord(m.group(0)):04x}", text)


_finding_values = operator.attrgetter(*FINDING_KEYS)


def finding_dict(f: Finding, cleaned: bool = True) -> dict[str, Any]:
    """The JSON object of a finding (`cleaned=False`: strings as they are, for a caller
    that cleans the whole document at once)."""
    values = _finding_values(f)
    d: dict[str, Any] = dict(zip(FINDING_KEYS, map(clean, values) if cleaned else values, strict=True))
    if f.state == "ignored":
        d["reason"] = f.reason
    return d


def summary(report: Report, unused_suppressions: bool = False) -> dict[str, Any]:
    out = {"files": len(report.files), "entries": report.entries, "findings": len(report.findings),
           "by_state": by_state(report.findings), "context_tokens": report.context_tokens,
           "seconds": round(report.seconds, 3)}
    if report.budget is not None:
        out["context_budget"] = budget.to_dict(report.budget)
    if unused_suppressions:
        out["unused_suppressions"] = [suppress.to_dict(u) for u in report.unused_suppressions]
    return out


# Where one object of a list ends and the next begins ('}, {"' cannot stand inside a
# string: a quote there is written as \"); every object's first key is a key of its own.
ITEM_EDGE, ITEM_EDGE_NL = b'}, {"', b'},\n  {"'


class Rendered(Protocol):
    """Where the rendered lists of one run's report are kept (incremental.Rendered): the
    same inputs give the same findings, so the same bytes."""

    def get(self, name: str) -> bytes | None: ...

    def put(self, name: str, body: bytes) -> None: ...


def json_chunks(report: Report, show_ignored: bool, unused_suppressions: bool = False,
                rendered: Rendered | None = None) -> Iterator[bytes]:
    """One JSON object (UTF-8), in pieces to write one after the other; each finding on a
    line of its own: readable, and written by the C encoder in one call per list (an
    indented dump of a large report takes seconds). `rendered`: the lists of findings as
    rendered for an earlier run with the same inputs, taken from there or kept there."""
    lists = {"findings": report.findings, "ignored": report.ignored if show_ignored else []}
    yield b'{"version": 1'
    for key, findings in lists.items():
        if not findings:
            yield f',\n "{key}": []'.encode()
            continue
        body = rendered.get(key) if rendered is not None else None
        if body is None:   # a line per object (see ITEM_EDGE)
            body = _utf8(_ENCODE([finding_dict(f, cleaned=False) for f in findings])).replace(
                ITEM_EDGE, ITEM_EDGE_NL)[1:-1]
            if rendered is not None:
                rendered.put(key, body)
        yield f',\n "{key}": [\n  '.encode()
        yield body
        yield b"\n ]"
    yield b',\n "summary": ' + _utf8(_ENCODE(summary(report, unused_suppressions)))
    notices = [{"path": n.path, "line": n.line, "message": n.message} for n in report.notices]
    if notices:
        yield b',\n "notices": [\n  ' + _utf8(_ENCODE(notices)).replace(ITEM_EDGE, ITEM_EDGE_NL)[1:-1] + b"\n ]"
    else:
        yield b',\n "notices": []'
    yield b"\n}\n"


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def _utf8(text: str) -> bytes:
    """The encoder writes strings as they are: undecodable bytes (surrogates) become U+FFFD
    as clean() makes them (the quotes between two strings keep their bytes apart)."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace").encode("utf-8")


def text_lines(report: Report, show_ignored: bool, color: bool) -> list[str]:
    rows = list(report.findings) + (list(report.ignored) if show_ignored else [])
    rows.sort(key=lambda f: (f.path, f.line, f.column, f.rule))
    out = []
    for f in rows:
        state = f"[{f.state}]"
        if color:
            state = f"{COLORS.get(f.state, '')}{state}{RESET}"
            where = f"{BOLD}{f.path}{RESET}:{f.line}:{f.column}:"
        else:
            where = f"{f.path}:{f.line}:{f.column}:"
        out.append(printable(clean(f"{where} {f.rule} {state} {f.message}")))
    return out


def summary_line(report: Report) -> str:
    c = by_state(report.findings)
    parts = ", ".join(f"{c[s]} {s}" for s in STATES)
    return (f"{len(report.findings)} finding{'s' if len(report.findings) != 1 else ''} ({parts}) in "
            f"{len(report.files)} file{'s' if len(report.files) != 1 else ''}; "
            f"~{report.context_tokens} context tokens; {report.seconds:.2f}s")
