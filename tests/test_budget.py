"""The context budget: which files an agent loads at session start, and their token cost."""
import datetime as dt
import json

import pytest

from brokenlang import budget

TODAY = dt.date(2026, 3, 10)


@pytest.mark.parametrize(("path", "loaded"), [
    ("MEMORY.md", True), ("AGENTS.md", True), ("HEARTBEAT.md", True), ("TOOLS.md", True), ("CLAUDE.md", True),
    ("SOUL.md", True), ("USER.md", True), ("IDENTITY.md", True), ("agent/MEMORY.md", True),
    (".claude/memory/project.md", True), (".claude/commands/deploy.md", True), (".claude/settings.json", False),
    ("memory/2026-03-10.md", True), ("memory/2026-03-09.md", True), ("memory/2026-03-08.md", False),
    ("2026-03-10.md", False), ("memory/notes.md", False), ("README.md", False), ("logs/app.log", False),
])
def test_loaded_at_start(path, loaded):
    assert budget.loaded_at_start(path, TODAY) is loaded


def test_compute_and_warning():
    files = [("MEMORY.md", "x" * 400), ("memory/2026-03-10.md", "x" * 40), ("AGENTS.md", "x" * 401),
             ("memory/2026-01-01.md", "x" * 4000), ("CLAUDE.md", "x" * 8)]
    b = budget.compute(files, 150, TODAY)
    assert b == budget.Budget(150, 213, (budget.FileCost("AGENTS.md", 101), budget.FileCost("MEMORY.md", 100),
                                         budget.FileCost("memory/2026-03-10.md", 10), budget.FileCost("CLAUDE.md", 2)),
                              True)
    assert budget.warning(b) == ("warning: the files an agent loads at session start hold ~213 tokens, over the "
                                 "context budget of 150; trim the largest: AGENTS.md (~101), MEMORY.md (~100), "
                                 "memory/2026-03-10.md (~10)")
    assert budget.warning(budget.compute(files, 213, TODAY)) is None   # at the budget is not over
    assert budget.to_dict(budget.compute(files[:1], 10, TODAY)) == {
        "budget": 10, "total": 100, "files": [{"path": "MEMORY.md", "tokens": 100}], "over": True}


def test_json_summary_counts_todays_note(cli, tmp_path):
    (tmp_path / "memory").mkdir()
    today = dt.date.today()
    (tmp_path / "memory" / f"{today.isoformat()}.md").write_text("- all good today\n" * 30)   # 510 chars
    (tmp_path / "memory" / "2020-01-01.md").write_text("- old note\n" * 100)                 # 1100 chars, not loaded
    (tmp_path / "SOUL.md").write_text("calm\n")
    p = cli("scan", "--format", "json", "--context-budget", "100", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    s = json.loads(p.stdout)["summary"]
    assert s["context_budget"] == {"budget": 100, "total": 130, "over": True, "files": [
        {"path": f"memory/{today.isoformat()}.md", "tokens": 128}, {"path": "SOUL.md", "tokens": 2}]}
    assert s["context_tokens"] == 130 + 275       # every scanned file, as before
