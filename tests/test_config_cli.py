"""Configuration as the CLI sees it: precedence (command line > config file > defaults),
discovery from the scanned paths, strict keys, and the default file set."""
import json
import os
import shutil

import pytest

DATA = os.path.join(os.path.dirname(__file__), "data")
PACK = os.path.join(DATA, "workspace", "packs", "fixture.yaml")


@pytest.fixture
def ws(tmp_path):
    dst = tmp_path / "ws"
    shutil.copytree(os.path.join(DATA, "workspace"), dst)
    return dst


def summary(p):
    return json.loads(p.stdout)["summary"]


def test_command_line_over_config_over_defaults(cli, ws):
    # defaults (fail_on stale, budget 40000) are checked by test_formats; here the config file changes both
    with open(ws / ".brokenlang.yaml", "a") as fh:
        fh.write("fail_on: never\ncontext_budget_tokens: 5\n")
    p = cli("scan", "--format", "json", cwd=ws)
    assert p.returncode == 0, p.stderr
    assert summary(p)["context_budget"]["budget"] == 5 and summary(p)["context_budget"]["over"] is True
    p = cli("scan", "--format", "json", "--fail-on", "stale", "--context-budget", "100", cwd=ws)
    assert p.returncode == 1, p.stderr
    assert summary(p)["context_budget"] == {"budget": 100, "total": 8,
                                            "files": [{"path": "MEMORY.md", "tokens": 8}], "over": False}


@pytest.mark.parametrize(("name", "text", "where"), [
    (".brokenlang.yaml", "fail_on: open\nbudget: 5\n", ".brokenlang.yaml:2: unknown config key 'budget'"),
    ("pyproject.toml", "[project]\nname = 'x'\n\n[tool.brokenlang]\nfail_on = 'open'\nexclud = ['a']\n",
     "pyproject.toml:6: unknown config key 'exclud'"),
])
def test_unknown_config_key_names_file_and_line(cli, tmp_path, name, text, where):
    (tmp_path / name).write_text(text)
    (tmp_path / "MEMORY.md").write_text("- deploy failed\n")
    p = cli("scan", cwd=tmp_path)
    assert p.returncode == 2
    assert where in p.stderr and p.stderr.startswith("brokenlang: error: ")
    assert p.stdout == ""


def test_config_found_walking_up_from_the_scanned_path(cli, tmp_path, ws):
    outer = tmp_path   # the current folder has no config; the scanned folder has one (fixture pack, no git)
    p = cli("scan", "ws", "--format", "json", "--fail-on", "never", cwd=outer)
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert {f["rule"] for f in doc["findings"]} == {"fixture.deploy_failed", "fixture.keeps_crashing"}
    assert {f["path"] for f in doc["findings"] if f["state"] == "stale"} == {"ws/memory/2026-02-14.md"}  # its ledger
    p = cli("scan", "ws/memory/2026-02-14.md", "--format", "json", "--fail-on", "never", cwd=outer)
    assert [f["rule"] for f in json.loads(p.stdout)["findings"]] == ["fixture.deploy_failed"]


def test_default_file_set_exclude_gitignore_and_tool_folder(cli, tmp_path):
    line = "- 2026-02-14 09:10 deploy failed with HTTP 500\n"
    files = {
        "MEMORY.md": line, "AGENTS.md": line, "HEARTBEAT.md": line, "TOOLS.md": line, "CLAUDE.md": line,
        "memory/2026-02-14.md": line, "memory/scratch": line, "memory/state.json": line,
        "notes": line, "notes/todo": line, ".claude/memory/project.md": line, "logs/app.log": line,
        "archive/old.md": line, "private.md": line, "docs/guide.rst": line,
        ".brokenlang/quarantine/2026-02-14.md": line,
    }
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if rel != "notes":
            path.write_text(text)
    (tmp_path / "notes" / "todo").write_text(line)
    shutil.copy(PACK, tmp_path / "fixture-pack.yaml")
    (tmp_path / ".brokenlang.yaml").write_text(
        "packs: [fixture-pack.yaml]\nexclude: ['archive/**']\ngit_dates: false\nfail_on: never\n")
    (tmp_path / ".gitignore").write_text("private.md\n")
    p = cli("scan", "--format", "json", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    paths = sorted({f["path"] for f in json.loads(p.stdout)["findings"]})
    assert paths == [".claude/memory/project.md", "AGENTS.md", "CLAUDE.md", "HEARTBEAT.md", "MEMORY.md", "TOOLS.md",
                     "logs/app.log", "memory/2026-02-14.md", "memory/scratch", "memory/state.json", "notes/todo"]
    # brokenlang's own folder is never scanned, even when named on the command line
    p = cli("scan", ".brokenlang/quarantine/2026-02-14.md", "--format", "json", cwd=tmp_path)
    doc = json.loads(p.stdout)
    assert doc["findings"] == [] and "never scanned" in doc["notices"][0]["message"]
