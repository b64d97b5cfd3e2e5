"""Turn a Report into text or JSON, and decide the exit code."""
from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any, TextIO

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


def finding_dict(f: Finding) -> dict[str, Any]:
    d: dict[str, Any] = {k: getattr(f, k) for k in FINDING_KEYS}
    if f.state == "ignored":
        d["reason"] = f.reason
    return d


def summary(report: Report) -> dict[str, Any]:
    return {"files": len(report.files), "entries": report.entries, "findings": len(report.findings),
            "by_state": by_state(report.findings), "context_tokens": report.context_tokens,
            "seconds": round(report.seconds, 3)}


def to_json(report: Report, show_ignored: bool) -> str:
    doc = {"version": 1,
           "findings": [finding_dict(f) for f in report.findings],
           "ignored": [finding_dict(f) for f in report.ignored] if show_ignored else [],
           "summary": summary(report),
           "notices": [{"path": n.path, "line": n.line, "message": n.message} for n in report.notices]}
    return json.dumps(doc, ensure_ascii=False, indent=1)


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
        msg = f.message if f.state != "ignored" else f"{f.message}"
        out.append(f"{where} {f.rule} {state} {msg}")
    return out


def summary_line(report: Report) -> str:
    c = by_state(report.findings)
    parts = ", ".join(f"{c[s]} {s}" for s in STATES)
    return (f"{len(report.findings)} finding{'s' if len(report.findings) != 1 else ''} ({parts}) in "
            f"{len(report.files)} file{'s' if len(report.files) != 1 else ''}; "
            f"~{report.context_tokens} context tokens; {report.seconds:.2f}s")
