"""What the matchers see of a text and which of their spans are kept: shared by the spaCy
matcher (matcher.py) and the engine (engine.py), without importing spaCy."""
from __future__ import annotations

import bisect
import re
from typing import NamedTuple

SURROGATES = re.compile("[\ud800-\udfff]")
# emphasis delimiters (**bold**, _italic_) are markup, not words: "**Root cause:**" is "Root cause:"
EMPHASIS = re.compile(r"(?<![\w*_])(?:\*{1,3}|_{1,3})(?=[^\s*_])|(?<=[^\s*_])(?:\*{1,3}|_{1,3})(?![\w*_])")


def plain(text: str) -> str:
    """What the matchers see: same length and offsets, emphasis blanked, and U+FFFD for
    undecodable bytes (spaCy cannot hash lone surrogates). Each regex is skipped when a
    C-level test shows it cannot match: every EMPHASIS match holds a "*" or "_", and a
    surrogate is not ASCII."""
    if "*" in text or "_" in text:
        text = EMPHASIS.sub(_blank, text)
    return text if text.isascii() else SURROGATES.sub("\ufffd", text)


SPACE_RUN = re.compile(" {2,}")
LINE_SPACE = str.maketrans("\n\r\t", "   ")


class Seen(NamedTuple):
    """What the matchers see of a text (`text`), and how to find its offsets in the text:
    `at[i]` is the offset of the seen text after the i-th run of spaces shortened, and
    `shift[i]` how many characters were taken out up to there."""

    text: str
    at: tuple[int, ...] = ()
    shift: tuple[int, ...] = ()

    def back(self, spans: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
        """Spans of the seen text as spans of the text (a span starts and ends on a token's
        character, never inside a shortened run)."""
        if not self.at:
            return spans
        at, shift = self.at, self.shift

        def offset(x: int) -> int:
            i = bisect.bisect_right(at, x)
            return x + shift[i - 1] if i else x

        return [(r, offset(s), offset(e - 1) + 1) for r, s, e in spans]


def seen(text: str) -> Seen:
    """plain(text) with line breaks and tabs made spaces, and each run of spaces made one
    space. Emphasis and inline code blanked inside a sentence leave runs of spaces ('is
    **dead**', 'returns `X` error'), and a paragraph wrapped over lines has line breaks
    ('is\nunreliable'), which spaCy makes tokens of their own: no pattern would see the
    words on each side as neighbours."""
    p = plain(text)
    if "\n" in p or "\t" in p or "\r" in p:
        p = p.translate(LINE_SPACE)   # one character for one: the offsets stay
    if "  " not in p:
        return Seen(p)
    parts: list[str] = []
    at: list[int] = []
    shift: list[int] = []
    pos = removed = 0
    for m in SPACE_RUN.finditer(p):
        a, b = m.span()
        parts.append(p[pos:a + 1])
        removed += b - a - 1
        at.append(b - removed)
        shift.append(removed)
        pos = b
    parts.append(p[pos:])
    return Seen("".join(parts), tuple(at), tuple(shift))


def _blank(m: re.Match[str]) -> str:
    return " " * len(m.group(0))


def select_spans(spans: list[tuple[str, int, int]], order: dict[str, int]) -> list[tuple[str, int, int]]:
    """Longest first, then leftmost, then rule order; keep those that do not overlap.
    Kept spans are disjoint, so one bisection finds the only neighbours that could overlap."""
    if not spans:
        return []
    starts: list[int] = []
    ends: list[int] = []
    kept: list[tuple[str, int, int]] = []
    for rid, s, e in sorted(set(spans), key=lambda x: (-(x[2] - x[1]), x[1], order.get(x[0], 0))):
        i = bisect.bisect_left(starts, s)
        if (i < len(starts) and starts[i] < e) or (i > 0 and ends[i - 1] > s):
            continue
        starts.insert(i, s)
        ends.insert(i, e)
        kept.insert(i, (rid, s, e))
    return kept
