"""The default engine (engine.py) gives exactly spaCy's hits: on every pack example, the
samples, the shared real corpus, a generated corpus and generated tricky texts; and a
scan with it gives exactly the findings of `--engine spacy`."""
from __future__ import annotations

import random
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brokenlang import engine, entries, patterns, run
from brokenlang.matcher import SpacyMatcher
from brokenlang.run import ScanOptions

REPO = Path(__file__).resolve().parents[1]
# the shared labelled corpus lies beside the checkout (CI clones next to it)
SHARED = next((p for p in (REPO.parent / "shared" / "corpus" / "real", Path("/work/shared/corpus/real"))
               if p.is_dir()), REPO.parent / "shared" / "corpus" / "real")
sys.path.insert(0, str(REPO / "benchmarks"))
import corpus  # noqa: E402  (benchmarks/corpus.py: the generated corpus)

RULES = patterns.load_packs()


@pytest.fixture(scope="module")
def reference() -> SpacyMatcher:
    return SpacyMatcher(RULES)


@pytest.fixture(scope="module")
def fast() -> engine.FastMatcher:
    return engine.FastMatcher(RULES)


def hits(m: Any, text: str) -> list[tuple[str, int, int]]:
    return sorted(set(m.match_all(text)))


def assert_same(fast: engine.FastMatcher, reference: SpacyMatcher, texts: list[str]) -> None:
    differ = [t for t in dict.fromkeys(texts) if hits(fast, t) != hits(reference, t)]
    assert differ == [], [(t[:80], hits(fast, t), hits(reference, t)) for t in differ[:3]]


def entry_texts(folder: Path) -> list[str]:
    out = []
    for p in sorted(folder.rglob("*")):
        if p.is_file() and ".brokenlang" not in p.parts and p.suffix not in (".yaml", ".json"):
            text = p.read_bytes().decode("utf-8", "surrogateescape")
            out += [e.masked for e in entries.split(str(p), text)]
    return out


def test_every_pack_example(fast: engine.FastMatcher, reference: SpacyMatcher) -> None:
    assert_same(fast, reference, [t for r in RULES for t in (*r.match_examples, *r.no_match_examples)])


REAL_TEXT = {"samples": REPO / "samples", **({"shared-corpus": SHARED} if SHARED.is_dir() else {})}


@pytest.mark.parametrize("folder", list(REAL_TEXT.values()), ids=list(REAL_TEXT))
def test_real_text(folder: Path, fast: engine.FastMatcher, reference: SpacyMatcher) -> None:
    texts = entry_texts(folder)
    assert len(texts) > 40
    assert_same(fast, reference, texts)


def test_generated_corpus(tmp_path: Path, fast: engine.FastMatcher, reference: SpacyMatcher) -> None:
    corpus.workspace(tmp_path, mb=0.05, seed=11)
    texts = entry_texts(tmp_path)
    assert len(texts) > 400
    before = fast.spacy_texts
    assert_same(fast, reference, texts)
    assert fast.spacy_texts - before < len(set(texts)) / 3   # the point: spaCy sees a minority of the entries


TRICKY = [
    "deploy failed", "Deploy FAILED", "deploy\u00a0failed", "deploy  failed", "deploy\n failed", "deploy-failed",
    "**deploy failed**", "_deploy_ failed", "redeployfailed", "The build cannot start", "we can't connect",
    "it doesn't work", "dont work", "gonna fail", "ΣΦΑΛΜΑ: deploy failed", "İstanbul deploy failed",
    "\u212aey error", "HTTP 500", "HTTP/1.1 500", "status:500", "status=503", "500s from the API", "5xx errors",
    "GET /api 503", "returned 502", "Error: ENOENT", "KeyError: 'x'", "No module named 'pandas'", "disk full",
    "exit code 1", "exited with code 137", "Traceback (most recent call last):", "npm ERR! code 1",
    "caf\udce9 deploy failed", "deploy f\u0301ailed", "DEBUG bug in the parser", "the debugger crashed",
    "E: Unable to locate package", "ERR_PNPM_FETCH_404", "permission denied", "Permission Denied!",
    "the relay is **dead** now", "**Issue**: the relay", "the API  is   down", "Vercel returns `X` error",
    "  ** deploy  **  failed  ", "a *  b", "__x__  __y__ crashed",
]


