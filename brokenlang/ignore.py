"""Gitignore-style globs (.gitignore files, include and exclude), matched without regex.

Patterns come from untrusted files, so matching never backtracks exponentially: one
segment is matched by the classic single-backtrack wildcard loop (O(pattern x name)) and
`**` by a table over path segments (O(segments x parts)).
"""
from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import NamedTuple, TypeAlias

MAX_PATTERN_CHARS = 1024   # git's own limit is PATH_MAX; longer lines are refused


class _Wild(enum.Enum):
    ONE = "?"
    STAR = "*"


class _Class(NamedTuple):
    """A bracket expression like `[a-z]` or `[!0-9]`; single characters are (c, c)."""

    negate: bool
    ranges: tuple[tuple[str, str], ...]


Token: TypeAlias = str | _Wild | _Class   # str: one literal character
# int: `**` spanning at least that many folders; str: a literal name; tuple: a glob
Segment: TypeAlias = int | str | tuple[Token, ...]


class Pattern(NamedTuple):
    """One glob line: the path segments it matches and how the match counts."""

    segments: tuple[Segment, ...]
    negate: bool         # `!pattern`: a match re-includes
    dir_only: bool       # `pattern/`: matches folders only
    text: str            # as written
    line: int            # 1-based line in its file (1 for a command-line glob)


class IgnoreFile(NamedTuple):
    """The patterns of one .gitignore and the folder (relative to the root, "/"-separated) it governs."""

    base: str
    patterns: tuple[Pattern, ...]


class BadLine(NamedTuple):
    line: int
    message: str


def compile_pattern(text: str, line: int = 1) -> Pattern | None:
    """Compile one gitignore-syntax line; None for blanks and comments. Raises ValueError if too long."""
    if len(text) > MAX_PATTERN_CHARS:
        raise ValueError(f"pattern longer than {MAX_PATTERN_CHARS} characters")
    body = _strip_trailing_spaces(text.rstrip("\r"))
    if not body or body.startswith("#"):
        return None
    negate = body.startswith("!")
    body = body[1:] if negate else body
    dir_only = body.endswith("/")
    body = body.rstrip("/")
    anchored = "/" in body   # a slash at the start or in the middle anchors to the base folder
    parts = [p for p in body.split("/") if p]
    if not parts:
        return None
    segments: list[Segment] = [_compile_segment(p) for p in parts]
    if not anchored:
        segments.insert(0, 0)   # no slash: matches at any depth
    if isinstance(segments[-1], int):
        segments[-1] = 1        # trailing `/**` matches everything inside, not the folder itself
    return Pattern(tuple(segments), negate, dir_only, text, line)


def parse_gitignore(text: str) -> tuple[tuple[Pattern, ...], list[BadLine]]:
    """All patterns of a .gitignore, and the lines that were refused."""
    patterns: list[Pattern] = []
    bad: list[BadLine] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        try:
            pattern = compile_pattern(raw, number)
        except ValueError as e:
            bad.append(BadLine(number, f"{e}; line ignored"))
            continue
        if pattern is not None:
            patterns.append(pattern)
    return tuple(patterns), bad


def decide(patterns: Sequence[Pattern], relpath: str, is_dir: bool) -> bool | None:
    """True/False from the last pattern matching `relpath` (negation gives False); None if none match."""
    parts = relpath.split("/")
    for pattern in reversed(patterns):
        if matches(pattern, parts, is_dir):
            return not pattern.negate
    return None


def is_ignored(files: Sequence[IgnoreFile], relpath: str, is_dir: bool) -> bool:
    """Gitignore verdict for a root-relative path: the deepest file with a matching line wins."""
    for ignore_file in reversed(files):
        sub = _relative_to(relpath, ignore_file.base)
        if sub is None:
            continue
        verdict = decide(ignore_file.patterns, sub, is_dir)
        if verdict is not None:
            return verdict
    return False


def matches(pattern: Pattern, parts: Sequence[str], is_dir: bool) -> bool:
    if pattern.dir_only and not is_dir:
        return False
    segments = pattern.segments
    if len(segments) == 2 and segments[0] == 0 and not isinstance(segments[1], int):
        # `name` at any depth: the table below comes down to the last part matching it
        return bool(parts) and _match_segment(segments[1], parts[-1])
    return _table(segments, parts)


