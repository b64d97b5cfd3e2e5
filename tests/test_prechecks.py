"""The shortcuts of the per-entry analysis give what the regexes they stand in for give:
a pre-check never rejects a text its regex matches, and a regex-free path finds the same."""
import re
from itertools import chain
from typing import ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brokenlang import context, dating, findings, saferegex, subject
from brokenlang.models import Entry, Hit

# pieces that the patterns look for, and characters at their edges (spaces other than ' ',
# digits, markup, non-ASCII letters that fold to ASCII ones)
PIECES = [
    "fixed", "Fixed", "FIX", "fix:", "fixes", "no longer", "not", "no", "never", "if", "when", "once", "0", "zero",
    "none", "n/a", "retry on", "retries for", "said \"", "says “", "->", "→", "=", "= ", "to $5", "by 40",
    "is fine", "not an issue", "harmless", "until it is fixed", "fix needed", "✅ done", "✅", "works now",
    "Solution:", "**Fix**:", "workaround :", "Remedy", "resolution", "1. solution:", "> fix:", "ſolution:",
    "09:10", "9:05:01", "12:30 pm", "2024-03-05", "2024-03-05 10:11:12Z", "2024/03/05", "5 Mar 2024",
    "[...]", "[... 3 lines]", "deploy", "failed", "a_b", "x.y/z", "re-enabled", "ok", "K", "İ", "ı", "é",
    " ", "  ", "\t", "\n", "\r\n", "\r", "\v", "\x1c", "\x85", "\u3000", "\u00a0", "-", "*", "**", "_", "~~",
    "`", "[", "]", "(", ")", ">", "#", "+", "•", ".", ":", ";", "|", "٣", "１", "'", "’", "%",
    "posting", "Syncs", "again", "normally", "as expected", "OOM gone", "401s", "are gone", "no more",
    "JSONDecodeError", "cleanly", "fine now", "ſyncing",
    "make sure", "but it fails", "?", "todo:", "todo\v:", "pass rate", "errors came back", "is no longer",
    "wrapper no longer exists", "healthy x", "available again", "workaround**:", "partially", "don't",
]
texts = st.lists(st.sampled_from(PIECES), max_size=14).map("".join) | st.text(max_size=40)
HYPO = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _regex_words(text: str) -> tuple[str, ...]:
    """subject._words as the regex finds them."""
    low = text.lower()
    raws = (subject.WORD_TWIN if low.isascii() else subject.WORD).findall(low)
    return tuple(chain.from_iterable(subject._word(r) for r in raws))


@pytest.mark.parametrize("text", [
    "Deploy of daily-git-backup failed", "--flag_x.y+ z", "_a_", "x.y", "2024-03-05 cron", "a", "...", "",
    "**Gateway** `down` ~~now~~ ok", "API_KEY missing", "V2/API  +foo+", "K8s pod", "café deploy"])
def test_subject_words_without_the_regex(text):
    check_words(text)


def check_words(text: str) -> None:
    assert subject._words(text) == _regex_words(text)
    assert subject.plain_words(text) == _regex_words(re.sub(r"[`*_~]+", " ", text))
    assert subject.plain_word_set(text) == frozenset(_regex_words(re.sub(r"[`*_~]+", " ", text)))


@HYPO
@given(texts)
def test_subject_words_without_the_regex_property(text):
    check_words(text)


def _all_trigger_matches(text: str) -> list[context.TriggerMatch]:
    """_find_trigger_matches with every trigger run."""
    folded = text.isascii()
    subject_text = text.lower() if folded else text
    found = [(t, m) for t, twin in zip(context.TRIGGERS, context.TWINS, strict=True)
             for m in (twin if folded else t.pattern).finditer(subject_text)]
    pseudo = [m.span() for t, m in found if t.category == "pseudo"]
    return [(t, *m.span(), m.group(0)) for t, m in found
            if t.category != "pseudo" and not any(ps <= m.start() < pe or ps < m.end() <= pe for ps, pe in pseudo)]


@HYPO
@given(texts)
def test_trigger_set_never_rules_out_a_matching_trigger(text):
    check_trigger_set(text)


@pytest.mark.parametrize("text", [
    "a\x1c0\x1cerrors", "x\v0\vfailures", "step\x1fzero\x1dfailed", "(0\x1e x", "a\vno\tb", "==\x0b->",
    "if\x1cthe deploy fails", "said\v\"x\"", "not an\x1cissue", "\x1d=\x1cx"])
def test_trigger_set_with_other_spaces(text):
    check_trigger_set(text)