def test_tricky_texts(fast: engine.FastMatcher, reference: SpacyMatcher) -> None:
    assert_same(fast, reference, TRICKY)


def _words() -> list[str]:
    """Every literal the rules name, and some glue."""
    out = {"fail", "the", "a", "can", "not", "n't", "do", "500", "HTTP", "Error", ":", "-", "(", ")", "'"}
    for r in RULES:
        out.update(w for p in r.phrases for w in p.split())
        for pat in r.patterns:
            for tok in pat:
                for attr in ("LOWER", "TEXT", "ORTH"):
                    v = tok.get(attr)
                    if isinstance(v, str):
                        out.add(v)
                    elif isinstance(v, dict) and isinstance(v.get("IN"), list):
                        out.update(str(x) for x in v["IN"])
    return sorted(out)


WORDS = _words()
GLUE = ["", " ", " ", " ", "  ", "\n", "\u00a0", "-", ".", ",", "**", "_", "'", "/", "x", "E", "Σ", "K"]


@settings(max_examples=150, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(GLUE), st.booleans()), min_size=1, max_size=9))
def test_generated_texts(parts: list[tuple[str, str, bool]]) -> None:
    fast, reference = _pair()
    text = "".join((w.upper() if up else w) + g for w, g, up in parts)
    assert hits(fast, text) == hits(reference, text), text


_PAIR: list[Any] = []


def _pair() -> tuple[engine.FastMatcher, SpacyMatcher]:
    if not _PAIR:
        _PAIR.extend([engine.FastMatcher(RULES), SpacyMatcher(RULES)])
    return _PAIR[0], _PAIR[1]


def test_glued_pieces_are_those_of_the_installed_spacy() -> None:
    """The frozen list equals what spaCy's tokenizer special cases give (another spaCy
    version is asked directly: engine.glued_pieces)."""
    assert engine.glued_pieces("another version") == engine.glued_pieces(engine.GLUED_FOR_SPACY)


def test_the_plan_is_data_that_round_trips() -> None:
    plan = engine.derive(RULES)
    assert engine.plan_from_json(engine.plan_to_json(plan)) == plan
    assert [u.rule for u in plan.units] == [r.id for r in RULES for _ in (*r.patterns, *r.phrases)]


def test_match_keeps_spacys_choice_of_overlapping_spans(fast: engine.FastMatcher,
                                                          reference: SpacyMatcher) -> None:
    rng = random.Random(3)
    texts = [t for r in RULES for t in r.match_examples]
    for t in rng.sample(texts, 120):
        assert fast.match(t) == reference.match(t), t


def _units_by_definition(plan: engine.Plan, text: str, compiled: dict[str, Any]) -> list[int]:
    """The units whose every condition has an atom found by its own regex, and whose
    sequence matches (all of them on an UNSAFE_CASE text)."""
    import re2

    if engine.UNSAFE_CASE.search(text):
        return list(range(len(plan.units)))
    subjects = {engine.TEXT: text.encode(), engine.LOWER: text.lower().encode()}

    def found(pattern: str, subject: bytes) -> bool:
        if pattern not in compiled:
            compiled[pattern] = re2.compile(pattern)
        return compiled[pattern].search(subject) is not None

    return [u for u, unit in enumerate(plan.units)
            if all(any(found(engine._atom_regex(plan.atoms[a]), subjects[plan.atoms[a].space]) for a in c)
                   for c in unit.conditions)
            and (not unit.sequence or found(unit.sequence, subjects[unit.space]))]


