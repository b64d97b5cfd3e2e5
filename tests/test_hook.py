"""`brokenlang hook FILE...` and its prefilter (brokenlang/triggers.py)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from brokenlang import patterns, triggers

RULES = patterns.load_packs(None)
NEEDS = triggers.derive(RULES)
FAILING = "# 2026-02-10\n\n## Cron\n- `nightly-backup` cron keeps timing out after 30 minutes\n"
FIXED = "# 2026-02-14\n\n## Backups\n- nightly-backup cron fixed: raised the timeout, last two runs finished clean ✅\n"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_the_prefilter_lets_every_example_of_every_rule_through(rule: object) -> None:
    missed = [text for text in rule.match_examples if not NEEDS.may_match(text)]  # type: ignore[attr-defined]
    assert missed == []


@pytest.mark.parametrize("text", [
    "# 2026-02-15\n\n- 08:00 coffee\n- 10:00 wrote the weekly summary\n",
    "Sam likes short answers. Prefers tea to coffee.\n",
    "",
])
def test_the_prefilter_stops_plain_notes(text: str) -> None:
    assert not NEEDS.may_match(text)


@pytest.mark.parametrize(("pattern", "expected"), [
    (r"^5\d\d$", r"5\d\d"),
    (r"(^tests?$|::|\.py|_test)", r"(tests?|::|\.py|_test)"),
    (r"^[^$^]+\b$", r"[^$^]+"),
    (r"^\$?[A-Z][A-Z0-9]*_[A-Z0-9_]+$", r"\$?[A-Z][A-Z0-9]*_[A-Z0-9_]+"),
    (r"(?i)^error$", None),
])
def test_unanchor(pattern: str, expected: str | None) -> None:
    assert triggers.unanchor(pattern) == expected


def hook(cwd: Path, *args: str, code: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    script = code or "import sys; from brokenlang.cli import run; sys.exit(run(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", script, "hook", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=180, env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin", **(env or {})})


def test_a_clean_file_passes_without_importing_spacy(tmp_path: Path) -> None:
    (tmp_path / "2026-02-15.md").write_text("# 2026-02-15\n\n- 08:00 coffee\n")
    code = ("import sys; from brokenlang.cli import run; rc = run(sys.argv[1:]); "
            "print(rc, 'spacy' in sys.modules, 'brokenlang.matcher' in sys.modules)")
    p = hook(tmp_path, "2026-02-15.md", code=code)
    assert p.stdout.split() == ["0", "False", "False"], p.stderr


def test_a_clean_file_with_the_packs_cached_needs_no_yaml(tmp_path: Path) -> None:
    """With the compiled packs in the cache, a clean note is checked without PyYAML (no
    pack, ledger or config is read as YAML)."""
    (tmp_path / "2026-02-15.md").write_text("# 2026-02-15\n\n- 08:00 coffee\n")
    code = "import sys; from brokenlang.cli import run; rc = run(sys.argv[1:]); print(rc, 'yaml' in sys.modules)"
    env = {"BROKENLANG_CACHE_DIR": str(tmp_path / "cache")}
    first = hook(tmp_path, "2026-02-15.md", code=code, env=env)   # the packs read and compiled, then cached
    (tmp_path / "2026-02-15.md").write_text("# 2026-02-15\n\n- 08:00 coffee\n- 09:00 walk\n")
    again = hook(tmp_path, "2026-02-15.md", code=code, env=env)
    assert first.stdout.split() == ["0", "True"], first.stderr
    assert again.stdout.split() == ["0", "False"], again.stderr


def test_a_clean_line_added_to_a_note_with_failures_passes_without_importing_spacy(tmp_path: Path) -> None:
    """The note's failures were answered by spaCy in the commit before (the cache keeps the
    answers per file): the new line alone is looked at, and it has no failure language."""
    (tmp_path / "memory").mkdir()
    note = tmp_path / "memory" / "2026-02-10.md"
    note.write_text(FAILING)
    (tmp_path / "memory" / "2026-02-14.md").write_text(FIXED)
    code = ("import sys; from brokenlang.cli import run; rc = run(sys.argv[1:]); "
            "print(rc, 'spacy' in sys.modules)")
    env = {"BROKENLANG_CACHE_DIR": str(tmp_path / "cache")}
    before = hook(tmp_path, "memory/2026-02-10.md", code=code, env=env)
    note.write_text(FAILING + "- wrote the weekly summary\n")
    after = hook(tmp_path, "memory/2026-02-10.md", code=code, env=env)
    uncached = hook(tmp_path, "memory/2026-02-10.md", code=code, env={"BROKENLANG_NO_CACHE": "1"})
    assert before.stdout.splitlines()[-1] == "1 True", before.stderr
    assert after.stdout.splitlines()[-1] == "1 False", after.stderr
    assert after.stdout.replace("False", "True") == uncached.stdout == before.stdout
    assert "[stale]" in after.stdout and "keeps timing out" in after.stdout


def test_the_hook_compiles_the_packs_once(tmp_path: Path) -> None:
    """The check that a file may fail and the scan after it share one engine: its plan is
    read and its RE2 sets compiled once."""
    (tmp_path / "memory").mkdir()
    (tmp_path / "memory" / "2026-02-10.md").write_text(FAILING)
    (tmp_path / "memory" / "2026-02-14.md").write_text(FIXED)
    code = ("import sys; from brokenlang import engine; made = []; init = engine.Prefilter.__init__; "
            "engine.Prefilter.__init__ = lambda self, plan: (made.append(1), init(self, plan))[1]; "
            "from brokenlang.cli import run; rc = run(sys.argv[1:]); print(rc, len(made))")
    p = hook(tmp_path, "memory/2026-02-10.md", code=code, env={"BROKENLANG_CACHE_DIR": str(tmp_path / "cache")})
    assert p.stdout.splitlines()[-1] == "1 1", p.stderr


def test_files_are_judged_in_the_context_of_the_whole_memory_folder(tmp_path: Path) -> None:
    (tmp_path / "memory").mkdir()
    (tmp_path / "memory" / "2026-02-10.md").write_text(FAILING)
    (tmp_path / "memory" / "2026-02-14.md").write_text(FIXED)
    stale = hook(tmp_path, "memory/2026-02-10.md")
    assert stale.returncode == 1, stale.stderr
    [line] = [ln for ln in stale.stdout.splitlines() if ln.startswith("memory/")]
    assert line.startswith("memory/2026-02-10.md:4:") and "[stale]" in line and "2026-02-14.md" in line
    fixed = hook(tmp_path, "memory/2026-02-14.md")   # only the given files are reported
    assert (fixed.returncode, fixed.stdout) == (0, ""), fixed.stderr


def test_brokenlang_state_and_unknown_files_are_never_checked(tmp_path: Path) -> None:
    (tmp_path / ".brokenlang" / "quarantine").mkdir(parents=True)
    (tmp_path / ".brokenlang" / "quarantine" / "old.md").write_text(FAILING)
    (tmp_path / "app.py").write_text("# deploy failed with HTTP 500\n")
    p = hook(tmp_path, ".brokenlang/quarantine/old.md", "app.py", "missing.md")
    assert (p.returncode, p.stdout) == (0, ""), p.stderr
