"""What an entry is about: its subject words, with failure/resolution vocabulary and
stop words removed and light stemming, so that 'deploys failed' and 'deploy works now'
share the subject 'deploy'."""
from __future__ import annotations

import re
from itertools import chain

from .casefold import ascii_twin
from .memo import TextMemo

WORD = re.compile(r"[a-z0-9][a-z0-9_./+-]*[a-z0-9]|[a-z0-9]", re.I)
WORD_TWIN = ascii_twin(WORD)
STOP = frozenset("""
a an the and or but if then else of to in on at by for with from into onto over under about after before
as is are was were be been being am do does did done doing have has had having it its it's this that these
those there here i me my we our you your he him his she her they them their what which who whom whose
when where why how all any both each few more most other some such only own same so than too very can
could will would shall should may might must just also not no nor now up down out off again further once
via per vs etc e.g i.e get got gets let lets make made use used using run ran runs need needs needed
still yet already even new old one two three day days today yesterday tomorrow morning evening night
am pm utc gmt cst est pst mst pdt mdt cdt edt cet cest eet bst ist jst kst aest sgt hkt
time times minute minutes hour hours week weeks status note notes see
""".split())
# Words that say *that* something failed or got fixed, not *what*: no subject in them.
VERDICT = frozenset("""
fail fails failed failing failure failures error errors errored erroring broken broke break breaks issue
issues problem problems bug bugs crash crashes crashed crashing down dead stuck blocked blocker blocks
block missing timeout timeouts timed wrong bad critical warning warnings warn fatal unable cannot can't
couldn't won't doesn't didn't isn't wasn't keeps keep kept again still unfixed known fix fixed fixes
fixing resolved resolve resolves resolving solved solve solution success successful successfully succeeded
works working worked work ok okay done complete completed confirmed passed passes passing green red
healthy unhealthy operational back online offline now finally attempt attempts attempted tried try
retry retried needs required requires root cause ✅ ❌ ⚠️ unavailable available responding responsive
running restored recovered replenished breakthrough proven verified correct clean
install installed installing configured enabled disabled connected disconnected loaded set setup
unknown invalid incorrect outdated expired existent non hallucinated hallucinates hallucinating
start started starts starting stopped stops stopping loading loads sent delivered arrived alert alerts
open closed pending outstanding ongoing unresolved
""".split())


# dates, years and times say when, not what: '2026-03-03' must not tie two daily notes together
DATEISH = re.compile(r"(?:19|20)\d\d(?:[-/.]\d{1,2}){0,2}(?:[t ]?\d{1,2}:\d{2}(?::\d{2})?)?|\d{1,2}:\d{2}(?::\d{2})?"
                     r"|\d{1,2}[-/.]\d{1,2}(?:[-/.]\d{2,4})?")


def stem(w: str) -> str:
    """A light stem: 'migrated', 'migrates', 'migrating', 'migration' and 'migrate' are
    all 'migrat'; 'cache' and 'caching' 'cach'."""
    if len(w) > 7 and w.endswith("ly"):
        w = w[:-2]   # 'silently' is 'silent', 'properly' 'proper'
    for suf in ("ing", "ed", "es", "s"):
        if len(w) > len(suf) + 3 and w.endswith(suf) and not w.endswith("ss"):
            w = w[: -len(suf)]
            break
    if len(w) > 6 and w.endswith("ion") and w[-4] in "ts":
        w = w[:-3]
    return w[:-1] if len(w) > 4 and w.endswith("e") else w


def verdict_words(text: str) -> frozenset[str]:
    """The words of `text` that say that something failed or got fixed (VERDICT)."""
    return frozenset(w for w in WORD.findall(text.lower()) if w in VERDICT)


def words(text: str) -> list[str]:
    """Subject words in order (lowercased, stemmed; identifiers kept whole)."""
    return list(_text_words(text))


def _words(text: str) -> tuple[str, ...]:
    if text.isascii():
        return _ascii_words(text, _RUN_BYTES)
    low = text.lower()
    # on lowercased ASCII, WORD's re.I changes nothing and only costs time
    raws = (WORD_TWIN if low.isascii() else WORD).findall(low)
    return tuple(chain.from_iterable(map(_MEMO.__getitem__, raws)))


_text_words = TextMemo(_words)


