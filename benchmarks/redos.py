#!/usr/bin/env python3
"""Catastrophic user regexes on 1 MB inputs: wall time per file (RE2 keeps it linear).

    python benchmarks/redos.py
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

PATTERNS = {"nested": "(a+)+$", "alternation": "^(a|aa)+$", "star_of_star": "(.*a){12}", "classes": "([a-z]+)*$"}
INPUTS = {"one_line": "a" * 1_000_000 + "!\n", "words": "aaaa " * 200_000 + "!\n"}


def main() -> int:
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "p"))
        rules = "".join(f"  - id: x.{k}\n    message: {k}\n    patterns: [[{{TEXT: {{REGEX: '{v}'}}}}]]\n"
                        f"    examples: {{match: [aaaaaaaaaaaaa]}}\n" for k, v in PATTERNS.items())
        with open(os.path.join(d, "p", "x.yaml"), "w") as fh:
            fh.write("pack: x\nrules:\n" + rules)
        for name, text in INPUTS.items():
            path = os.path.join(d, name + ".log")
            with open(path, "w") as fh:
                fh.write(text)
            t = time.monotonic()
            p = subprocess.run([sys.executable, "-m", "brokenlang", "scan", path, "--packs", "p", "--fail-on",
                                "never", "-q", "--no-git"], capture_output=True, text=True, cwd=d)
            print(f"{name}: {len(text) / 1e6:.1f} MB, exit {p.returncode}, {time.monotonic() - t:.2f} s wall "
                  f"(includes start-up)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
