"""An entry with no date of its own is dated by the line's last git commit."""
import json
import os
import subprocess


def git(cwd, *args, date=None):
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def test_git_commit_date_dates_undated_lines(cli, tmp_path):
    git(tmp_path, "init", "-q")
    (tmp_path / "MEMORY.md").write_text("# Memory\n\n- the nightly cron keeps crashing\n")
    git(tmp_path, "add", "MEMORY.md")
    git(tmp_path, "commit", "-qm", "notes", date="2026-02-10T12:00:00+00:00")
    with open(tmp_path / "MEMORY.md", "a") as fh:   # a later, uncommitted line: dated by mtime
        fh.write("- the backup cron keeps crashing\n")
    (tmp_path / "ledger.yaml").write_text(
        "version: 1\nissues:\n  - id: cron\n    title: crons crash\n"
        "    match: [nightly cron keeps crashing, backup cron keeps crashing]\n    resolved: 2026-02-20\n")
    doc = json.loads(cli("scan", "--format", "json", "--ledger", "ledger.yaml", cwd=tmp_path).stdout)
    got = {f["line"]: (f["date_source"], f["entry_date"], f["state"]) for f in doc["findings"]}
    assert got[3] == ("git", "2026-02-10", "stale")
    assert got[4][0] == "mtime" and got[4][2] == "open"   # written now: later than the resolution
