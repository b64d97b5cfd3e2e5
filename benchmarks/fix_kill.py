"""SIGKILL a real `brokenlang fix --apply` at random points of its write phase, many times.

    python benchmarks/fix_kill.py [TRIALS] [--files N] [--workers N] [--seed S]

Default 1000 trials. Prints how many kills landed mid-write (a pending journal record
without its done), how many left every file byte-equal to its old or new version, and how
many the next run (`fix --apply` every fifth trial, `restore --all` otherwise) settled."""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import test_fix_kill as kill


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("trials", nargs="?", type=int, default=1000)
    ap.add_argument("--files", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    t0 = time.monotonic()

    def progress(n: int) -> None:
        if n % 50 == 0:
            print(f"  {n} trials, {time.monotonic() - t0:.0f}s", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        results = kill.run_trials(Path(tmp), args.trials, args.files, args.seed, args.workers, progress)
    for t in results:
        if not (t.files_ok and t.recovered_ok):
            print(f"FAILED: {t.message}", file=sys.stderr)
    mid = sum(t.killed_mid_write for t in results)
    files_ok = sum(t.files_ok for t in results)
    recovered = sum(t.recovered_ok for t in results)
    by = {r: sum(1 for t in results if t.recovery == r and t.recovered_ok) for r in ("fix", "restore")}
    print(f"trials: {len(results)}  killed mid-write: {mid}  files old-or-new: {files_ok}  "
          f"recovered: {recovered} (fix {by['fix']}, restore {by['restore']})  "
          f"seconds: {time.monotonic() - t0:.0f}")
    return 0 if files_ok == recovered == len(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
