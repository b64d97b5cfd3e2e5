"""User-supplied regular expressions run on RE2 (linear time), never on backtracking `re`."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2

from .errors import UserError

MAX_PATTERN_LEN = 1000


def check(pattern: str, what: str, path: str, line: int) -> None:
    """Refuse, with file and line, a pattern RE2 cannot run (backreferences, lookaround)."""
    if len(pattern) > MAX_PATTERN_LEN:
        raise UserError(f"{what}: REGEX longer than {MAX_PATTERN_LEN} characters", path, line)
    try:
        compiled(pattern)
    except Exception as e:  # re2 raises its own error type
        raise UserError(f"{what}: REGEX {pattern!r} is not supported by RE2 ({e})", path, line) from None


@lru_cache(maxsize=1024)
def compiled(pattern: str) -> Any:
    opts = re2.Options()
    opts.log_errors = False
    return re2.compile(pattern, options=opts)


def search(pattern: str, text: str) -> bool:
    return compiled(pattern).search(text) is not None
