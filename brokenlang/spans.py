"""What the matchers see of a text and which of their spans are kept: shared by the spaCy
matcher (matcher.py) and the engine (engine.py), without importing spaCy."""
from __future__ import annotations

import bisect
import re

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
