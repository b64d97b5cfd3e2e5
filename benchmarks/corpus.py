"""A deterministic corpus of agent memory for the benchmarks: daily notes, MEMORY.md,
HEARTBEAT.md, topic notes and logs, with a few per cent of failure language (asserted,
negated, conditional, resolved), resolution text, pasted tracebacks and repeated log lines.

    python benchmarks/corpus.py OUT [--mb 100] [--seed 7]           # a mixed workspace
    python benchmarks/corpus.py OUT --single-log-gb 1               # one big log file
    python benchmarks/corpus.py OUT --note-kb 5 --clean             # one daily note

The same arguments always give the same bytes."""
from __future__ import annotations

import argparse
import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

SUBJECTS = ["deploy", "Cloud Run deploy", "nightly-backup cron", "gateway", "search index", "email digest",
            "Gmail sync", "OAuth token", "webhook", "heartbeat", "CI pipeline", "browser relay", "Slack bot",
            "Postgres migration", "Redis cache", "calendar sync", "PDF export", "vector store", "TTS service",
            "Telegram bridge", "payments worker", "S3 upload", "docker build", "npm install", "cron job"]
PEOPLE = ["Ana", "Ben", "the user", "Kai", "Mia"]
NEUTRAL = [
    "Checked the inbox: {n} new messages, replied to {p}.",
    "Wrote the weekly summary for {p} and filed it under notes/.",
    "Updated the TODO list; {n} items left for this sprint.",
    "Reviewed PR #{n} for the {s}; looks good, merged.",
    "Read the docs on {s} configuration and took notes.",
    "Talked with {p} about the roadmap for the {s}.",
    "Moved {n} cards on the board to Done.",
    "Drafted a reply to {p} about the invoice.",
    "Refactored the {s} settings into one file.",
    "Scheduled a call with {p} for Thursday.",
    "Renamed the {s} folder and updated the links.",
    "Benchmarked the {s}: p50 {n} ms, p95 {m} ms.",
    "Added tests for the {s} parser ({n} cases).",
    "Bumped dependencies; {n} packages updated.",
    "Learned that {p} prefers short status messages.",
]
FAILING = [
    "{s} failed with HTTP 500 again",
    "{s} keeps timing out after 30 minutes",
    "the API returned 502 for the {s}",
    "{s} crashed with a segfault",
    "OAuth token expired for the {s}",
    "{s} is down since this morning",
    "permission denied when writing the {s} output",
    "ModuleNotFoundError: No module named 'pandas' in the {s}",
    "{s} stuck in a restart loop",
    "disk full on the {s} host",
    "429 Too Many Requests from the {s}",
    "{s} broke after the upgrade",
    "KeyError: 'token' in the {s} handler",
]
RESOLVED = [
    "Fixed the {s}: works now ✅",
    "{s} back online after the restart",
    "Resolved: {s} no longer fails",
    "{s} fixed and verified",
]
IGNORED = [
    "No errors in the {s} today.",
    "0 failed, {n} passed in the {s} suite.",
    "If the {s} fails, roll back and ping {p}.",
    "Never restart the {s} during business hours.",
]
LOG_OK = ["INFO request handled GET /api/items 200 in {n}.{d}ms", "INFO heartbeat ok",
          "DEBUG cache hit key=user:{n}", "INFO job {s} started", "INFO job {s} finished in {n}.{d}s",
          "INFO synced {n} messages", "DEBUG polling queue depth={n}", "INFO wrote checkpoint {n}"]
LOG_BAD = ["ERROR {s} failed: connection refused", "WARN retrying {s} (attempt {n})",
           "ERROR upstream returned 503 for {s}", "ERROR {s} timed out after {n}s", "FATAL {s} crashed"]
TRACEBACK = ("Traceback (most recent call last):\n"
             "  File \"/srv/app/worker.py\", line {n}, in run\n"
             "    result = client.fetch(url)\n"
             "  File \"/srv/app/client.py\", line 88, in fetch\n"
             "    raise ConnectionError(\"upstream unavailable\")\n"
             "ConnectionError: upstream unavailable\n")
REPEATED = ["WARN slow query detected, falling back to cache", "INFO heartbeat ok",
            "  at processTicksAndRejections (node:internal/process/task_queues:95:5)"]
START = dt.datetime(2025, 6, 1, 6, 0, 0)


def _fill(rng: random.Random, template: str) -> str:
    return template.format(s=rng.choice(SUBJECTS), p=rng.choice(PEOPLE), n=rng.randint(2, 999),
                           m=rng.randint(100, 2000), d=rng.randint(0, 9))


def _sentence(rng: random.Random, failure_rate: float) -> str:
    r = rng.random()
    if r < failure_rate:
        return _fill(rng, rng.choice(FAILING))
    if r < failure_rate * 1.6:
        return _fill(rng, rng.choice(IGNORED))
    if r < failure_rate * 2.0:
        return _fill(rng, rng.choice(RESOLVED))
    return _fill(rng, rng.choice(NEUTRAL))


