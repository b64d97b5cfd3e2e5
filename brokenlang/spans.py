"""What the matchers see of a text and which of their spans are kept: shared by the spaCy
matcher (matcher.py) and the engine (engine.py), without importing spaCy."""
from __future__ import annotations

import re

SURROGATES = re.compile("[\ud800-\udfff]")
# emphasis delimiters (**bold**, _italic_) are markup, not words: "**Root cause:**" is "Root cause:"
EMPHASIS = re.compile(r"(?<![\w*_])(?:\*{1,3}|_{1,3})(?=[^\s*_])|(?<=[^\s*_])(?:\*{1,3}|_{1,3})(?![\w*_])")


def plain(text: str) -> str:
    """What the matchers see: same length and offsets, emphasis blanked, and U+FFFD for
    undecodable bytes (spaCy cannot hash lone surrogates)."""
    text = EMPHASIS.sub(lambda m: " " * len(m.group(0)), text)
    return SURROGATES.sub("\ufffd", text)


def select_spans(spans: list[tuple[str, int, int]], order: dict[str, int]) -> list[tuple[str, int, int]]:
    """Longest first, then leftmost, then rule order; keep those that do not overlap."""
    kept: list[tuple[str, int, int]] = []
    for rid, s, e in sorted(set(spans), key=lambda x: (-(x[2] - x[1]), x[1], order.get(x[0], 0))):
        if all(e <= ks or s >= ke for _, ks, ke in kept):
            kept.append((rid, s, e))
    return sorted(kept, key=lambda x: (x[1], x[2]))
