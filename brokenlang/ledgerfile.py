"""Ledger upkeep on text (pure): append issues to a ledger keeping every existing byte and
comment, and find what `ledger check` reports (duplicate ids, future dates, dead issues)."""
from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import yaml

from . import entries, ledger, subject, yamlio
from .errors import UserError
from .models import SourceFile

NEW_LEDGER = "version: 1\nissues:\n"
EMPTY_LEDGER = "version: 1\nissues: []\n"
ISSUE_ORDER = ("id", "title", "match", "resolved", "now", "paths", "evidence")
DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Problem(NamedTuple):
    path: str
    line: int
    issue: str
    message: str


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)   # lists under a key indented, as people write them


def issue_dict(id: str, title: str, match: Sequence[str], resolved: str, now: str | None = None,
               paths: Sequence[str] = (), evidence: str | None = None) -> dict[str, Any]:
    """An issue as the ledger holds it, optional fields left out when empty."""
    d: dict[str, Any] = {"id": id, "title": title, "match": list(match), "resolved": resolved}
    if now:
        d["now"] = now
    if paths:
        d["paths"] = list(paths)
    if evidence:
        d["evidence"] = evidence
    return d


def issue_yaml(item: Mapping[str, Any], dash_col: int = 2, key_col: int = 4) -> str:
    """One issue as a block-list item ("  - id: ...\\n    title: ...\\n")."""
    data = {k: item[k] for k in ISSUE_ORDER if k in item}
    resolved = data.get("resolved")
    if isinstance(resolved, str) and DATE_ONLY.match(resolved):
        with contextlib.suppress(ValueError):   # a bad date stays text: ledger.parse names it and its line
            data["resolved"] = dt.date.fromisoformat(resolved)   # written unquoted, read back as a date
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000,
                     default_flow_style=False)
    lines = body.splitlines()
    first = " " * dash_col + "-" + " " * (key_col - dash_col - 1) + lines[0]
    return "\n".join([first] + [" " * key_col + ln for ln in lines[1:]]) + "\n"


def append(text: str, items: Sequence[Mapping[str, Any]], path: str) -> str:
    """`text` with `items` added at the end of its `issues:` list. Bytes outside the
    insertion point are kept, except an empty `[]` or `~` value after `issues:`, which
    becomes the block list. The result is validated with ledger.parse."""
    if not items:
        return text
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom):]
    before = ledger.parse(text, path) if body.strip() else ledger.EMPTY
    out = _insert(body, items, path)
    result = bom + out
    after = ledger.parse(result, path)
    want = [i.id for i in before.issues] + [str(it["id"]) for it in items]
    if [i.id for i in after.issues] != want:
        raise UserError("could not append to the ledger safely (is `issues:` the last key?)", path)
    return result


