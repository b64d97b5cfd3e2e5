"""The default matching engine: exactly spaCy's hits, at regex speed.

Every spaCy token pattern and phrase of the packs (a *unit*, see matcher.UnitMatcher) is
turned into a necessary condition on the text, derived from the rule itself, never listed
beside it: for each required token with a literal LOWER/TEXT/ORTH value (or an IN list),
one of those literals must occur in the text (lowercased for LOWER) as a whole token; for
a REGEX token, the regex without its anchors must match; a phrase must occur with the
spaces taken out. These literals and regexes (*atoms*) are compiled into RE2 sets. A text
in which no unit has all its conditions never reaches spaCy; otherwise spaCy runs only
the units whose conditions hold. spaCy matches each pattern on its own, so the hits are
spaCy's hits, by construction, because:

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

import re
from collections.abc import Sequence
from importlib import metadata
from typing import Any, NamedTuple

import re2

from . import triggers
from .matcher import plain, select_spans
from .models import Rule

OPTIONAL_OPS = ("?", "*", "!")
LITERAL_ATTRS = ("LOWER", "ORTH", "TEXT")
LOWER, TEXT = "lower", "text"
UNSAFE_CASE = re.compile("[Σİ\u212a]")   # str.lower is not one-to-one per character on these
RE2_SPACE = re.compile(r"[\t\n\f\r ]+")   # RE2's \s
ASCII_LETTER = re.compile(r"[A-Za-z]")
NOT_LETTER_BEFORE, NOT_LETTER_AFTER = r"(?:^|[^A-Za-z])", r"(?:[^A-Za-z]|$)"
MEMO_ENTRIES = 50_000     # repeated texts (log lines) are matched once; cleared when full
RE2_MAX_MEM = 64 << 20

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


class Unit(NamedTuple):
    """One spaCy pattern or phrase of a rule, and what a text must hold for it to match:
    for each condition, at least one of its atoms (indexes into Plan.atoms)."""

    rule: str
    conditions: tuple[tuple[int, ...], ...]


class Plan(NamedTuple):
    """The prefilter derived from the rules: plain data, cached by content hash."""

    atoms: tuple[tuple[str, str], ...]   # (space, RE2 pattern): space is `lower` or `text`
    units: tuple[Unit, ...]              # in matcher.UnitMatcher order


def glued_pieces(spacy_version: str | None = None) -> tuple[frozenset[str], frozenset[str]]:
    """(pieces with a letter glued before them, pieces with one glued after them)."""
    version = spacy_version or metadata.version("spacy")
    if version == GLUED_FOR_SPACY:
        return frozenset(GLUED_BEFORE), frozenset(GLUED_AFTER)
    from .matcher import tokenizer_special_cases

    before, after = set(), set()
    for pieces in tokenizer_special_cases():
        for a, b in zip(pieces, pieces[1:], strict=False):
            if ASCII_LETTER.fullmatch(a[-1]) and ASCII_LETTER.fullmatch(b[0]):
                after.add(a)
                before.add(b)
    return frozenset(before), frozenset(after)


def derive(rules: Sequence[Rule], glued: tuple[frozenset[str], frozenset[str]] | None = None) -> Plan:
    """The units of `rules` with their conditions."""
    before, after = glued if glued is not None else glued_pieces()
    lower_before, lower_after = {p.lower() for p in before}, {p.lower() for p in after}
    atoms: dict[tuple[str, str], int] = {}
    units: list[Unit] = []

    def literal(space: str, word: str) -> tuple[str, str]:
        w = word.lower() if space == LOWER else word
        glued_before = w in (lower_before if space == LOWER else before)
        glued_after = w in (lower_after if space == LOWER else after)
        left = NOT_LETTER_BEFORE if ASCII_LETTER.fullmatch(w[0]) and not glued_before else ""
        right = NOT_LETTER_AFTER if ASCII_LETTER.fullmatch(w[-1]) and not glued_after else ""
        return space, left + re2.escape(w) + right

    def condition(alternatives: list[tuple[str, str]]) -> tuple[int, ...] | None:
        ids: set[int] = set()
        for key in alternatives:
            if key not in atoms:
                if not _compiles(key[1]):
                    return None   # dropping a condition only weakens the filter, never loses a hit
                atoms[key] = len(atoms)
            ids.add(atoms[key])
        return tuple(sorted(ids)) if ids else None

    for rule in rules:
        for pattern in rule.patterns:
            conds = []
            for kind, space, values in _required(pattern):
                alts = [literal(space, v) for v in values] if kind == "literal" else [(space, values[0])]
                cond = condition(alts)
                if cond is not None:
                    conds.append(cond)
            units.append(Unit(rule.id, tuple(sorted(set(conds)))))
        for phrase in rule.phrases:
            squeezed = RE2_SPACE.sub("", phrase.lower())
            cond = condition([(LOWER, r"\s*".join(re2.escape(ch) for ch in squeezed))]) if squeezed else None
            units.append(Unit(rule.id, (cond,) if cond else ()))
    return Plan(tuple(sorted(atoms, key=atoms.__getitem__)), tuple(units))


def _required(pattern: Sequence[dict[str, Any]]) -> list[tuple[str, str, list[str]]]:
    """For each required token of a spaCy token pattern, what it needs: ("literal", space,
    words: one of them is the token) or ("regex", space, [regex]: it matches the token)."""
    out: list[tuple[str, str, list[str]]] = []
    for token in pattern:
        if token.get("OP") in OPTIONAL_OPS:
            continue
        for attr in LITERAL_ATTRS:
            value = token.get(attr)
            space = LOWER if attr == "LOWER" else TEXT
            if isinstance(value, str):
                words = [value]
            elif isinstance(value, dict) and isinstance(value.get("IN"), list):
                words = [str(v) for v in value["IN"]]
            elif isinstance(value, dict) and isinstance(value.get("REGEX"), str):
                rx = triggers.unanchor(value["REGEX"])
                if rx:
                    out.append(("regex", space, [rx]))
                continue
            else:
                continue
            if words and all(words):
                out.append(("literal", space, words))
    return out


def _options() -> Any:
    opts = re2.Options()
    opts.log_errors = False
    opts.max_mem = RE2_MAX_MEM
    return opts


def _compiles(pattern: str) -> bool:
    try:
        re2.compile(pattern, options=_options())
    except Exception:  # re2 raises its own error type
        return False
    return True


def _commonness(pattern: str) -> float:
    """A rough guess of how often an atom occurs in prose: short words often; regexes and
    phrases as if always."""
    word = pattern.removeprefix(NOT_LETTER_BEFORE).removesuffix(NOT_LETTER_AFTER)
    unescaped = re.sub(r"\\(.)", r"\1", word, flags=re.S)
    if re2.escape(unescaped) != word:
        return 1.0
    return 0.3 ** len(unescaped)


class Prefilter:
    """The compiled plan: which units can match a text."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.n_units = len(plan.units)
        self._sets: dict[str, Any] = {}
        self._any: dict[str, Any] = {}
        self._ids: dict[str, list[int]] = {}
        for space in (LOWER, TEXT):
            ids = [i for i, (sp, _) in enumerate(plan.atoms) if sp == space]
            if not ids:
                continue
            patterns = [plan.atoms[i][1] for i in ids]
            atom_set = re2.Set.SearchSet(_options())
            for p in patterns:
                atom_set.Add(p)
            atom_set.Compile()
            self._ids[space] = ids
            self._sets[space] = atom_set
            self._any[space] = re2.compile("|".join(f"(?:{p})" for p in patterns), options=_options())
        # Each unit is looked at only when an atom of its rarest condition (its anchor)
        # occurs, so common words ("a", "the") do not bring every unit up.
        self._conditions = [tuple(frozenset(c) for c in unit.conditions) for unit in plan.units]
        self.always = [u for u, unit in enumerate(plan.units) if not unit.conditions]
        self._by_atom: dict[int, list[int]] = {}
        for u, unit in enumerate(plan.units):
            if unit.conditions:
                anchor = min(unit.conditions, key=lambda c: sum(_commonness(plan.atoms[a][1]) for a in c))
                for a in anchor:
                    self._by_atom.setdefault(a, []).append(u)

    def units(self, text: str) -> list[int]:
        """The units that can match `text` (as `matcher.plain` gives it), in unit order."""
        if UNSAFE_CASE.search(text):
            return list(range(self.n_units))
        present: set[int] = set()
        for space, atom_set in self._sets.items():
            subject = text.lower() if space == LOWER else text
            found = atom_set.Match(subject)
            if found:
                ids = self._ids[space]
                present.update([ids[i] for i in found])
            elif self._any[space].search(subject) is not None:
                # RE2::Set gives up (DFA out of memory) the way it says "no match": when the
                # plain alternation disagrees, take every atom of this space as present
                present.update(self._ids[space])
        candidates = set(self.always)
        by_atom, conditions = self._by_atom, self._conditions
        for a in present:
            for u in by_atom.get(a, ()):
                if u not in candidates and all(not present.isdisjoint(c) for c in conditions[u]):
                    candidates.add(u)
        return sorted(candidates)