def check_trigger_set(text: str) -> None:
    if not text.isascii():
        return
    low = text.lower()
    can = set(context._TRIGGER_SET(low.encode().translate(context._SPACES)) or ())
    for i, twin in enumerate(context.TWINS):
        if twin.search(low):
            assert i in can, (context.TRIGGERS[i], text)
    assert context._find_trigger_matches(text) == _all_trigger_matches(text)


@pytest.mark.parametrize("text", [
    "deploy failed if no retry on timeout", "0 errors", "fixed\vnot", "not\x1cfixed", "x -> crash",
    "  = crash", "said \"it failed\"", "  to $120", "none", "nothing but errors, not fixed yet", "é failed"])
def test_trigger_matches_with_the_set(text):
    assert context._find_trigger_matches(text) == _all_trigger_matches(text)


@HYPO
@given(texts)
def test_resolution_cue_set_is_the_regex(text):
    low = text.lower()
    if low.isascii():
        assert bool(context._resolution_cue(low.encode())) == bool(context.RESOLUTION_CUE_TWIN.search(low))
    expected = bool(context.RESOLUTION_CUE.search(text)) and not context.PSEUDO.search(text) \
        and not context.NOT_A_REPORT.search(text)
    assert context.resolution_statement_text(text) == expected


# Python regexes with what RE2 lacks (lookarounds) or reads otherwise (\\s), and the ASCII
# texts that tell them apart
SUPERSET_PATTERNS = [r"a(?=b)", r"(?<!x)fix(?!ed)", r"\bno\s+longer(?= (?:works|there))", r"[\s]x", r"[^\s]x",
                     r"^[\s#>*]*ok (?!now\b)[a-z]", r"todo\s*:", r"(?:a|(?=b)b)+c", r"[]s]x", r"\\s"]
ASCII_TEXTS = st.text(alphabet=st.sampled_from("abcdefixnotworkslgr \t\v\x1c\x1f\n:#>*]\\"), max_size=30)


@HYPO
@given(ASCII_TEXTS, st.sampled_from(SUPERSET_PATTERNS))
def test_ascii_superset_finds_whatever_the_regex_finds(text, pattern):
    superset = saferegex.compiled(saferegex.ascii_superset(pattern))
    if re.search(pattern, text):
        assert superset.search(text) is not None


@pytest.mark.parametrize(("pattern", "expected"), [
    (r"a(?=b)c", "ac"), (r"(?<!x)fix(?!ed)", "fix"), (r"x\sy", r"x[\s\x0b\x1c-\x1f]y"),
    (r"[a\s]", r"[a\s\x0b\x1c-\x1f]"), (r"[^a\s]", r"[^a\s]"), (r"[(?=]x", r"[(?=]x"), (r"\(?=a", r"\(?=a"),
    (r"a(?=[)])b", "ab")])
def test_ascii_superset_table(pattern, expected):
    assert saferegex.ascii_superset(pattern) == expected


@pytest.mark.parametrize("pattern", [r"a$", r"a\Z", r"a(?=b)?", r"a(?=b"])
def test_ascii_superset_refuses_what_it_cannot_carry_over(pattern):
    with pytest.raises(ValueError):
        saferegex.ascii_superset(pattern)


@HYPO
@given(texts)
def test_doing_cue_words_by_re2_are_the_regex(text):
    words = subject.plain_word_set(text)
    expected = subject.plain_word_set(context.DOING_CUE.sub(" ", text)) if context.DOING_CUE.search(text) else words
    assert context.without_doing_cue(text, words) == expected


@HYPO
@given(texts)
def test_solution_field_precheck(text):
    assert findings._solution_field(text) == bool(findings.SOLUTION_FIELD.match(text)
                                                  and not context.NO_FIX_FIELD.match(text))


@HYPO
@given(texts)
def test_omitted_precheck(text):
    assert findings._omitted(text) == bool(findings.OMITTED.match(text.strip()))


@HYPO
@given(texts, st.integers(0, 60))
def test_line_count_without_the_regex(text, pos):
    e = Entry("a.md", "item", 3, 3, text, 0, "", 0, text)
    assert findings._line_at(e, pos) == 3 + len(re.findall(r"\r\n|\r|\n", text[:pos]))


@pytest.mark.parametrize(("text", "ok"), [
    ("Solution: restart", True), ("  **Fix**: x", True), ("1. remedy : y", True), ("Fixed: z", False),
    ("Workaround: y", False), ("**Fix/workaround:** y", False),
    ("Note: fix later", False), ("ſolution: z", True), ("\u3000Fix: x", True), ("fix it", False),
    ("- **Fix:** None yet", False), ("Solution: N/A", False), ("Solution: nonetheless a restart", True)])
def test_solution_field_table(text, ok):
    assert findings._solution_field(text) is ok is bool(findings.SOLUTION_FIELD.match(text)
                                                        and not context.NO_FIX_FIELD.match(text))


