"""Pattern packs: YAML files of rules, validated strictly (unknown keys are errors that
name the file and line). Rules are data; the matcher turns them into spaCy matchers."""
from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from typing import Any

from . import yamlio
from .errors import UserError
from .models import Rule

BUILTIN_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "patterns")
_PACKAGED_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "packs")

PACK_KEYS = {"pack", "description", "rules"}
RULE_KEYS = {"id", "message", "severity", "patterns", "phrases", "template", "examples"}
EXAMPLE_KEYS = {"match", "no_match"}
SEVERITIES = ("error", "warning", "info")
# Token attributes a rule may use. Kept small on purpose: every one of them can be
# evaluated outside spaCy too (the fast engine derives its automaton from them).
TOKEN_ATTRS = {"ORTH", "TEXT", "LOWER", "IS_DIGIT", "IS_UPPER", "IS_TITLE", "IS_PUNCT",
               "LIKE_NUM", "LENGTH", "OP"}
STRING_ATTRS = {"ORTH", "TEXT", "LOWER"}
BOOL_ATTRS = {"IS_DIGIT", "IS_UPPER", "IS_TITLE", "IS_PUNCT", "LIKE_NUM"}
PREDICATES = {"IN", "NOT_IN", "REGEX"}
OPS = {"?", "*", "+", "!"}
RULE_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


def builtin_dir() -> str:
    """Where the built-in packs live (repository checkout or installed package data)."""
    return BUILTIN_DIR if os.path.isdir(BUILTIN_DIR) else _PACKAGED_DIR


def pack_files(dirs: Iterable[str]) -> list[str]:
    out: list[str] = []
    for d in dirs:
        if os.path.isfile(d):
            out.append(d)
            continue
        if not os.path.isdir(d):
            raise UserError("pattern pack folder does not exist", d)
        out.extend(os.path.join(d, n) for n in sorted(os.listdir(d)) if n.endswith((".yaml", ".yml")))
    return out


def load_packs(paths: Sequence[str] | None = None) -> list[Rule]:
    """Load and validate every rule of the given pack files/folders (default: built-in)."""
    files = pack_files(paths if paths else [builtin_dir()])
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path in files:
        with open(path, "rb") as fh:
            data = yamlio.load(fh.read(), path)
        for rule in _parse_pack(data, path):
            if rule.id in seen:
                raise UserError(f"duplicate rule id {rule.id!r} (first in {seen[rule.id]})", path, rule.line)
            seen[rule.id] = path
            rules.append(rule)
    if not rules:
        raise UserError("no rules found in the pattern packs", ", ".join(files) or "(none)")
    return rules


def _unknown(obj: Any, allowed: set[str], what: str, path: str) -> None:
    if not isinstance(obj, dict):
        raise UserError(f"{what} must be a mapping", path, yamlio.line_of(obj))
    for key in obj:
        if key not in allowed:
            raise UserError(f"unknown key {key!r} in {what} (allowed: {', '.join(sorted(allowed))})",
                            path, yamlio.line_of(obj, key))


def _str_list(value: Any, what: str, path: str, line: int) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise UserError(f"{what} must be a list of non-empty strings", path, line)
    return tuple(value)


def _parse_pack(data: Any, path: str) -> list[Rule]:
    _unknown(data, PACK_KEYS, "pack", path)
    name = data.get("pack")
    if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise UserError("pack needs `pack: <name>` (lowercase letters, digits, _)", path,
                        yamlio.line_of(data, "pack"))
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise UserError("pack needs a non-empty `rules:` list", path, yamlio.line_of(data, "rules"))
    return [_parse_rule(r, name, path) for r in raw_rules]


