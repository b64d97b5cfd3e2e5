"""resolution.resolve_by_text finds the latest related statements through a word index;
these tests hold it to the plain definition (every statement compared with every other)
on generated timelines: same answers, statement for statement."""
import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from brokenlang import resolution
from brokenlang.resolution import Statement, Subjects, _incident_sections, _problem_solution, later

WORDS = ["deploy", "cron", "backup", "gmail", "digest", "api", "token", "gateway", "500", "s3"]
DAY0 = dt.datetime(2026, 2, 1, tzinfo=dt.timezone.utc)


def plain_definition(statements, subjects):
    """The definition, quadratic: for each failure, the related statements after it; stale
    when the latest of them (those followed by none of the others) all report a fix."""
    out = {}
    for f in statements:
        if f.resolves:
            continue
        related = [s for s in statements if s.key != f.key and not s.solution and later(f, s) and
                   (resolution._resolves(f, s, subjects) if s.resolves else resolution._related(f, s, subjects))]
        if not related:
            continue
        latest = [s for s in related if not any(later(s, t) for t in related)]
        if latest and all(s.resolves for s in latest):
            out[f.key] = max(latest, key=lambda s: (s.when, s.order[1]))
    _incident_sections(statements, out)
    _problem_solution(statements, out)
    return out


words = st.frozensets(st.sampled_from(WORDS), max_size=4)
statement = st.tuples(
    st.sampled_from(["memory/a.md", "memory/b.md", "app.log"]),   # path
    st.integers(1, 40),                                            # line
    st.integers(0, 6 * 24),                                        # hours after DAY0 (strong: exact time)
    st.booleans(),                                                 # strong
    st.booleans(),                                                 # resolves
    words, words,                                                  # own, context
    st.lists(words, max_size=2),                                   # focus groups
    st.integers(0, 3), st.booleans(), st.booleans(),               # section, heading, fix_section
    st.integers(0, 12).map(lambda n: n == 0),                      # solution (rare)
    st.booleans(),                                                 # weak
    words,                                                         # near (where a fix is told)
)


