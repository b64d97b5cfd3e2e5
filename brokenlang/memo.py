"""A bounded memo for pure functions of a text: log lines and headings repeat, so what is
computed from a short text is kept (long texts seldom repeat and are not kept)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

TEXTS = 20_000       # values kept; the memo starts over when full
TEXT_CHARS = 400     # longer texts are computed every time


class TextMemo(Generic[T]):
    def __init__(self, fn: Callable[[str], T], texts: int = TEXTS, chars: int = TEXT_CHARS) -> None:
        self.fn = fn
        self.texts = texts
        self.chars = chars
        self._kept: dict[str, T] = {}

    def __call__(self, text: str) -> T:
        got = self._kept.get(text)
        if got is None:
            got = self.fn(text)
            if len(text) <= self.chars:
                if len(self._kept) >= self.texts:
                    self._kept.clear()
                self._kept[text] = got
        return got