def test_prefilter_units_do_not_depend_on_the_order_of_conditions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Prefilter tries each unit's conditions in an order learned from the texts seen: here
    re-learned every few texts, then in random orders; the units stay those of the
    definition."""
    from brokenlang import spans

    monkeypatch.setattr(engine, "SAMPLE_EVERY", 1)
    monkeypatch.setattr(engine, "FIRST_ORDERING", 1)
    monkeypatch.setattr(engine, "LAST_ORDERING", 3)
    rng = random.Random(5)
    examples = [t for r in RULES for t in (*r.match_examples, *r.no_match_examples)]
    texts = [spans.plain(t) for t in [*rng.sample(examples, 200), *TRICKY, "ΣΑΣ failed", "can’t connect 🚫"]]
    texts += [t.upper() for t in texts[:100]] + [t.title() for t in texts[100:200]] + [t + " é" for t in texts[:50]]
    plan = engine.derive(RULES)
    prefilter = engine.Prefilter(plan)
    compiled: dict[str, Any] = {}
    want = [_units_by_definition(plan, t, compiled) for t in texts]
    assert [prefilter.units(t) for t in texts] == want
    assert any(want) and not all(want)
    for _ in range(3):
        prefilter._first, prefilter._by_first, prefilter._rest = prefilter._indexed(
            [rng.sample(c, len(c)) for c in prefilter._guessed])
        assert [prefilter.units(t) for t in texts] == want


CASE_BLIND = [
    ("(?:^|[^A-Za-z])could", True), ("n\\'t(?:[^A-Za-z]|$)", True), ("error\\[e\\d{4}", True), ("x[^a-z]", True),
    ("[]a-z]", True), ("[^]a]", True), ("[aA]", True), ("[\\--z]", True), ("\\bfoo\\B", True), ("✗", True), ("é", True),
    ("[A-Z]", False), ("foo[^A-Z]", False), ("[0-Z]", False), ("[@-\\[]", False), ("A", False), ("a(?i)b", False),
    ("(?-i:a)", False), ("(?P<x>a)", False), ("\\x41", False), ("\\pL", False), ("[[:upper:]]", False),
    ("ſ", False), ("[a-ſ]", False), ("\u212a", False), ("ﬁ", False),
]


@pytest.mark.parametrize(("pattern", "blind"), CASE_BLIND)
def test_case_blind(pattern: str, blind: bool) -> None:
    assert engine._case_blind(pattern) is blind


def test_case_blind_atoms_find_what_they_find_in_the_lowercase() -> None:
    """On an ASCII text, `(?i:atom)` of every case-blind LOWER atom of the packs (and of
    CASE_BLIND) finds what the atom finds in the lowercased text: here on the examples in
    several cases."""
    import re2

    plan = engine.derive(RULES)
    examples = [t for r in RULES for t in (*r.match_examples, *r.no_match_examples) if t.isascii()]
    texts = [t for e in [*examples, "xa xA foo] b-z é"] for t in (e, e.upper(), e.title(), e.swapcase())]
    atoms = [engine._atom_regex(a) for a in plan.atoms if a.space == engine.LOWER and a.kind == "re"]
    atoms += [p for p, blind in CASE_BLIND if blind and p.isascii()]
    blind = [a for a in atoms if engine._case_blind(a)]
    assert len(blind) > len(atoms) // 2
    for atom in blind:
        rx, folded = re2.compile(atom), re2.compile(f"(?i:{atom})")
        differ = [t for t in texts if (rx.search(t.lower()) is None) != (folded.search(t) is None)]
        assert differ == [], (atom, differ[:3])


def test_lowercasing_keeps_runs_of_ascii_letters() -> None:
    """Prefilter looks for LOWER words among the letter runs of the lowercased text: that
    holds because, but for UNSAFE_CASE, `str.lower` maps every character to one character
    that is an ASCII letter exactly when the character is."""
    odd = []
    for cp in range(0x110000):
        c = chr(cp)
        if 0xD800 <= cp < 0xE000 or engine.UNSAFE_CASE.match(c):
            continue
        low = c.lower()
        if len(low) != 1 or bool(engine.ASCII_LETTER.fullmatch(low)) != bool(engine.ASCII_LETTER.fullmatch(c)):
            odd.append(c)
    assert odd == []


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.text())
def test_word_bytes_give_the_letter_runs_lowercased(text: str) -> None:
    runs = text.encode().translate(engine.WORD_BYTES).split()
    assert [r.decode() for r in runs] == [w.lower() for w in engine.LETTER_RUN.findall(text)]


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.lists(st.sampled_from(["*", "_", "**", " ", "a", "B", "\n", "é", "\udce9", ":", "x_y"])).map("".join))
def test_plain_skips_only_regexes_that_cannot_match(text: str) -> None:
    from brokenlang import spans

    full = spans.SURROGATES.sub("\ufffd", spans.EMPHASIS.sub(lambda m: " " * len(m.group(0)), text))
    assert spans.plain(text) == full


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.lists(st.sampled_from(["*", "_", "**", " ", "  ", "a", "B", "\n", "\r\n", "\t", "é", ":", "`"])).map("".join))
def test_seen_shortens_runs_of_spaces_and_maps_back(text: str) -> None:
    from brokenlang import spans

    view = spans.seen(text)
    assert view.text == re.sub(" {2,}", " ", re.sub(r"[\n\r\t]", " ", spans.plain(text)))
    # every character of the seen text but a space of a run is the text's at the offset given back
    for m in re.finditer(r"[^ ]+", view.text):
        ((_, a, b),) = view.back([("r", m.start(), m.end())])
        assert spans.plain(text)[a:b] == m.group(0)


def test_words_on_each_side_of_a_line_break_are_neighbours(fast: engine.FastMatcher, reference: SpacyMatcher) -> None:
    """A paragraph wrapped over lines ('is\nunreliable') reads as one sentence, with the
    span given back in the text's offsets."""
    text = "The cron announce feature is\n    unreliable since Monday"
    want = [("service.unstable", "is\n    unreliable")]
    assert [(r, text[s:e]) for r, s, e in fast.match(text)] == want
    assert [(r, text[s:e]) for r, s, e in reference.match(text)] == want


