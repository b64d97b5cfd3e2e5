#!/usr/bin/env python3
"""Fuzz profile: N random inputs (bytes, mutated markdown, YAML, JSONL) through the pure
core and the ledger parser, in-process. Prints crashes and the slowest input time.

    python benchmarks/fuzz.py [N [JOBS]]   (default 20000 on every CPU; the full profile is 1000000)

Inputs come in chunks of 10,000 with their own seed: the same N gives the same inputs
whatever JOBS is.
"""
from __future__ import annotations

import contextlib
import multiprocessing
import os
import random
import sys
import time

from brokenlang.config import Config
from brokenlang.errors import UserError
from brokenlang.findings import analyse
from brokenlang.ledger import EMPTY, LedgerMatcher, parse
from brokenlang.models import SourceFile
from brokenlang.run import load_matcher

PIECES = ["# 2026-02-14", "## 09:10 — Deploy", "- deploy failed with HTTP 500", "- ✅ fixed", "```", "```log",
          "Traceback (most recent call last):", '  File "x.py", line 1', "KeyError: 'x'", "| a | b |", "---",
          "date: 2026-13-45", "~~broken~~", "- [x] cron crashed", "**Problem:** x down", "**Solution:** y",
          "", "\r", "\x00", "\ufeff", "\u202e", "`code fails`", "{\"msg\": \"timeout\"}", "a" * 5000]


def sample(rng: random.Random) -> tuple[str, bytes]:
    kind = rng.randrange(4)
    if kind == 0:
        return "memory/2026-02-14.md", bytes(rng.randrange(256) for _ in range(rng.randrange(400)))
    body = "\n".join(rng.choice(PIECES) for _ in range(rng.randrange(30)))
    name = ["memory/2026-02-14.md", "app.log", "events.jsonl", "ledger.yaml"][kind]
    return name, body.encode("utf-8", "surrogatepass")


CHUNK = 10_000
_MATCHER = None


def chunk(index: int) -> tuple[int, list[str], float, str]:
    """Inputs index*CHUNK ... of the profile (the same inputs whatever the worker count):
    (inputs run, crash lines, slowest seconds, the slowest input)."""
    global _MATCHER
    if _MATCHER is None:
        _MATCHER = load_matcher(Config())
        analyse([SourceFile("w.md", "/x/w.md", "- deploy failed with HTTP 500\n", 0.0, 30)], _MATCHER,
                LedgerMatcher(EMPTY))   # warm: spaCy is imported once, not inside a timed input
    rng = random.Random(f"20261125-{index}")
    crashes: list[str] = []
    slowest, worst = 0.0, ""
    for i in range(CHUNK):
        name, data = sample(rng)
        t = time.monotonic()
        try:
            if name == "ledger.yaml":
                with contextlib.suppress(UserError):
                    parse(data, name)
            else:
                sf = SourceFile(name, "/x/" + name, data.decode("utf-8", "surrogateescape"), 0.0, len(data))
                analyse([sf], _MATCHER, LedgerMatcher(EMPTY))
        except Exception as e:
            crashes.append(f"crash {index * CHUNK + i}: {type(e).__name__}: {e} for {name} {data[:80]!r}")
        took = time.monotonic() - t
        if took > slowest:
            slowest, worst = took, f"{name} ({len(data)} bytes) {data[:60]!r}"
    return CHUNK, crashes, slowest, worst


def main(argv: list[str]) -> int:
    if argv[:1] in (["-h"], ["--help"]) or not all(a.isdigit() for a in argv[:2]) or len(argv) > 2:
        print(__doc__.strip(), file=sys.stdout if argv[:1] in (["-h"], ["--help"]) else sys.stderr)
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    n = int(argv[0]) if argv else 20000
    jobs = int(argv[1]) if len(argv) > 1 else (os.cpu_count() or 1)
    chunks = max(1, -(-n // CHUNK))
    t_all = time.monotonic()
    total, crashes, slowest, worst = 0, 0, 0.0, ""
    ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    with ctx.Pool(jobs) as pool:
        for done, lines, secs, sample_text in pool.imap(chunk, range(chunks)):
            total += done
            crashes += len(lines)
            for line in lines[:5]:
                print(line)
            if secs > slowest:
                slowest, worst = secs, sample_text
            if total % 100_000 == 0:
                print(f"  {total} inputs, {crashes} crashes, slowest {slowest * 1000:.1f} ms", flush=True)
    print(f"inputs={total} crashes={crashes} slowest={slowest * 1000:.1f} ms ({worst}) "
          f"total={time.monotonic() - t_all:.1f} s on {jobs} processes")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
