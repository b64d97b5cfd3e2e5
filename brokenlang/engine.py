"""The default matching engine: exactly spaCy's hits, at regex speed.

Every spaCy token pattern and phrase of the packs (a *unit*, see matcher.UnitMatcher) is
turned into a necessary condition on the text, derived from the rule itself, never listed
beside it: for each required token with a literal LOWER/TEXT/ORTH value (or an IN list),
one of those literals must occur in the text (lowercased for LOWER) as a whole token; for
a REGEX token, the regex without its anchors must match; a phrase must occur with the
spaces taken out. These literals and regexes (*atoms*) are compiled into RE2 sets. A text
in which no unit has all its conditions never reaches spaCy; otherwise spaCy runs only
the units whose conditions hold (a set of units that recurs in one combined Matcher,
matcher.UnitMatcher). spaCy matches each pattern on its own, so the hits are spaCy's
hits, by construction, because:

* a spaCy token is a substring of the text, and `str.lower` works character by character
  except for "Σ" (final sigma), "İ" (two characters) and the Kelvin sign (lowercases to
  ASCII "k"): a text holding one of those runs every unit;
* spaCy's English tokenizer splits a word between two ASCII letters only inside its
  special cases ("don't" -> do n't, "cannot" -> can not); a literal is therefore required
  to have no ASCII letter beside it unless it is such a piece (GLUED_*);
* a REGEX is searched inside its token, so the same regex without `^ $ \\b \\B \\A \\z`
  matches the whole text there too (both are RE2);
* a phrase match is the text of the match with the spaces between its tokens.

The conditions are plain data (`Plan`), derived once per set of packs and cached by
content hash (cache.py); spaCy itself is imported only when a text has a candidate.
tests/test_engine.py checks the hits against spaCy's on every pack example, the samples,
the shared corpus and a generated corpus."""
from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import Any, NamedTuple

import re2

from . import triggers
from .models import Rule
from .saferegex import searcher
from .spans import seen, select_spans
from .subject import STOP as COMMON_WORDS
from .subject import VERDICT as FAILURE_WORDS

OPTIONAL_OPS = ("?", "*", "!")
LITERAL_ATTRS = ("LOWER", "ORTH", "TEXT")
LOWER, TEXT = "lower", "text"
UNSAFE_CASE = re.compile("[Σİ\u212a]")   # str.lower is not one-to-one per character on these
RE2_SPACE = re.compile(r"[\t\n\f\r ]+")   # RE2's \s
ASCII_LETTER = re.compile(r"[A-Za-z]")
LETTER_RUN = re.compile(r"[A-Za-z]+")
# UTF-8 bytes with every byte but an ASCII letter made a space, letters lowercased: split(),
# its runs of ASCII letters, lowercased
WORD_BYTES = bytes(ord(chr(b).lower()) if ASCII_LETTER.fullmatch(chr(b)) else 0x20 for b in range(256))
NOT_LETTER_BEFORE, NOT_LETTER_AFTER = r"(?:^|[^A-Za-z])", r"(?:[^A-Za-z]|$)"
# str.isspace(), where spaCy's tokenizer cuts a text into words and whitespace tokens
SPACE_CLASS = r"\t-\r\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
ANY_TOKEN = f"(?:[^{SPACE_CLASS}]+|[{SPACE_CLASS}]+)"
GAP = " ?"   # spaCy tokens are separated by one space or nothing (longer whitespace is a token)
MEMO_ENTRIES = 20_000     # repeated texts (log lines) are matched once; cleared when full
# spaCy's string store only grows: looked at every VOCAB_CHECK_EVERY texts spaCy saw, and a
# new one (a new UnitMatcher) once it holds more than VOCAB_MAX_STRINGS strings
VOCAB_CHECK_EVERY, VOCAB_MAX_STRINGS = 1_000, 15_000
RE2_MAX_MEM = 64 << 20
# every SAMPLE_EVERY-th text's atoms are counted; after FIRST_ORDERING counted texts (then
# twice as many, up to LAST_ORDERING) each unit's conditions are tried least seen first
SAMPLE_EVERY, FIRST_ORDERING, LAST_ORDERING = 64, 16, 2048
ENGINES_KEPT = 8   # engine values in the cache (one per set of packs and version of brokenlang)