class FastMatcher:
    """`match`/`match_all` as matcher.SpacyMatcher answers them, with spaCy run only on the
    units the prefilter lets through (spaCy is imported for the first such text)."""

    def __init__(self, rules: Sequence[Rule], plan: Plan | None = None) -> None:
        self.rules = {r.id: r for r in rules}
        self._rules = tuple(rules)
        self._order = {r.id: i for i, r in enumerate(rules)}
        plan = plan if plan is not None else derive(rules)
        if [u.rule for u in plan.units] != [r.id for r in rules for _ in (*r.patterns, *r.phrases)]:
            raise ValueError("the engine plan was derived from other rules")
        self.prefilter = Prefilter(plan)
        self._spacy: Any = None
        self._memo: dict[str, list[Span]] = {}
        self.texts = 0         # texts matched (memo hits not counted)
        self.spacy_texts = 0   # ... of which spaCy saw

    def spacy(self) -> Any:
        """The per-unit spaCy matchers (built, and every pattern validated, on first use)."""
        if self._spacy is None:
            from .matcher import UnitMatcher

            self._spacy = UnitMatcher(self._rules)
        return self._spacy

    def match_all(self, text: str) -> list[Span]:
        """Every (rule, start, end) spaCy finds, overlaps included (order may differ)."""
        self.texts += 1
        units = self.prefilter.units(plain(text))
        if not units:
            return []
        self.spacy_texts += 1
        return list(self.spacy().match_all(text, units))

    def match(self, text: str) -> list[Span]:
        got = self._memo.get(text)
        if got is None:
            got = select_spans(self.match_all(text), self._order)
            if len(self._memo) >= MEMO_ENTRIES:
                self._memo.clear()
            self._memo[text] = got
        return list(got)
