"""Failure language matching with spaCy: token Matcher + PhraseMatcher on a blank English
pipeline (no model download). The only module that imports spaCy."""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from . import saferegex
from .errors import UserError
from .models import Rule
from .spans import EMPHASIS, SURROGATES, plain, seen, select_spans  # spaCy-free: the engine needs them without spaCy

__all__ = ["EMPHASIS", "SURROGATES", "SpacyMatcher", "UnitMatcher", "plain", "seen", "select_spans",
           "tokenizer_special_cases"]


@lru_cache(maxsize=1 << 16)
def _search(pattern: str, token_text: str) -> bool:
    """A REGEX predicate on one token text (asked again for each pattern that uses it)."""
    return saferegex.search(pattern, token_text)


def _extension_name(attr: str, pattern: str) -> str:
    return "bl_rx_" + hashlib.sha1(f"{attr}\0{pattern}".encode()).hexdigest()[:16]


class SpacyMatcher:
    """Compiles rules once; `match(text)` returns non-overlapping (rule, start, end) spans."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        import spacy
        from spacy.matcher import Matcher, PhraseMatcher
        from spacy.tokens import Token

        self.rules = {r.id: r for r in rules}
        self._order = {r.id: i for i, r in enumerate(rules)}
        self.nlp: Any = spacy.blank("en")
        self._token_cls = Token
        self.matcher = Matcher(self.nlp.vocab, validate=True)
        self.phrases = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        for rule in rules:
            if rule.patterns:
                pats = [[self._token(t) for t in p] for p in rule.patterns]
                try:
                    self.matcher.add(rule.id, pats)
                except Exception as e:  # spaCy's validation error names the bad attribute
                    raise UserError(f"rule {rule.id}: invalid token pattern: {e}".splitlines()[0],
                                    rule.source, rule.line) from None
            if rule.phrases:
                self.phrases.add(rule.id, [self.nlp.make_doc(p.lower()) for p in rule.phrases])

    def _token(self, tok: dict[str, object]) -> dict[str, Any]:
        """Rewrite REGEX predicates into extension attributes evaluated by RE2."""
        out: dict[str, Any] = {}
        for attr, val in tok.items():
            if isinstance(val, dict) and "REGEX" in val:
                pattern = str(val["REGEX"])
                name = _extension_name(attr, pattern)
                if not self._token_cls.has_extension(name):
                    lower = attr == "LOWER"

                    def getter(token: Any, _p: str = pattern, _lower: bool = lower) -> bool:
                        return _search(_p, token.lower_ if _lower else token.text)

                    self._token_cls.set_extension(name, getter=getter)
                out.setdefault("_", {})[name] = True
            else:
                out[attr] = val
        return out

    def match(self, text: str) -> list[tuple[str, int, int]]:
        """Non-overlapping hits, longest first (what is reported)."""
        return select_spans(self.match_all(text), self._order)

    def match_all(self, text: str) -> list[tuple[str, int, int]]:
        """Every (rule, start, end) the matchers find, overlaps included. A very long entry
        is matched in overlapping windows, as UnitMatcher matches it (spaCy refuses a text
        over `nlp.max_length`)."""
        view = seen(text)
        if len(view.text) <= WINDOW:
            return view.back(self._match_text(view.text))
        found: set[tuple[str, int, int]] = set()
        for start, end in windows(view.text):
            found.update((r, s + start, e + start)
                         for r, s, e in self._match_text(plain(view.text[start:end])))
        return view.back(sorted(found, key=lambda x: (x[1], x[2], x[0])))

    def _match_text(self, text: str) -> list[tuple[str, int, int]]:
        doc = self.nlp.make_doc(text)
        spans: list[tuple[str, int, int]] = []
        for key, s, e in list(self.matcher(doc)) + list(self.phrases(doc)):
            rid = self.nlp.vocab.strings[key]
            spans.append((rid, doc[s].idx, doc[e - 1].idx + len(doc[e - 1].text)))
        return spans


class UnitMatcher(SpacyMatcher):
    """The same rules with one spaCy matcher per token pattern or phrase (a *unit*, numbered
    in rule order: each rule's patterns, then its phrases), so that a caller that knows
    which units can match a text (engine.py) runs only those. spaCy matches each pattern
    on its own, so the union over the units that can match is spaCy's whole answer. A
    unit is built when first used; `validate()` builds them all.

    REGEX predicates are lexeme flags here (`_flag`), not SpacyMatcher's extension getters
    that spaCy calls per token and per matcher.

    A set of units asked for COMBINE_AFTER times gets one Matcher holding all its token
    patterns (a SpacyMatcher restricted to them): one walk over the doc instead of one per
    unit, and the same hits, since each pattern is still matched on its own."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        from spacy.attrs import IDS, LOWER
        from spacy.tokens import Token

        self.rules = {r.id: r for r in rules}
        self._order = {r.id: i for i, r in enumerate(rules)}
        self.nlp = BlankEnglish()
        self._token_cls = Token
        self._specs: list[tuple[Rule, bool, Any]] = []   # (rule, is a phrase, pattern or phrase)
        for rule in rules:
            self._specs += [(rule, False, p) for p in rule.patterns]
            self._specs += [(rule, True, p) for p in rule.phrases]
        self.units: list[Any] = [None] * len(self._specs)
        # flag bits for REGEX predicates: none this vocab computes, none a pattern reads itself
        named = {IDS.get(str(a).upper()) for r in rules for p in r.patterns for t in p for a in t}
        vocab: Any = self.nlp.vocab
        getters = vocab.lex_attr_getters
        self._free_flags = [b for b in range(FIRST_USER_FLAG, 64) if b not in getters and b not in named]
        self._flags: dict[tuple[bool, str], int] = {}   # (on LOWER, REGEX) -> its flag bit
        # the vocab's LOWER getter, if it gave every lexeme its lower (new ones always get it)
        lower = getters.get(LOWER)
        self._lower: Any = lower if lower and all(lex.lower_ == lower(lex.orth_) for lex in vocab) else None
        self._seen: dict[tuple[int, ...], int] = {}     # how often each set of units was asked for
        self._combined: dict[tuple[int, ...], list[Any]] = {}   # its matchers, once combined
        self._warmed: set[str] = set()   # words already tokenized on their own (see `_tokenize`)
        tokenizer: Any = self.nlp.tokenizer
        tokenizer.max_cache_size = CACHED_WORDS

    def validate(self) -> None:
        """spaCy checks every pattern (the units themselves are built when used)."""
        for u in range(len(self.units)):
            if self.units[u] is None:
                self._build(u)

    def _unit(self, u: int) -> Any:
        unit = self.units[u]
        if unit is None:
            unit = self.units[u] = self._build(u)
        return unit

    def _build(self, u: int) -> Any:
        from spacy.errors import MatchPatternError
        from spacy.matcher import Matcher, PhraseMatcher
        from spacy.schemas import validate_token_pattern

        rule, is_phrase, spec = self._specs[u]
        if is_phrase:
            phrases = PhraseMatcher(self.nlp.vocab, attr="LOWER")
            phrases.add(rule.id, [self.nlp.make_doc(spec.lower())])
            return phrases
        unit = Matcher(self.nlp.vocab, validate=False)
        try:
            if spec:   # what Matcher(validate=True) checks, on the patterns SpacyMatcher adds
                errors = validate_token_pattern([SpacyMatcher._token(self, t) for t in spec])
                if errors:
                    raise MatchPatternError(rule.id, {0: errors})
            unit.add(rule.id, [[self._token(t) for t in spec]])
        except Exception as e:  # spaCy's validation error names the bad attribute
            raise UserError(f"rule {rule.id}: invalid token pattern: {e}".splitlines()[0],
                            rule.source, rule.line) from None
        return unit

    def _token(self, tok: dict[str, object]) -> dict[str, Any]:
        """A REGEX predicate becomes a lexeme flag of this vocab (see `_flag`) when there is a
        free bit: spaCy's Matcher then reads it in C, with no Python call per token."""
        out: dict[Any, Any] = {}   # a flag's key is its bit
        for attr, val in tok.items():
            if attr == "_":
                return SpacyMatcher._token(self, tok)
            if isinstance(val, dict) and "REGEX" in val:
                flag = self._flag(attr == "LOWER", str(val["REGEX"]))
                if flag is None:
                    return SpacyMatcher._token(self, tok)
                out[flag] = True
            else:
                out[attr] = val
        return out

    def _flag(self, lower: bool, pattern: str) -> int | None:
        """The flag bit holding whether `pattern` is found in a lexeme's text (lowercase form if
        `lower`), or None. Exactly the extension's value: every attribute SpacyMatcher's getter
        reads is the lexeme's (token.text is its orth, token.lower_ its lower, which the vocab
        computes with the LOWER getter used here), and the vocab sets a flag on each lexeme as
        it creates it (`add_flag`: on the lexemes already there too)."""
        key = (lower, pattern)
        flag = self._flags.get(key)
        if flag is None:
            if not self._free_flags or (lower and self._lower is None):
                return None
            flag = self._flags[key] = self._free_flags.pop(0)
            found = saferegex.searcher(saferegex.compiled(pattern))   # = _search on the UTF-8 bytes
            if lower:
                to_lower = self._lower

                def getter(orth: str) -> bool:
                    return found(to_lower(orth).encode())
            else:
                def getter(orth: str) -> bool:
                    return found(orth.encode())
            self.nlp.vocab.add_flag(getter, flag)
        return flag

    def match_all(self, text: str, units: Sequence[int] | None = None,
                  plain_text: str | None = None) -> list[tuple[str, int, int]]:
        """Every (rule, start, end) the given units (default: all) find in `text`, what
        the matchers see of an entry (spans.seen), overlaps included.
        `plain_text`: plain(text), when the caller has it. A very long entry (a minified
        line, a pasted blob) is matched in overlapping windows."""
        matchers = self._matchers(range(len(self.units)) if units is None else units)
        if len(text) <= WINDOW:
            return self._match_window(plain(text) if plain_text is None else plain_text, matchers)
        found: set[tuple[str, int, int]] = set()
        for start, end in windows(text):
            found.update((r, s + start, e + start) for r, s, e in self._match_window(plain(text[start:end]), matchers))
        return sorted(found, key=lambda x: (x[1], x[2], x[0]))

    def _matchers(self, units: Sequence[int]) -> list[Any]:
        """The spaCy matchers that together find what `units` find."""
        key = tuple(units)
        got = self._combined.get(key)
        if got is not None:
            return got
        patterns = [u for u in key if not self._specs[u][1]]
        if len(self._seen) >= COMBINED_SETS * COMBINE_AFTER:
            self._seen.clear()   # bounded memory when the sets keep changing
        seen = self._seen[key] = self._seen.get(key, 0) + 1
        if len(patterns) < 2 or seen < COMBINE_AFTER:
            return [self._unit(u) for u in key]
        from spacy.matcher import Matcher

        combined = Matcher(self.nlp.vocab, validate=False)   # each pattern was validated by its own unit
        for u in patterns:
            self._unit(u)
            rule, _, spec = self._specs[u]
            combined.add(rule.id, [[self._token(t) for t in spec]])
        got = [combined, *(self._unit(u) for u in key if self._specs[u][1])]
        if len(self._combined) >= COMBINED_SETS:
            self._combined.clear()   # bounded memory when the sets keep changing
        self._combined[key] = got
        return got

    def _tokenize(self, text: str) -> Any:
        """`nlp.make_doc(text)`, made faster by first tokenizing alone each word not seen
        before. spaCy's tokenizer splits a text into chunks (the runs between whitespace) and
        caches each chunk's lexemes, but once one chunk of a text hits a special case (a lone
        space or newline is one) it saves none of that text's later chunks: the words of a
        multi-line entry went through the affix and URL regexes each time. A word tokenized
        alone is saved (unless it uses a special case itself), and the text then reads it.

        Exact because the Doc does not depend on what the cache holds. Only the tokenizer
        saves entries: the lexemes of one chunk tokenized without special cases, which depend
        on that chunk alone and are replayed unspaced like fresh ones (the caller sets the
        spacing). It reads them for whole chunks, and for what is left of a chunk after its
        affixes are stripped, which is then not a special case and has no prefix or suffix
        (or matches token_match), so is tokenized like a chunk of its own. Tokenizing a word
        alone creates no lexeme the text's own tokenization does not create."""
        warmed = self._warmed
        if len(warmed) < CACHED_WORDS:   # else the cache is about full: it saves no more
            tokenize = self.nlp.tokenizer
            for word in text.split():
                if word not in warmed:
                    warmed.add(word)
                    tokenize(word)
        return self.nlp.make_doc(text)

    def _match_window(self, text: str, matchers: list[Any]) -> list[tuple[str, int, int]]:
        doc = self._tokenize(text)
        spans: list[tuple[str, int, int]] = []
        for matcher in matchers:
            for key, s, e in matcher(doc):
                spans.append((self.nlp.vocab.strings[key], doc[s].idx, doc[e - 1].idx + len(doc[e - 1].text)))
        return spans


class BlankEnglish:
    """What the matchers use of `spacy.blank("en")`, its vocab and tokenizer, made by the
    functions spacy.blank calls for them, without its config machinery (that saves ~25 ms
    of each start that needs spaCy: the hook with failure language).
    `Language.__init__` makes the vocab with `create_vocab(lang, Defaults)` and the
    tokenizer with the registered `create_tokenizer()` factory, which reads the language's
    Defaults and this vocab; a blank pipeline has nothing else (its empty vectors are
    not matched on). test_engine compares them with spacy.blank("en")'s."""

    def __init__(self) -> None:
        from spacy.lang.en import English
        from spacy.language import create_tokenizer
        from spacy.vocab import create_vocab

        self.Defaults = English.Defaults
        self.vocab: Any = create_vocab("en", self.Defaults)
        factory: Any = create_tokenizer()
        self.tokenizer: Any = factory(self)

    def make_doc(self, text: str) -> Any:
        """`Language.make_doc` (the callers keep texts under its length limit: `windows`)."""
        return self.tokenizer(text)


FIRST_USER_FLAG = 19     # spaCy's flag bits FLAG19..FLAG63 are free for user flags
COMBINE_AFTER = 8        # uses of a set of units before it gets one Matcher (building one takes ~1 ms)
COMBINED_SETS = 2_048    # combined Matchers kept (all dropped when full)
CACHED_WORDS = 50_000    # chunks the tokenizer caches (~250 bytes each; spaCy's default: 10,000)
WINDOW = 100_000   # characters tokenized at once (spaCy refuses texts over 1,000,000)
OVERLAP = 2_000    # longer than any failure phrase, so none is cut in two


def windows(text: str) -> list[tuple[int, int]]:
    """Overlapping (start, end) windows of a long text, cut at whitespace where there is some."""
    out, start = [], 0
    while True:
        end = min(len(text), start + WINDOW)
        if end < len(text):
            cut = max(text.rfind(" ", start + WINDOW // 2, end), text.rfind("\n", start + WINDOW // 2, end))
            end = cut if cut > 0 else end
        out.append((start, end))
        if end >= len(text):
            return out
        start = max(end - OVERLAP, start + 1)


def tokenizer_special_cases() -> list[list[str]]:
    """The pieces of each special case of the tokenizer the matchers use ("can't" -> ca, n't)."""
    import spacy

    tokenizer: Any = spacy.blank("en").tokenizer
    return [[piece[65] for piece in pieces] for pieces in tokenizer.rules.values()]  # 65: ORTH