# Pieces of spaCy's English special cases with an ASCII letter just before (after) them,
# e.g. "can" + "not" in "cannot". Taken from spacy.blank("en").tokenizer.rules of this
# spaCy version (test_engine.py recomputes them); another version is asked directly.
GLUED_FOR_SPACY = "3.8.18"
GLUED_BEFORE = ("a", "all", "d", "ll", "m", "n't", "na", "not", "nt", "n’t", "on", "re", "s", "ta", "ve")
GLUED_AFTER = (
    "'m", "Ai", "Are", "C'm", "Ca", "Can", "Could", "C’m", "Dare", "Did", "Do", "Does", "Gon", "Got", "Had", "Has",
    "Have", "He", "How", "I", "Is", "It", "May", "Might", "Must", "Need", "Not", "Ought", "Sha", "She", "Should",
    "That", "There", "These", "They", "This", "Those", "Was", "We", "Were", "What", "When", "Where", "Who", "Why",
    "Wo", "Would", "You", "ai", "are", "c'm", "ca", "can", "could", "c’m", "d", "dare", "did", "do", "does", "gon",
    "got", "had", "has", "have", "he", "how", "i", "is", "it", "ll", "m", "may", "might", "must", "need", "not",
    "nt", "ought", "sha", "she", "should", "that", "there", "these", "they", "this", "those", "was", "we", "were",
    "what", "when", "where", "who", "why", "wo", "would", "y", "you", "’m")

Span = tuple[str, int, int]
# Prefilter's keys of first conditions, the units each is first for, each unit's other conditions
Index = tuple[frozenset[Any], dict[Any, tuple[int, ...]], list[tuple[frozenset[Any], ...]]]


class Atom(NamedTuple):
    space: str     # `lower`: looked for in the lowercased text; `text`: in the text as written
    kind: str      # `word`: a whole run of ASCII letters; `re`: an RE2 pattern found anywhere
    value: str


class Unit(NamedTuple):
    """One spaCy pattern or phrase of a rule and what a text must hold for it to match:
    for each condition, one of its atoms (indexes into Plan.atoms); and then the whole
    token sequence as one regex (`sequence`, in `space`; "" for none)."""

    rule: str
    conditions: tuple[tuple[int, ...], ...]
    space: str = TEXT
    sequence: str = ""
    anchor: int = 0     # its rarest condition, as guessed: Prefilter looks units up by it at first


class Plan(NamedTuple):
    """The prefilter derived from the rules: plain data, cached by content hash."""

    atoms: tuple[Atom, ...]
    units: tuple[Unit, ...]              # in matcher.UnitMatcher order
    # per atom: (_case_blind of its regex, _commonness): computed once with the plan, as
    # the prefilter of every process needs them (empty: computed when needed)
    traits: tuple[tuple[bool, float], ...] = ()


def glued_pieces(spacy_version: str | None = None) -> tuple[frozenset[str], frozenset[str]]:
    """(pieces with a letter glued before them, pieces with one glued after them)."""
    from importlib import metadata

    version = spacy_version or metadata.version("spacy")
    if version == GLUED_FOR_SPACY:
        return frozenset(GLUED_BEFORE), frozenset(GLUED_AFTER)
    from .matcher import tokenizer_special_cases

    before, after = set(), set()
    for pieces in tokenizer_special_cases():
        for a, b in itertools.pairwise(pieces):
            if ASCII_LETTER.fullmatch(a[-1]) and ASCII_LETTER.fullmatch(b[0]):
                after.add(a)
                before.add(b)
    return frozenset(before), frozenset(after)


def derive(rules: Sequence[Rule], glued: tuple[frozenset[str], frozenset[str]] | None = None) -> Plan:
    """The units of `rules` with their conditions."""
    pieces = Glued(*(glued if glued is not None else glued_pieces()))
    atoms: dict[Atom, int] = {}
    key_of: dict[int, Atom] = {}
    units: list[Unit] = []

    def literal(space: str, word: str) -> Atom:
        w = word.lower() if space == LOWER else word
        free_before, free_after = pieces.free_before(w, space), pieces.free_after(w, space)
        if LETTER_RUN.fullmatch(w) and free_before and free_after:
            return Atom(space, "word", w)
        left = NOT_LETTER_BEFORE if ASCII_LETTER.fullmatch(w[0]) and free_before else ""
        right = NOT_LETTER_AFTER if ASCII_LETTER.fullmatch(w[-1]) and free_after else ""
        return Atom(space, "re", left + re2.escape(w) + right)

    def condition(alternatives: list[Atom]) -> tuple[int, ...] | None:
        ids: set[int] = set()
        for a in alternatives:
            if a not in atoms:
                if a.kind == "re" and not _compiles(a.value):
                    return None   # dropping a condition only weakens the filter, never loses a hit
                atoms[a] = len(atoms)
                key_of[atoms[a]] = a
            ids.add(atoms[a])
        return tuple(sorted(ids)) if ids else None

    for rule in rules:
        for pattern in rule.patterns:
            conds = []
            for kind, space, values in _required(pattern):
                alts = [literal(space, v) for v in values] if kind == "literal" else [Atom(space, "re", values[0])]
                cond = condition(alts)
                if cond is not None:
                    conds.append(cond)
            space, sequence = _sequence(pattern, pieces)
            unique = tuple(sorted(set(conds)))
            anchor = min(range(len(unique)), key=lambda i: sum(_commonness(key_of[a]) for a in unique[i]),
                         default=0)
            units.append(Unit(rule.id, unique, space, sequence if _compiles(sequence) else "", anchor))
        for phrase in rule.phrases:
            squeezed = RE2_SPACE.sub("", phrase.lower())
            cond = condition([Atom(LOWER, "re", r"\s*".join(re2.escape(ch) for ch in squeezed))]) if squeezed else None
            units.append(Unit(rule.id, (cond,) if cond else ()))
    ordered = tuple(sorted(atoms, key=atoms.__getitem__))
    return Plan(ordered, tuple(units), atom_traits(ordered))


