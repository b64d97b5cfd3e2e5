"""The fast path around the engine: the content-hash cache (never stale, unchanged files
not matched again), worker processes (same hits, same order), huge logs read in pieces
(same records, same findings, real line numbers) and lazy imports."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from brokenlang import cache, codec, engine, entries, findings, incremental, parallel, patterns, run
from brokenlang.models import SourceFile
from brokenlang.run import ScanOptions

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
import corpus  # noqa: E402

LEDGER = ("version: 1\nissues:\n  - id: cloudrun-500\n    title: Cloud Run deploy returns HTTP 500\n"
          "    match: [deploy failed with HTTP 500]\n    resolved: 2026-02-16\n")
LOG = """\
2026-02-10 09:00:00 INFO gateway started on 18789
2026-02-10 09:10:02 ERROR deploy failed with HTTP 500 for api-00042
Traceback (most recent call last):
  File "/srv/gateway/hooks.py", line 88, in run_deploy
    resp.raise_for_status()
requests.exceptions.HTTPError: 500 Server Error: Internal Server Error
2026-02-10 09:12:40 INFO rolled back to api-00041
2026-02-10 09:13:00 WARN cron job nightly-backup timed out after 30 minutes
2026-02-10 09:14:00 INFO wrote checkpoint 12

2026-02-10 09:15:00 ERROR permission denied writing /var/data/export.csv
2026-02-10 09:16:00 INFO synced 14 messages # brokenlang: ignore
2026-02-10 09:17:00 ERROR disk full on /dev/sda1 # brokenlang: ignore
"""


def workspace(root: Path) -> Path:
    (root / ".brokenlang").mkdir(parents=True)
    (root / ".brokenlang" / "ledger.yaml").write_text(LEDGER)
    (root / "memory").mkdir()
    (root / "memory" / "2026-02-10.md").write_text("# 2026-02-10\n\n- 09:10 deploy failed with HTTP 500\n"
                                                   "- cron `backup` keeps crashing\n- wrote the notes\n")
    (root / "memory" / "2026-02-11.md").write_text("# 2026-02-11\n\n- OAuth token expired for Gmail\n")
    return root


def scan(root: Path, **options: Any) -> run.Report:
    return run.scan([str(root)], ScanOptions(git_dates=False, cwd=str(root), **options))


# -- cache ---------------------------------------------------------------------------------

def test_the_engine_is_derived_once_per_pack_content(tmp_path: Path) -> None:
    store = cache.Cache(str(tmp_path / "c"))
    files = patterns.pack_files([patterns.builtin_dir()])
    cold = engine.load(files, store)
    warm = engine.load(files, store)
    assert warm.plan == cold.plan and list(warm.rules.values()) == patterns.load_packs(files)
    pack = tmp_path / "x.yaml"
    pack.write_text("pack: x\nrules:\n  - id: x.boom\n    message: boom\n    phrases: [kaboom]\n"
                    "    examples: {match: [kaboom]}\n")
    assert cache.packs_key([str(pack)]) != cache.packs_key([str(pack), *files])
    before = cache.packs_key([str(pack)])
    pack.write_text(pack.read_text().replace("kaboom]", "ka-boom]"))
    assert cache.packs_key([str(pack)]) != before


def test_an_engine_is_reused_only_for_the_same_packs_and_cache(tmp_path: Path) -> None:
    store = cache.Cache(str(tmp_path / "c"))
    files = patterns.pack_files([patterns.builtin_dir()])
    first = engine.load(files, store)
    assert engine.load(files, cache.Cache(str(tmp_path / "c")), reuse=first) is first
    assert engine.load(files, cache.Cache(str(tmp_path / "other")), reuse=first) is not first
    assert engine.load(files, cache.NO_CACHE, reuse=first) is not first
    pack = tmp_path / "x.yaml"
    pack.write_text("pack: x\nrules:\n  - id: x.boom\n    message: boom\n    phrases: [kaboom]\n"
                    "    examples: {match: [kaboom]}\n")
    other = engine.load([str(pack)], store, reuse=first)
    assert other is not first and list(other.rules) == ["x.boom"]


def test_unchanged_files_are_not_analysed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROKENLANG_CACHE_DIR", str(tmp_path / "cache"))
    root = workspace(tmp_path / "ws")
    first = scan(root)
    assert {f.state for f in first.findings} == {"stale", "open"}
    asked: list[str] = []
    analysed: list[str] = []
    real_match, real_analyse = engine.FastMatcher.match_all, findings.analyse_file

    def counting(self: engine.FastMatcher, text: str) -> Any:
        asked.append(text)
        return real_match(self, text)

    def analysing(f: SourceFile, *a: Any) -> Any:
        analysed.append(f.path)
        return real_analyse(f, *a)

    monkeypatch.setattr(engine.FastMatcher, "match_all", counting)
    monkeypatch.setattr(findings, "analyse_file", analysing)
    again = scan(root)
    assert (again.findings, again.ignored) == (first.findings, first.ignored) and asked == analysed == []
    note = root / "memory" / "2026-02-11.md"
    note.write_text(note.read_text() + "- the search index is corrupted\n")
    changed = scan(root)
    assert asked and all("2026-02-10" not in t and "deploy failed" not in t for t in asked)
    assert analysed == ["memory/2026-02-11.md"]
    assert len(changed.findings) == len(first.findings) + 1
    assert (changed.findings, changed.ignored) == (lambda r: (r.findings, r.ignored))(scan(root, cache=False))


def test_an_edited_file_asks_spacy_only_about_its_new_entries(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from brokenlang import matcher as matcher_mod

    monkeypatch.setenv("BROKENLANG_CACHE_DIR", str(tmp_path / "cache"))
    root = workspace(tmp_path / "ws")
    asked: list[str] = []
    real = matcher_mod.UnitMatcher.match_all

    def counting(self: Any, text: str, *a: Any) -> Any:
        asked.append(text)
        return real(self, text, *a)

    monkeypatch.setattr(matcher_mod.UnitMatcher, "match_all", counting)
    first = scan(root)
    assert len(asked) == 3   # the three failures
    note = root / "memory" / "2026-02-10.md"

    def edited(line: str) -> run.Report:
        note.write_text(note.read_text() + line)
        asked.clear()
        return scan(root)

    def uncached() -> tuple[Any, Any]:
        got = scan(root, cache=False)
        return got.findings, got.ignored

    clean = edited("- 10:00 wrote the weekly summary\n")
    assert asked == [] and (clean.findings, clean.ignored) == uncached() and clean.findings == first.findings
    failing = edited("- 11:00 the search index is corrupted\n")
    assert asked == ["- 11:00 the search index is corrupted"]
    assert (failing.findings, failing.ignored) == uncached() and len(failing.findings) == len(first.findings) + 1
    # a value that does not fit the rules is a miss, never a wrong answer
    values = list((tmp_path / "cache" / "answers").rglob("*.json"))
    assert len(values) == 2   # a value per file
    for value in values:
        value.write_bytes(with_digest(json.dumps([["- 09:10 deploy failed with HTTP 500", [["no.such_rule", 0, 5]]]])))
    again = edited("- 12:00 lunch\n")
    assert "- 09:10 deploy failed with HTTP 500" in asked and (again.findings, again.ignored) == uncached()
    # other packs, another key: the answers of the earlier packs are not taken
    pack = tmp_path / "extra.yaml"
    pack.write_text("pack: extra\nrules:\n  - id: extra.kaboom\n    message: kaboom\n    phrases: [kaboom]\n"
                    "    examples: {match: [kaboom]}\n")
    asked.clear()
    scan(root, packs=("builtin", str(pack)))
    assert len(asked) == 4   # the files not analysed before with these packs: every failure again


BAD_VALUES = ['[["x"', "{}", "[]", "null", '[[1, 2, 3], null, null]', '{"stamps": [], "findings": 1}',
              '{"stamps": [[null, null]], "findings": [[1]], "ignored": [], "entries": 3}']


def test_a_note_known_clean_asks_the_prefilter_only_about_its_new_entries(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """incremental.may_match (the hook's first question): the entries a file had when it was
    last found clean are known by their digests; only new ones go to the prefilter, and the
    answer is the prefilter's on every entry."""
    store = cache.Cache(str(tmp_path / "cache"))
    matcher = engine.load(patterns.pack_files([patterns.builtin_dir()]), store)
    note = tmp_path / "memory" / "2026-02-10.md"
    note.parent.mkdir()
    asked: list[str] = []
    real = engine.FastMatcher.could_match

    def counting(self: Any, text: str) -> bool:
        asked.append(text)
        return real(self, text)

    monkeypatch.setattr(engine.FastMatcher, "could_match", counting)

    def may_match(text: str) -> bool:
        note.write_text(text)
        asked.clear()
        got = incremental.may_match(matcher, SourceFile(str(note), str(note), text, 0.0, len(text)), store)
        assert got == any(real(matcher, e.masked) for e in entries.split(str(note), text))
        return got

    day = "# 2026-02-10\n\n- 09:10 wrote the notes\n"
    assert not may_match(day) and len(asked) == 2
    assert not may_match(day + "- 10:00 lunch\n") and asked == ["- 10:00 lunch"]
    assert may_match(day + "- 10:00 lunch\n- 11:00 deploy failed with HTTP 500\n")
    assert asked == ["- 11:00 deploy failed with HTTP 500"]
    # a file found failing is not remembered as clean: its failing entry is asked again
    assert may_match(day + "- 11:00 deploy failed with HTTP 500\n") and asked == ["- 11:00 deploy failed with HTTP 500"]
    # another path knows nothing of this one's entries; a damaged value is a miss
    other = tmp_path / "memory" / "2026-02-11.md"
    other.write_text(day)
    other_file = SourceFile(str(other), str(other), day, 0.0, len(day))
    asked.clear()
    assert not incremental.may_match(matcher, other_file, store) and len(asked) == 2
    (value,) = [v for v in (tmp_path / "cache" / "clean").rglob("*.json")
                if v.stem == incremental.clean_key(matcher.key, str(other))]
    value.write_bytes(with_digest(json.dumps({"not": "a list"})))
    asked.clear()
    assert not incremental.may_match(matcher, other_file, store) and len(asked) == 2


def with_digest(text: str) -> bytes:
    body = text.encode()
    return hashlib.sha256(body).hexdigest().encode() + b"\n" + body


def stored(path: Path) -> Any:
    return json.loads(path.read_text("ascii").split("\n", 1)[1])


def test_a_damaged_cache_is_a_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROKENLANG_CACHE_DIR", str(tmp_path / "cache"))
    root = workspace(tmp_path / "ws")
    first = scan(root)
    values = sorted(p for p in (tmp_path / "cache").rglob("*.json") if not p.name.startswith("engine-"))
    assert len(values) == 5   # two files, the engine's answers for each, and the run
    for bad in BAD_VALUES:
        for p in values:
            p.write_text(bad)   # no digest: a damaged file
        assert scan(root).findings == first.findings, bad
        for p in values:
            p.write_bytes(with_digest(bad))   # well stored, but not a value of its kind
        assert scan(root).findings == first.findings, bad
    src = run.collect([str(root)], ScanOptions(cwd=str(root)))
    other = codec.encode_file(findings.analyse_file(src.files[0], run.load_matcher(src.config)))
    for p in values:   # a well-formed value of another file: the path does not match
        p.write_bytes(with_digest(json.dumps([other, None, None])))
    assert scan(root).findings == first.findings
    assert scan(root, cache=False).findings == first.findings


def test_cache_values_are_json_and_keep_undecodable_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROKENLANG_CACHE_DIR", str(tmp_path / "cache"))
    root = workspace(tmp_path / "ws")
    (root / "memory" / "latin.md").write_bytes(b"- caf\xe9 deploy failed with HTTP 500\n")
    first = scan(root)
    values = [stored(p) for p in (tmp_path / "cache" / "file").rglob("*.json")]
    assert any("caf\udce9" in h[2] for value in values for h in value[0][5])
    (tmp_path / "cache").joinpath(*[p.name for p in (tmp_path / "cache").glob("run-*.json")]).unlink()
    assert scan(root).findings == first.findings   # from the files' values


def test_a_value_that_depended_on_the_mtime_is_kept_only_while_it_holds(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROKENLANG_CACHE_DIR", str(tmp_path / "cache"))
    root = workspace(tmp_path / "ws")
    note = root / "notes.md"   # no date in its name or text: dated by its mtime
    note.write_text("- deploy failed with HTTP 500\n")
    states = []
    for day in ("2026-02-10", "2026-03-01", "2026-02-10"):
        stamp = dt.datetime.fromisoformat(day + "T12:00:00+00:00").timestamp()
        os.utime(note, (stamp, stamp))
        got = scan(root)
        assert got.findings == scan(root, cache=False).findings
        states.append(next(f.state for f in got.findings if f.path.endswith("notes.md")))
    assert states == ["stale", "open", "stale"]


def test_a_value_that_asked_git_is_kept_only_for_the_same_commit(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROKENLANG_CACHE_DIR", str(tmp_path / "cache"))
    root = workspace(tmp_path / "ws")
    note = root / "notes.md"
    note.write_text("- deploy failed with HTTP 500\n")
    later = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC).timestamp()
    os.utime(note, (later, later))   # the mtime alone would say: after the fix

    def git(*args: str, when: str = "2026-02-10T12:00:00+00:00") -> None:
        env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when, "GIT_AUTHOR_NAME": "t",
               "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)

    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", "notes")
    states = []
    for when in (None, "2026-03-02T12:00:00+00:00"):
        if when:
            git("commit", "-q", "--amend", "-m", "notes, later", when=when)
        got = run.scan([str(root)], ScanOptions(cwd=str(root)))
        assert got.findings == run.scan([str(root)], ScanOptions(cwd=str(root), cache=False)).findings
        states.append(next((f.state, f.date_source) for f in got.findings if f.path.endswith("notes.md")))
    assert states == [("stale", "git"), ("recurred", "git")]


def test_a_scan_writes_nothing_in_the_project_unless_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BROKENLANG_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    root = workspace(tmp_path / "ws")
    scan(root)
    assert sorted(p.name for p in (root / ".brokenlang").iterdir()) == ["ledger.yaml"]
    assert list((tmp_path / "xdg" / "brokenlang").glob("engine-*.json"))
    (root / ".brokenlang" / "cache").mkdir()
    scan(root)
    assert list((root / ".brokenlang" / "cache" / "file").rglob("*.json"))


def file_values(folder: Path) -> list[Path]:
    return sorted((folder / "file").rglob("*.json"))


def test_trim_removes_the_least_recently_used_values_first(tmp_path: Path) -> None:
    store = cache.Cache(str(tmp_path / "c"))
    keys = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(10)]
    for age, key in enumerate(keys):   # keys[0] is the newest
        store.put("file", key, {"value": "x" * 1000, "key": key})
        then = 1_700_000_000 - age * 60
        os.utime(store._path("file", key), (then, then))
    store.touch("file", keys[9])   # the oldest, used just now
    size = os.path.getsize(store._path("file", keys[0]))
    shards = tmp_path / "c" / "file" / keys[0][:2]
    old_temp, new_temp = shards / ".tmp-old", shards / ".tmp-new"
    old_temp.write_text("half a value")
    new_temp.write_text("being written")
    os.utime(old_temp, (1_700_000_000, 1_700_000_000))
    assert store.trim("file", 10 * size) == 0 and len(file_values(tmp_path / "c")) == 10
    assert not old_temp.exists() and new_temp.exists()   # a killed writer's left-over goes, a live one stays
    assert store.trim("file", 5 * size) == 6   # down to 80 %: 4 values
    left = {p.stem for p in file_values(tmp_path / "c")}
    assert left == {keys[0], keys[1], keys[2], keys[9]}
    assert all(store.get("file", k) == {"value": "x" * 1000, "key": k} for k in left)
    assert cache.Cache(None).trim("file", 0) == 0


def test_the_cache_stays_under_its_limit_and_gives_the_same_findings(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROKENLANG_CACHE_DIR", str(tmp_path / "cache"))
    root = workspace(tmp_path / "ws")
    for day in range(12, 20):
        (root / "memory" / f"2026-02-{day}.md").write_text(f"# 2026-02-{day}\n\n- sync job failed on run {day}\n")
    unbounded = scan(root)
    total = sum(p.stat().st_size for p in file_values(tmp_path / "cache"))
    assert len(file_values(tmp_path / "cache")) == 10
    limit = total // 2
    monkeypatch.setenv("BROKENLANG_CACHE_MAX_MB", str(limit / (1 << 20)))
    note = root / "memory" / "2026-02-19.md"
    for i in range(3):   # each scan stores a new value for the changed note, then trims
        note.write_text(note.read_text() + f"- the search index is corrupted ({i})\n")
        got = scan(root)
        assert sum(p.stat().st_size for p in file_values(tmp_path / "cache")) <= limit
        assert (got.findings, got.ignored) == (lambda r: (r.findings, r.ignored))(scan(root, cache=False))
    assert len(got.findings) == len(unbounded.findings) + 3


def test_a_bad_cache_limit_is_refused_before_any_work(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws")
    env = {**os.environ, "BROKENLANG_CACHE_DIR": str(tmp_path / "cache"), "BROKENLANG_CACHE_MAX_MB": "1GB"}
    got = subprocess.run([sys.executable, "-m", "brokenlang", "scan", str(root)], env=env, capture_output=True,
                         text=True)
    assert got.returncode == 2 and "BROKENLANG_CACHE_MAX_MB" in got.stderr and "'1GB'" in got.stderr
    assert not (tmp_path / "cache" / "file").exists()


def test_only_the_engines_last_used_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "ENGINES_KEPT", 2)
    store = cache.Cache(str(tmp_path / "c"))
    packs = []
    for i in range(3):
        pack = tmp_path / f"p{i}.yaml"
        pack.write_text(f"pack: p{i}\nrules:\n  - id: p{i}.boom\n    message: boom\n    phrases: [kaboom{i}]\n"
                        f"    examples: {{match: [kaboom{i}]}}\n")
        packs.append([str(pack)])
    for i, files in enumerate(packs):
        engine.load(files, store)
        stamp = 1_700_000_000 + i
        os.utime(store._path("engine", cache.packs_key(files)), (stamp, stamp))
    engine.load(packs[0], store)   # used again: now the newest
    engine.load(packs[2], store)
    kept = {p.name for p in (tmp_path / "c").glob("engine-*.json")}
    assert kept == {f"engine-{cache.packs_key(packs[i])}.json" for i in (0, 2)}


def json_scan(root: Path, cache_dir: Path, *args: str) -> dict[str, Any]:
    env = {**os.environ, "BROKENLANG_CACHE_DIR": str(cache_dir)}
    got = subprocess.run([sys.executable, "-m", "brokenlang", "scan", ".", "--format", "json", "--fail-on", "never",
                          "--no-git", *args], cwd=root, env=env, capture_output=True, check=True)
    out: dict[str, Any] = json.loads(got.stdout)
    out["summary"].pop("seconds")
    return out


def test_a_report_rendered_from_the_cache_is_the_report_rendered_anew(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws")
    (root / "memory" / "latin.md").write_bytes(b"- caf\xe9 deploy failed with HTTP 500 \xe2\x9c\x97\n"
                                               b"- not an error: the retry handles it\n")
    for args in ((), ("--show-ignored",)):
        first = json_scan(root, tmp_path / "cache", *args)
        assert first["findings"] and (first["ignored"] or not args)
        again = json_scan(root, tmp_path / "cache", *args)
        assert again == first == json_scan(root, tmp_path / "cache", "--no-cache", *args)
    values = list((tmp_path / "cache").glob("out-*.json"))
    assert len(values) == 2   # the list of findings, and the list of ignored hits
    for p in values:   # the lists are taken from there: a (well stored) change shows
        body = p.read_bytes().split(b"\n", 1)[1].replace(b'"message": "', b'"message": "(kept) ')
        p.write_bytes(hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
    kept = json_scan(root, tmp_path / "cache", "--show-ignored")
    assert all(f["message"].startswith("(kept) ") for f in kept["findings"] + kept["ignored"])


def test_a_rendered_report_is_not_used_when_a_stamp_changed(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws")
    note = root / "notes.md"   # dated by its mtime only
    note.write_text("- deploy failed with HTTP 500\n")
    states = []
    for day in ("2026-02-10", "2026-03-01", "2026-02-10"):
        stamp = dt.datetime.fromisoformat(day + "T12:00:00+00:00").timestamp()
        os.utime(note, (stamp, stamp))
        got = json_scan(root, tmp_path / "cache")
        assert got == json_scan(root, tmp_path / "cache")
        states.append(next(f["state"] for f in got["findings"] if f["path"].endswith("notes.md")))
    assert states == ["stale", "open", "stale"]


# -- workers -------------------------------------------------------------------------------

@pytest.mark.parametrize("use_git", [False, True])
def test_workers_give_the_same_analyses_in_the_same_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          use_git: bool) -> None:
    corpus.workspace(tmp_path / "ws", mb=0.3, seed=3)
    src = run.collect([str(tmp_path / "ws")], ScanOptions(cwd=str(tmp_path)))
    m = run.load_matcher(src.config, cache=False)
    spec = parallel.MatcherSpec("fast", tuple(m.rules.values()), m.plan)
    keyed = [incremental.Keyed(sf, "") for sf in src.files]

    def analyses(jobs: int) -> list[findings.FileAnalysis]:
        return incremental.analyse_files(keyed, m, spec, cache.NO_CACHE, use_git, jobs, incremental.Stamper())[0]

    one = analyses(1)
    monkeypatch.setattr(incremental, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(incremental, "BATCH_FILES", 3)
    two = analyses(2)
    assert two == one and len(one) == len(src.files) > 20 and sum(len(fa.hits) for fa in one) > 20


def test_work_in_the_background_is_done_by_another_process_when_waited_for(tmp_path: Path) -> None:
    import threading

    def record(name: str) -> Any:
        return lambda: (tmp_path / name).write_text(str(os.getpid()))

    wait = parallel.in_background(record("forked"))
    wait()
    assert int((tmp_path / "forked").read_text()) != os.getpid()
    parallel.in_background(lambda: (tmp_path / "nice").write_text(str(os.nice(0))), nice=5)()
    assert int((tmp_path / "nice").read_text()) == min(os.nice(0) + 5, 19)
    parallel.in_background(lambda: 1 / 0)()   # a child that fails: nothing is raised here
    assert parallel.in_background(record("unwanted"), wanted=False)() is None
    assert int((tmp_path / "unwanted").read_text()) == os.getpid()
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:   # another thread runs: no fork, done here at once
        parallel.in_background(record("threaded"))
        assert int((tmp_path / "threaded").read_text()) == os.getpid()
    finally:
        stop.set()
        other.join()


def test_a_large_scan_stores_its_files_values_in_the_background(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROKENLANG_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(run, "BACKGROUND_MIN_FILES", 1)
    writers: list[int] = []
    real = incremental.store_files

    def storing(*a: Any, **k: Any) -> None:
        writers.append(os.getpid())
        real(*a, **k)

    monkeypatch.setattr(incremental, "store_files", storing)
    root = workspace(tmp_path / "ws")
    first = scan(root)
    assert len(file_values(tmp_path / "cache")) == 2 and writers == []   # written by a child (its list)
    (tmp_path / "cache").joinpath(*[p.name for p in (tmp_path / "cache").glob("run-*.json")]).unlink()
    analysed: list[str] = []
    real_analyse = findings.analyse_file
    monkeypatch.setattr(findings, "analyse_file", lambda f, *a: analysed.append(f.path) or real_analyse(f, *a))
    assert scan(root).findings == first.findings and analysed == []   # from the values the child wrote


# -- huge logs -----------------------------------------------------------------------------

def test_a_log_read_in_pieces_splits_into_the_same_records(tmp_path: Path) -> None:
    log = tmp_path / "big.log"
    lines = [LOG] * 20 + ["2026-02-11 08:00:00 INFO done\r\n", "plain line\n", "  continued\n"] * 30
    log.write_bytes("".join(lines).encode())
    whole = [(e.start_line, e.end_line, e.text) for e in entries.split(str(log), log.read_text())]
    pieces = parallel.read_pieces(str(log), chunk_bytes=300)
    assert not isinstance(pieces, str)
    got = []
    n = 0
    for first, text in pieces:
        n += 1
        got += [(first + e.start_line - 1, first + e.end_line - 1, e.text) for e in entries.split(str(log), text)]
    assert n > 10 and got == whole


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_huge_log_gives_the_findings_of_the_whole_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          jobs: int) -> None:
    root = tmp_path / "ws"
    (root / ".brokenlang").mkdir(parents=True)
    (root / ".brokenlang" / "ledger.yaml").write_text(LEDGER)
    filler = "".join(f"2026-02-10 10:{i % 60:02d}:00 INFO wrote checkpoint {i}\n" for i in range(400))
    (root / "gateway.log").write_text(LOG + filler + LOG.replace("2026-02-10", "2026-02-20") + filler)
    monkeypatch.setattr(parallel, "CHUNK_BYTES", 2048)
    whole = scan(root, cache=False)
    (root / ".brokenlang.yaml").write_text("max_file_bytes: 4096\n")
    streamed = scan(root, cache=False, jobs=jobs)
    assert (streamed.findings, streamed.ignored) == (whole.findings, whole.ignored)
    assert streamed.findings[0].line == 2 and max(f.line for f in streamed.findings) > 413   # real lines
    assert {u.line for u in streamed.unused_suppressions} == {u.line for u in whole.unused_suppressions}
    assert not any("larger than" in n.message for n in streamed.notices)


# -- lazy imports --------------------------------------------------------------------------

HEAVY = ("spacy", "rapidfuzz", "watchdog", "multiprocessing")


@pytest.mark.parametrize("command", [["scan", "."], ["hook", "memory/2026-02-12.md"]])
def test_a_clean_run_imports_no_heavy_module(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / ".brokenlang").mkdir()
    (tmp_path / ".brokenlang" / "ledger.yaml").write_text(LEDGER)
    (tmp_path / "memory").mkdir()
    (tmp_path / "memory" / "2026-02-12.md").write_text("# 2026-02-12\n\n- 08:00 coffee\n- wrote the weekly notes\n")
    code = ("import sys; from brokenlang.cli import run; rc = run(sys.argv[1:]); "
            f"print(rc, [m for m in {HEAVY!r} if m in sys.modules])")
    p = subprocess.run([sys.executable, "-c", code, *command], cwd=tmp_path, capture_output=True, text=True,
                       timeout=120)
    assert p.stdout.split("\n")[-2] == "0 []", p.stdout + p.stderr


# -- the global step over two processes ----------------------------------------------------

def test_fork_map_gives_the_parts_in_order_and_redoes_a_failed_part() -> None:
    import os as os_mod

    items = list(range(101))
    assert parallel.fork_map(lambda part: [x * x for x in part], items, 3) == [
        [x * x for x in items[:33]], [x * x for x in items[33:67]], [x * x for x in items[67:]]]
    parent = os_mod.getpid()

    def fails_in_a_child(part: Any) -> list[int]:
        if os_mod.getpid() != parent:
            raise RuntimeError("a child that dies")
        return list(part)

    assert parallel.fork_map(fails_in_a_child, items, 2) == [items[:50], items[50:]]


def test_resolution_spread_over_processes_is_the_same(tmp_path: Path) -> None:
    corpus.workspace(tmp_path / "ws", mb=0.3, seed=9)
    src = run.collect([str(tmp_path / "ws")], ScanOptions(cwd=str(tmp_path)))
    m = run.load_matcher(src.config, cache=False)
    own = [findings.analyse_file(sf, m) for sf in src.files]
    ledger = run.ledger_mod.LedgerMatcher(run.ledger_mod.load(src.ledger_path))
    parts: list[int] = []

    def spread(fn: Any, failures: Any) -> Any:
        got = parallel.fork_map(fn, failures, 2)
        parts.append(len(got))
        return got

    together = findings.combine(own, m.rules, ledger)
    assert findings.combine(own, m.rules, ledger, spread) == together and parts == [2]
    assert sum(f.resolved_by == "text" for f in together.findings) > 5


def test_file_analyses_round_trip_through_the_cache_form(tmp_path: Path) -> None:
    corpus.workspace(tmp_path / "ws", mb=0.2, seed=4)
    src = run.collect([str(tmp_path / "ws"), str(REPO / "samples")], ScanOptions(cwd=str(tmp_path)))
    m = run.load_matcher(src.config, cache=False)
    own = [findings.analyse_file(sf, m) for sf in src.files]
    assert [codec.decode_file(json.loads(json.dumps(codec.encode_file(fa)))) for fa in own] == own
    assert sum(len(fa.statements) for fa in own) > 50 and sum(len(fa.hits) for fa in own) > 50
    first = next(fa for fa in own if fa.statements)
    odd = first.statements[0]._replace(own=frozenset({"a b", "c"}), context=frozenset(), focus=(frozenset({"x\ty"}),))
    fa = first._replace(statements=(odd,), hits=())
    assert codec.decode_file(json.loads(json.dumps(codec.encode_file(fa)))) == fa   # words with white space
