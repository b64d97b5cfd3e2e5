"""brokenlang's speed, in one run, beside grep-like tools and a prose linter on the same files.

    python benchmarks/perf.py                    # a 2 MB mixed corpus: a few minutes
    python benchmarks/perf.py --mb 100           # the 100 MB corpus of the targets
    python benchmarks/perf.py --big-gb 1         # also peak RSS on one 1 GB log
    python benchmarks/perf.py --only hook,watch  # some sections only

Sections (all figures are wall time on this machine, medians where repeated):

* scan: `brokenlang scan` of a generated mixed corpus (benchmarks/corpus.py: daily
  notes, MEMORY.md, topic notes, logs; a few % failure language) with an empty cache,
  again unchanged (the cache), and with --no-cache; `rg` with the trigger vocabulary of
  the packs (the words of each pattern's anchor condition, derived from the rules: the
  reference of the 10x target) and with every literal they name, `grep -E` with the
  latter, and `proselint` on the same files, as MB/s and as ratios; where the time of a
  scan goes.
* hook: `brokenlang hook NOTE` on a 5 KB daily note with and without failure language,
  in a small memory folder, the note changed before each run (as in a commit): a new
  line each time, with failure language or without it.
* watch: benchmarks/watch_latency.py (change-to-report latency of a warm watcher).
* big (--big-gb): peak RSS of `brokenlang scan` on one log of that size (all processes).

Never asserts: a benchmark prints figures."""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import corpus  # noqa: E402