def atom_traits(atoms: Sequence[Atom]) -> tuple[tuple[bool, float], ...]:
    return tuple((_case_blind(_atom_regex(a)), _commonness(a)) for a in atoms)


def _literal_values(token: dict[str, Any], attr: str) -> list[str] | None:
    value = token.get(attr)
    if isinstance(value, str):
        words = [value]
    elif isinstance(value, dict) and isinstance(value.get("IN"), list):
        words = [str(v) for v in value["IN"]]
    else:
        return None
    return words if words and all(words) else None


def _regex_value(token: dict[str, Any], attr: str) -> str | None:
    value = token.get(attr)
    if isinstance(value, dict) and isinstance(value.get("REGEX"), str):
        return triggers.unanchor(value["REGEX"]) or None
    return None


def _required(pattern: Sequence[dict[str, Any]]) -> list[tuple[str, str, list[str]]]:
    """For each required token of a spaCy token pattern, what it needs: ("literal", space,
    words: one of them is the token) or ("regex", space, [regex]: it matches the token)."""
    out: list[tuple[str, str, list[str]]] = []
    for token in pattern:
        if token.get("OP") in OPTIONAL_OPS:
            continue
        for attr in LITERAL_ATTRS:
            space = LOWER if attr == "LOWER" else TEXT
            words = _literal_values(token, attr)
            rx = _regex_value(token, attr)
            if words is not None:
                out.append(("literal", space, words))
            elif rx is not None:
                out.append(("regex", space, [rx]))
    return out


class Glued:
    """spaCy's special-case pieces that may have an ASCII letter glued before (after)
    them; any other literal token has a non-letter (or the text's edge) there."""

    def __init__(self, before: frozenset[str], after: frozenset[str]) -> None:
        self.before, self.after = before, after
        self.lower_before, self.lower_after = {p.lower() for p in before}, {p.lower() for p in after}

    def free_before(self, word: str, space: str) -> bool:
        return word.lower() not in self.lower_before if space == LOWER else word not in self.before

    def free_after(self, word: str, space: str) -> bool:
        return word.lower() not in self.lower_after if space == LOWER else word not in self.after


def _sequence(pattern: Sequence[dict[str, Any]], pieces: Glued) -> tuple[str, str]:
    """(space, regex) matching the text of every token sequence the pattern matches: each
    token by its literals or regex (or as any one token), tokens joined by GAP, spaCy's
    quantifiers as regex ones. A pattern using LOWER only is matched in the lowercased
    text, one using TEXT/ORTH only in the text; a mixed one in the text, its LOWER
    literals case-insensitively (when they are ASCII or uncased) and its LOWER regexes as
    any token. A required first (last) token whose literals all begin (end) with an ASCII
    letter and are not glued pieces (see literal atoms) has no ASCII letter before (after)
    it."""
    attrs = {a for t in pattern for a in t if a in LITERAL_ATTRS}
    space = LOWER if attrs == {"LOWER"} else TEXT
    parts = []
    edges: list[tuple[str, list[str]] | None] = []   # a required token's (space, literals)
    for token in pattern:
        body = ANY_TOKEN
        literals: tuple[str, list[str]] | None = None
        if token.get("OP") != "!":
            for attr in LITERAL_ATTRS:
                words = _literal_values(token, attr)
                rx = _regex_value(token, attr)
                if attr == "LOWER" and space == TEXT:
                    if words is not None and all(_foldable(w) for w in words):
                        body = "(?i:" + "|".join(re2.escape(w.lower()) for w in words) + ")"
                        literals = (LOWER, [w.lower() for w in words])
                        break
                elif words is not None:
                    literals = (LOWER, [w.lower() for w in words]) if attr == "LOWER" else (TEXT, words)
                    body = "(?:" + "|".join(re2.escape(w) for w in literals[1]) + ")"
                    break
                elif rx is not None:
                    body = f"(?:[^{SPACE_CLASS}]*(?:{rx})[^{SPACE_CLASS}]*|[{SPACE_CLASS}]*(?:{rx})[{SPACE_CLASS}]*)"
                    break
        op = str(token.get("OP", ""))
        parts.append(f"(?:{body}{GAP}){op if op in ('?', '*', '+') else ''}")
        edges.append(literals if op in ("", "+", "1") else None)
    first, last = (edges[0], edges[-1]) if edges else (None, None)
    if first and all(ASCII_LETTER.fullmatch(w[0]) and pieces.free_before(w, first[0]) for w in first[1]):
        parts[0] = NOT_LETTER_BEFORE + parts[0]
    if last and all(ASCII_LETTER.fullmatch(w[-1]) and pieces.free_after(w, last[0]) for w in last[1]):
        parts[-1] = parts[-1] + NOT_LETTER_AFTER
    return space, "".join(parts)


