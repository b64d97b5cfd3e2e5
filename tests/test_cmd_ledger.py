"""`brokenlang ledger add/list/check/suggest` through the real CLI, plus the pure parts
(appending to a ledger text, proposals from findings)."""
import json
import os
import re
import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brokenlang import ledger, ledgerfile, suggest
from brokenlang.errors import UserError
from brokenlang.models import Finding

DATA = os.path.join(os.path.dirname(__file__), "data")
PACK = os.path.join(DATA, "workspace", "packs", "fixture.yaml")


# ledger add / list


def test_add_creates_the_ledger_then_appends_keeping_bytes(cli, tmp_path):
    p = cli("ledger", "add", "--id", "cloudrun-500", "--title", "Cloud Run deploy returns HTTP 500",
            "--match", "deploy failed with HTTP 500", "--match", "cloud run 500", "--resolved", "2026-02-16",
            "--now", "Cloud Run deploys succeed.", "--paths", "memory/**", "--evidence", "commit 659ef52", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    path = tmp_path / ".brokenlang" / "ledger.yaml"
    assert path.read_text() == (
        "version: 1\nissues:\n"
        "  - id: cloudrun-500\n    title: Cloud Run deploy returns HTTP 500\n"
        "    match:\n      - deploy failed with HTTP 500\n      - cloud run 500\n    resolved: 2026-02-16\n"
        "    now: Cloud Run deploys succeed.\n    paths:\n      - memory/**\n    evidence: commit 659ef52\n")
    before = "# hand-written notes stay\n" + path.read_text() + "  # trailing comment\n"
    path.write_text(before)
    p = cli("ledger", "add", "--id", "julia", "--title", "Julia: not installed, again", "--resolved",
            "2026-03-09T15:13:09Z", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    after = path.read_text()
    new = ("  - id: julia\n    title: 'Julia: not installed, again'\n    match:\n"
           "      - 'Julia: not installed, again'\n    resolved: '2026-03-09T15:13:09Z'\n")
    assert after == before.replace("  # trailing comment\n", new + "  # trailing comment\n")
    issues = ledger.parse(after, "l.yaml").issues
    assert [i.id for i in issues] == ["cloudrun-500", "julia"]
    assert issues[1].resolved.isoformat() == "2026-03-09T15:13:09+00:00"


@pytest.mark.parametrize(("args", "message"), [
    (["--id", "cloudrun-500", "--title", "x", "--resolved", "2026-01-01"],
     ".brokenlang/ledger.yaml:3: issue id 'cloudrun-500' already exists"),
    (["--id", "new", "--title", "x", "--resolved", "2026-02-31"], "--resolved: bad date '2026-02-31'"),
    (["--id", "not a slug", "--title", "x", "--resolved", "2026-01-01"], "issue needs an `id` slug"),
])
def test_add_refuses(cli, tmp_path, args, message):
    (tmp_path / ".brokenlang").mkdir()
    original = "version: 1\nissues:\n  - id: cloudrun-500\n    title: t\n    match: [x]\n    resolved: 2026-01-01\n"
    (tmp_path / ".brokenlang" / "ledger.yaml").write_text(original)
    p = cli("ledger", "add", *args, cwd=tmp_path)
    assert p.returncode == 2 and message in p.stderr
    assert (tmp_path / ".brokenlang" / "ledger.yaml").read_text() == original


def test_init_ledger_then_add_and_list(cli, tmp_path):
    (tmp_path / "l.yaml").write_text(ledgerfile.EMPTY_LEDGER)
    for iid, title, when in (("b-issue", "Second", "2026-02-01"), ("a-issue", "First one", "2026-01-15")):
        p = cli("ledger", "add", "--ledger", "l.yaml", "--id", iid, "--title", title, "--resolved", when, cwd=tmp_path)
        assert p.returncode == 0, p.stderr
    p = cli("ledger", "list", "--ledger", "l.yaml", cwd=tmp_path)
    assert p.stdout == "b-issue  2026-02-01  Second\na-issue  2026-01-15  First one\n"
    doc = json.loads(cli("ledger", "list", "--ledger", "l.yaml", "--format", "json", cwd=tmp_path).stdout)
    assert doc[1] == {"id": "a-issue", "title": "First one", "match": ["First one"], "resolved": "2026-01-15",
                      "now": None, "paths": [], "evidence": None, "line": 8}


@pytest.mark.parametrize(("text", "expected"), [
    ("", "version: 1\nissues:\n{item}"),
    ("version: 1\nissues: []\n", "version: 1\nissues:\n{item}"),
    ("version: 1\nissues: ~  # none yet\n", "version: 1\nissues:  # none yet\n{item}"),
    ("version: 1\nissues:\n- id: a\n  title: A\n  match: [x]\n  resolved: 2026-01-01\n# end\n",
     "version: 1\nissues:\n- id: a\n  title: A\n  match: [x]\n  resolved: 2026-01-01\n{flat}# end\n"),
    ("issues:\n  - id: a\n    title: A\n    match: [x]\n    resolved: 2026-01-01\nversion: 1",
     "issues:\n  - id: a\n    title: A\n    match: [x]\n    resolved: 2026-01-01\n{item}version: 1"),
])
def test_append_text(text, expected):
    item = ledgerfile.issue_dict("new", "New", ["deploy failed"], "2026-02-16")
    body = "id: new\ntitle: New\nmatch:\n  - deploy failed\nresolved: 2026-02-16\n"
    indented = "".join(("  - " if i == 0 else "    ") + ln + "\n" for i, ln in enumerate(body.splitlines()))
    flat = "".join(("- " if i == 0 else "  ") + ln + "\n" for i, ln in enumerate(body.splitlines()))
    assert ledgerfile.append(text, [item], "l.yaml") == expected.format(item=indented, flat=flat)


_text = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=40).filter(
    lambda t: t.strip() == t and t.strip())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True), _text,
                          st.lists(_text, min_size=1, max_size=3), st.dates(), st.none() | _text),
                min_size=1, max_size=4, unique_by=lambda t: t[0]))
