"""Entries lost or duplicated when fixes race two real writer processes (one reopening the
file for every append, one holding an append handle in bursts).

    python benchmarks/fix_concurrency.py [ENTRIES] [--engine library|cli] [--pace SECONDS]

ENTRIES is the total over both writers (default 100000). `library` runs the CLI's write path
(cmd_fix.fix_findings: journal, quarantine, safewrite) in one long-lived process with
findings from a regex, so it fixes many times a second; `cli` loops the real
`brokenlang fix --apply` (its scan start-up makes it far slower). Prints the figures."""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import test_fix_concurrency as conc


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("entries", nargs="?", type=int, default=100_000)
    ap.add_argument("--engine", choices=("library", "cli"), default="library")
    ap.add_argument("--pace", type=float, default=0.0005, help="writer sleep between appends")
    ap.add_argument("--rotate", type=int, default=2000, help="entries per file (0: one file per writer)")
    args = ap.parse_args(argv)
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        if args.engine == "library":
            got = conc.run_library(root, args.entries // 2, args.pace, args.rotate)
        else:
            got = conc.run(root, args.entries // 2, args.pace, args.rotate)
    print(f"engine: {args.engine}  entries: {got.entries}  lost: {got.lost}  duplicated: {got.duplicated}  "
          f"quarantined: {got.quarantined}  fix runs: {got.fix_runs}  edits: {got.edits} "
          f"({got.edits_while_writing} while writing)  "
          f"bytes carried over: {got.carried_bytes}  deferred (open for writing): {got.deferred_open}  "
          f"seconds: {time.monotonic() - t0:.1f}")
    return 1 if got.lost or got.duplicated else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
