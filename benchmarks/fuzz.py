#!/usr/bin/env python3
"""Fuzz profile: N random inputs (bytes, mutated markdown, YAML, JSONL) through the pure
core and the ledger parser, in-process. Prints crashes and the slowest input time.

    python benchmarks/fuzz.py [N]        (default 20000; the full profile is 1000000)
"""
from __future__ import annotations

import contextlib
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


def main(argv: list[str]) -> int:
    n = int(argv[0]) if argv else 20000
    rng = random.Random(20261125)
    matcher = load_matcher(Config(), engine="spacy")
    crashes, slowest, t_all = 0, 0.0, time.monotonic()
    for i in range(n):
        name, data = sample(rng)
        t = time.monotonic()
        try:
            if name == "ledger.yaml":
                with contextlib.suppress(UserError):
                    parse(data, name)
            else:
                sf = SourceFile(name, "/x/" + name, data.decode("utf-8", "surrogateescape"), 0.0, len(data))
                analyse([sf], matcher, LedgerMatcher(EMPTY))
        except Exception as e:
            crashes += 1
            print(f"crash {i}: {type(e).__name__}: {e} for {name} {data[:80]!r}")
        slowest = max(slowest, time.monotonic() - t)
    print(f"inputs={n} crashes={crashes} slowest={slowest * 1000:.1f} ms total={time.monotonic() - t_all:.1f} s")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
