"""The ready-made hooks in hooks/: the plain git pre-commit shim, and the session-start
commands that warn an agent about out-of-date memory entries."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import LEDGER

ROOT = Path(__file__).resolve().parents[1]
HOOKS = ROOT / "hooks"
STALE_NOTE = "# 2026-02-14\n\n- 08:00 coffee\n- 09:10 deploy failed with HTTP 500\n"
WARNING = "brokenlang: some memory entries are out of date."


def environ(**extra: str) -> dict[str, str]:
    bindir = os.path.dirname(sys.executable)   # where this interpreter's `brokenlang` lives
    return {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}", "NO_COLOR": "1",
            "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_NOSYSTEM": "1", **extra}


def workspace(root: Path, note: str = STALE_NOTE) -> Path:
    (root / ".brokenlang").mkdir()
    (root / ".brokenlang" / "ledger.yaml").write_text(LEDGER)
    (root / ".brokenlang.yaml").write_text("quiet_seconds: 0\npaths: [memory]\n")
    (root / "memory").mkdir()
    (root / "memory" / "2026-02-14.md").write_text(note)
    return root


def claude_command() -> str:
    settings = json.loads((HOOKS / "claude-code-settings.json").read_text())
    [group] = settings["hooks"]["SessionStart"]
    [hook] = group["hooks"]
    assert hook["type"] == "command" and set(group["matcher"].split("|")) >= {"startup", "resume"}
    return str(hook["command"])


def test_the_claude_code_session_start_hook_warns_about_stale_entries(tmp_path: Path) -> None:
    workspace(tmp_path)
    p = subprocess.run(["sh", "-c", claude_command()], env=environ(CLAUDE_PROJECT_DIR=str(tmp_path)),
                       cwd="/", capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    first, *findings = p.stdout.splitlines()
    assert first.startswith(WARNING)
    assert len(findings) == 1 and findings[0].startswith("memory/2026-02-14.md:4:9: ")
    assert "[stale]" in findings[0] and "cloudrun-500" in findings[0]


def test_the_session_start_hooks_say_nothing_when_memory_is_clean(tmp_path: Path) -> None:
    workspace(tmp_path, note="# 2026-02-14\n\n- 09:10 deploy went out fine\n")
    for argv in (["sh", "-c", claude_command()], [str(HOOKS / "session-start.sh"), str(tmp_path)]):
        p = subprocess.run(argv, env=environ(CLAUDE_PROJECT_DIR=str(tmp_path)), cwd="/", capture_output=True,
                           text=True, timeout=120)
        assert (p.returncode, p.stdout) == (0, ""), p.stderr


def test_the_session_start_script_prints_the_note_and_the_fix_command(tmp_path: Path) -> None:
    workspace(tmp_path)
    p = subprocess.run([str(HOOKS / "session-start.sh"), str(tmp_path)], env=environ(), cwd="/",
                       capture_output=True, text=True, timeout=120)
    lines = p.stdout.splitlines()
    assert p.returncode == 0 and lines[0].startswith(WARNING)
    assert lines[1].startswith("memory/2026-02-14.md:4:9: ") and "brokenlang fix --apply" in lines[-1]


def git(repo: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, env=environ(**env), capture_output=True, text=True,
                          timeout=180)


def test_the_plain_git_pre_commit_shim(tmp_path: Path) -> None:
    repo = workspace(tmp_path, note="# 2026-02-14\n\n- 08:00 coffee\n")
    assert git(repo, "init", "-q").returncode == 0
    shutil.copy2(HOOKS / "pre-commit", repo / ".git" / "hooks" / "pre-commit")
    git(repo, "add", "-A")
    first = git(repo, "commit", "-m", "clean notes")
    assert first.returncode == 0, first.stdout + first.stderr      # a clean commit passes

    note = repo / "memory" / "2026-02-14.md"
    note.write_text(STALE_NOTE)
    git(repo, "add", "memory")
    refused = git(repo, "commit", "-m", "stale")
    shown = refused.stdout + refused.stderr   # git hands a hook's output to stderr
    assert refused.returncode != 0
    assert "memory/2026-02-14.md:4:9:" in shown and "[stale]" in shown
    assert note.read_text() == STALE_NOTE

    fixed = git(repo, "commit", "-m", "stale", BROKENLANG_FIX="1")
    assert fixed.returncode != 0 and "quarantined bl-" in fixed.stdout + fixed.stderr, fixed.stderr
    assert "deploy failed" not in note.read_text()
    git(repo, "add", "memory")
    again = git(repo, "commit", "-m", "stale entry quarantined")
    assert again.returncode == 0, again.stdout + again.stderr