def _foldable(word: str) -> bool:
    """Can `(?i:word.lower())` stand for "the token lowercases to word"? Yes for ASCII
    and for characters without case (emoji, punctuation)."""
    return all(c.isascii() or c.lower() == c.upper() == c for c in word)


def _options() -> Any:
    opts = re2.Options()
    opts.log_errors = False
    opts.max_mem = RE2_MAX_MEM
    return opts


def _compiles(pattern: str) -> bool:
    if not pattern:
        return False
    try:
        re2.compile(pattern, options=_options())
    except Exception:  # re2 raises its own error type
        return False
    return True


def _commonness(atom: Atom) -> float:
    """A rough guess of how often an atom occurs in prose: stop words and ASCII
    punctuation always, other words the more often the shorter they are, failure words
    and other symbols (emoji) seldom; other regexes as if half the time."""
    word = atom.value
    if atom.kind != "word":
        bare = word.removeprefix(NOT_LETTER_BEFORE).removesuffix(NOT_LETTER_AFTER)
        word = re.sub(r"\\(.)", r"\1", bare, flags=re.S)
        if re2.escape(word) != bare:
            return 0.5
        if not any(c.isalnum() for c in word):
            return 1.0 if word.isascii() else 0.01
    low = word.lower()
    if low in COMMON_WORDS:
        return 1.0
    return 0.3 ** len(word) * (0.01 if low in FAILURE_WORDS else 1.0)


