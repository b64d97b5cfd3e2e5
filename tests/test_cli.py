import json
import os

import jsonschema
import pytest

from brokenlang import cli as cli_mod

with open(os.path.join(os.path.dirname(__file__), "data", "report.schema.json")) as _fh:
    SCHEMA = json.load(_fh)


def states(doc):
    return sorted((f["path"], f["line"], f["state"]) for f in doc["findings"])


def test_json_report_states_and_schema(cli, workspace):
    p = cli("scan", "--format", "json", "--no-git", cwd=workspace)
    assert p.returncode == 1, p.stderr
    doc = json.loads(p.stdout)
    jsonschema.validate(doc, SCHEMA)
    got = {(f["path"], f["line"]): f for f in doc["findings"]}
    stale = got[("memory/2026-02-14.md", 3)]
    assert (stale["state"], stale["ledger_id"], stale["resolved_by"]) == ("stale", "cloudrun-500", "ledger")
    assert stale["date_source"] == "timestamp" and stale["entry_date"] == "2026-02-14"
    assert got[("memory/2026-02-20.md", 3)]["state"] == "recurred"
    assert got[("memory/2026-02-14.md", 4)]["state"] == "open"
    assert got[("memory/2026-02-20.md", 4)]["state"] == "resolved"
    assert ("memory/2026-02-20.md", 5) not in got
    assert doc["summary"]["by_state"] == {"stale": 1, "recurred": 1, "open": 1, "resolved": 1}
    assert doc["summary"]["context_tokens"] > 0 and doc["ignored"] == []


def test_show_ignored_lists_reason(cli, workspace):
    doc = json.loads(cli("scan", "--format", "json", "--show-ignored", cwd=workspace).stdout)
    jsonschema.validate(doc, SCHEMA)
    assert [(i["line"], i["reason"]) for i in doc["ignored"] if i["path"] == "memory/2026-02-20.md"] == [
        (5, "negated")]


@pytest.mark.parametrize(("fail_on", "code"), [("stale", 1), ("recurred", 1), ("open", 1), ("never", 0)])
def test_fail_on(cli, workspace, fail_on, code):
    assert cli("scan", "--fail-on", fail_on, cwd=workspace).returncode == code


def test_exit_0_when_only_open(cli, tmp_path):
    (tmp_path / "notes.md").write_text("- the nightly cron keeps crashing\n")
    p = cli("scan", cwd=tmp_path)
    assert p.returncode == 0
    assert "notes.md:1:" in p.stdout and "[open]" in p.stdout


def test_text_line_format(cli, workspace):
    p = cli("scan", "--no-git", cwd=workspace)
    first = next(ln for ln in p.stdout.splitlines() if "[stale]" in ln)
    assert first.startswith("memory/2026-02-14.md:3:")
    assert "\x1b[" not in p.stdout   # NO_COLOR / not a TTY
    assert p.stdout.splitlines()[-1].startswith("4 findings (1 stale, 1 recurred, 1 open, 1 resolved)")


def test_fingerprint_survives_lines_moving(cli, workspace):
    before = json.loads(cli("scan", "--format", "json", cwd=workspace).stdout)
    note = workspace / "memory" / "2026-02-14.md"
    note.write_text("# 2026-02-14\n\nIntro paragraph.\n\nMore text.\n\n" + note.read_text().split("\n\n", 1)[1])
    after = json.loads(cli("scan", "--format", "json", cwd=workspace).stdout)
    fp = {f["fingerprint"]: f["line"] for f in before["findings"]}
    moved = {f["fingerprint"]: f["line"] for f in after["findings"]}
    assert set(fp) == set(moved)
    assert any(moved[k] != fp[k] for k in fp)


@pytest.mark.parametrize(("files", "args", "message"), [
    ({"l.yaml": "version: 1\nissues:\n  - id: a\n    title: t\n    match: [x]\n    resolved: 2026-13-01\n"},
     ["--ledger", "l.yaml"], "l.yaml:6: bad date"),
    ({"l.yaml": "version: 1\nissues:\n  - id: a\n    titel: t\n"}, ["--ledger", "l.yaml"],
     "l.yaml:4: unknown key 'titel'"),
    ({".brokenlang.yaml": "fail_on: stale\ncolour: red\n"}, [], ".brokenlang.yaml:2: unknown config key 'colour'"),
    ({"p/x.yaml": "pack: x\nrules:\n  - id: x.a\n    message: m\n    phrases: [boom]\n    flavour: 1\n"
                  "    examples: {match: [boom]}\n"}, ["--packs", "p"], "x.yaml:6: unknown key 'flavour'"),
    ({"p/x.yaml": "pack: x\nrules:\n  - id: x.a\n    message: m\n    patterns: [[{LEMMA: fail}]]\n"
                  "    examples: {match: [boom]}\n"}, ["--packs", "p"],
     "x.yaml:5: rule x.a: bad token attribute 'LEMMA'"),
    ({"p/x.yaml": "pack: x\nrules:\n  - id: x.a\n    message: m\n    patterns: [[{LOWER: {REGEX: '(a)\\1'}}]]\n"
                  "    examples: {match: [boom]}\n"}, ["--packs", "p"], "not supported by RE2"),
    ({}, ["missing-folder"], "missing-folder: no such file or folder"),
])
def test_user_errors_exit_2_naming_file_and_line(cli, tmp_path, files, args, message):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "notes.md").write_text("- deploy failed\n")
    p = cli("scan", *args, cwd=tmp_path)
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert message in p.stderr
    assert "Traceback" not in p.stderr