def build(raw):
    out = []
    for k, (path, line, hours, strong, resolves, own, ctx, focus, section, heading, fix, solution, weak, *near) in \
            enumerate(raw):
        when = DAY0 + dt.timedelta(hours=hours) if strong else DAY0 + dt.timedelta(days=hours // 24)
        # b.md is kept newest first: its blocks of ten lines were written from the bottom up
        at = (4 - line // 10) * 100 + line if path == "memory/b.md" else line
        out.append(Statement(k, path, line, (path, at), when, strong, resolves, own, ctx,
                             tuple(focus) if not resolves else (), section * 10, heading, fix,
                             solution and resolves, weak and resolves,
                             near=near[0] & own if near and resolves else frozenset()))
    return out


@settings(max_examples=400, deadline=None)
@given(raw=st.lists(statement, min_size=2, max_size=30),
       docs=st.lists(words, min_size=2, max_size=60))
def test_the_index_gives_the_plain_definition(raw, docs):
    statements = build(raw)
    subjects = Subjects(docs)
    got = resolution.resolve_by_text(statements, subjects)
    want = plain_definition(statements, subjects)
    assert {k: v.key for k, v in got.items()} == {k: v.key for k, v in want.items()}


def test_a_line_further_down_the_same_day_is_later_whatever_its_time():
    """The fix on line 2 is timed before the failure on line 1 but written after it: it is
    the latest statement, though not the newest."""
    raw = [("memory/a.md", 1, 0, False, False, frozenset({"deploy"}), frozenset(), [], 0, False, False, False, False),
           ("memory/a.md", 1, 121, True, False, frozenset(), frozenset({"deploy"}), [], 0, False, False, False, False),
           ("memory/a.md", 2, 120, True, True, frozenset(), frozenset({"deploy"}), [], 0, False, False, False, False)]
    statements = build(raw)
    subjects = Subjects([frozenset(), frozenset()])
    assert {k: v.key for k, v in plain_definition(statements, subjects).items()} == {0: 2}
    assert {k: v.key for k, v in resolution.resolve_by_text(statements, subjects).items()} == {0: 2}


def test_the_fallback_to_the_definition_looks_at_the_last_day_only(monkeypatch):
    """Daily notes where a fix further down is dated by its day only, so timed before the
    failure above it: every failure is decided by the definition, over the statements
    within a day of the newest, not over every related statement of the months after it."""
    days = 100
    statements = []
    for d in range(days):
        path, day = f"memory/{d:03}.md", DAY0 + dt.timedelta(days=d)
        statements.append(Statement(2 * d, path, 1, (path, 1), day + dt.timedelta(hours=12), True, False,
                                    frozenset({"deploy"}), frozenset(), (frozenset({"deploy"}),)))
        statements.append(Statement(2 * d + 1, path, 2, (path, 2), day, True, True, frozenset({"deploy"}),
                                    frozenset()))
    subjects = Subjects([frozenset({"deploy"})] * 2 + [frozenset({"gmail"}), frozenset({"cron"})] * 15)
    calls = 0
    plain_later = resolution.later

    def counted(a, b):
        nonlocal calls
        calls += 1
        return plain_later(a, b)

    monkeypatch.setattr(resolution, "later", counted)
    got = resolution.resolve_by_text(statements, subjects)
    monkeypatch.undo()
    assert {k: v.key for k, v in got.items()} == {k: v.key for k, v in plain_definition(statements, subjects).items()}
    assert got[0].key == 2 * days - 1      # the last day's fix, further down than its failure
    assert calls < 50 * len(statements)    # over every later statement: about days³ / 3 comparisons


def test_a_later_fix_closes_and_a_later_failure_reopens():
    subjects = Subjects([frozenset({"deploy"})] * 2 + [frozenset({"gmail"}), frozenset({"cron"})] * 15)
    fail = Statement(0, "m.md", 1, ("m.md", 1), DAY0, True, False, frozenset({"deploy"}), frozenset(),
                     (frozenset({"deploy"}),))
    fix = Statement(1, "m.md", 5, ("m.md", 5), DAY0 + dt.timedelta(hours=2), True, True, frozenset({"deploy"}),
                    frozenset())
    again = fix._replace(key=2, line=9, when=DAY0 + dt.timedelta(hours=3), resolves=False)
    assert resolution.resolve_by_text([fail, fix], subjects)[0].key == 1
    assert 0 not in resolution.resolve_by_text([fail, fix, again], subjects)


@settings(max_examples=300, deadline=None)
@given(raw=st.lists(statement, min_size=2, max_size=12),
       docs=st.lists(words, min_size=2, max_size=60))
def test_the_timeline_relation_is_the_definition(raw, docs):
    """The timeline's relation (word sets and weights taken once) is _resolves/_related."""
    statements = build(raw)
    subjects = Subjects(docs)
    timeline = resolution._Timeline(statements, subjects)
    for f in statements:
        if f.resolves or f.solution:
            continue
        side = timeline._side(f)
        for s in statements:
            if s.solution:
                continue
            want = resolution._resolves(f, s, subjects) if s.resolves else resolution._related(f, s, subjects)
            assert timeline._related(f, side, timeline.rank[s.key]) == want


def test_of_equally_latest_fixes_the_first_in_input_order_is_named():
    """Two fixes at the same time and line, one per word of the failure: the first in the
    input is named, as the definition's max() does, whatever the order of the words in a
    set (which changes from run to run with the hash seed)."""
    subjects = Subjects([frozenset({"deploy"}), frozenset({"cron"}), frozenset({"deploy", "cron"})]
                        + [frozenset({"gmail"})] * 20)
    fail = Statement(0, "a.md", 1, ("a.md", 1), DAY0, True, False, frozenset({"deploy", "cron"}), frozenset())
    at = DAY0 + dt.timedelta(hours=3)
    fixes = {w: Statement(0, p, 5, (p, 5), at, True, True, frozenset({w}), frozenset())
             for w, p in (("deploy", "b.md"), ("cron", "c.md"))}
    for order in (["deploy", "cron"], ["cron", "deploy"]):
        statements = [fail] + [fixes[w]._replace(key=k) for k, w in enumerate(order, 1)]
        got = resolution.resolve_by_text(statements, subjects)[0]
        assert got.own == {order[0]} and got.key == 1
        assert got == plain_definition(statements, subjects)[0]


def test_folders_every_path_goes_through_are_no_subject() -> None:
    """Two notes about one host's paths share '/home/openclaw', not a subject."""
    words = resolution.subject_words("rsync to /home/openclaw/nfs/backups failed; /usr/local/bin/node too")
    assert {"nfs", "openclaw", "backup", "node"} <= words
    assert not words & {"home", "usr", "local", "bin"}