class Prefilter:
    """The compiled plan: which units can match a text.

    Per text, the text is UTF-8 encoded once for all RE2 calls (re2 encodes a str on every
    call). The LOWER words present are among the runs of ASCII letters of the text,
    lowercased (WORD_BYTES: one bytes.translate and split): for a text without
    UNSAFE_CASE characters, `str.lower` maps ASCII letters, and only them, to ASCII
    letters one for one, so these are the runs of the lowercased text. Every other atom,
    a TEXT word as the regex of a whole run (_atom_regex), is found by an RE2 set. On an
    ASCII text one set does for both spaces: a LOWER atom for which `(?i:atom)` finds in
    the text what the atom finds in the lowercased text (_case_blind) is looked for that
    way, any other in the lowercased text. A text with other characters is matched per
    space, the lowercased text encoded.

    An atom is then known by its key: a LOWER word by its bytes, another atom by an int
    (its index in the ASCII set; those outside it after them), so a run that is no LOWER
    word is no key either. A unit is a candidate when each of its conditions has a key
    present and its sequence matches. Units are looked up by the keys of one condition
    (their first) and only those found are tried further, so a text without any first
    key leaves at once. Which condition is first changes how many units are tried, never
    which are candidates (a candidate has a key of every condition): first the plan's
    guess, then, now and again, the one whose atoms were present in the fewest of a
    sample of the texts seen (the counts are halved each time: bounded, and the recent
    texts weigh more); the other conditions are tried in the same order."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.n_units = len(plan.units)
        self.always = [u for u, unit in enumerate(plan.units) if not unit.conditions]
        self._lower_words = {a.value.encode(): i for i, a in enumerate(plan.atoms)
                             if a.space == LOWER and a.kind == "word"}
        self._lower_keys = frozenset(self._lower_words)
        regex = {i: _atom_regex(a) for i, a in enumerate(plan.atoms) if not (a.space == LOWER and a.kind == "word")}
        lower = [i for i in regex if plan.atoms[i].space == LOWER]
        text = [i for i in regex if plan.atoms[i].space == TEXT]
        traits = plan.traits if len(plan.traits) == len(plan.atoms) else atom_traits(plan.atoms)
        blind = [i for i in lower if traits[i][0]]
        seeing = [i for i in lower if not traits[i][0]]
        self._keyed = blind + text + seeing   # key -> atom
        key = {a: k for k, a in enumerate(self._keyed)}
        # ASCII: one set, LOWER atoms made case-blind, on the text; the others on its lowercase
        self._ascii = _AtomSet([f"(?i:{regex[i]})" for i in blind] + [regex[i] for i in text])
        self._seeing = _AtomSet([regex[i] for i in seeing], [key[i] for i in seeing])
        # other texts: one set per space, the LOWER one on the lowercased text (compiled on first use)
        self._space_atoms = [([regex[i] for i in atoms], [key[i] for i in atoms]) for atoms in (lower, text)]
        self._spaces: list[_AtomSet] = []
        self._sequences: list[Any] = [None] * self.n_units   # compiled on first use
        self._lower_sequence = [unit.space == LOWER for unit in plan.units]
        # each unit's conditions: the plan's anchor (its guess at the rarest) first, then
        # by guessed commonness; on a tie in counts the earlier is taken
        weight = [w for _, w in traits]
        self._guessed = [sorted(unit.conditions, key=lambda c: (c != unit.conditions[unit.anchor],
                                                                sum(map(weight.__getitem__, c))))
                         for unit in plan.units]
        self._counts = [0] * len(plan.atoms)
        self._until_sample = SAMPLE_EVERY
        self._sampled = 0
        self._next_ordering = FIRST_ORDERING
        self._first, self._by_first, self._rest = self._indexed(self._guessed)

    def units(self, text: str) -> list[int]:
        """The units that can match `text` (as `spans.seen` gives it), in unit order."""
        encoded = text.encode()
        if text.isascii():
            found = self._ascii.keys_in(encoded)
            if self._seeing.patterns:
                found += self._seeing.keys_in(encoded.lower())
        elif UNSAFE_CASE.search(text):   # UNSAFE_CASE characters are not ASCII
            return list(range(self.n_units))
        else:
            if not self._spaces:
                self._spaces = [_AtomSet(patterns, keys) for patterns, keys in self._space_atoms]
            found = self._spaces[0].keys_in(text.lower().encode()) + self._spaces[1].keys_in(encoded)
        runs = encoded.translate(WORD_BYTES).split()   # LOWER words among them (and other runs)
        self._until_sample -= 1
        if not self._until_sample:
            self._sample(self._lower_keys.intersection(runs), found)
        first = self._first
        if first.isdisjoint(found) and first.isdisjoint(runs):
            return self._candidates(self.always, text, encoded) if self.always else []
        # keys are LOWER words, bytes, and set indexes, ints: a run that is no word is no key
        present = {*runs, *found}
        by_first = self._by_first
        looked = set(self.always)
        for k in first.intersection(present):
            looked.update(by_first[k])
        rest = self._rest
        held = []
        for u in looked:
            for one_of in rest[u]:
                if one_of.isdisjoint(present):
                    break
            else:
                held.append(u)
        return self._candidates(sorted(held), text, encoded) if held else []

    def _candidates(self, held: list[int], text: str, encoded: bytes) -> list[int]:
        """The units of `held` whose sequence matches."""
        # on ASCII, bytes.lower is str.lower (both map A-Z only)
        lowered = encoded.lower() if text.isascii() else text.lower().encode()
        sequences = self._sequences
        candidates = []
        for u in held:
            found = sequences[u]
            if found is None:
                sequence = self.plan.units[u].sequence
                found = sequences[u] = _anything
                if sequence:
                    # whether it matches, not where: without groups RE2 needs no submatch pass
                    options = _options()
                    options.never_capture = True
                    found = sequences[u] = searcher(re2.compile(sequence, options=options))
            if found(lowered if self._lower_sequence[u] else encoded):
                candidates.append(u)
        return candidates

    def _sample(self, words: frozenset[bytes], found: list[int]) -> None:
        self._until_sample = SAMPLE_EVERY
        counts = self._counts
        for a in {*map(self._lower_words.__getitem__, words), *map(self._keyed.__getitem__, found)}:
            counts[a] += 1
        self._sampled += 1
        if self._sampled >= self._next_ordering:
            self._first, self._by_first, self._rest = self._indexed(
                [sorted(c, key=lambda c: sum(map(counts.__getitem__, c))) for c in self._guessed])
            self._counts = [n // 2 for n in counts]
            self._sampled = 0
            self._next_ordering = min(2 * self._next_ordering, LAST_ORDERING)

    def _indexed(self, order: list[list[tuple[int, ...]]]) -> Index:
        """For the units' conditions in `order`: the keys of first conditions, the units
        each is first for, and per unit its other conditions (as sets of keys)."""
        key_of: dict[int, bytes | int] = {i: w for w, i in self._lower_words.items()}
        key_of.update({a: k for k, a in enumerate(self._keyed)})
        by: dict[bytes | int, list[int]] = {}
        for u, conditions in enumerate(order):
            for a in conditions[0] if conditions else ():
                by.setdefault(key_of[a], []).append(u)
        rest = [tuple(frozenset(map(key_of.__getitem__, c)) for c in conditions[1:]) for conditions in order]
        return frozenset(by), {key: tuple(units) for key, units in by.items()}, rest


class _AtomSet:
    """An RE2 set of atom regexes, searched in bytes: the indexes of those found, or
    their `keys`."""

    def __init__(self, patterns: list[str], keys: list[int] | None = None) -> None:
        self.patterns = patterns
        self.keys = keys
        self._any: Any = None
        self.match: Any = _nothing
        if patterns:
            atom_set = re2.Set.SearchSet(_options())
            for p in patterns:
                atom_set.Add(p)
            atom_set.Compile()
            # re2's wrapper only encodes a str and turns [] into None; the subjects are bytes
            self.match = getattr(atom_set, "_set", atom_set).Match

    def keys_in(self, subject: bytes) -> list[int]:
        found = self.match(subject) or self.gave_up(subject)
        return [self.keys[i] for i in found] if self.keys is not None else found

    def gave_up(self, subject: bytes) -> list[int]:
        """RE2::Set gives up (DFA out of memory) the way it says "no match": when the plain
        alternation disagrees, every atom of the set counts as present."""
        if not self.patterns:
            return []
        if self._any is None:
            self._any = re2.compile("|".join(f"(?:{p})" for p in self.patterns), options=_options())
        return [] if self._any.search(subject) is None else list(range(len(self.patterns)))


def _nothing(subject: bytes) -> list[int]:
    return []


def _anything(subject: bytes) -> bool:
    return True


def _atom_regex(atom: Atom) -> str:
    """The regex of an atom looked for by RE2: a word is a whole run of ASCII letters."""
    return NOT_LETTER_BEFORE + re2.escape(atom.value) + NOT_LETTER_AFTER if atom.kind == "word" else atom.value


def _case_blind(pattern: str) -> bool:
    """Does `(?i:pattern)` find in an ASCII text what `pattern` finds in its lowercase?
    Case folding adds to each class (a character is one) the case mates of its members,
    before a class is negated. On a lowercased ASCII text that changes nothing when every
    ASCII capital of a class comes with its lowercase letter and no member has an ASCII
    case mate other than its own capital or lowercase letter (ſ, the Kelvin sign); and
    `(?i:pattern)` finds in a text what it finds in its lowercase. Trusted: patterns of
    ASCII characters and such characters, character classes, groups `(?:`, and escapes
    \\d \\s \\w \\b (and their negations) or of punctuation; nothing else."""
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            escaped = pattern[i + 1:i + 2]
            if not (escaped in ("d", "D", "s", "S", "w", "W", "b", "B") or _punctuation(escaped)):
                return False
            i += 2
        elif c == "[":
            members, i = _class_members(pattern, i)
            if members is None or any("A" <= m <= "Z" and m.lower() not in members for m in members):
                return False
        elif c == "(" and pattern.startswith("(?", i) and not pattern.startswith("(?:", i):
            return False   # flags or a named group
        elif "A" <= c <= "Z" or _ascii_mate(c):
            return False
        else:
            i += 1
    return True


def _class_members(pattern: str, i: int) -> tuple[set[str] | None, int]:
    """The ASCII members of the class at pattern[i] ("["), or None if not trusted (see
    _case_blind), and where the class ends."""
    members: set[str] = set()
    j = i + 1 + pattern.startswith("^", i + 1)
    first = j
    last: str | None = None   # a single character just taken, which may begin a range
    while j < len(pattern) and (pattern[j] != "]" or j == first):
        c = pattern[j]
        if c == "\\":
            escaped = pattern[j + 1:j + 2]
            if escaped in ("d", "D", "s", "S", "w", "W"):
                last = None   # closed under case
            elif _punctuation(escaped):
                members.add(escaped)
                last = escaped
            else:
                return None, j
            j += 2
        elif c == "-" and last is not None and pattern[j + 1:j + 2] not in ("", "]"):
            high = pattern[j + 1]
            if high == "\\" or not (last.isascii() and high.isascii()):
                return None, j   # [@-\[] is a range too
            members.update(map(chr, range(ord(last), ord(high) + 1)))
            last = None
            j += 2
        elif c == "[" and pattern.startswith("[:", j):
            return None, j   # a named class: [:upper:]
        elif _ascii_mate(c):
            return None, j
        else:
            if c.isascii():
                members.add(c)
            last = c
            j += 1
    return (members if j < len(pattern) else None), j + 1


def _punctuation(c: str) -> bool:
    return len(c) == 1 and c.isascii() and not c.isalnum()


def _ascii_mate(c: str) -> bool:
    """A non-ASCII character with ASCII letters among its case forms (ſ, K, ß, ﬁ...)."""
    return not c.isascii() and any(m.isascii() for m in c.lower() + c.upper() + c.casefold())


class FastMatcher:
    """`match`/`match_all` as matcher.SpacyMatcher answers them, with spaCy run only on the
    units the prefilter lets through (spaCy is imported for the first such text)."""

    def __init__(self, rules: Sequence[Rule], plan: Plan | None = None, key: str = "",
                 validated: bool = False, on_validated: Any = None, cache_folder: str | None = None) -> None:
        self.key = key           # content hash of the packs (cache.packs_key), "" if unknown
        self.cache_folder = cache_folder      # where `load` caches it (None: nowhere)
        self.validated = validated            # spaCy has accepted every pattern (this key, before)
        self._on_validated = on_validated     # called once spaCy has
        self.rules = {r.id: r for r in rules}
        self._rules = tuple(rules)
        self._order = {r.id: i for i, r in enumerate(rules)}
        plan = plan if plan is not None else derive(rules)
        if [u.rule for u in plan.units] != [r.id for r in rules for _ in (*r.patterns, *r.phrases)]:
            raise ValueError("the engine plan was derived from other rules")
        self.plan = plan
        self._prefilter: Prefilter | None = None
        self._spacy: Any = None
        self._memo: dict[str, list[Span]] = {}
        self._asked: set[str] = set()    # the memo's texts spaCy was asked about
        self._known: dict[str, list[Span]] = {}   # spaCy's answers of an earlier run (remembering)
        self._record: dict[str, list[Span]] | None = None
        self.texts = 0         # texts matched (memo hits not counted)
        self.spacy_texts = 0   # ... of which spaCy saw

    @property
    def prefilter(self) -> Prefilter:
        """The compiled plan, built on first use (RE2 compiles its sets then): a run that
        asks nothing of it (the hook on entries known clean) does without."""
        if self._prefilter is None:
            self._prefilter = Prefilter(self.plan)
        return self._prefilter

    def spacy(self) -> Any:
        """The per-unit spaCy matchers, imported on first use. spaCy validates every pattern
        then, unless it already did for these packs (the engine cache remembers)."""
        if self._spacy is None:
            from .matcher import UnitMatcher

            self._spacy = UnitMatcher(self._rules)
            if not self.validated:
                self.validate()
        return self._spacy

    def validate(self) -> None:
        """Have spaCy validate every pattern (UserError naming the rule's file and line)."""
        self.spacy().validate()
        if not self.validated:
            self.validated = True
            if self._on_validated is not None:
                self._on_validated()

    def could_match(self, text: str) -> bool:
        """False when no rule can match `text` (decided without spaCy)."""
        return bool(self.prefilter.units(seen(text).text))

    def match_all(self, text: str) -> list[Span]:
        """Every (rule, start, end) spaCy finds, overlaps included (order may differ)."""
        self.texts += 1
        view = seen(text)
        units = self.prefilter.units(view.text)
        if not units:
            return []
        self.spacy_texts += 1
        if self.spacy_texts % VOCAB_CHECK_EVERY == 0 and self._spacy is not None \
                and len(self._spacy.nlp.vocab.strings) > VOCAB_MAX_STRINGS:
            self._spacy = None   # bounded memory on a huge log (the patterns stay validated)
        return view.back(list(self.spacy().match_all(view.text, units, view.text)))

    def match(self, text: str) -> list[Span]:
        got = self._memo.get(text)
        if got is None:
            got = self._known.get(text)
            asked = got is not None
            if got is None:
                before = self.spacy_texts
                got = select_spans(self.match_all(text), self._order)
                asked = self.spacy_texts != before
            if len(self._memo) >= MEMO_ENTRIES:
                self._memo.clear()
                self._asked.clear()
            self._memo[text] = got
            if asked:
                self._asked.add(text)
        if self._record is not None and text in self._asked:
            self._record[text] = got
        return list(got)

    def remembering(self, known: Any) -> Remembered:
        """Match with spaCy's answers of an earlier run: `known` as `Remembered.done`
        gave it (texts the prefilter let through, their spans), for these packs and this
        code (`key`). A text among them takes its answer without the prefilter or spaCy;
        the same text gives the same spans, so the findings are the same. Until `done`,
        the answers for every text that reached spaCy, or was known, are recorded: an
        edited file has most of its entries from before, and its new entries without
        failure language then need no spaCy at all. A malformed `known` is ignored."""
        self._known = _answers(known, self.rules)
        self._record = {}
        return Remembered(self)


class Remembered:
    """The answers FastMatcher.remembering recorded: `done()` ends the recording and
    gives them, as JSON data for the cache (a list of [text, [[rule, start, end], ...]])."""

    def __init__(self, matcher: FastMatcher) -> None:
        self._matcher = matcher

    def done(self) -> list[Any]:
        m = self._matcher
        record, m._record, m._known = m._record or {}, None, {}
        return [[text, [list(span) for span in spans]] for text, spans in record.items()]


def _answers(known: Any, rules: dict[str, Rule]) -> dict[str, list[Span]]:
    """Remembered.done's data back as {text: spans}; {} unless every item is well formed."""
    out: dict[str, list[Span]] = {}
    if not isinstance(known, list):
        return out
    for item in known:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)
                and isinstance(item[1], list)):
            return {}
        spans: list[Span] = []
        for span in item[1]:
            if not (isinstance(span, list) and len(span) == 3 and span[0] in rules
                    and type(span[1]) is int and type(span[2]) is int and 0 <= span[1] < span[2] <= len(item[0])):
                return {}
            spans.append((span[0], span[1], span[2]))
        out[item[0]] = spans
    return out