def _insert(body: str, items: Sequence[Mapping[str, Any]], path: str) -> str:
    try:
        root = yaml.compose(body, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        raise UserError(f"invalid YAML: {e}", path) from None
    if root is None:
        sep = "" if not body or body.endswith("\n") else "\n"
        return body + sep + NEW_LEDGER + "".join(issue_yaml(it) for it in items)
    if not isinstance(root, yaml.MappingNode):
        raise UserError("the ledger must be a mapping with `version: 1` and `issues:`", path, 1)
    value = next((v for k, v in root.value if isinstance(k, yaml.ScalarNode) and k.value == "issues"), None)
    if value is None:
        sep = "" if body.endswith("\n") else "\n"
        return body + sep + "issues:\n" + "".join(issue_yaml(it) for it in items)
    line = value.start_mark.line + 1
    if isinstance(value, yaml.SequenceNode) and value.value:
        if value.flow_style:
            raise UserError("`issues:` is a flow list [...]; write it as a block list to append to it", path, line)
        first = value.value[0]
        dash, key = value.start_mark.column, first.start_mark.column
        at = _line_end(body, _last_mark(value).index)
        new = "".join(issue_yaml(it, dash, max(key, dash + 2)) for it in items)
        return body[:at] + ("" if at == 0 or body[at - 1] == "\n" else "\n") + new + body[at:]
    empty_seq = isinstance(value, yaml.SequenceNode)
    null = isinstance(value, yaml.ScalarNode) and value.tag == "tag:yaml.org,2002:null"
    if not (empty_seq or null):
        raise UserError("`issues` must be a list", path, line)
    # `issues:`, `issues: ~` or `issues: []`: drop the empty value, the items follow the key's line
    start, end = value.start_mark.index, value.end_mark.index
    body = body[:start].rstrip(" \t") + body[end:] if end > start else body
    at = _line_end(body, start if end > start else value.start_mark.index)
    sep = "" if at == 0 or body[at - 1] == "\n" else "\n"
    return body[:at] + sep + "".join(issue_yaml(it) for it in items) + body[at:]


def _last_mark(node: yaml.Node) -> yaml.Mark:
    """Where the last scalar of a node ends (a block node's own end mark can lie past
    trailing comments, which must stay after the new items)."""
    while isinstance(node, (yaml.SequenceNode, yaml.MappingNode)) and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(last, tuple) else last
    return node.end_mark


def _line_end(text: str, index: int) -> int:
    """The start of the line after `index` (or `index` itself when a line starts there)."""
    index = min(index, len(text))
    if index == 0 or text[index - 1] == "\n":
        return index
    nl = text.find("\n", index)
    return len(text) if nl < 0 else nl + 1


# ledger check


def ids_with_lines(raw: bytes | str, path: str) -> list[tuple[Any, int, Any]]:
    """(id, line, item) for every issue, duplicates included, without the strict checks."""
    data = yamlio.load(raw, path)
    if not isinstance(data, dict):
        return []
    items = data.get("issues") or []
    if not isinstance(items, list):
        return []
    return [(item.get("id") if isinstance(item, dict) else None, yamlio.line_of(item), item) for item in items]


def parse_lenient(raw: bytes | str, path: str) -> tuple[list[ledger.Issue], list[Problem]]:
    """The issues of a ledger that may hold duplicate ids (reported, first one kept); any
    other ledger error is raised as with ledger.parse."""
    listed = ids_with_lines(raw, path)
    seen: dict[str, int] = {}
    problems = []
    unique = []
    for iid, line, item in listed:
        if isinstance(iid, str) and iid in seen:
            problems.append(Problem(path, line, iid, f"duplicate id (first on line {seen[iid]})"))
            continue
        if isinstance(iid, str):
            seen[iid] = line
        unique.append(item)
    if not problems:
        return list(ledger.parse(raw, path).issues), []
    # re-check the first occurrences with the strict parser, lines kept from the original
    issues = [ledger._parse_issue(item, path) for item in unique]   # the same schema, checked in one place
    return issues, problems


def future_dates(issues: Iterable[ledger.Issue], path: str, now: dt.datetime) -> list[Problem]:
    """Issues resolved after `now` (a date-only value counts from the start of that day)."""
    out = []
    for i in issues:
        if DATE_ONLY.match(i.resolved_text):
            future = dt.date.fromisoformat(i.resolved_text) > now.date()
        else:
            future = i.resolved > now
        if future:
            out.append(Problem(path, i.line, i.id, f"resolved date {i.resolved_text} is in the future"))
    return out


def dead_issues(issues: Sequence[ledger.Issue], files: Sequence[SourceFile], path: str) -> list[Problem]:
    """Issues that match no entry of the scanned files (whatever the entry says)."""
    texts = []
    for f in files:
        for e in entries.split(f.path, f.text):
            if e.kind != "front_matter":
                texts.append((subject.plain(e.text), e.section if e.kind != "heading" else "", f.path))
    alive: set[str] = set()
    whole = ledger.LedgerMatcher(ledger.Ledger(path, tuple(issues)))
    for text, section, where in texts:
        got = whole.match(text, section, where)
        if got:
            alive.add(got[0].id)
    for issue in issues:   # an issue that always lost to a closer one still counts if it matches alone
        if issue.id in alive:
            continue
        alone = ledger.LedgerMatcher(ledger.Ledger(path, (issue,)))
        if any(alone.match(text, section, where) for text, section, where in texts):
            alive.add(issue.id)
    return [Problem(path, i.line, i.id, "matches nothing in the scanned files (dead entry)")
            for i in issues if i.id not in alive]