def plain_words(text: str) -> tuple[str, ...]:
    """words(plain(text)): the subject words of text read without its markup."""
    return _plain_text_words[text]   # memoised: the pieces of an entry around its hits repeat


def _plain_words(text: str) -> tuple[str, ...]:
    if text.isascii():
        return _ascii_words(text, _PLAIN_RUN_BYTES)
    return _words(plain(text))


def plain(text: str) -> str:
    """The text without its markup (`*_~ and backticks, each run made one space)."""
    # four C-level scans are far cheaper than a regex pass over text that has no markup
    if "`" in text or "*" in text or "_" in text or "~" in text:
        return MARKUP.sub(" ", text)
    return text


_plain_text_words = TextMemo(_plain_words)


def plain_word_set(text: str) -> frozenset[str]:
    """frozenset(plain_words(text)), not memoised: whole entries seldom repeat (a timestamp
    sets most apart), and the words are found in about the time a memo takes to keep them."""
    if text.isascii():   # the same words as _ascii_words, without a tuple in between
        return frozenset(chain.from_iterable(map(_RUNS.__getitem__, text.encode().translate(_PLAIN_RUN_BYTES).split())))
    return frozenset(_plain_words(text))


MARKUP = re.compile(r"[`*_~]+")


def _ascii_words(text: str, table: bytes) -> tuple[str, ...]:
    """_words of ASCII text without the regex. Every WORD match is what is left of a
    maximal run of [a-z0-9_./+-] (after lowering) once the run's leading and trailing
    [_./+-] are stripped, and a run of those alone has none; _word strips the same
    characters first, so _word(run) is what the run's match contributes. `table` lowers
    letters and turns every other byte into a space, so the runs are the bytes' split()."""
    return tuple(chain.from_iterable(map(_RUNS.__getitem__, text.encode().translate(table).split())))


def _run_table(keep: str) -> bytes:
    """bytes.translate table: ASCII letters lowered, bytes in `keep` kept, any other byte a space."""
    ascii_part = bytes(ord(c.lower()) if c.lower() in keep else 32 for c in map(chr, range(128)))
    return ascii_part + b" " * 128


_RUN_BYTES = _run_table("abcdefghijklmnopqrstuvwxyz0123456789_./+-")
# MARKUP becomes a space: a run of it is a single space in the plain text, a word boundary either way
_PLAIN_RUN_BYTES = _run_table("abcdefghijklmnopqrstuvwxyz0123456789./+-")


MEMO_WORDS = 200_000
# raw word -> _word(raw), computed on first use (a text has many words, few new ones); and
# the same for a run of word bytes (see _ascii_words); through a lambda, as _word comes below
_MEMO: TextMemo[str, tuple[str, ...]] = TextMemo(lambda raw: _word(raw), MEMO_WORDS, 1 << 62)
_RUNS: TextMemo[bytes, tuple[str, ...]] = TextMemo(lambda run: _word(run.decode("ascii")), MEMO_WORDS, 1 << 62)
SEPARATORS = re.compile(r"[-_/.]+")


def _word(raw: str) -> tuple[str, ...]:
    """What one word of the text contributes: nothing, or its stem (and its parts')."""
    w = raw.strip("./+-_")
    if not w or w in STOP or w in VERDICT or len(w) < 2 or DATEISH.fullmatch(w):
        return ()
    parts = [p for p in SEPARATORS.split(w) if p]
    if len(parts) > 1 and all(p in STOP or p in VERDICT for p in parts):
        return ()  # 'non-existent', 'not-found': verdict words joined up
    if w.isdigit() and len(w) < 3:
        return ()
    if not any(c in w for c in "-_/."):
        return (stem(w),)
    # 'daily-git-backup' also counts as its parts, but for the folders every path goes through
    return (stem(w), *(stem(p) for p in parts
                       if len(p) > 2 and p not in STOP and p not in VERDICT and p not in PATH_FOLDERS
                       and not DATEISH.fullmatch(p)))


# folders of every system ('/home/x/...', '/usr/local/bin'): a part of a path that names no subject
PATH_FOLDERS = frozenset("home usr bin sbin opt var tmp etc lib lib64 srv mnt root users local share".split())


def keywords(text: str) -> set[str]:
    return set(words(text))