@pytest.mark.parametrize(("text", "hms"), [
    ("- 09:10 deploy failed", (9, 10, 0)), ("## 05:44 UTC — gateway", (5, 44, 0)), ("**[12:30 pm]** x", (12, 30, 0)),
    ("Note: 09:10", None), ("\u300009:10 x", (9, 10, 0)), ("- ١٢:30 x", (12, 30, 0)), ("  12:61", None)])
def test_lead_time_table(text, hms):
    assert dating.lead_time(text) == hms


def test_classify_unchanged_by_the_set():
    text = "- when the deploy fails, retry on timeout"
    e = Entry("a.md", "item", 1, 1, text, 0, "", 0, text)
    start = text.index("fails")
    assert context.classify(e, Hit("x", start, start + 5, "fails")).status == "ignored"


def check_clauses(text: str) -> None:
    spans, pos = [], 0
    for m in context.SENTENCE.finditer(text):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(text)))
    assert context.clauses(text) == [(a, b) for a, b in spans if b > a]


@HYPO
@given(texts)
def test_clauses_of_ascii_text_by_the_twin(text):
    check_clauses(text)


@pytest.mark.parametrize("text", ["Done. Next step", "ok.  `x` failed", "a; b", "x BUT y", "v1.2 is out. (see)",
                                  "Fine!  'quoted'", "no. 5 left", "x.\tZ", "x. ſ", "x. K", "a.\x1cB", "a?\vb",
                                  "a!\x1f\x1d(b", "but", "nothing however", "", "attribute", "v1.2"])
def test_clauses_table(text):
    check_clauses(text)
    low = text.lower()
    if text.isascii() and context.SENTENCE_TWIN.search(low):
        assert context._CLAUSE_BREAK(low.encode().translate(context._SPACES))


@HYPO
@given(texts)
def test_strong_cue_set_is_the_regex(text):
    e = Entry("a.md", "item", 1, 1, text, 0, "", 0, text)
    assert context.strong_resolution(e) == bool(context.STRONG_CUE.search(text))


@pytest.mark.parametrize("name", ["_TRIGGER_SET", "_CLAUSE_BREAK", "_STRONG_CUE_SET", "_STATEMENT_SET"])
def test_without_re2_sets_the_regexes_decide(monkeypatch, name):
    monkeypatch.setattr(context, name, None)
    for text in ["deploy fixed. Then 0 errors; if it fails, retry on timeout", "x\v0\vfailed", "works now"]:
        check_clauses(text)
        assert context._find_trigger_matches(text) == _all_trigger_matches(text)
        e = Entry("a.md", "item", 1, 1, text, 0, "", 0, text)
        assert context.strong_resolution(e) == bool(context.STRONG_CUE.search(text))
        assert context.resolution_statement_text(text) == (
            bool(context.RESOLUTION_CUE.search(text)) and not context.PSEUDO.search(text)
            and not context.NOT_A_REPORT.search(text))
    assert saferegex.pattern_set(["(?<=a)b"], b"ab") is None   # RE2 refuses lookbehind


class _NoHits:
    rules: ClassVar[dict] = {}

    def match(self, text):
        return []


def _statements_one_by_one(sf):
    """analyse_file's statements for a file without hits, every question asked in full."""
    out = []
    scope = findings._Scope()
    es = findings.entries.split(sf.path, sf.text)
    at = dating.file_order(es) or [e.start_line for e in es]
    for e, d, p in zip(es, dating.date_entries(sf.path, es, sf.mtime, None), at, strict=True):
        if e.kind == "front_matter" or findings._omitted(e.text):
            continue
        if e.kind == "heading":
            scope.enter(e)
        findings._statements(sf, e, d, p, [], scope, out, subject.plain_word_set(e.text))
        if e.kind == "heading":
            scope.heading_done(e, [])
        elif e.kind != "item":
            scope.lead(context.lead_in(e))
    return tuple(out)


LINES = ["# Notes", "## Deploy fixed", "## Fix not yet done", "### Gateway works now ✅", "## Later",
         "- cron job ok", "- cron job ran", "Solution: restart it", "**Fix**: pin the version",
         "**Remaining:**", "Workaround: pin it",
         "plain paragraph", "Works again after the patch", "not fixed until Monday", "[...]", "", "---"]


@HYPO
@given(st.lists(st.sampled_from(LINES) | texts, max_size=12))
def test_entries_without_hits_ask_each_question_once(lines):
    from brokenlang.models import SourceFile
    text = "\n".join(lines)
    sf = SourceFile("notes/2024-03-05.md", "/x/notes/2024-03-05.md", text, 1.7e9, len(text))
    fa = findings.analyse_file(sf, _NoHits())
    assert fa.statements == _statements_one_by_one(sf)
