"""Inline suppression: the comment forms, what each covers, unused ones, and the CLI flag."""
import json
import os
import shutil

import pytest

from brokenlang import suppress
from brokenlang.models import Finding, SourceFile

DATA = os.path.join(os.path.dirname(__file__), "data")


def source(path, text):
    return SourceFile(path, "/x/" + path, text, 0.0, len(text))


def finding(path, line, rule="deploy.failed", entry_line=None, entry_end=None, state="stale"):
    return Finding(path, line, line, 1, rule, "error", state, "deploy failed", "…", entry_line or line,
                   entry_end or entry_line or line, None, None, None, None, f"{state}: x", "f" * 32)


@pytest.mark.parametrize(("path", "text", "expected"), [
    # (line, rules, target line)
    ("m.md", "<!-- brokenlang: ignore -->\n- deploy failed\n", [(1, (), 2)]),
    ("m.md", "<!-- brokenlang: ignore -->\n\n\n- deploy failed\n", [(1, (), 4)]),
    ("m.md", "- deploy failed <!-- brokenlang: ignore -->\n", [(1, (), 1)]),
    ("m.md", "<!--brokenlang:ignore deploy.failed, http.500 -->\n- x\n", [(1, ("deploy.failed", "http.500"), 2)]),
    ("m.md", "<!-- brokenlang: ignore A.b -->\n<!-- brokenlang: ignore c -->\n- x\n",
     [(1, ("a.b",), 3), (2, ("c",), 3)]),
    ("m.md", "<!-- brokenlang: ignore -->\n", [(1, (), 0)]),                      # nothing follows
    ("m.md", "# brokenlang: ignore\n- x\n", []),                                   # a heading in markdown
    ("m.md", "```\n<!-- brokenlang: ignore -->\n```\n- x\n", []),                 # inside a code fence
    ("m.md", "Write `<!-- brokenlang: ignore -->` above it.\n- x\n", []),          # inline code
    ("app.log", "# brokenlang: ignore\nERROR deploy failed\n", [(1, (), 2)]),
    ("app.log", "ERROR deploy failed  # brokenlang: ignore deploy.failed\n", [(1, ("deploy.failed",), 1)]),
    ("notes.txt", "<!-- brokenlang: ignore -->\ndeploy failed\n", [(1, (), 2)]),
    ("app.log", "ERROR deploy failed #brokenlang: ignored\n", []),               # not the keyword
    ("m.md", "no comments here\n", []),
])
def test_parse(path, text, expected):
    assert [(s.line, s.rules, s.target) for s in suppress.parse(path, text)] == expected


def test_apply_next_entry_rule_specific_and_unused():
    text = ("<!-- brokenlang: ignore -->\n"                      # 1 -> entry 2-3
            "- deploy failed\n"                                  # 2
            "  with HTTP 500\n"                                  # 3
            "<!-- brokenlang: ignore http -->\n"                 # 4 -> entry 5 (pack name: http.*)
            "- deploy failed with HTTP 500\n"                    # 5
            "<!-- brokenlang: ignore cron.failed,http.500 -->\n"  # 6 -> entry 7: only cron.failed used
            "- cron failed\n"                                    # 7
            "<!-- brokenlang: ignore -->\n"                      # 8 -> entry 9, which has no finding
            "- all good\n")                                      # 9
    f = source("m.md", text)
    fs = [finding("m.md", 3, "http.500", 2, 3), finding("m.md", 5, "deploy.failed"), finding("m.md", 5, "http.500"),
          finding("m.md", 7, "cron.failed")]
    got = suppress.apply([f], fs)
    assert [(x.line, x.rule) for x in got.kept] == [(5, "deploy.failed")]
    assert [(x.line, x.rule, x.state, x.reason) for x in got.suppressed] == [
        (3, "http.500", "ignored", "suppressed"), (5, "http.500", "ignored", "suppressed"),
        (7, "cron.failed", "ignored", "suppressed")]
    assert got.suppressed[0].message == "ignored (suppressed on line 1): stale: x"
    assert [(u.line, u.rules) for u in got.unused] == [(6, ("http.500",)), (8, ())]
    assert suppress.describe(got.unused[0]) == \
        "m.md:6: unused suppression <!-- brokenlang: ignore cron.failed,http.500 --> (http.500 matched nothing)"


def test_apply_only_within_the_same_file():
    got = suppress.apply([source("a.md", "<!-- brokenlang: ignore -->\n- x\n"), source("b.md", "- x\n")],
                         [finding("b.md", 2)])
    assert len(got.kept) == 1 and [u.path for u in got.unused] == ["a.md"]


def test_cli_suppression_and_unused_report(cli, tmp_path):
    ws = tmp_path / "ws"
    shutil.copytree(os.path.join(DATA, "workspace"), ws)
    (ws / "memory" / "2026-02-14.md").write_text(
        "# 2026-02-14\n\n<!-- brokenlang: ignore -->\n- 09:10 deploy failed with HTTP 500\n\n"
        "<!-- brokenlang: ignore fixture.keeps_crashing -->\n- 09:20 all fine\n")
    (ws / "logs" / "gateway,eu.log").write_text(
        "2026-02-21T10:00:00Z ERROR report cron keeps crashing  # brokenlang: ignore fixture.keeps_crashing\n")
    p = cli("scan", "--format", "json", "--show-ignored", "--fail-on", "never", cwd=ws)
    assert p.returncode == 0, p.stderr                        # unused ones do not fail without the flag
    doc = json.loads(p.stdout)
    assert sorted((i["path"], i["line"], i["reason"]) for i in doc["ignored"]) == [
        ("logs/gateway,eu.log", 1, "suppressed"), ("memory/2026-02-14.md", 4, "suppressed")]
    assert "unused_suppressions" not in doc["summary"]
    assert ("memory/2026-02-14.md", 4) not in {(f["path"], f["line"]) for f in doc["findings"]}

    p = cli("scan", "--format", "json", "--report-unused-suppressions", "--fail-on", "never", cwd=ws)
    assert p.returncode == 1
    assert json.loads(p.stdout)["summary"]["unused_suppressions"] == [
        {"path": "memory/2026-02-14.md", "line": 6, "comment": "<!-- brokenlang: ignore fixture.keeps_crashing -->",
         "rules": ["fixture.keeps_crashing"]}]
    p = cli("scan", "--report-unused-suppressions", "--fail-on", "never", "--quiet", cwd=ws)
    assert p.returncode == 1
    assert p.stdout.splitlines()[-1] == ("memory/2026-02-14.md:6: unused suppression <!-- brokenlang: ignore "
                                         "fixture.keeps_crashing --> (fixture.keeps_crashing matched nothing)")
