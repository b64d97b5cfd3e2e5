"""A sound prefilter derived from the rules: the words (and token regexes) of which every
rule needs at least one. A text that holds none of them cannot match any rule, so the
pre-commit hook skips spaCy for it. Derived, never written beside the rules: a hand-made
trigger list missed 7 % of spaCy's hits (shared/MEASUREMENTS.md).

Why it is sound: spaCy tokens are substrings of the text they come from (masking only
blanks characters), a required token with a literal `ORTH`/`TEXT`/`LOWER` value is
therefore a substring of the lowercased text, and a token `REGEX` (searched inside the
token) still matches the text once its anchors and word boundaries are taken out."""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, NamedTuple

from .models import Rule

OPTIONAL = ("?", "*", "!")
LITERAL_ATTRS = ("LOWER", "ORTH", "TEXT")
_ANCHOR = re.compile(r"\\[bBAzZ]|[\^$]")
_SPACE = re.compile(r"\s+")

# One necessary condition: (kind, value) with kind `lower` (one of the words occurs in the
# lowercased text), `case` (one occurs in the text as written), `lower_rx` / `text_rx` (the
# unanchored regex matches the lowercased / written text) or `squeezed` (the phrase occurs
# in the lowercased text with all whitespace taken out).
Condition = tuple[str, Any]


class Triggers(NamedTuple):
    patterns: tuple[tuple[Condition, ...], ...]   # a rule pattern can only match if all hold
    lower_words: frozenset[str]
    case_words: frozenset[str]

    def may_match(self, text: str) -> bool:
        """False only when no rule can match anywhere in `text`."""
        lower = text.lower()
        have_lower = {w for w in self.lower_words if w in lower}
        have_case = {w for w in self.case_words if w in text}
        squeezed: list[str] = []

        def holds(c: Condition) -> bool:
            kind, value = c
            if kind == "lower":
                return not have_lower.isdisjoint(value)
            if kind == "case":
                return not have_case.isdisjoint(value)
            if kind == "squeezed":
                if not squeezed:
                    squeezed.append(_SPACE.sub("", lower))
                return value in squeezed[0]
            from . import saferegex

            return saferegex.search(value, lower if kind == "lower_rx" else text)

        return any(all(holds(c) for c in conds) for conds in self.patterns)


def derive(rules: Sequence[Rule]) -> Triggers:
    out: list[tuple[Condition, ...]] = []
    for rule in rules:
        out.extend((("squeezed", _SPACE.sub("", p.lower())),) for p in rule.phrases)
        out.extend(_conditions(pattern) for pattern in rule.patterns)
    lower = frozenset(w for conds in out for kind, v in conds if kind == "lower" for w in v)
    case = frozenset(w for conds in out for kind, v in conds if kind == "case" for w in v)
    # cheapest and most selective first: whole words before regexes
    order = {"squeezed": 0, "case": 1, "lower": 1, "lower_rx": 2, "text_rx": 2}
    return Triggers(tuple(tuple(sorted(c, key=lambda x: order[x[0]])) for c in out), lower, case)


def _conditions(pattern: Sequence[dict[str, Any]]) -> tuple[Condition, ...]:
    """What each required token of a spaCy token pattern needs of the text (no condition
    at all: the pattern may match anything)."""
    conds: list[Condition] = []
    for token in pattern:
        if token.get("OP") in OPTIONAL:
            continue
        for attr in LITERAL_ATTRS:
            value = token.get(attr)
            words: list[str] | None = None
            if isinstance(value, str):
                words = [value]
            elif isinstance(value, dict) and isinstance(value.get("IN"), list):
                words = [str(v) for v in value["IN"]]
            elif isinstance(value, dict) and "REGEX" in value:
                unanchored = unanchor(str(value["REGEX"]))
                if unanchored:
                    conds.append(("lower_rx" if attr == "LOWER" else "text_rx", unanchored))
            if words is not None and all(words):
                if attr == "LOWER":
                    conds.append(("lower", frozenset(w.lower() for w in words)))
                else:
                    conds.append(("case", frozenset(words)))
    return tuple(conds)


def unanchor(pattern: str) -> str | None:
    """`pattern` without `^`, `$`, `\\b`, `\\B`, `\\A`, `\\z` outside character classes (a
    weaker pattern: it matches wherever the original matched inside a token); None when
    the pattern uses syntax this does not follow (inline flags)."""
    if "(?" in pattern.replace("(?:", ""):
        return None
    out: list[str] = []
    i = 0
    in_class = False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            pair = pattern[i:i + 2]
            if not in_class and _ANCHOR.fullmatch(pair):
                i += 2
                continue
            out.append(pair)
            i += 2
            continue
        if in_class:
            if ch == "]" and not (out and out[-1] in ("[", "[^")):
                in_class = False
            out.append(ch)
        elif ch == "[":
            in_class = True
            if pattern[i + 1:i + 2] == "^":
                out.append("[^")
                i += 2
                continue
            out.append(ch)
        elif ch not in "^$":
            out.append(ch)
        i += 1
    return "".join(out)
