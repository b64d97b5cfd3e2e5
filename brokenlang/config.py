"""Configuration: `.brokenlang.yaml` or `[tool.brokenlang]` in pyproject.toml, found by
walking up from the scanned paths (then from the current directory) and stopping at the
repository root; command-line options override it."""
from __future__ import annotations

import os
import re
import tomllib
from typing import Any, NamedTuple

from . import files, yamlio
from .errors import UserError

CONFIG_NAMES = (".brokenlang.yaml", ".brokenlang.yml", "pyproject.toml")
TOOL_DIR = ".brokenlang"        # ledger, journal, quarantine: never scanned
# What a folder scan reads when `include` is not set: the text globs, plus the files agents
# load whatever their extension (memory/ and notes/ folders, a bare `notes` file, .claude/).
AGENT_INCLUDE = ("**/memory/**", "**/notes/**", "notes", "NOTES", ".claude/**/*.md")
DEFAULT_INCLUDE = files.DEFAULT_INCLUDE + AGENT_INCLUDE
FIX_MODES = ("rewrite", "quarantine")
FAIL_ON = ("stale", "recurred", "open", "never")


class Config(NamedTuple):
    path: str | None = None              # the file it came from
    root: str = "."                      # folder of the config file (or cwd)
    paths: tuple[str, ...] = (".",)
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    packs: tuple[str, ...] = ()          # extra pack files/folders; "builtin" = the shipped packs
    ledger: str | None = None
    context_budget_tokens: int = 40000
    quiet_seconds: float = 2.0
    fix_mode: str = "quarantine"
    fail_on: str = "stale"
    max_file_bytes: int = 64 * 1024 * 1024
    respect_gitignore: bool = True
    git_dates: bool = True


KEYS = {"paths", "include", "exclude", "packs", "ledger", "context_budget_tokens", "quiet_seconds",
        "fix_mode", "fail_on", "max_file_bytes", "respect_gitignore", "git_dates"}


def find(start: str) -> str | None:
    d = os.path.abspath(start)
    while True:
        for name in CONFIG_NAMES:
            p = os.path.join(d, name)
            if os.path.isfile(p) and (name != "pyproject.toml" or _has_tool_section(p)):
                return p
        if os.path.isdir(os.path.join(d, ".git")):
            return None  # do not walk out of the repository
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def _has_tool_section(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            return b"[tool.brokenlang]" in fh.read()
    except OSError:
        return False


def load(path: str | None, cwd: str) -> Config:
    """Load the given config file, or the one found from cwd, or the defaults."""
    if path is None:
        path = find(cwd)
        if path is None:
            return Config(root=cwd)
    if not os.path.isfile(path):
        raise UserError("config file not found", path)
    with open(path, "rb") as fh:
        raw = fh.read()
    if path.endswith(".toml"):
        data, lines = _load_toml(raw, path)
    else:
        data = yamlio.load(raw, path) or {}
        if not isinstance(data, dict):
            raise UserError("config must be a mapping", path, 1)
        lines = {k: yamlio.line_of(data, k) for k in data}
    return _validate(data, lines, path)


def _load_toml(raw: bytes, path: str) -> tuple[dict[str, Any], dict[str, int]]:
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        m = re.search(r"line (\d+)", str(e))
        raise UserError(f"invalid TOML: {e}", path, int(m.group(1)) if m else None) from None
    data = doc.get("tool", {}).get("brokenlang", {})
    lines: dict[str, int] = {}
    text = raw.decode("utf-8").splitlines()
    in_section = False
    for i, ln in enumerate(text, 1):
        s = ln.strip()
        if s.startswith("["):
            in_section = s.replace(" ", "") == "[tool.brokenlang]"
            continue
        m = re.match(r"([A-Za-z0-9_\-\"']+)\s*=", s)
        if in_section and m:
            lines.setdefault(m.group(1).strip("\"'"), i)
    return data, lines


def _validate(data: dict[str, Any], lines: dict[str, int], path: str) -> Config:
    root = os.path.dirname(os.path.abspath(path))
    for key in data:
        if key not in KEYS:
            raise UserError(f"unknown config key {key!r} (allowed: {', '.join(sorted(KEYS))})", path,
                            lines.get(key))

    def strs(key: str) -> tuple[str, ...] | None:
        if key not in data:
            return None
        v = data[key]
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise UserError(f"`{key}` must be a list of strings", path, lines.get(key))
        return tuple(v)

    def num(key: str, kind: type, minimum: float) -> Any:
        v = data[key]
        wrong_kind = isinstance(v, bool) or not isinstance(v, (int, float)) or (kind is int and not isinstance(v, int))
        if wrong_kind or v < minimum:
            raise UserError(f"`{key}` must be a {'whole ' if kind is int else ''}number >= {minimum}", path,
                            lines.get(key))
        return kind(v)

    def choice(key: str, options: tuple[str, ...]) -> str:
        v = data[key]
        if v not in options:
            raise UserError(f"`{key}` must be one of {', '.join(options)}", path, lines.get(key))
        return str(v)

    def flag(key: str) -> bool:
        v = data[key]
        if not isinstance(v, bool):
            raise UserError(f"`{key}` must be true or false", path, lines.get(key))
        return v

    cfg = Config(path=path, root=root)
    upd: dict[str, Any] = {}
    for key in ("paths", "include", "exclude", "packs"):
        v = strs(key)
        if v is not None:
            upd[key] = tuple(x if key in ("include", "exclude") or os.path.isabs(x) or x == "builtin"
                             else os.path.normpath(os.path.join(root, x)) for x in v)
    if "ledger" in data:
        if not isinstance(data["ledger"], str):
            raise UserError("`ledger` must be a path", path, lines.get("ledger"))
        upd["ledger"] = os.path.normpath(os.path.join(root, data["ledger"]))
    if "context_budget_tokens" in data:
        upd["context_budget_tokens"] = num("context_budget_tokens", int, 0)
    if "quiet_seconds" in data:
        upd["quiet_seconds"] = num("quiet_seconds", float, 0)
    if "max_file_bytes" in data:
        upd["max_file_bytes"] = num("max_file_bytes", int, 1)
    if "fix_mode" in data:
        upd["fix_mode"] = choice("fix_mode", FIX_MODES)
    if "fail_on" in data:
        upd["fail_on"] = choice("fail_on", FAIL_ON)
    for key in ("respect_gitignore", "git_dates"):
        if key in data:
            upd[key] = flag(key)
    return cfg._replace(**upd)