def test_append_round_trip(issues):
    """Whatever the text, appended issues read back as written and earlier bytes stay."""
    text = ledgerfile.EMPTY_LEDGER
    for iid, title, match, when, now in issues:
        before = text
        text = ledgerfile.append(text, [ledgerfile.issue_dict(iid, title, match, when.isoformat(), now)], "l.yaml")
        if before != ledgerfile.EMPTY_LEDGER:
            assert text.startswith(before)
    got = ledger.parse(text, "l.yaml").issues
    assert [(i.id, i.title, i.match, i.resolved_text, i.now) for i in got] == [
        (iid, title, tuple(match), when.isoformat(), now) for iid, title, match, when, now in issues]


def test_append_refuses_a_flow_list():
    with pytest.raises(UserError) as ei:
        ledgerfile.append("version: 1\nissues: [{id: a, title: A, match: [x], resolved: 2026-01-01}]\n",
                          [ledgerfile.issue_dict("b", "B", ["y"], "2026-01-02")], "l.yaml")
    assert ei.value.line == 2 and "flow list" in ei.value.message


# ledger check


def test_check_reports_dead_duplicate_and_future(cli, tmp_path):
    (tmp_path / "memory").mkdir()
    (tmp_path / "memory" / "2026-02-14.md").write_text("- 09:10 deploy failed with HTTP 500 on Cloud Run\n")
    (tmp_path / "l.yaml").write_text(
        "version: 1\nissues:\n"
        "  - id: cloudrun-500\n    title: t\n    match: [deploy failed with HTTP 500]\n    resolved: 2026-02-16\n"
        "  - id: vercel-dns\n    title: Vercel DNS\n    match: [vercel dns records missing]\n    resolved: 2026-02-16\n"
        "  - id: cloudrun-500\n    title: again\n    match: [cloud run 500]\n    resolved: 2026-02-17\n"
        "  - id: later\n    title: From the future\n    match: [cloud run deploy]\n    resolved: 2999-01-01\n")
    p = cli("ledger", "check", "--ledger", "l.yaml", cwd=tmp_path)
    assert p.returncode == 1, p.stderr
    assert p.stdout == ("l.yaml:7: vercel-dns: matches nothing in the scanned files (dead entry)\n"
                        "l.yaml:11: cloudrun-500: duplicate id (first on line 3)\n"
                        "l.yaml:15: later: resolved date 2999-01-01 is in the future\n")
    doc = json.loads(cli("ledger", "check", "--ledger", "l.yaml", "--format", "json", cwd=tmp_path).stdout)
    assert [(x["issue"], x["line"]) for x in doc["problems"]] == [("vercel-dns", 7), ("cloudrun-500", 11),
                                                                  ("later", 15)]
    (tmp_path / "l.yaml").write_text("version: 1\nissues:\n  - id: cloudrun-500\n    title: t\n"
                                     "    match: [deploy failed with HTTP 500]\n    resolved: 2026-02-16\n")
    p = cli("ledger", "check", "--ledger", "l.yaml", cwd=tmp_path)
    assert (p.returncode, p.stdout) == (0, "")


# ledger suggest


def _git(cwd, *args, when=None):
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com"}
    if when:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    (tmp_path / "memory").mkdir()
    shutil.copy(PACK, tmp_path / "pack.yaml")
    (tmp_path / ".brokenlang.yaml").write_text("packs: [pack.yaml]\n")
    (tmp_path / "memory" / "2026-03-01.md").write_text(
        "# 2026-03-01\n\n- 09:00 the billing cron keeps crashing\n- 09:30 the invoice export keeps crashing\n")
    (tmp_path / "memory" / "2026-03-02.md").write_text(
        "# 2026-03-02\n\n- 10:00 billing cron fixed, runs clean now ✅\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "notes", when="2026-03-01T12:00:00Z")
    (tmp_path / "memory" / "2026-03-03.md").write_text("# 2026-03-03\n\n- 11:00 shipped v2\n")
    (tmp_path / "src.py").write_text("print('x')\n")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "fix: invoice export keeps crashing on big files", when="2026-03-03T12:00:00Z")
    (tmp_path / "src.py").write_text("print('y')\n")
    _git(tmp_path, "commit", "-qam", "fix: typo in src (touches no memory file)", when="2026-03-04T12:00:00Z")
    return tmp_path