def daily_note(rng: random.Random, day: dt.date, size: int, failure_rate: float = 0.03) -> str:
    """One memory/YYYY-MM-DD.md of about `size` bytes (0 failure rate: no failure language)."""
    out = [f"# {day.isoformat()}\n"]
    n = 0
    minute = 8 * 60
    while n < size:
        section = rng.choice(["Work", "Deploy", "Inbox", "Cron", "Notes", "Infra", "Research"])
        block = [f"\n## {section}\n"]
        for _ in range(rng.randint(3, 9)):
            minute += rng.randint(3, 40)
            stamp = f"{minute // 60 % 24:02d}:{minute % 60:02d}"
            if failure_rate and rng.random() < 0.02:
                block.append(f"- {stamp} pasted log:\n\n```\n{_log_line(rng, dt.datetime.combine(day, dt.time()), 0.5)}"
                             f"{_fill(rng, TRACEBACK)}```\n\n")
            elif rng.random() < 0.15:
                block.append(f"\n{_sentence(rng, failure_rate)} {_sentence(rng, failure_rate)}\n"
                             f"{_sentence(rng, failure_rate)}\n\n")
            else:
                block.append(f"- {stamp} {_sentence(rng, failure_rate)}\n")
        text = "".join(block)
        out.append(text)
        n += len(text.encode())
    return "".join(out)


def _log_line(rng: random.Random, when: dt.datetime, bad_rate: float) -> str:
    template = rng.choice(LOG_BAD if rng.random() < bad_rate else LOG_OK)
    return f"{when:%Y-%m-%d %H:%M:%S} {_fill(rng, template)}\n"


def log_lines(rng: random.Random, bad_rate: float = 0.02) -> Iterator[str]:
    """An endless log: records (`bad_rate` of them failing), a traceback now and then,
    bursts of repeated lines."""
    when = START
    while True:
        when += dt.timedelta(seconds=rng.randint(0, 5))
        r = rng.random()
        if r < bad_rate / 10:
            yield f"{when:%Y-%m-%d %H:%M:%S} ERROR unhandled exception in worker\n" + _fill(rng, TRACEBACK)
        elif r < 0.03:
            line = rng.choice(REPEATED)
            stamp = "" if line.startswith(" ") else f"{when:%Y-%m-%d %H:%M:%S} "
            yield "".join(f"{stamp}{line}\n" for _ in range(rng.randint(5, 40)))
        else:
            yield _log_line(rng, when, bad_rate)


def write_log(path: Path, size: int, rng: random.Random, bad_rate: float = 0.02) -> int:
    """Write about `size` bytes of log to `path` in pieces (constant memory)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    buf: list[str] = []
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for rec in log_lines(rng, bad_rate):
            buf.append(rec)
            n += len(rec)
            if len(buf) >= 4096 or n >= size:
                fh.write("".join(buf))
                buf.clear()
            if n >= size:
                break
    return n


def workspace(out: Path, mb: float = 100, seed: int = 7) -> int:
    """A mixed workspace of about `mb` megabytes: 60 % markdown, 40 % logs."""
    rng = random.Random(seed)
    total = int(mb * 1024 * 1024)
    md_budget, n = int(total * 0.6), 0
    (out / "memory").mkdir(parents=True, exist_ok=True)
    (out / "notes").mkdir(exist_ok=True)
    ledger = out / ".brokenlang" / "ledger.yaml"
    ledger.parent.mkdir(exist_ok=True)
    ledger.write_text("version: 1\nissues:\n"
                      "  - id: cloudrun-500\n    title: Cloud Run deploy returns HTTP 500\n"
                      "    match: [Cloud Run deploy failed with HTTP 500]\n    resolved: 2025-09-01\n"
                      "  - id: token-expired\n    title: OAuth token expired\n"
                      "    match: [OAuth token expired]\n    resolved: 2025-07-15\n", encoding="utf-8")
    for name, size in (("MEMORY.md", 40_000), ("HEARTBEAT.md", 6_000), ("AGENTS.md", 12_000)):
        text = daily_note(rng, START.date(), size).replace(f"# {START.date().isoformat()}", f"# {name[:-3]}", 1)
        (out / name).write_text(text, encoding="utf-8")
        n += len(text.encode())
    day = START.date()
    i = 0
    while n < md_budget:
        text = daily_note(rng, day, rng.randint(3_000, 12_000))
        target = out / "memory" / f"{day.isoformat()}.md" if i % 5 else out / "notes" / f"topic-{i:05d}.md"
        if target.exists():
            target = target.with_name(f"{target.stem}-{i}.md")
        target.write_text(text, encoding="utf-8")
        n += len(text.encode())
        day += dt.timedelta(days=1) if i % 3 == 2 else dt.timedelta(0)
        i += 1
    k = 0
    while n < total:
        size = min(total - n, rng.randint(1, 6) * 1024 * 1024)
        n += write_log(out / "logs" / f"service-{k:03d}.log", max(size, 1024), rng)
        k += 1
    return n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--mb", type=float, default=100, help="size of the mixed workspace (MB)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--single-log-gb", type=float, default=0, help="write one log of this size instead")
    ap.add_argument("--bad-rate", type=float, default=0.02, help="share of failing records in logs")
    ap.add_argument("--note-kb", type=float, default=0, help="write one daily note of this size instead")
    ap.add_argument("--clean", action="store_true", help="with --note-kb: no failure language")
    a = ap.parse_args(argv)
    rng = random.Random(a.seed)
    if a.single_log_gb:
        n = write_log(a.out, int(a.single_log_gb * 1024 ** 3), rng, a.bad_rate)
    elif a.note_kb:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        text = daily_note(rng, dt.date(2025, 6, 1), int(a.note_kb * 1024), 0.0 if a.clean else 0.05)
        a.out.write_text(text, encoding="utf-8")
        n = len(text.encode())
    else:
        n = workspace(a.out, a.mb, a.seed)
    print(f"{n / 1e6:.1f} MB written to {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
