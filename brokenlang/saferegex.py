"""User-supplied regular expressions run on RE2 (linear time), never on backtracking `re`.

A pack is also refused when a REGEX has the shape of catastrophic backtracking: a
repeated group holding an unbounded repeat (`(a+)+`, `([a-z]+)*`, `(.*a){12}`), or an
unbounded repeat of alternatives that can begin alike (`(a|aa)+`, `(a|a?)*`). RE2 would
run them in linear time, but spaCy's own Matcher and any other tool the pack is shared
with evaluate REGEX with a backtracking engine, where one such pattern on one long line
takes years. The shape is read with Python's regex parser (parsing only, nothing is
matched with it); what that parser cannot read is left to RE2."""
from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, cast

import re2

from .errors import UserError

sre_c: Any = importlib.import_module("re._constants")   # Python's regex parser (3.11+)
sre_parse: Any = importlib.import_module("re._parser")

MAX_PATTERN_LEN = 1000


def check(pattern: str, what: str, path: str, line: int) -> None:
    """Refuse, with file and line, a pattern RE2 cannot run (backreferences, lookaround)."""
    if len(pattern) > MAX_PATTERN_LEN:
        raise UserError(f"{what}: REGEX longer than {MAX_PATTERN_LEN} characters", path, line)
    try:
        compiled(pattern)
    except Exception as e:  # re2 raises its own error type
        raise UserError(f"{what}: REGEX {pattern!r} is not supported by RE2 ({e})", path, line) from None
    problem = backtracking_shape(pattern)
    if problem:
        raise UserError(f"{what}: REGEX {pattern!r} {problem}: catastrophic backtracking in spaCy's matcher "
                        "and other backtracking engines; rewrite it without the nested repeat", path, line)


