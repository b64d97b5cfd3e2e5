"""A bounded memo for pure functions of a text: log lines and headings repeat, so what is
computed from a short text is kept (long texts seldom repeat and are not kept)."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
K = TypeVar("K", str, bytes)

TEXTS = 20_000       # values kept; the memo starts over when full
TEXT_CHARS = 400     # longer texts are computed every time


class TextMemo(dict[K, T]):
    """memo[text] (or memo(text)) is fn(text), for a text of str or bytes. A dict that
    computes what it lacks: a text seen before is found by the dict's own lookup, without
    a call into Python."""

    def __init__(self, fn: Callable[[K], T], texts: int = TEXTS, chars: int = TEXT_CHARS) -> None:
        super().__init__()
        self.fn: Callable[[K], T] = fn
        self.texts = texts
        self.chars = chars

    def __missing__(self, text: K) -> T:
        got = self.fn(text)
        if len(text) <= self.chars:
            if len(self) >= self.texts:
                self.clear()
            self[text] = got
        return got

    def __call__(self, text: K) -> T:
        return self[text]