def test_suggest_from_text_and_git_then_write(cli, repo):
    p = cli("ledger", "suggest", cwd=repo)
    assert p.returncode == 0, p.stderr
    text = re.sub(r"commit [0-9a-f]{7} ", "commit <sha> ", p.stdout)
    assert text == (
        "# 2 proposed issues for .brokenlang/ledger.yaml (nothing written; --write appends them)\n"
        "- id: billing-cron\n  title: The billing cron keeps crashing\n  match:\n"
        "    - the billing cron keeps crashing\n  resolved: 2026-03-02\n"
        "  evidence: resolution text at memory/2026-03-02.md:3 (2026-03-02)\n"
        "- id: invoice-export-big-files\n  title: Invoice export keeps crashing on big files\n  match:\n"
        "    - invoice export keeps crashing on big files\n    - the invoice export keeps crashing\n"
        "  resolved: 2026-03-03\n"
        "  evidence: 'commit <sha> ''fix: invoice export keeps crashing on big files'' (2026-03-03) touched "
        "memory/2026-03-03.md'\n")
    assert not (repo / ".brokenlang").exists()                 # nothing written without --write

    p = cli("ledger", "suggest", "--write", "--format", "json", cwd=repo)
    assert p.returncode == 0 and "added 2 issues" in p.stderr
    issues = ledger.load(str(repo / ".brokenlang" / "ledger.yaml")).issues
    assert [(i.id, i.resolved_text) for i in issues] == [("billing-cron", "2026-03-02"),
                                                         ("invoice-export-big-files", "2026-03-03")]
    assert issues[1].evidence.startswith("commit ")
    p = cli("scan", "--format", "json", cwd=repo)
    assert sorted((f["line"], f["state"], f["ledger_id"]) for f in json.loads(p.stdout)["findings"]) == [
        (3, "stale", "billing-cron"), (4, "stale", "invoice-export-big-files")]


def test_select_skips_what_the_ledger_has_and_repeats():
    have = ledger.parse("version: 1\nissues:\n  - id: billing-cron\n    title: t\n    match: [x y z]\n"
                        "    resolved: 2026-01-01\n  - id: mail\n    title: m\n"
                        "    match: [mail bridge keeps crashing]\n    resolved: 2026-01-01\n", "l.yaml")
    p = [suggest.Proposal("billing-cron", "B", ("billing cron keeps crashing",), "2026-03-02", "e"),   # id taken
         suggest.Proposal("mail-bridge", "M", ("the mail bridge keeps crashing",), "2026-03-02", "e"),  # covered
         suggest.Proposal("invoice-export", "I", ("invoice export keeps crashing",), "2026-03-03", "e"),
         suggest.Proposal("invoice-export-big", "I", ("invoice export keeps crashing on big files",), "2026-03-03",
                          "e")]                                                                   # same issue again
    assert [x.id for x in suggest.select(p, have)] == ["invoice-export"]


def _finding(path, line, state, entry, entry_date, text="keeps crashing", message=""):
    return Finding(path, line, line, 1, "x.crash", "error", state, text, entry, line, line, entry_date, "filename",
                   None, "text" if "later" in message else None, message or f"{state}: x", "f" * 32)


def test_suggest_from_a_resolved_statement():
    fs = [_finding("memory/2026-03-01.md", 3, "open", "- 09:00 the mail bridge keeps crashing", "2026-03-01"),
          _finding("memory/2026-03-01.md", 4, "open", "- 09:05 the search index keeps crashing", "2026-03-01"),
          _finding("memory/2026-03-05.md", 3, "resolved", "- Fixed: the mail bridge no longer keeps crashing",
                   "2026-03-05"),
          _finding("memory/2026-03-06.md", 3, "open", "- the mail bridge keeps crashing again", "2026-03-06")]
    assert suggest.from_findings(fs) == [suggest.Proposal(
        "mail-bridge", "The mail bridge keeps crashing", ("the mail bridge keeps crashing",), "2026-03-05",
        "memory/2026-03-05.md:3: - Fixed: the mail bridge no longer keeps crashing")]


@pytest.mark.parametrize(("entry", "hit", "expected"), [
    ("- 09:10 deploy failed with HTTP 500", "deploy failed", "deploy failed with HTTP 500"),
    ("- [ ] **2026-02-14 09:10** `api` deploy failed; rolled back", "deploy failed", "api deploy failed"),
    ("Note: the nightly backup keeps crashing, see logs", "keeps crashing", "the nightly backup keeps crashing"),
    ("one two three four five six seven eight nine ten eleven twelve keeps crashing", "keeps crashing",
     "five six seven eight nine ten eleven twelve keeps crashing"),   # ten words ending at the hit
])
def test_phrase(entry, hit, expected):
    assert suggest.phrase(entry, hit) == expected