def _table(segments: Sequence[Segment], parts: Sequence[str]) -> bool:
    reach = [True] + [False] * len(parts)   # reach[j]: segments so far match parts[:j]
    for segment in segments:
        reach = _advance(reach, segment, parts)
        if not any(reach):
            return False
    return reach[-1]


def _advance(reach: list[bool], segment: Segment, parts: Sequence[str]) -> list[bool]:
    nxt = [False] * len(reach)
    if isinstance(segment, int):   # `**`: any run of at least `segment` parts
        seen = False
        for j in range(len(reach)):
            if j - segment >= 0 and reach[j - segment]:
                seen = True
            nxt[j] = seen
        return nxt
    for j, part in enumerate(parts):
        if reach[j] and _match_segment(segment, part):
            nxt[j + 1] = True
    return nxt


def _match_segment(segment: str | tuple[Token, ...], name: str) -> bool:
    if isinstance(segment, str):
        return segment == name
    suffix = _SUFFIXES.get(segment)
    if suffix is None:
        suffix = _SUFFIXES[segment] = _star_suffix(segment)
    if suffix:   # `*.md`: a star, then literal characters
        return name.endswith(suffix)
    t = n = 0
    star_t, star_n = -1, 0
    while n < len(name):
        if t < len(segment) and segment[t] is _Wild.STAR:
            star_t, star_n = t, n
            t += 1
        elif t < len(segment) and _accepts(segment[t], name[n]):
            t += 1
            n += 1
        elif star_t >= 0:   # let the last star swallow one more character and retry
            star_n += 1
            t, n = star_t + 1, star_n
        else:
            return False
    while t < len(segment) and segment[t] is _Wild.STAR:
        t += 1
    return t == len(segment)


_SUFFIXES: dict[tuple[Token, ...], str] = {}


def _star_suffix(segment: tuple[Token, ...]) -> str:
    """The literal rest of a segment that is a star and literal characters, else ""."""
    if len(segment) > 1 and segment[0] is _Wild.STAR and all(isinstance(t, str) for t in segment[1:]):
        return "".join(t for t in segment[1:] if isinstance(t, str))
    return ""


def _accepts(token: Token, ch: str) -> bool:
    if isinstance(token, str):
        return token == ch
    if isinstance(token, _Class):
        return any(lo <= ch <= hi for lo, hi in token.ranges) != token.negate
    return token is _Wild.ONE


def _compile_segment(text: str) -> Segment:
    if text == "**":
        return 0
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            tokens.append(text[i + 1])
            i += 2
        elif ch == "*":
            if not tokens or tokens[-1] is not _Wild.STAR:   # `**` inside a name is just `*`
                tokens.append(_Wild.STAR)
            i += 1
        elif ch == "?":
            tokens.append(_Wild.ONE)
            i += 1
        elif ch == "[":
            cls, i = _parse_class(text, i)
            tokens.append(cls if cls is not None else "[")
        else:
            tokens.append(ch)
            i += 1
    if all(isinstance(t, str) for t in tokens):
        return "".join(t for t in tokens if isinstance(t, str))
    return tuple(tokens)


def _parse_class(text: str, start: int) -> tuple[_Class | None, int]:
    """Parse `[...]` at `start`; (None, start + 1) when unclosed, so `[` is a literal."""
    j = start + 1
    negate = j < len(text) and text[j] in "!^"
    j += 1 if negate else 0
    ranges: list[tuple[str, str]] = []
    first = True
    while j < len(text):
        ch = text[j]
        if ch == "]" and not first:
            return _Class(negate, tuple(ranges)), j + 1
        if ch == "\\" and j + 1 < len(text):
            j += 1
            ch = text[j]
        if j + 2 < len(text) and text[j + 1] == "-" and text[j + 2] != "]":
            ranges.append((ch, text[j + 2]))
            j += 3
        else:
            ranges.append((ch, ch))
            j += 1
        first = False
    return None, start + 1


def _strip_trailing_spaces(text: str) -> str:
    end = len(text)
    while end > 0 and text[end - 1] == " " and not (end >= 2 and text[end - 2] == "\\"):
        end -= 1
    return text[:end]


def _relative_to(relpath: str, base: str) -> str | None:
    if not base:
        return relpath
    if relpath.startswith(base + "/"):
        return relpath[len(base) + 1:]
    return None
