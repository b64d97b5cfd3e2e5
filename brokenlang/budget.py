"""The context budget: how many tokens the files an agent loads at session start cost.

Pure: the scanned files, the budget and today's date in; the figure out. Which files an
agent loads at start (by name, at any depth of the scanned folder):

* MEMORY.md, AGENTS.md, HEARTBEAT.md, TOOLS.md, CLAUDE.md, SOUL.md, USER.md, IDENTITY.md
* every ``*.md`` below a ``.claude/`` folder
* today's and yesterday's daily note, ``memory/YYYY-MM-DD.md``
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import NamedTuple

STARTUP_NAMES = frozenset({"MEMORY.md", "AGENTS.md", "HEARTBEAT.md", "TOOLS.md", "CLAUDE.md", "SOUL.md",
                           "USER.md", "IDENTITY.md"})
DAILY_NOTE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.md$")
LARGEST = 3           # how many files the over-budget warning names


class FileCost(NamedTuple):
    path: str
    tokens: int


class Budget(NamedTuple):
    budget: int
    total: int
    files: tuple[FileCost, ...]   # largest first
    over: bool


def estimate_tokens(text: str) -> int:
    """About four characters per token for English prose and logs."""
    return (len(text) + 3) // 4


def loaded_at_start(path: str, today: dt.date) -> bool:
    """Whether an agent reads `path` ("/"-separated, relative) at the start of a session."""
    parts = path.replace("\\", "/").split("/")
    name = parts[-1]
    if name in STARTUP_NAMES:
        return True
    if name.endswith(".md") and ".claude" in parts[:-1]:
        return True
    daily = DAILY_NOTE.match(name)
    if daily and len(parts) >= 2 and parts[-2] == "memory":
        days = (today.isoformat(), (today - dt.timedelta(days=1)).isoformat())
        return daily.group(1) in days
    return False


def compute(files: Sequence[tuple[str, str]], budget: int, today: dt.date) -> Budget:
    """`files` are (path, text) pairs; only those loaded at session start count."""
    costs = [FileCost(path, estimate_tokens(text)) for path, text in files if loaded_at_start(path, today)]
    costs.sort(key=lambda c: (-c.tokens, c.path))
    total = sum(c.tokens for c in costs)
    return Budget(budget, total, tuple(costs), total > budget)


def warning(b: Budget) -> str | None:
    """One line naming the largest files to trim, or None when within the budget."""
    if not b.over:
        return None
    largest = ", ".join(f"{c.path} (~{c.tokens:,})" for c in b.files[:LARGEST])
    return (f"warning: the files an agent loads at session start hold ~{b.total:,} tokens, over the "
            f"context budget of {b.budget:,}; trim the largest: {largest}")


def to_dict(b: Budget) -> dict[str, object]:
    return {"budget": b.budget, "total": b.total,
            "files": [{"path": c.path, "tokens": c.tokens} for c in b.files], "over": b.over}
