#!/usr/bin/env python3
"""Catastrophic user regexes and 1 MB inputs: each catastrophic pattern must be rejected
when its pack is loaded (exit 2, naming the file and line); the built-in packs and an
accepted nested-but-delimited pattern are timed on the same 1 MB inputs.

    python benchmarks/redos.py
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

CATASTROPHIC = {"nested": "(a+)+$", "alternation": "^(a|aa)+$", "star_of_star": "(.*a){12}",
                "classes": "([a-z]+)*$", "optional_branch": "(a|a?)+", "words": "(\\\\w+\\\\s?)+$",
                "twice": "(x+x+)+y", "bounded_outer": "(.*){1,100}[bc]"}
ACCEPTED = {"dotted": "^([a-z_]\\\\w*\\\\.)*[A-Z]\\\\w*Error$"}
INPUTS = {"one_line": "a" * 1_000_000 + "!\n", "words": "aaaa " * 200_000 + "!\n",
          "dotted": "a." * 500_000 + "KeyError!\n"}


def pack(folder: str, rules: dict[str, str]) -> str:
    os.makedirs(folder, exist_ok=True)
    body = "".join(f"  - id: x.{k}\n    message: {k}\n    patterns: [[{{TEXT: {{REGEX: \"{v}\"}}}}]]\n"
                   f"    examples: {{match: [aaaaaaaaaaaa]}}\n" for k, v in rules.items())
    with open(os.path.join(folder, "x.yaml"), "w") as fh:
        fh.write("pack: x\nrules:\n" + body)
    return folder


def scan(cwd: str, path: str, packs: list[str]) -> tuple[int, float, str]:
    extra = [a for p in packs for a in ("--packs", p)]
    t = time.monotonic()
    p = subprocess.run([sys.executable, "-m", "brokenlang", "scan", path, *extra, "--fail-on", "never", "-q",
                        "--no-git", "--no-cache"], capture_output=True, text=True, cwd=cwd)
    return p.returncode, time.monotonic() - t, p.stderr.strip().splitlines()[-1] if p.stderr.strip() else ""


def main() -> int:
    bad = 0
    with tempfile.TemporaryDirectory() as d:
        for name, text in INPUTS.items():
            with open(os.path.join(d, name + ".log"), "w") as fh:
                fh.write(text)
        t0 = time.monotonic()
        subprocess.run([sys.executable, "-c", "import brokenlang.cli"], check=True)
        startup = time.monotonic() - t0
        print(f"python start-up + import: {startup:.2f} s (included in every figure below)")
        print("catastrophic patterns (each alone in a pack), on one_line.log (1 MB):")
        for name, regex in CATASTROPHIC.items():
            code, secs, err = scan(d, "one_line.log", [pack(os.path.join(d, name), {name: regex})])
            ok = code == 2 and "x.yaml:" in err
            bad += not ok
            verdict = "rejected at load" if ok else "NOT REJECTED"
            print(f"  {regex.replace(chr(92) * 2, chr(92)):<20} exit {code} in {secs:.2f} s  {verdict}")
        print("accepted patterns and the built-in packs, per 1 MB input:")
        for name, regex in ACCEPTED.items():
            folder = pack(os.path.join(d, "ok-" + name), {name: regex})
            for inp in INPUTS:
                code, secs, _ = scan(d, inp + ".log", [folder])
                print(f"  {regex.replace(chr(92) * 2, chr(92)):<36} {inp:<9} exit {code} in {secs:.2f} s wall")
        for inp in INPUTS:
            code, secs, _ = scan(d, inp + ".log", [])
            print(f"  {'built-in packs':<36} {inp:<9} exit {code} in {secs:.2f} s wall")
    print(f"catastrophic patterns not rejected: {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
