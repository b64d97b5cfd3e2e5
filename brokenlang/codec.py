"""The JSON form of analysis records, for the cache: a file's own analysis (FileAnalysis)
and findings. Plain data only (lists, strings, numbers); `decode_*` raise ValueError on
anything that is not what `encode_*` wrote, so a damaged cache file is a miss."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .models import Finding

if TYPE_CHECKING:   # imported when a file's analysis is encoded or decoded: a re-scan needs neither
    from .findings import FileAnalysis, LocalHit
    from .resolution import Statement

N_FINDING = len(Finding._fields)


def encode_file(fa: FileAnalysis) -> list[Any]:
    return [fa.path, fa.entries, fa.docs, fa.words, [_statement(s) for s in fa.statements],
            [_hit(h) for h in fa.hits], fa.used_git, fa.used_mtime]


def decode_file(data: Any) -> FileAnalysis:
    from .findings import FileAnalysis

    try:
        path, n_entries, docs, words, statements, hits, used_git, used_mtime = data
        if not (isinstance(path, str) and isinstance(words, dict)
                and _STR.issuperset(map(type, words)) and _INT.issuperset(map(type, words.values()))):
            raise ValueError("not a file analysis")
        return FileAnalysis(path, _int(n_entries), _int(docs), words,
                            tuple(_unstatement(path, i, s) for i, s in enumerate(statements)),
                            tuple(_unhit(h, len(statements)) for h in hits), bool(used_git), bool(used_mtime))
    except (TypeError, KeyError, IndexError, AttributeError) as e:
        raise ValueError(f"not a file analysis: {e}") from None


def encode_findings(findings: list[Finding]) -> list[list[Any]]:
    return [list(f) for f in findings]


def decode_findings(data: Any) -> list[Finding]:
    if not isinstance(data, list):
        raise ValueError("not a list of findings")
    return [_finding(f) for f in data]


def _statement(s: Statement) -> list[Any]:
    return [s.line, s.when.isoformat(), s.strong, s.resolves, _joined(s.own), _joined(s.context),
            [_joined(g) for g in s.focus], s.section, s.heading, s.fix_section, s.solution, s.weak, s.minor,
            _joined(s.near), s.order[1]]


def _joined(words: frozenset[str]) -> str | list[str]:
    """Subject words as one string (quicker to store and read back than a list of them),
    or as a list should a word hold white space."""
    text = " ".join(words)   # in any order: read back as a set
    return text if len(text.split()) == len(words) else sorted(words)


def _unstatement(path: str, key: int, d: list[Any]) -> Statement:
    from .resolution import Statement

    (line, when, strong, resolves, own, context, focus, section, heading, fix_section, solution, weak, minor, near,
     at) = d
    return Statement(key, path, _int(line), (path, _int(at)), _when(when), bool(strong), bool(resolves),
                     _words(own), _words(context), tuple(_words(g) for g in focus), _int(section), bool(heading),
                     bool(fix_section), bool(solution), bool(weak), bool(minor), _words(near))


def _hit(h: LocalHit) -> list[Any]:
    return [list(h.finding), h.settled, h.plain, h.section, h.when.isoformat(), h.strong, h.stmt]


def _unhit(d: list[Any], n_statements: int) -> LocalHit:
    from .findings import LocalHit

    finding, settled, plain, section, when, strong, stmt = d
    if not (isinstance(plain, str) and isinstance(section, str) and -1 <= _int(stmt) < n_statements):
        raise ValueError("not a hit")
    return LocalHit(_finding(finding), bool(settled), plain, section, _when(when), bool(strong), stmt)


# The type of each Finding field in JSON (None where a field may be null)
_TYPES: tuple[Any, ...] = tuple({"line": int, "end_line": int, "column": int, "entry_line": int, "entry_end_line": int,
                "entry_date": (str, type(None)), "date_source": (str, type(None)), "ledger_id": (str, type(None)),
                "resolved_by": (str, type(None)), "reason": (str, type(None)), "now": (str, type(None))}.get(k, str)
               for k in Finding._fields)


_is: Callable[[Any, Any], bool] = isinstance


def _finding(d: Any) -> Finding:
    if type(d) is not list or len(d) != N_FINDING or not all(map(_is, d, _TYPES)):
        raise ValueError("not a finding")
    return Finding._make(d)


@lru_cache(maxsize=4096)   # entries of one file share their dates
def _when(s: Any) -> dt.datetime:
    when = dt.datetime.fromisoformat(s)
    if when.tzinfo is None:
        raise ValueError("a date without its time zone")
    return when


_STR, _INT = frozenset({str}), frozenset({int})


def _words(items: Any) -> frozenset[str]:
    if type(items) is str:
        return frozenset(items.split())
    if type(items) is not list or not _STR.issuperset(map(type, items)):
        raise ValueError("not a word list")
    return frozenset(items)


def _int(n: Any) -> int:
    if type(n) is not int:
        raise ValueError("not a whole number")
    return n