def plan_to_json(plan: Plan) -> dict[str, Any]:
    return {"atoms": [list(a) for a in plan.atoms],
            "units": [[u.rule, [list(c) for c in u.conditions], u.space, u.sequence, u.anchor] for u in plan.units],
            "traits": [list(t) for t in plan.traits]}


def plan_from_json(data: dict[str, Any]) -> Plan:
    atoms = tuple(Atom(str(sp), str(kind), str(v)) for sp, kind, v in data["atoms"])
    units = tuple(Unit(str(r), tuple(tuple(int(a) for a in c) for c in conds), str(sp), str(seq), int(anchor))
                  for r, conds, sp, seq, anchor in data["units"])
    traits = tuple((bool(blind), float(weight)) for blind, weight in data.get("traits", ()))
    return Plan(atoms, units, traits if len(traits) == len(atoms) else atom_traits(atoms))


def load(pack_files: Sequence[str], store: Any = None, reuse: Any = None) -> FastMatcher:
    """The engine for these pack files: rules and plan from the cache when the packs (and
    brokenlang) are unchanged, else loaded and derived (spaCy-free) and cached. spaCy
    validates the patterns the first time it is loaded for them (FastMatcher.spacy).
    `reuse`: an engine loaded before in this process, taken when it is for the same
    packs and cache folder (the hook's check, then its scan)."""
    from . import cache as cache_mod
    from . import patterns

    store = store if store is not None else cache_mod.NO_CACHE
    key = cache_mod.packs_key(pack_files)
    if isinstance(reuse, FastMatcher) and reuse.key == key and reuse.cache_folder == store.folder:
        return reuse
    got = store.get("engine", key)
    rules: list[Rule] | None = None
    plan: Plan | None = None
    validated = False
    if isinstance(got, dict):
        try:
            rules, plan = cache_mod.rules_from_json(got["rules"]), plan_from_json(got["plan"])
            validated = got.get("validated") is True
        except (KeyError, TypeError, ValueError):
            rules = plan = None
    if rules is None or plan is None:
        rules = patterns.load_packs(pack_files)
        plan = derive(rules)
    else:
        store.touch("engine", key)   # pruning keeps the engines last used
    loaded_rules, loaded_plan = rules, plan

    def remember(validated: bool) -> None:
        store.put("engine", key, {"rules": cache_mod.rules_to_json(loaded_rules), "plan": plan_to_json(loaded_plan),
                                  "validated": validated})
        store.prune("engine", ENGINES_KEPT)

    if not isinstance(got, dict) or "plan" not in got:
        remember(False)
    return FastMatcher(rules, plan, key, validated, lambda: remember(True), store.folder)
