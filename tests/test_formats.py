"""Output formats on the fixture workspace (tests/data/workspace, its own pattern pack and
ledger): exact text and GitHub annotations, JSON structure, escaping, the progress bar."""
import io
import json
import os
import pty
import re
import shutil
import subprocess
import sys

import pytest

from brokenlang import formats

DATA = os.path.join(os.path.dirname(__file__), "data")


@pytest.fixture
def ws(tmp_path):
    dst = tmp_path / "ws"
    shutil.copytree(os.path.join(DATA, "workspace"), dst)
    return dst


def golden(name):
    with open(os.path.join(DATA, "golden", name), encoding="utf-8") as fh:
        return fh.read()


def test_github_annotations_golden(cli, ws):
    p = cli("scan", "--format", "github", cwd=ws)
    assert p.stdout == golden("workspace.github.txt")
    assert p.returncode == 1 and p.stderr == ""
    kinds = [line.split(" ", 1)[0] for line in p.stdout.splitlines()]
    # open, stale, recurred, open, resolved
    assert kinds == ["::warning", "::error", "::error", "::warning", "::notice"]


def test_text_golden_with_budget_warning(cli, ws):
    p = cli("scan", "--context-budget", "5", cwd=ws)
    assert re.sub(r"; \d+\.\d\ds\n$", "; <seconds>\n", p.stdout) == \
        re.sub(r"; \d+\.\d\ds\n$", "; <seconds>\n", golden("workspace.text.txt"))
    assert p.returncode == 1
    assert p.stderr == "" and "\x1b" not in p.stdout        # stderr is no terminal here: no progress bar


def test_json_summary(cli, ws):
    p = cli("scan", "--format", "json", "--fail-on", "never", cwd=ws)
    assert p.returncode == 0 and p.stderr == ""
    doc = json.loads(p.stdout)
    s = doc["summary"]
    assert s["by_state"] == {"stale": 1, "recurred": 1, "open": 2, "resolved": 1}
    assert s["files"] == 5 and s["context_tokens"] > 0
    assert s["context_budget"] == {"budget": 40000, "total": 8, "files": [{"path": "MEMORY.md", "tokens": 8}],
                                   "over": False}
    assert "unused_suppressions" not in s


@pytest.mark.parametrize(("kind", "message", "props", "expected"), [
    ("error", "plain", {"file": "a.md", "line": 3}, "::error file=a.md,line=3::plain"),
    ("warning", "100% done\r\nnext", {"file": "a,b:c.md"}, "::warning file=a%2Cb%3Ac.md::100%25 done%0D%0Anext"),
    ("notice", "keep , and : in data", {"title": "t: 50%, ok"},
     "::notice title=t%3A 50%25%2C ok::keep , and : in data"),
    ("notice", "no properties", {"line": None}, "::notice::no properties"),
    ("error", "bad byte \udcff", {"file": "x\udcff.md"}, "::error file=x\ufffd.md::bad byte \ufffd"),
])
def test_github_escaping(kind, message, props, expected):
    assert formats.command(kind, message, **props) == expected


def test_unknown_format_is_an_error():
    with pytest.raises(ValueError):
        formats.render("xml", None, False)  # type: ignore[arg-type]


def _stderr_on_a_tty(args, cwd):
    """Run the CLI with stderr on a pseudo-terminal; return (stdout, what the terminal got)."""
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([sys.executable, "-m", "brokenlang", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    out = proc.stdout.read() if proc.stdout else b""
    proc.wait(timeout=60)
    os.close(master)
    return out.decode(), b"".join(chunks).decode("utf-8", "replace")


def test_no_progress_bar_in_machine_formats_even_on_a_tty(ws):
    out, tty = _stderr_on_a_tty(["scan", "--format", "json", "--fail-on", "never"], ws)
    assert json.loads(out)["summary"]["findings"] == 5
    assert tty == ""


def test_progress_bar_draws_and_clears():
    from rich.console import Console

    from brokenlang import progress

    buf = io.StringIO()
    bar = progress.Bar(Console(file=buf, force_terminal=True, width=80), delay=0)
    bar._timer.join()              # shown at once with delay=0
    bar.stage("reading", 3)
    bar.advance()
    bar.close()
    drawn = buf.getvalue()
    assert "reading" in drawn and "1/3" in drawn
    assert progress.wanted(buf, "text", quiet=False) is False        # StringIO is no terminal


def test_progress_bar_not_shown_for_quick_scans():
    from rich.console import Console

    from brokenlang import progress

    buf = io.StringIO()
    bar = progress.Bar(Console(file=buf, force_terminal=True, width=80), delay=30)
    bar.stage("reading", 3)
    bar.close()
    assert buf.getvalue() == ""


@pytest.mark.parametrize("entry", [
    '- deploy failed with HTTP 500}, {"path": "x"}',
    '- deploy failed with HTTP 500 \\"}, {\\"',
    "- deploy failed with HTTP 500 caf\udce9 \udcc3\udca9 ok",
    "- deploy failed with HTTP 500 ~~~ 漢字 \u2028 \x1b[31m",
])
def test_json_has_one_finding_per_line_whatever_the_text(entry):
    from brokenlang import report
    from brokenlang.models import Finding

    f = Finding("m.md", 1, 1, 3, "deploy.deploy_failed", "error", "open", "deploy failed", entry, 1, 1,
                "2026-02-10", "filename", None, None, "open: x", "f" * 32)
    rep = report.Report([f, f._replace(line=2)], [f._replace(state="ignored", reason="negated")], [], [], 2, 10,
                        0.1, None, None)   # type: ignore[arg-type]
    out = b"".join(report.json_chunks(rep, show_ignored=True)).decode("utf-8")
    doc = json.loads(out)
    assert [d["line"] for d in doc["findings"]] == [1, 2] and doc["ignored"][0]["reason"] == "negated"
    assert doc["findings"][0] == {k: report.clean(getattr(f, k)) for k in report.FINDING_KEYS}
    lines = out.split("\n")
    assert [json.loads(ln.strip().rstrip(",")) for ln in lines[2:4]] == doc["findings"]