def test_words_on_each_side_of_blanked_markup_are_neighbours(fast: engine.FastMatcher) -> None:
    text = "- the relay is **dead** since 9"
    assert [(r, text[s:e]) for r, s, e in fast.match(text)] == [("service.not_running", "is **dead** since")]


def test_combined_unit_matchers_give_the_same_hits(monkeypatch: pytest.MonkeyPatch, reference: SpacyMatcher) -> None:
    """A set of units asked for often is matched by one combined spaCy Matcher
    (matcher.UnitMatcher._matchers): here every set, from its first use."""
    from brokenlang import matcher

    monkeypatch.setattr(matcher, "COMBINE_AFTER", 1)
    fast = engine.FastMatcher(RULES)
    texts = [t for r in RULES for t in (*r.match_examples, *r.no_match_examples)] + TRICKY
    assert_same(fast, reference, texts)
    assert any(len(ms) < len(key) for key, ms in fast.spacy()._combined.items())



@pytest.mark.parametrize("first_flag", [19, 62])
def test_regex_flags_give_the_same_hits(monkeypatch: pytest.MonkeyPatch, reference: SpacyMatcher,
                                        first_flag: int) -> None:
    """REGEX predicates are lexeme flags of the unit matchers' vocab while free bits last
    (matcher.UnitMatcher._flag), extension attributes after: the same hits either way."""
    from brokenlang import matcher

    monkeypatch.setattr(matcher, "FIRST_USER_FLAG", first_flag)
    monkeypatch.setattr(matcher, "COMBINE_AFTER", 1)
    fast = engine.FastMatcher(RULES)
    texts = [t for r in RULES for t in (*r.match_examples, *r.no_match_examples)] + TRICKY
    assert_same(fast, reference, texts)
    fast.spacy().validate()   # every unit built
    regexes = {(a == "LOWER", v["REGEX"]) for r in RULES for p in r.patterns for t in p for a, v in t.items()
               if isinstance(v, dict) and "REGEX" in v}
    flags = fast.spacy()._flags
    assert len(flags) == min(len(regexes), 64 - first_flag)
    assert all(first_flag <= b < 64 for b in flags.values())


PIECES = ["can't", "don't", "cannot", "Can't", "CAN'T", "won't.", "(can't)", "\"don't\"", "it's", "y'all",
          "o'clock", "e.g.", "U.S.", "i.e.,", "etc.", "Mr.", "a.m.", "n't", "'s", "''", "``", "'quoted'",
          "\u201ccurly\u201d", "https://example.com/a?b=c", "(http://x.io/z).", "www.foo.org", "foo@bar.com",
          "/path/to/file.py:12", "\U0001f600", "\U0001f642\U0001f44d", ":)", ":-(", "<3", "caf\u00e9",
          "\u03a3\u03af\u03c3\u03c5\u03c6\u03bf\u03c2", "\u65e5\u672c", "\u200b", "...", "!!!", "?!", "--", "\u2014",
          "(", ")", "[ERROR]", "fail", "failed:", "500", "3.14", "10km", "$5", "C++", "E:", "x", "-", "\ufffd"]
SEPARATORS = [" ", " ", " ", "  ", "   ", "\t", "\n", "\n\n", " \n", "\n ", " \t ", "\r\n", "\u00a0", "\u2003", ""]


