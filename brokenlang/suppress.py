"""Inline suppression comments (pure): which entries a comment covers, and which findings
it takes out of the report.

* ``<!-- brokenlang: ignore -->`` on a line of its own covers the next entry; written at
  the end of a line it covers the entry of that line.
* ``<!-- brokenlang: ignore RULE[,RULE] -->`` covers only those rules (a pack name such
  as ``deploy`` covers every ``deploy.*`` rule).
* ``# brokenlang: ignore [RULE]`` does the same in logs and plain text (not in markdown,
  where ``#`` is a heading): at the end of a line, or on the line before.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from .entries import split_lines
from .models import Finding, SourceFile

MARKDOWN_EXT = (".md", ".markdown", ".mdx")
_RULES = r"(?:[ \t]+(?P<rules>[\w.\-]+(?:[ \t]*,[ \t]*[\w.\-]+|[ \t]+[\w.\-]+)*))?"
HTML = re.compile(r"<!--[ \t]*brokenlang:[ \t]*ignore" + _RULES + r"[ \t]*-->", re.I)
HASH = re.compile(r"(?:^|(?<=\s))#[ \t]*brokenlang:[ \t]*ignore" + _RULES + r"[ \t]*$", re.I)
FENCE = re.compile(r"^[ \t]{0,3}(```|~~~)")


class Suppression(NamedTuple):
    path: str
    line: int                 # 1-based line of the comment
    rules: tuple[str, ...]    # lowercased rule ids or pack names; () = every rule
    target: int               # the line whose entry it covers; 0 = none (nothing follows)
    comment: str              # as written


class Unused(NamedTuple):
    path: str
    line: int
    comment: str
    rules: tuple[str, ...]    # the rules that suppressed nothing (all of them for a bare comment: ())


class Applied(NamedTuple):
    kept: list[Finding]
    suppressed: list[Finding]
    unused: list[Unused]


def parse(path: str, text: str) -> list[Suppression]:
    """Every suppression comment in one file."""
    markdown = path.lower().endswith(MARKDOWN_EXT)
    # every comment starts with one of these: most files are passed without lowering them
    if ("<!--" not in text and (markdown or "#" not in text)) or "brokenlang" not in text.lower():
        return []
    lines = split_lines(text)
    found: list[tuple[int, tuple[str, ...], str, bool]] = []   # (line, rules, comment, alone)
    bare: set[int] = set()       # lines holding nothing but suppression comments
    fenced = False
    for number, line in enumerate(lines, 1):
        if markdown and FENCE.match(line):
            fenced = not fenced
            continue
        if fenced or "brokenlang" not in line.lower():
            continue
        hits = [m for m in HTML.finditer(line) if not line[:m.start()].endswith("`")]
        if not markdown:
            hits += list(HASH.finditer(line))
        if not hits:
            continue
        rest = line
        for m in sorted(hits, key=lambda m: m.start(), reverse=True):
            rest = rest[:m.start()] + rest[m.end():]
        alone = not rest.strip()
        if alone:
            bare.add(number)
        for m in sorted(hits, key=lambda m: m.start()):
            rules = tuple(r.lower() for r in re.split(r"[\s,]+", m.group("rules") or "") if r)
            found.append((number, rules, m.group(0), alone))
    out = []
    for number, rules, comment, alone in found:
        target = number if not alone else _next_content(lines, number, bare)
        out.append(Suppression(path, number, rules, target, comment))
    return out


def _next_content(lines: list[str], number: int, bare: set[int]) -> int:
    for n in range(number + 1, len(lines) + 1):
        if lines[n - 1].strip() and n not in bare:
            return n
    return 0


def covers(rule_token: str, rule: str) -> bool:
    rule = rule.lower()
    return rule == rule_token or rule.startswith(rule_token + ".")


def apply(files: Sequence[SourceFile], findings: Sequence[Finding]) -> Applied:
    """Split findings into kept and suppressed (state `ignored`, reason `suppressed`), and
    list the comments (or the rules named in them) that suppressed nothing."""
    by_path: dict[str, list[Suppression]] = {}
    for f in files:
        sups = parse(f.path, f.text)
        if sups:
            by_path[f.path] = sups
    if not by_path:
        return Applied(list(findings), [], [])
    used: set[tuple[str, int, str, str]] = set()    # (path, line, comment, rule token or "")
    kept: list[Finding] = []
    suppressed: list[Finding] = []
    for fd in findings:
        hit: Suppression | None = None
        for s in by_path.get(fd.path, ()):
            if not s.target or not fd.entry_line <= s.target <= fd.entry_end_line:
                continue
            tokens = [t for t in s.rules if covers(t, fd.rule)] if s.rules else [""]
            for t in tokens:
                used.add((s.path, s.line, s.comment, t))
            if tokens and hit is None:
                hit = s
        if hit is None:
            kept.append(fd)
        else:
            suppressed.append(fd._replace(state="ignored", reason="suppressed",
                                          message=f"ignored (suppressed on line {hit.line}): {fd.message}"))
    unused: list[Unused] = []
    for sups in by_path.values():
        for s in sups:
            idle = tuple(t for t in (s.rules or ("",)) if (s.path, s.line, s.comment, t) not in used)
            if idle:
                unused.append(Unused(s.path, s.line, s.comment, tuple(t for t in idle if t)))
    return Applied(kept, suppressed, unused)


def message(u: Unused) -> str:
    what = f" ({', '.join(u.rules)} matched nothing)" if u.rules else ""
    return f"unused suppression {u.comment}{what}"


def describe(u: Unused) -> str:
    """`path:line: unused suppression ...` for the text report."""
    return f"{u.path}:{u.line}: {message(u)}"


def to_dict(u: Unused) -> dict[str, object]:
    return {"path": u.path, "line": u.line, "comment": u.comment, "rules": list(u.rules)}