def test_patterns_test_failing_example_is_exit_2(cli, tmp_path):
    (tmp_path / "x.yaml").write_text("pack: x\nrules:\n  - id: x.boom\n    message: m\n    phrases: [boom]\n"
                                     "    examples: {match: [bang], no_match: [boom]}\n")
    p = cli("patterns", "test", "--packs", str(tmp_path / "x.yaml"))
    assert p.returncode == 2
    assert "x.yaml:3: x.boom: example should match but does not: 'bang'" in p.stderr
    assert "x.yaml:3: x.boom: example should not match but does: 'boom'" in p.stderr


def test_patterns_builtin_pass_and_list(cli):
    p = cli("patterns", "test")
    assert p.returncode == 0, p.stderr
    listed = cli("patterns", "list").stdout.splitlines()
    packs = {ln.split(".")[0] for ln in listed}
    assert {"deploy", "http", "cron", "files", "auth", "service", "crash", "blocked", "agent", "log"} <= packs


def test_binary_and_invalid_utf8_files_do_not_stop_the_run(cli, tmp_path):
    (tmp_path / "blob.log").write_bytes(b"\x00\x01\x02 deploy failed\x00" * 100)
    (tmp_path / "latin.md").write_bytes(b"- caf\xe9 deploy failed with HTTP 500\n")
    p = cli("scan", "--format", "json", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert [f["path"] for f in doc["findings"]] == ["latin.md"]
    assert any(n["path"] == "blob.log" and "binary" in n["message"] for n in doc["notices"])


def test_internal_error_is_exit_3_with_log(monkeypatch, capsys, tmp_path):
    def boom(*a, **k):
        raise RuntimeError("kaboom")
    monkeypatch.setattr("brokenlang.run.scan", boom)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    assert cli_mod.run(["scan", "."]) == 3
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: kaboom" in err and "brokenlang-crash-" in err
    log = err.split("details in ")[1].rstrip(")\n")
    assert os.path.dirname(log) == str(tmp_path)
    with open(log) as fh:
        assert "Traceback" in fh.read()


def buffered_env():
    """The environment with Python's output buffered, as it is by default."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}


def test_output_through_a_pipe_is_whole(tmp_path):
    """The CLI leaves without tearing the interpreter down (cli.leave): what it wrote, far
    more than a pipe holds, still arrives whole."""
    import subprocess
    import sys

    (tmp_path / "memory").mkdir()
    for i in range(300):
        (tmp_path / "memory" / f"note-{i:03d}.md").write_text(f"- the nightly export {i} failed with HTTP 500\n")
    p = subprocess.run([sys.executable, "-m", "brokenlang", "scan", "--format", "json", "--no-git", "."],
                       cwd=tmp_path, env=buffered_env(), capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert len(p.stdout) > 2 * 64 * 1024   # twice what a Linux pipe holds
    doc = json.loads(p.stdout)
    assert sorted(f["path"] for f in doc["findings"]) == [f"memory/note-{i:03d}.md" for i in range(300)]


LEAVE = """
import atexit, sys, threading, time
from brokenlang.cli import leave
atexit.register(lambda: print("handler ran"))
if sys.argv[1] == "thread":
    threading.Thread(target=lambda: (time.sleep(0.3), print("thread done"))).start()
print("out")
leave(5)
"""


@pytest.mark.parametrize("case, out", [("alone", "out\nhandler ran\n"),
                                       ("thread", "out\nthread done\nhandler ran\n")])
def test_leave_flushes_runs_exit_handlers_and_waits_for_threads(tmp_path, case, out):
    import subprocess
    import sys

    p = subprocess.run([sys.executable, "-c", LEAVE, case], env=buffered_env(), capture_output=True, text=True,
                       timeout=60)
    assert (p.returncode, p.stdout) == (5, out), p.stderr


def test_a_profiled_run_still_writes_its_profile(tmp_path):
    """Under a profiler the CLI exits the usual way: cProfile writes its figures after it."""
    import subprocess
    import sys

    out = tmp_path / "scan.prof"
    p = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(out), "-m", "brokenlang", "--version"],
                       cwd=tmp_path, env=buffered_env(), capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert out.stat().st_size > 0