REPEATS = tuple(getattr(sre_c, n) for n in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") if hasattr(sre_c, n))
UNBOUNDED = sre_c.MAXREPEAT
ANY_CHAR = None   # a first-character set that may hold anything (or nothing: an empty match)


def backtracking_shape(pattern: str) -> str | None:
    """Why `pattern` has a catastrophic-backtracking shape, or None."""
    try:
        tree = sre_parse.parse(pattern)
    except RecursionError:
        return "nests groups too deeply"
    except Exception:   # not Python syntax (RE2 has accepted it): RE2 alone decides
        return None
    try:
        return _nested(list(tree), None)
    except RecursionError:
        return "nests groups too deeply"


def _nested(items: list[Any], outer: str | None) -> str | None:
    """`outer`: the repeat we are inside of (one that may run more than once)."""
    for i, (op, av) in enumerate(items):
        if op in REPEATS:
            _, high, body = av
            if outer is not None and high == UNBOUNDED and not _delimited(list(body), items[i + 1:]):
                return f"repeats an unbounded repeat inside the repeated group {outer}"
            if high == UNBOUNDED and _alike_branches(list(body)):
                return "repeats alternatives that can match the same text"
            got = _nested(list(body), _show(op, av) if high > 1 else outer)
        elif op == sre_c.SUBPATTERN:
            got = _nested(list(av[-1]), outer)
        elif op == sre_c.BRANCH:
            got = next((g for b in av[1] if (g := _nested(list(b), outer))), None)
        elif op in (sre_c.ASSERT, sre_c.ASSERT_NOT):
            got = _nested(list(av[1]), outer)
        else:
            got = None
        if got:
            return got
    return None


def _delimited(body: list[Any], rest: list[Any]) -> bool:
    """Is an inner repeat of one character class followed, in its group, by a literal that
    class cannot match (`(\\w+\\.)*`: each round ends at a dot, nothing to backtrack)?"""
    if len(body) != 1:
        return False
    stop = next((av for op, av in rest if op == sre_c.LITERAL), None)
    return stop is not None and not _matches(body[0], chr(stop))


def _matches(item: Any, ch: str) -> bool:
    """Can one-character item (LITERAL, NOT_LITERAL, ANY, IN) match `ch`? Unknown: yes."""
    op, av = item
    if op == sre_c.LITERAL:
        return chr(av) == ch
    if op == sre_c.NOT_LITERAL:
        return chr(av) != ch
    if op == sre_c.ANY:
        return ch != "\n"
    if op != sre_c.IN:
        return True
    negate = bool(av) and av[0][0] == sre_c.NEGATE
    hit = False
    for o, v in av[1:] if negate else av:
        if o == sre_c.LITERAL:
            hit = hit or chr(v) == ch
        elif o == sre_c.RANGE:
            hit = hit or v[0] <= ord(ch) <= v[1]
        elif o == sre_c.CATEGORY:
            hit = hit or _category(v, ch)
        else:
            return True
    return hit != negate


def _category(cat: Any, ch: str) -> bool:
    """Is `ch` in a \\d \\s \\w category (or its negation)? Unknown categories: yes."""
    name = str(cat).upper()
    if "DIGIT" in name:
        found = ch.isdigit()
    elif "SPACE" in name:
        found = ch.isspace()
    elif "WORD" in name:
        found = ch.isalnum() or ch == "_"
    else:
        return True
    return not found if "NOT" in name else found


def _show(op: Any, av: Any) -> str:
    low, high, _ = av
    if high == UNBOUNDED:
        return "(...)*" if low == 0 else "(...)+" if low == 1 else f"(...){{{low},}}"
    return f"(...){{{low}}}" if low == high else f"(...){{{low},{high}}}"


def _alike_branches(items: list[Any]) -> bool:
    """Does a branch in `items` (outside nested repeats) have two alternatives that can
    begin with the same character, or one that can match nothing?"""
    for op, av in items:
        if op == sre_c.BRANCH:
            firsts = [f for b in av[1] if (f := _first(list(b))) is not ANY_CHAR]
            if len(firsts) < len(av[1]) or sum(map(len, firsts)) > len(set().union(*firsts)):
                return True
            if any(_alike_branches(list(b)) for b in av[1]):
                return True
        elif op == sre_c.SUBPATTERN and _alike_branches(list(av[-1])):
            return True
    return False


def _first(items: list[Any]) -> set[int] | None:
    """The characters a match of `items` can begin with (None: any, or an empty match)."""
    if not items:
        return ANY_CHAR
    op, av = items[0]
    if op == sre_c.LITERAL:
        return {av}
    if op == sre_c.IN and all(o in (sre_c.LITERAL, sre_c.RANGE) for o, _ in av):
        out: set[int] = set()
        for o, v in av:
            if o == sre_c.LITERAL:
                out.add(v)
            elif v[1] - v[0] > 1024:
                return ANY_CHAR
            else:
                out.update(range(v[0], v[1] + 1))
        return out
    if op == sre_c.SUBPATTERN:
        return _first(list(av[-1]))
    if op in REPEATS and av[0] >= 1:
        return _first(list(av[2]))
    if op == sre_c.AT:
        return _first(items[1:])
    return ANY_CHAR


@lru_cache(maxsize=1024)
def compiled(pattern: str) -> Any:
    opts = re2.Options()
    opts.log_errors = False
    return re2.compile(pattern, options=opts)


def search(pattern: str, text: str) -> bool:
    return compiled(pattern).search(text) is not None


def searcher(rx: Any) -> Any:
    """bytes -> whether `rx` matches anywhere in them. re2's `search` builds a generator and
    a match object per call; its underlying RE2 answers the same question directly."""
    raw = getattr(rx, "_regexp", None)
    anchor = getattr(getattr(re2, "_Anchor", None), "UNANCHORED", None)
    if raw is None or anchor is None or not hasattr(raw, "Match"):
        return lambda subject: rx.search(subject) is not None   # another re2 version: its public API

    def found(subject: bytes) -> bool:
        return raw.Match(anchor, subject, 0, len(subject))[0] != NULL_SPAN

    return found


NULL_SPAN = (-1, -1)   # re2's span of a group (here: the whole match) that did not match


def pattern_set(patterns: Sequence[str], probe: bytes) -> Callable[[bytes], Sequence[int] | None] | None:
    """An RE2 set of the patterns: bytes -> indices of those that match somewhere in them
    (one pass over the bytes; empty or None: none). None when RE2 cannot run it.

    A set has no slower fallback: it finds nothing when its DFA cannot start, which shows
    on any text, so `probe` (which one of the patterns must match) is tried once here.
    Once started it never gives up (a set rebuilds its cache of states when full rather
    than bail out for being slow), and the memory it may use is bounded."""
    try:
        opts = re2.Options()
        opts.log_errors = False
        opts.max_mem = SET_MEMORY
        rx = re2.Set.SearchSet(opts)
        for p in patterns:
            rx.Add(p)
        rx.Compile()
    except (AttributeError, re2.error):   # an re2 without sets, or a pattern it refuses
        return None
    # the wrapper's own set, called without the wrapper when this re2 version has one
    match: Callable[[bytes], Sequence[int] | None] = getattr(getattr(rx, "_set", None), "Match", None) \
        or cast(Callable[[bytes], Sequence[int] | None], rx.Match)
    return match if match(probe) else None


SET_MEMORY = 8 << 20


# what Python's \s takes in ASCII text, in a class: RE2's \s leaves out \v and \x1c-\x1f
PY_ASCII_SPACE = r"\s\x0b\x1c-\x1f"
LOOKAROUND = ("(?=", "(?!", "(?<=", "(?<!")


def ascii_superset(pattern: str) -> str:
    """An RE2 pattern that finds a match in every ASCII text where `pattern` (a Python regex
    without re.I) finds one: the lookarounds left out (an assertion dropped only lets more
    through) and \\s widened to Python's. A pre-check: where it finds nothing, so does the
    pattern. ValueError for what it cannot carry over: `$` (Python's also matches before a
    final line break) and a quantified lookaround."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            escaped = pattern[i:i + 2]
            if escaped == "\\Z":
                raise ValueError(f"no RE2 superset for \\Z: {pattern!r}")
            out.append(f"[{PY_ASCII_SPACE}]" if escaped == "\\s" else escaped)
            i += 2
        elif c == "[":
            j = _class_end(pattern, i)
            body = pattern[i:j]
            out.append(body if body.startswith("[^") else body.replace("\\s", PY_ASCII_SPACE))
            i = j
        elif pattern.startswith(LOOKAROUND, i):
            i = _group_end(pattern, i)
            if pattern[i:i + 1] in ("?", "*", "+", "{"):
                raise ValueError(f"no RE2 superset for a quantified lookaround: {pattern!r}")
        elif c == "$":
            raise ValueError(f"no RE2 superset for $: {pattern!r}")
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _class_end(pattern: str, i: int) -> int:
    """Where the character class opened at pattern[i] ends (after its ']')."""
    j = i + 1 + pattern.startswith("^", i + 1)
    j += pattern.startswith("]", j)   # a ']' first is a member
    while j < len(pattern) and pattern[j] != "]":
        j += 2 if pattern[j] == "\\" else 1
    return j + 1


def _group_end(pattern: str, i: int) -> int:
    """Where the group opened at pattern[i] ends (after its ')')."""
    depth, j = 0, i
    while j < len(pattern):
        c = pattern[j]
        if c == "\\":
            j += 2
            continue
        if c == "[":
            j = _class_end(pattern, j)
            continue
        depth += (c == "(") - (c == ")")
        j += 1
        if depth == 0:
            return j
    raise ValueError(f"unbalanced group: {pattern!r}")
