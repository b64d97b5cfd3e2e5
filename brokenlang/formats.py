"""Machine formats for CI: SARIF 2.1.0 (GitHub code scanning) and GitHub workflow-command
annotations. Text and JSON live in report.py."""
from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from . import __version__, suppress
from .models import Finding, Rule
from .report import clean
from .run import Report

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/brokenlang/brokenlang"
FINGERPRINT_KEY = "brokenlang/v1"
SEVERITY_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
# What the run asks of the reader: stale and recurred entries are wrong now, an open one is
# a live failure to know about, a resolved one is history.
SARIF_LEVEL = {"stale": "error", "recurred": "error", "open": "warning", "resolved": "note", "ignored": "none"}
GITHUB_COMMAND = {"stale": "error", "recurred": "error", "open": "warning", "resolved": "notice",
                  "ignored": "notice"}


def render(fmt: str, report: Report, show_ignored: bool) -> str:
    if fmt == "sarif":
        return json.dumps(sarif(report, show_ignored), ensure_ascii=False, indent=1)
    if fmt == "github":
        return "\n".join(github(report, show_ignored))
    raise ValueError(f"unknown format {fmt!r}")


def _ordered(report: Report, show_ignored: bool) -> list[Finding]:
    rows = list(report.findings) + (list(report.ignored) if show_ignored else [])
    rows.sort(key=lambda f: (f.path, f.line, f.column, f.rule))
    return rows


# SARIF 2.1.0


def sarif(report: Report, show_ignored: bool) -> dict[str, Any]:
    rules = sorted(report.rules, key=lambda r: r.id)
    index = {r.id: i for i, r in enumerate(rules)}
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "brokenlang", "version": __version__, "semanticVersion": __version__,
                            "informationUri": INFORMATION_URI, "rules": [_rule(r) for r in rules]}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index) for f in _ordered(report, show_ignored)],
        "invocations": [{"executionSuccessful": True,
                         "toolExecutionNotifications": [_notification(n.path, n.line, n.message)
                                                        for n in report.notices]}],
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _rule(r: Rule) -> dict[str, Any]:
    pack = r.id.split(".", 1)[0]
    return {"id": r.id, "name": r.id, "shortDescription": {"text": clean(r.message)},
            "defaultConfiguration": {"level": SEVERITY_LEVEL.get(r.severity, "warning")},
            "properties": {"tags": ["memory-hygiene", pack]}}


def _uri(path: str) -> dict[str, str]:
    p = clean(path).replace(os.sep, "/")
    if os.path.isabs(path):
        return {"uri": "file://" + quote(p if p.startswith("/") else "/" + p)}
    return {"uri": quote(p), "uriBaseId": "%SRCROOT%"}


def _region(f: Finding) -> dict[str, int]:
    region = {"startLine": f.line, "startColumn": f.column, "endLine": f.end_line}
    if f.end_line == f.line and f.text and "\n" not in f.text:
        region["endColumn"] = f.column + len(f.text)
    return region


def _result(f: Finding, index: dict[str, int]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": f.rule,
        "level": SARIF_LEVEL.get(f.state, "warning"),
        "message": {"text": clean(f.message)},
        "locations": [{"physicalLocation": {"artifactLocation": _uri(f.path), "region": _region(f)}}],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": {"state": f.state, "ledger_id": f.ledger_id, "entry_date": f.entry_date,
                       "date_source": f.date_source, "resolved_by": f.resolved_by},
    }
    if f.rule in index:
        out["ruleIndex"] = index[f.rule]
    if f.reason:
        out["properties"]["reason"] = f.reason
    if f.state == "stale" and f.resolved_by == "ledger":
        out["suppressions"] = [{"kind": "external",
                                "justification": f"listed as resolved in the brokenlang ledger ({f.ledger_id})"}]
    elif f.reason == "suppressed":
        out["suppressions"] = [{"kind": "inSource", "justification": clean(f.message)}]
    return out


def _notification(path: str, line: int, message: str) -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": _uri(path)}
    if line:
        location["region"] = {"startLine": line}
    return {"level": "warning", "message": {"text": clean(message)},
            "locations": [{"physicalLocation": location}]}


# GitHub workflow commands


def escape_data(text: str) -> str:
    return clean(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, **props: object) -> str:
    """`::kind key=value,...::message`, escaped as the runner expects."""
    fields = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items() if v is not None)
    return f"::{kind} {fields}::{escape_data(message)}" if fields else f"::{kind}::{escape_data(message)}"


def github(report: Report, show_ignored: bool) -> list[str]:
    lines = []
    for f in _ordered(report, show_ignored):
        lines.append(command(GITHUB_COMMAND.get(f.state, "warning"), f.message, file=f.path, line=f.line,
                             endLine=f.end_line, col=f.column, title=f"brokenlang {f.rule} ({f.state})"))
    for n in report.notices:
        lines.append(command("notice", n.message, file=n.path, line=n.line or None, title="brokenlang notice"))
    return lines


def github_unused(unused: Sequence[suppress.Unused]) -> list[str]:
    return [command("warning", suppress.message(u), file=u.path, line=u.line, title="brokenlang unused suppression")
            for u in unused]