def _texts(n: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    out = ["", " ", "\n", "  ", " x", "x ", "\n\nx\n", "can't \n don't", "e.g.  U.S.\tcannot", "\u00a0can't\u00a0"]
    for _ in range(n):
        parts = [rnd.choice(SEPARATORS) if rnd.random() < 0.3 else ""]
        for _ in range(rnd.randint(1, 14)):
            parts += [rnd.choice(PIECES), rnd.choice(SEPARATORS)]
        out.append("".join(parts))
    return out


@pytest.mark.parametrize("cached_words", [50_000, 50])
def test_tokenizing_gives_spacys_doc(monkeypatch: pytest.MonkeyPatch, cached_words: int) -> None:
    """UnitMatcher._tokenize (which has the tokenizer cache words first) gives, token for
    token, the Doc of a tokenizer that caches nothing, on texts repeating words in every
    context (twice over: the second time from the cache)."""
    import spacy

    from brokenlang import matcher

    monkeypatch.setattr(matcher, "CACHED_WORDS", cached_words)
    unit = matcher.UnitMatcher(RULES)
    uncached = spacy.blank("en")
    uncached.tokenizer.max_cache_size = 0

    def tokens(doc: Any) -> list[tuple[str, int, str, int, str, str]]:
        return [(t.text, t.idx, t.whitespace_, t.orth, t.norm_, t.lower_) for t in doc]

    for text in _texts(3_000, 7) * 2:
        assert tokens(unit._tokenize(text)) == tokens(uncached.make_doc(text)), repr(text)
    words = len(unit._warmed)   # warming stops at the cap
    assert 50 <= words < 50 + 15 if cached_words == 50 else words > 50


def test_blank_english_is_spacy_blank() -> None:
    """matcher.BlankEnglish (the default engine's pipeline) has the tokenizer and the
    lexeme attributes of spacy.blank("en") (the reference's)."""
    import spacy

    from brokenlang.matcher import BlankEnglish

    ours, theirs = BlankEnglish(), spacy.blank("en")
    assert ours.tokenizer.to_bytes() == theirs.tokenizer.to_bytes()
    assert sorted(ours.vocab.lex_attr_getters) == sorted(theirs.vocab.lex_attr_getters)

    def lexemes(nlp: Any) -> list[tuple[object, ...]]:
        return [(t.text, t.lower_, t.norm_, t.shape_, t.prefix_, t.suffix_, t.is_stop, t.like_num, t.like_url,
                 t.is_alpha, t.is_punct, t.lang_) for text in _texts(500, 11) for t in nlp.make_doc(text)]

    assert lexemes(ours) == lexemes(theirs)


def test_a_text_longer_than_spacy_takes(fast: engine.FastMatcher, reference: SpacyMatcher) -> None:
    """spaCy refuses a text over 1,000,000 characters: both engines match a longer entry
    in overlapping windows, with the same hits, the one across a window's end included."""
    from brokenlang.matcher import WINDOW

    filler = "the nightly job ran "
    text = "deployment failed. " + filler * (WINDOW // len(filler) - 1) + "the build is broken " \
        + filler * (1_050_000 // len(filler)) + "HTTP 500 on login"
    got = hits(reference, text)
    assert got == hits(fast, text)
    assert {text[s:e].lower() for _, s, e in got} >= {"deployment failed", "build is broken", "http 500"}


# -- whole scans ---------------------------------------------------------------------------

@pytest.fixture
def one_of_each(monkeypatch: pytest.MonkeyPatch, reference: SpacyMatcher, fast: engine.FastMatcher) -> None:
    """The scans share one matcher per engine (building them is the slow part)."""
    real = run.load_matcher

    def load(cfg: Any, extra: Any = (), engine: str = "fast", cache: bool = True) -> Any:
        if extra or cfg.packs:
            return real(cfg, extra, engine, cache)
        return reference if engine == "spacy" else fast

    monkeypatch.setattr(run, "load_matcher", load)


def workspaces() -> list[tuple[Path, str | None]]:
    out: list[tuple[Path, str | None]] = [(REPO / "samples", None)]
    if SHARED.is_dir():
        out += [(d, str(d / "ledger.yaml")) for d in sorted(SHARED.iterdir()) if (d / "ledger.yaml").is_file()]
    return out


@pytest.mark.usefixtures("one_of_each")
def test_spacys_string_store_is_bounded(monkeypatch: pytest.MonkeyPatch, reference: SpacyMatcher) -> None:
    monkeypatch.setattr(engine, "VOCAB_CHECK_EVERY", 5)
    monkeypatch.setattr(engine, "VOCAB_MAX_STRINGS", 1_500)
    m = engine.FastMatcher(RULES, validated=True)
    texts = [f"ERROR job-{i} failed: upstream id{i * 7919} x{i}y unavailable (HTTP 500)" for i in range(600)]
    matchers: list[Any] = []   # kept alive: each is told apart by identity
    sizes = []
    for t in texts:
        assert hits(m, t) == hits(reference, t)
        if not any(x is m._spacy for x in matchers):
            matchers.append(m._spacy)
        sizes.append(len(m._spacy.nlp.vocab.strings))
    assert len(matchers) > 2 and max(sizes) < 1_500 + 5 * 12   # never more than a check's worth over


def test_scans_give_the_same_findings_with_either_engine(tmp_path: Path) -> None:
    corpus.workspace(tmp_path / "generated", mb=0.03, seed=5)
    for folder, ledger in [*workspaces(), (tmp_path / "generated", None)]:
        found = {}
        for name in ("fast", "spacy"):
            r = run.scan([str(folder)], ScanOptions(ledger=ledger, git_dates=False, engine=name, cache=False))
            found[name] = (r.findings, r.ignored, r.entries)
        assert found["fast"] == found["spacy"], folder


@pytest.mark.parametrize("pattern", [r"ab+c", r"^", r"(?:^|[^A-Za-z])fail(?:[^A-Za-z]|$)", r"x*", r"é"])
def test_searcher_agrees_with_search(pattern: str) -> None:
    import re2

    from brokenlang.saferegex import compiled, searcher

    found = searcher(compiled(pattern))
    for subject in ("", "abbbc", "ac", "a fail", "failed", "xx", "café", "é!"):
        encoded = subject.encode()
        assert found(encoded) == (re2.compile(pattern).search(encoded) is not None), (pattern, subject)


# -- answers remembered from an earlier run ------------------------------------------------

def test_remembered_answers_are_spacys_and_spare_it(fast: engine.FastMatcher) -> None:
    texts = [t for r in RULES[:40] for t in (*r.match_examples[:2], *r.no_match_examples[:1])]
    texts += ["- 08:00 coffee", "wrote the weekly notes"]
    first = engine.FastMatcher(RULES)
    recording = first.remembering(None)
    answers = {t: first.match(t) for t in texts}
    recorded = recording.done()
    asked = {text for text, _ in recorded}
    assert asked and "- 08:00 coffee" not in asked          # only what reached spaCy
    assert all(answers[text] == [tuple(s) for s in spans] for text, spans in recorded)
    second = engine.FastMatcher(RULES, first.plan)
    again = second.remembering(recorded)
    assert {t: second.match(t) for t in texts} == answers == {t: fast.match(t) for t in texts}
    assert second.spacy_texts == 0 and second._spacy is None
    assert again.done() == recorded   # a memo hit is recorded too, as it was answered
    third = engine.FastMatcher(RULES, first.plan)
    assert third.remembering(recorded[:1]).done() == []   # only what was asked is recorded


@pytest.mark.parametrize("known", [
    None, {}, "x", [["text"]], [["text", [["agent.failed", 0, 3]], "more"]], [[1, []]],
    [["deploy failed", [["no.such_rule", 0, 6]]]],
    [["deploy failed", [["deploy.deploy_failed", 0, 99]]]],
    [["deploy failed", [["deploy.deploy_failed", 3, 3]]]],
    [["deploy failed", [["deploy.deploy_failed", 0.0, 6]]]],
    [["deploy failed", [["deploy.deploy_failed", True, 6]]]],
    [["fine", []], ["deploy failed", [["deploy.deploy_failed", 0]]]],
])
def test_malformed_answers_are_not_taken(known: Any) -> None:
    m = engine.FastMatcher(RULES)
    m.remembering(known)
    assert m._known == {}
    assert m.match("the deploy failed") == SpacyMatcher(RULES).match("the deploy failed") != []
    assert m.spacy_texts == 1
