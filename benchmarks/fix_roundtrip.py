"""restore(fix(x)) == x and fix(fix(x)) == fix(x) on many random memory documents
(mixed line endings, BOM, invalid UTF-8, NUL, no final newline, very long lines).

    python benchmarks/fix_roundtrip.py [COUNT] [SEED]      # default 100000 examples

Prints the number of examples, edits planned, failures and the time taken."""
from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_fix_properties import CHUNKS, PATHS, TERMINATORS, _finding, flag_markers, records_of

from brokenlang import fixer, restore
from brokenlang.models import Finding

STATES = ["stale", "stale", "open", "recurred", "resolved", None]


def line(rng: random.Random) -> bytes:
    if rng.random() < 0.02:
        return b"x" * rng.randint(2_000, 40_000)
    parts = []
    for _ in range(rng.randint(1, 8)):
        if rng.random() < 0.7:
            parts.append(rng.choice(CHUNKS))
        else:
            parts.append(bytes(rng.randrange(256) for _ in range(rng.randint(0, 6))).replace(b"\r", b"")
                         .replace(b"\n", b""))
    return b"".join(parts)


def document(rng: random.Random) -> tuple[str, bytes, list[Finding]]:
    path = rng.choice(PATHS)
    chunks: list[bytes] = [fixer.BOM] if rng.random() < 0.3 else []
    spans = []
    n = 1
    prev = b""
    for _ in range(rng.randint(1, 10)):
        size = rng.randint(1, 4)
        spans.append((n, n + size - 1, rng.choice(STATES)))
        for _ in range(size):
            text, term = line(rng), rng.choice(TERMINATORS)
            chunks += [text or (b" " if prev == b"\r" else b""), term]
            prev = term
        n += size
    if rng.random() < 0.5:
        chunks[-1] = b""
        chunks[-2] = chunks[-2] or b"x"
    data = b"".join(chunks)
    split = fixer.split_lines(data)
    assert len(split) == n - 1
    return path, data, [_finding(path, data, split, a, b, s, i) for i, (a, b, s) in enumerate(spans) if s]


def check(rng: random.Random) -> tuple[int, str | None]:
    path, data, findings = document(rng)
    mode = rng.choice(fixer.MODES)
    rewrite_resolved = rng.random() < 0.5
    plan = fixer.plan_fix(path, data, findings, mode, rewrite_resolved=rewrite_resolved)
    if restore.unapply(plan.after, records_of(plan)) != data:
        return len(plan.edits), "restore(fix(x)) != x"
    again = fixer.plan_fix(path, plan.after, flag_markers(path, plan.after, findings), mode,
                           rewrite_resolved=rewrite_resolved)
    if again.after != plan.after:
        return len(plan.edits), "fix(fix(x)) != fix(x)"
    return len(plan.edits), None


def main(argv: list[str]) -> int:
    count = int(argv[0]) if argv else 100_000
    seed = int(argv[1]) if len(argv) > 1 else 20260216
    rng = random.Random(seed)
    t0 = time.monotonic()
    edits = failures = 0
    for i in range(count):
        n, problem = check(rng)
        edits += n
        if problem:
            failures += 1
            print(f"example {i}: {problem}", file=sys.stderr)
    print(f"examples: {count}  edits planned: {edits}  failures: {failures}  "
          f"seconds: {time.monotonic() - t0:.1f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