def _parse_rule(r: Any, pack: str, path: str) -> Rule:
    _unknown(r, RULE_KEYS, "rule", path)
    line = yamlio.line_of(r)
    rid = r.get("id")
    if not isinstance(rid, str) or not RULE_ID.match(rid) or not rid.startswith(pack + "."):
        raise UserError(f"rule id must look like '{pack}.name' (got {rid!r})", path, line)
    message = r.get("message")
    if not isinstance(message, str) or not message.strip():
        raise UserError(f"rule {rid}: `message` is required", path, line)
    severity = r.get("severity", "warning")
    if severity not in SEVERITIES:
        raise UserError(f"rule {rid}: severity must be one of {', '.join(SEVERITIES)}", path,
                        yamlio.line_of(r, "severity", line))
    patterns = _parse_patterns(r.get("patterns"), rid, path, yamlio.line_of(r, "patterns", line))
    phrases = _str_list(r.get("phrases"), f"rule {rid}: phrases", path, yamlio.line_of(r, "phrases", line))
    if not patterns and not phrases:
        raise UserError(f"rule {rid}: needs `patterns` or `phrases`", path, line)
    template = r.get("template")
    if template is not None and (not isinstance(template, str) or not template.strip()):
        raise UserError(f"rule {rid}: template must be a non-empty string", path, line)
    ex = r.get("examples")
    ex_line = yamlio.line_of(r, "examples", line)
    if ex is None:
        raise UserError(f"rule {rid}: `examples` with `match` (and `no_match`) is required", path, line)
    _unknown(ex, EXAMPLE_KEYS, f"examples of rule {rid}", path)
    match = _str_list(ex.get("match"), f"rule {rid}: examples.match", path, ex_line)
    no_match = _str_list(ex.get("no_match"), f"rule {rid}: examples.no_match", path, ex_line)
    if not match:
        raise UserError(f"rule {rid}: needs at least one `examples.match`", path, ex_line)
    return Rule(rid, message.strip(), severity, patterns, phrases, template, match, no_match, path, line)


def _parse_patterns(value: Any, rid: str, path: str, line: int) -> tuple[tuple[dict[str, object], ...], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise UserError(f"rule {rid}: patterns must be a list of token-pattern lists", path, line)
    out = []
    for pat in value:
        if not isinstance(pat, list) or not pat:
            raise UserError(f"rule {rid}: each pattern must be a non-empty list of token dicts", path, line)
        for tok in pat:
            _check_token(tok, rid, path, yamlio.line_of(tok, default=line))
        if all(t.get("OP") in ("?", "*") or not set(t) - {"OP"} for t in pat):
            raise UserError(f"rule {rid}: a pattern needs at least one required, non-wildcard token",
                            path, line)
        out.append(tuple(dict(t) for t in pat))
    return tuple(out)


def _check_token(tok: Any, rid: str, path: str, line: int) -> None:
    if not isinstance(tok, dict):
        raise UserError(f"rule {rid}: a token pattern must be a mapping ({{}} matches any token)", path, line)
    for attr, val in tok.items():
        if attr not in TOKEN_ATTRS:
            raise UserError(f"rule {rid}: bad token attribute {attr!r} "
                            f"(allowed: {', '.join(sorted(TOKEN_ATTRS))})", path, line)
        if attr == "OP":
            if val not in OPS:
                raise UserError(f"rule {rid}: OP must be one of {' '.join(sorted(OPS))}", path, line)
        elif attr in BOOL_ATTRS:
            if not isinstance(val, bool):
                raise UserError(f"rule {rid}: {attr} takes true or false", path, line)
        elif attr == "LENGTH":
            if not isinstance(val, int) or isinstance(val, bool):
                raise UserError(f"rule {rid}: LENGTH takes an integer", path, line)
        elif isinstance(val, dict):
            _check_predicate(attr, val, rid, path, line)
        elif not isinstance(val, str):
            raise UserError(f"rule {rid}: {attr} takes a string or a predicate", path, line)
        elif attr == "LOWER" and val != val.lower():
            raise UserError(f"rule {rid}: LOWER value {val!r} is not lowercase", path, line)


def _check_predicate(attr: str, val: dict[str, Any], rid: str, path: str, line: int) -> None:
    if len(val) != 1:
        raise UserError(f"rule {rid}: {attr} predicate must have exactly one of IN, NOT_IN, REGEX", path, line)
    (pred, arg), = val.items()
    if pred not in PREDICATES:
        raise UserError(f"rule {rid}: unknown predicate {pred!r} on {attr}", path, line)
    if pred == "REGEX":
        if not isinstance(arg, str):
            raise UserError(f"rule {rid}: REGEX takes a string", path, line)
        from . import saferegex
        saferegex.check(arg, f"rule {rid}", path, line)
    else:
        if not isinstance(arg, list) or not arg or not all(isinstance(a, str) for a in arg):
            raise UserError(f"rule {rid}: {pred} takes a non-empty list of strings "
                            "(quote on/off/yes/no/true/false: YAML reads them as booleans)", path, line)
        if attr == "LOWER" and any(a != a.lower() for a in arg):
            raise UserError(f"rule {rid}: LOWER {pred} values must be lowercase", path, line)
