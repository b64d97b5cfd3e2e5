"""The real pre-commit, in a temporary git repository, running the hooks of this project's
`.pre-commit-hooks.yaml` (installed by pre-commit itself from a git copy of the project,
exactly as a user's `repo:` line would)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import LEDGER

ROOT = Path(__file__).resolve().parents[1]
STALE_NOTE = "# 2026-02-14\n\n- 08:00 coffee\n- 09:10 deploy failed with HTTP 500\n"
CLEAN_NOTE = "# 2026-02-15\n\n- 08:00 coffee\n- 10:00 wrote the weekly summary\n"
SKIP_DIRS = {".git", ".venv", "venv", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache",
             ".hypothesis", "build", "dist", ".brokenlang"}


def git(*args: str, cwd: Path, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, env=env, text=True, capture_output=True, check=check)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One PRE_COMMIT_HOME for the module: pre-commit builds the hook's virtualenv once."""
    home = tmp_path_factory.mktemp("pre-commit-home")
    bindir = os.path.dirname(sys.executable)
    return {**os.environ, "PRE_COMMIT_HOME": str(home), "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
            "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_NOSYSTEM": "1", "NO_COLOR": "1",
            "PRE_COMMIT_COLOR": "never", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def _project_files() -> list[Path]:
    """The project as it stands in the work tree (committed or not), without build junk."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                             capture_output=True, check=True).stdout
        return [ROOT / os.fsdecode(p) for p in out.split(b"\0") if p]
    except (OSError, subprocess.CalledProcessError):
        found = []
        for folder, dirs, names in os.walk(ROOT):
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info")]
            found += [Path(folder) / n for n in names]
        return found


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> tuple[str, str]:
    """A git repository holding a copy of this project: what `repo:` points at."""
    dest = tmp_path_factory.mktemp("brokenlang-repo")
    for src in _project_files():
        if src.is_file() and not src.is_symlink():
            target = dest / src.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)
    assert (dest / ".pre-commit-hooks.yaml").is_file()
    git("init", "-q", cwd=dest, env=env)
    git("add", "-A", cwd=dest, env=env)
    git("commit", "-q", "-m", "brokenlang", cwd=dest, env=env)
    rev = git("rev-parse", "HEAD", cwd=dest, env=env).stdout.strip()
    return str(dest), rev


def user_repo(path: Path, hook_repo: tuple[str, str], hook_id: str, env: dict[str, str]) -> Path:
    """A memory repository with brokenlang's hook installed, and a first clean commit."""
    repo, rev = hook_repo
    git("init", "-q", cwd=path, env=env)
    (path / ".brokenlang").mkdir()
    (path / ".brokenlang" / "ledger.yaml").write_text(LEDGER)
    (path / ".brokenlang.yaml").write_text("quiet_seconds: 0\n")
    (path / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {repo}\n    rev: {rev}\n    hooks:\n      - id: {hook_id}\n")
    (path / "memory").mkdir()
    (path / "memory" / "2026-02-15.md").write_text(CLEAN_NOTE)
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=path, env=env, check=True,
                   capture_output=True)
    git("add", "-A", cwd=path, env=env)
    first = git("commit", "-m", "clean notes", cwd=path, env=env, check=False)
    assert first.returncode == 0, first.stdout + first.stderr   # a clean commit passes
    assert "brokenlang" in first.stdout + first.stderr
    return path


def test_a_commit_that_adds_a_stale_entry_is_refused(tmp_path: Path, hook_repo: tuple[str, str],
                                                     env: dict[str, str]) -> None:
    repo = user_repo(tmp_path, hook_repo, "brokenlang", env)
    (repo / "memory" / "2026-02-14.md").write_text(STALE_NOTE)
    git("add", "memory/2026-02-14.md", cwd=repo, env=env)
    refused = git("commit", "-m", "stale", cwd=repo, env=env, check=False)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0, output
    assert "memory/2026-02-14.md:4:9:" in output and "[stale]" in output and "cloudrun-500" in output
    assert git("rev-list", "--count", "HEAD", cwd=repo, env=env).stdout.strip() == "1"
    assert (repo / "memory" / "2026-02-14.md").read_text() == STALE_NOTE   # check only: untouched

    (repo / "memory" / "2026-02-14.md").write_text("# 2026-02-14\n\n- 08:00 coffee\n- 09:10 deploy went fine\n")
    git("add", "memory/2026-02-14.md", cwd=repo, env=env)
    clean = git("commit", "-m", "clean", cwd=repo, env=env, check=False)
    assert clean.returncode == 0, clean.stdout + clean.stderr


def test_the_fix_hook_quarantines_then_the_second_run_passes(tmp_path: Path, hook_repo: tuple[str, str],
                                                            env: dict[str, str]) -> None:
    repo = user_repo(tmp_path, hook_repo, "brokenlang-fix", env)
    note = repo / "memory" / "2026-02-14.md"
    note.write_text(STALE_NOTE)
    git("add", "memory/2026-02-14.md", cwd=repo, env=env)
    fixed = git("commit", "-m", "stale", cwd=repo, env=env, check=False)
    output = fixed.stdout + fixed.stderr
    assert fixed.returncode != 0, output                  # a fixer fails so that the user reviews
    assert "quarantined bl-" in output and "files were modified by this hook" in output
    text = note.read_text()
    assert "deploy failed" not in text and text.count("brokenlang: quarantined bl-") == 1
    quarantine = repo / ".brokenlang" / "quarantine" / "memory" / "2026-02-14.md"
    assert "- 09:10 deploy failed with HTTP 500\n" in quarantine.read_text()

    git("add", "memory/2026-02-14.md", cwd=repo, env=env)
    again = git("commit", "-m", "stale entry quarantined", cwd=repo, env=env, check=False)
    assert again.returncode == 0, again.stdout + again.stderr
    assert note.read_text() == text