PY = sys.executable
SECTIONS = ("scan", "hook", "watch", "big")
TARGETS = {"scan_mbs": 25.0, "rg_ratio": 10.0, "hook_clean_ms": 150, "hook_dirty_ms": 900, "watch_p50_ms": 100,
           "rss_mb": 300, "rescan_s": 1.5}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--mb", type=float, default=2.0, help="size of the mixed corpus (default 2)")
    ap.add_argument("--big-gb", type=float, default=0.0, help="also scan one log of this size (GB)")
    ap.add_argument("--big-bad-rate", type=float, default=0.0005, help="share of failing records in that log")
    ap.add_argument("--jobs", type=int, default=None, help="brokenlang --jobs (default: the CPUs)")
    ap.add_argument("--proselint-mb", type=float, default=0.5, help="proselint runs on this much markdown")
    ap.add_argument("--hook-runs", type=int, default=7)
    ap.add_argument("--watch-changes", type=int, default=40)
    ap.add_argument("--only", default=",".join(SECTIONS), help="sections to run: " + ",".join(SECTIONS))
    ap.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    a = ap.parse_args(argv)
    only = set(a.only.split(","))
    work = a.keep or Path(tempfile.mkdtemp(prefix="brokenlang-perf-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"brokenlang perf: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, work folder {work}")
    try:
        if "scan" in only:
            scan_section(work, a.mb, a.jobs, a.proselint_mb)
        if "hook" in only:
            hook_section(work, a.hook_runs)
        if "watch" in only:
            watch_section(a.watch_changes)
        if "big" in only and a.big_gb:
            big_section(work, a.big_gb, a.big_bad_rate, a.jobs)
    finally:
        if a.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


# -- helpers ---------------------------------------------------------------------------------

def timed(cmd: Sequence[str], cwd: Path | None = None, env: dict[str, str] | None = None,
          stdout: Any = subprocess.DEVNULL) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    t0 = time.perf_counter()
    p = subprocess.run(list(cmd), cwd=cwd, env={**os.environ, **(env or {})}, stdout=stdout,
                       stderr=subprocess.PIPE, check=False)
    return time.perf_counter() - t0, p


def brokenlang(*args: str) -> list[str]:
    return [PY, "-m", "brokenlang", *args]


def size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and ".brokenlang" not in p.parts)


def mbs(nbytes: int, seconds: float) -> str:
    return f"{nbytes / 1e6 / seconds:8.2f} MB/s" if seconds > 0 else "       - MB/s"


def verdict(ok: bool) -> str:
    return "meets target" if ok else "MISSES target"


def trigger_words(path: Path, rules: Sequence[Any], plan: Any) -> int:
    """Every literal the packs name (the engine's word atoms and phrases), one per line:
    function words and digits too ('a', 'it', '1'), so most lines hold one."""
    words = {a.value for a in plan.atoms if a.kind == "word"}
    words.update(p.lower() for r in rules for p in r.phrases)
    for r in rules:
        for pat in r.patterns:
            for tok in pat:
                for attr in ("LOWER", "TEXT", "ORTH"):
                    v = tok.get(attr)
                    vals = [v] if isinstance(v, str) else v.get("IN", []) if isinstance(v, dict) else []
                    words.update(str(x) for x in vals if str(x).strip() and any(c.isalnum() for c in str(x)))
    path.write_text("\n".join(sorted(words)) + "\n", encoding="utf-8")
    return len(words)


def anchor_words(path: Path, plan: Any) -> tuple[int, int, int]:
    """The trigger vocabulary proper: for each token pattern and phrase of the packs, the
    words of one condition every match of it needs (the engine's anchor, its guess at
    the rarest; another all-word condition where the anchor has a regex), one per line.
    Returns (words, patterns covered, patterns whose every condition has a regex: those
    are not covered, so rg does a little less than a full prefilter)."""
    words: set[str] = set()
    covered = uncovered = 0
    for unit in plan.units:
        plain = [c for c in unit.conditions if all(plan.atoms[a].kind == "word" for a in c)]
        if not plain:
            uncovered += 1
            continue
        anchor = unit.conditions[unit.anchor] if unit.conditions[unit.anchor] in plain else plain[0]
        words.update(plan.atoms[a].value for a in anchor)
        covered += 1
    path.write_text("\n".join(sorted(words)) + "\n", encoding="utf-8")
    return len(words), covered, uncovered


def rg_time(rg: str, ws: Path, words: Path) -> tuple[float, str]:
    """rg at its best on this list: the faster of Unicode and ASCII (`--no-unicode`, the
    ASCII words only) case-blind whole-word search, each the median of 3 runs."""
    best = (0.0, "")
    for unicode in (True, False):
        listed = words
        if not unicode:
            listed = words.with_suffix(".ascii.txt")
            listed.write_text("".join(w for w in words.read_text(encoding="utf-8").splitlines(keepends=True)
                                      if w.isascii()), encoding="utf-8")
        args = [rg, "--no-ignore", "--hidden", *([] if unicode else ["--no-unicode"]), "-i", "-F", "-w", "-c",
                "-f", str(listed), "."]
        runs = [timed(args, cwd=ws, stdout=subprocess.PIPE) for _ in range(3)]
        if any(p.returncode not in (0, 1) for _, p in runs):
            continue
        t = statistics.median(t for t, _ in runs)
        if not best[1] or t < best[0]:
            best = (t, "Unicode" if unicode else "--no-unicode")
    return best


# -- scan ------------------------------------------------------------------------------------

def scan_section(work: Path, mb: float, jobs: int | None, proselint_mb: float) -> None:
    ws = work / f"corpus-{mb:g}mb"
    if not ws.exists():
        t0 = time.perf_counter()
        corpus.workspace(ws, mb)
        print(f"\ngenerated {ws.name} in {time.perf_counter() - t0:.1f}s")
    nbytes = size_of(ws)
    nfiles = sum(1 for p in ws.rglob("*") if p.is_file() and ".brokenlang" not in p.parts)
    print(f"\n== scan: {nbytes / 1e6:.1f} MB in {nfiles} files (markdown and logs) ==")
    from brokenlang import engine, patterns

    rules = patterns.load_packs()
    plan = engine.derive(rules)
    words = work / "triggers.txt"
    n_words = trigger_words(words, rules, plan)
    anchors = work / "anchors.txt"
    n_anchors, covered, uncovered = anchor_words(anchors, plan)
    cache = work / "cache-scan"
    shutil.rmtree(cache, ignore_errors=True)
    env = {"BROKENLANG_CACHE_DIR": str(cache)}
    jobs_args = ["--jobs", str(jobs)] if jobs else []
    args = ["scan", ".", "--no-git", "--fail-on", "never", "--format", "json", *jobs_args]
    cold, p = timed(brokenlang(*args), cwd=ws, env=env, stdout=subprocess.PIPE)
    if p.returncode != 0:
        print("  brokenlang scan failed:", p.stderr.decode(errors="replace")[-500:])
        return
    summary = json.loads(p.stdout)["summary"]
    rescans = [timed(brokenlang(*args), cwd=ws, env=env, stdout=subprocess.PIPE) for _ in range(3)]
    warm = statistics.median(t for t, _ in rescans)
    same = all(json.loads(p2.stdout)["findings"] == json.loads(p.stdout)["findings"] for _, p2 in rescans)
    nocache, _ = timed(brokenlang(*args, "--no-cache"), cwd=ws)
    rg = shutil.which("rg")
    # every file (no ignore rules); the trigger vocabulary (anchors) is the reference
    rg_t, rg_how = rg_time(rg, ws, anchors) if rg else (0.0, "")
    all_t, all_how = rg_time(rg, ws, words) if rg else (0.0, "")
    if rg and not (rg_how and all_how):
        print("  rg failed; its time is not shown")
        rg = None
    grep_t, _ = timed(["grep", "-r", "-E", "-i", "-w", "-c", "-f", str(words), "."], cwd=ws, env={"LC_ALL": "C"})
    prose_t, prose_bytes = proselint_time(ws, proselint_mb)
    print(f"  {summary['findings']} findings {summary['by_state']}, {summary['entries']} entries")
    print(f"  brokenlang scan, empty cache     {cold:8.2f}s {mbs(nbytes, cold)}")
    print(f"  brokenlang scan, --no-cache      {nocache:8.2f}s {mbs(nbytes, nocache)}")
    print(f"  brokenlang re-scan, unchanged    {warm:8.2f}s {mbs(nbytes, warm)}   (cache, median of 3; "
          f"same findings: {same})")
    if rg:
        print(f"  rg -i -F -w, {n_anchors} trigger words {rg_t:8.2f}s {mbs(nbytes, rg_t)}   "
              f"brokenlang/rg = {cold / rg_t:.1f}x (empty cache), {nocache / rg_t:.1f}x (--no-cache), "
              f"{warm / rg_t:.1f}x (re-scan)")
        print(f"    (the words of each pattern's anchor condition: {covered} patterns; {uncovered} whose every "
              f"condition has a regex are left out; rg {rg_how}, median of 3)")
        print(f"  rg -i -F -w, {n_words} literals    {all_t:8.2f}s {mbs(nbytes, all_t)}   "
              f"brokenlang/rg = {cold / all_t:.1f}x (empty cache)")
        print(f"    (every literal the packs name, function words and digits too: most lines hold one, "
              f"which puts rg on its slow path; rg {all_how})")
    print(f"  grep -E -i -w (LC_ALL=C)         {grep_t:8.2f}s {mbs(nbytes, grep_t)}   "
          f"brokenlang/grep = {cold / grep_t:.0f}x")
    if prose_t:
        ratio = (nbytes / cold) / (prose_bytes / prose_t)
        print(f"  proselint on {prose_bytes / 1e6:.2f} MB of it (markdown) {prose_t:5.2f}s "
              f"{mbs(prose_bytes, prose_t)}   brokenlang runs at {ratio:.1f}x its speed")
    rate = nbytes / 1e6 / cold
    vs_rg = f"; <= {TARGETS['rg_ratio']:g}x rg: {cold / rg_t:.1f}x, {verdict(cold / rg_t <= TARGETS['rg_ratio'])}"
    print(f"  target >= {TARGETS['scan_mbs']:g} MB/s end to end: {rate:.2f} MB/s, "
          f"{verdict(rate >= TARGETS['scan_mbs'])}{vs_rg if rg else ''}")
    at = "" if mb >= 100 else f" (at {mb:g} MB; the target is for 100 MB)"
    print(f"  target re-scan of an unchanged tree <= {TARGETS['rescan_s']:g}s: {warm:.2f}s, "
          f"{verdict(warm <= TARGETS['rescan_s'])}{at}")
    breakdown(ws, cache)


def proselint_time(ws: Path, budget_mb: float) -> tuple[float, int]:
    exe = shutil.which("proselint") or str(Path(PY).with_name("proselint"))
    if not Path(exe).exists():
        print("  proselint: not installed (pip install proselint)")
        return 0.0, 0
    files, n = [], 0
    for p in sorted(ws.rglob("*.md")):
        if n >= budget_mb * 1e6:
            break
        files.append(str(p))
        n += p.stat().st_size
    t, _ = timed([exe, "-o", "compact", "check", *files], cwd=ws)
    return t, n


def breakdown(ws: Path, cache: Path) -> None:
    """Where the time of an unchanged re-scan goes, and of a re-scan after one daily note
    changed (in process, the cache warm)."""
    os.environ["BROKENLANG_CACHE_DIR"] = str(cache)
    import gc

    from brokenlang import cli, findings, incremental, resolution, run

    gc.set_threshold(cli.GC_THRESHOLD, 50, 100)   # as the command line runs

    spent: dict[str, float] = {}

    def clock(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*a: Any, **k: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - t0
        return wrapped

    names = ("read files", "whole-run cache", "file analyses (cache or computed)", "combine (all files)",
             "  of which resolution by text")
    real = (run.collect, incremental.cached_run, incremental.analyse_files, findings.combine,
            resolution.resolve_by_text)
    (run.collect, incremental.cached_run, incremental.analyse_files, findings.combine,
     resolution.resolve_by_text) = (clock(n, f) for n, f in zip(names, real, strict=True))
    note = sorted((ws / "memory").glob("*.md"))[-1]
    before = note.read_bytes()
    try:
        for label in ("unchanged", "one daily note changed"):
            spent.clear()
            if label != "unchanged":
                note.write_bytes(before + b"- 23:59 the nightly export failed again\n")
            t0 = time.perf_counter()
            r = run.scan(["."], run.ScanOptions(git_dates=False, cwd=str(ws)))
            total = time.perf_counter() - t0
            print(f"  where an in-process re-scan's {total:.2f}s go, {label} ({r.entries} entries):")
            for name in names:
                secs = spent.get(name, 0.0)
                print(f"    {name:<36} {secs:8.2f}s {100 * secs / total:5.1f}%")
    finally:
        note.write_bytes(before)
        (run.collect, incremental.cached_run, incremental.analyse_files, findings.combine,
         resolution.resolve_by_text) = real
    os.environ.pop("BROKENLANG_CACHE_DIR", None)
    match_only(ws)


def match_only(ws: Path) -> None:
    """The engine alone: every entry of every file matched, one process, no cache."""
    from brokenlang import entries, run
    from brokenlang.matcher import SpacyMatcher, UnitMatcher

    src = run.collect(["."], run.ScanOptions(cwd=str(ws)))
    m = run.load_matcher(src.config, cache=False)
    texts = [e.masked for sf in src.files for e in entries.split(sf.path, sf.text)]
    nbytes = sum(sf.size for sf in src.files)
    m.spacy()
    in_spacy = 0.0
    real = UnitMatcher.match_all

    def timed(self: UnitMatcher, *a: Any, **k: Any) -> Any:   # spaCy on the entries the prefilter lets through
        nonlocal in_spacy
        t = time.perf_counter()
        try:
            return real(self, *a, **k)
        finally:
            in_spacy += time.perf_counter() - t

    UnitMatcher.match_all = timed  # type: ignore[method-assign]
    try:
        t0 = time.perf_counter()
        for t in texts:
            m.match(t)
        fast = time.perf_counter() - t0
    finally:
        UnitMatcher.match_all = real  # type: ignore[method-assign]
    ref = SpacyMatcher(list(m.rules.values()))
    sample = texts[:: max(1, len(texts) // 1500)]
    t0 = time.perf_counter()
    for t in sample:
        ref.match(t)
    per = (time.perf_counter() - t0) / len(sample)
    print(f"  matching alone (split entries given; 1 process): engine {mbs(nbytes, fast)}, spaCy matcher on "
          f"every entry {mbs(nbytes, per * len(texts))} (from {len(sample)} entries); spaCy ran on "
          f"{m.spacy_texts} of {m.texts} distinct entries")
    jobs = os.cpu_count() or 1
    print(f"  spaCy's own part of it: {in_spacy:.2f}s on those {m.spacy_texts} entries; with nothing else to do, "
          f"{jobs} processes could not scan faster than {mbs(nbytes, in_spacy / jobs).strip()}")


# -- hook ------------------------------------------------------------------------------------

def hook_section(work: Path, runs: int) -> None:
    """A memory folder of 30 daily notes (about 170 KB) and the note being committed."""
    import datetime as dt
    import random

    root = work / "hook"
    shutil.rmtree(root, ignore_errors=True)
    (root / "memory").mkdir(parents=True)
    (root / ".brokenlang").mkdir()
    (root / ".brokenlang" / "ledger.yaml").write_text(
        "version: 1\nissues:\n  - id: cloudrun-500\n    title: Cloud Run deploy returns HTTP 500\n"
        "    match: [Cloud Run deploy failed with HTTP 500]\n    resolved: 2025-09-01\n")
    rng = random.Random(5)
    day = dt.date(2025, 6, 1)
    for i in range(30):
        (root / "memory" / f"{day + dt.timedelta(days=i)}.md").write_text(
            corpus.daily_note(rng, day + dt.timedelta(days=i), 5_500))
    clean = root / "memory" / "2025-08-01.md"
    dirty = root / "memory" / "2025-08-02.md"
    clean.write_text(corpus.daily_note(rng, dt.date(2025, 8, 1), 5 * 1024, 0.0))
    dirty.write_text(corpus.daily_note(rng, dt.date(2025, 8, 2), 5 * 1024, 0.05))
    cache = work / "cache-hook"
    env = {"BROKENLANG_CACHE_DIR": str(cache)}
    print(f"\n== hook: a 5 KB daily note in a memory folder of {size_of(root) / 1e3:.0f} KB ==")
    results = {}
    for name, note, line in (("without failure language", clean, "- 18:{:02d} wrote the evening summary\n"),
                             ("with failure language", dirty, "- 18:{:02d} the nightly export failed again\n"),
                             ("with it, a clean line added", dirty, "- 19:{:02d} wrote the evening summary\n")):
        if "added" not in name:   # that one follows the commits before it, as a day's commits do
            shutil.rmtree(cache, ignore_errors=True)
        times = []
        for i in range(runs + 1):
            with open(note, "a", encoding="utf-8") as fh:   # a commit brings new bytes
                fh.write(line.format(i))
            t, p = timed(brokenlang("hook", str(note.relative_to(root))), cwd=root, env=env)
            times.append(t)
        warm = statistics.median(times[1:])
        results[name] = warm
        first = "empty cache" if "added" not in name else "after those"
        print(f"  {name:<27} first run {times[0] * 1e3:6.0f} ms ({first}), then median {warm * 1e3:5.0f} ms "
              f"(exit {p.returncode})")
    clean_ms, dirty_ms = results["without failure language"] * 1e3, results["with failure language"] * 1e3
    print(f"  target <= {TARGETS['hook_clean_ms']} ms without: {clean_ms:.0f} ms, "
          f"{verdict(clean_ms <= TARGETS['hook_clean_ms'])}; <= {TARGETS['hook_dirty_ms']} ms with: "
          f"{dirty_ms:.0f} ms, {verdict(dirty_ms <= TARGETS['hook_dirty_ms'])}")
    t, _ = timed([PY, "-c", "pass"])
    print(f"  (python -c pass: {t * 1e3:.0f} ms)")


# -- watch -----------------------------------------------------------------------------------

def watch_section(changes: int) -> None:
    """benchmarks/watch_latency.py's latency run, with the watcher's default debounce and
    with a shorter one (the debounce is a floor under every change-to-report time)."""
    for debounce in (None, 0.05):
        label = "default debounce" if debounce is None else f"debounce {debounce:g}s"
        print(f"\n== watch: benchmarks/watch_latency.py, {label} ==")
        shorter = f"w.WatchOptions = functools.partial(w.WatchOptions, debounce={debounce}); "
        code = ("import functools, sys; sys.path.insert(0, sys.argv[1]); import watch_latency as w; "
                + ("" if debounce is None else shorter) + "w.main(sys.argv[2:])")
        _, p = timed([PY, "-c", code, str(HERE), "--changes", str(changes), "--seconds", "0"], stdout=subprocess.PIPE)
        out = p.stdout.decode(errors="replace")
        for line in out.splitlines():
            print("  " + line)
        p50 = [ln for ln in out.splitlines() if ln.strip().startswith("all")]
        if p50:
            ms = float(p50[0].split("p50")[1].split()[0].rstrip("ms"))
            print(f"  target p50 <= {TARGETS['watch_p50_ms']} ms: {ms:.0f} ms, "
                  f"{verdict(ms <= TARGETS['watch_p50_ms'])}")
        if p.returncode:
            print("  failed:", p.stderr.decode(errors="replace")[-400:])


# -- one big log -----------------------------------------------------------------------------

def big_section(work: Path, gb: float, bad_rate: float, jobs: int | None) -> None:
    import random

    log = work / f"big-{gb:g}gb.log"
    if not log.exists():
        t0 = time.perf_counter()
        corpus.write_log(log, int(gb * 1024 ** 3), random.Random(7), bad_rate)
        print(f"\ngenerated {log.name} in {time.perf_counter() - t0:.0f}s")
    nbytes = log.stat().st_size
    print(f"\n== big: one {nbytes / 1e9:.2f} GB log ({bad_rate:.2%} failing records) ==")
    jobs_args = ["--jobs", str(jobs)] if jobs else []
    cmd = brokenlang("scan", log.name, "--no-git", "--no-cache", "--fail-on", "never", "--format", "json", *jobs_args)
    t0 = time.perf_counter()
    with open(work / "big.json", "wb") as out:
        proc = subprocess.Popen(cmd, cwd=work, stdout=out, stderr=subprocess.PIPE)
        peak_tree = peak_main = 0
        while proc.poll() is None:
            main_rss, tree = tree_rss(proc.pid)
            peak_main, peak_tree = max(peak_main, main_rss), max(peak_tree, tree)
            time.sleep(0.1)
        err = proc.stderr.read() if proc.stderr else b""
    secs = time.perf_counter() - t0
    try:
        summary = json.loads((work / "big.json").read_bytes())["summary"]
    except ValueError:
        print("  failed:", err.decode(errors="replace")[-500:])
        return
    print(f"  {secs:.0f}s, {mbs(nbytes, secs).strip()}, {summary['findings']} findings")
    print(f"  peak RSS: main process {peak_main / 1e6:.0f} MB, all processes {peak_tree / 1e6:.0f} MB")
    print(f"  target <= {TARGETS['rss_mb']} MB: {verdict(peak_tree / 1e6 <= TARGETS['rss_mb'])} (all processes), "
          f"{verdict(peak_main / 1e6 <= TARGETS['rss_mb'])} (main)")


def tree_rss(pid: int) -> tuple[int, int]:
    """(RSS of pid, RSS of pid and all its descendants), bytes."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat", "rb") as fh:
                ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
            with open(f"/proc/{d}/statm", "rb") as fh:
                rss[int(d)] = int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(d))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, ()))
    return rss.get(pid, 0), total


if __name__ == "__main__":
    raise SystemExit(main())
