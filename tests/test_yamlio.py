"""Untrusted YAML: alias bombs refused fast, every error names file and line, keys unique."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from brokenlang import yamlio
from brokenlang.errors import UserError


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    lines = ["a0: &a0 [" + ", ".join(['"lol"'] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def refused(data: str | bytes, path: str = "ledger.yaml") -> UserError:
    with pytest.raises(UserError) as caught:
        yamlio.load(data, path)
    return caught.value


def test_billion_laughs_is_refused_fast_naming_file_and_line() -> None:
    start = time.perf_counter()
    err = refused(billion_laughs())
    assert time.perf_counter() - start < 1.0
    # 9 aliases per line from line 2: the 65th alias sits on line 9
    assert (err.path, err.line) == ("ledger.yaml", 9)
    assert str(err) == "ledger.yaml:9: more than 64 YAML aliases (alias expansion refused)"


def test_billion_laughs_from_a_real_file(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(billion_laughs(levels=20, width=20))
    start = time.perf_counter()
    err = refused(path.read_bytes(), str(path))
    assert time.perf_counter() - start < 1.0
    assert (err.path, err.line) == (str(path), 5)   # 20 per line from line 2: the 65th is on line 5


@pytest.mark.parametrize(("aliases", "ok"), [(0, True), (1, True), (64, True), (65, False), (1000, False)])
def test_alias_cap_boundary(aliases: int, ok: bool) -> None:
    doc = "base: &b x\nlist:\n" + "".join("  - *b\n" for _ in range(aliases))
    if ok:
        assert yamlio.load(doc, "f.yaml")["list"] == (["x"] * aliases or None)
    else:
        assert refused(doc, "f.yaml").line == 3 + yamlio.MAX_ALIASES


@pytest.mark.parametrize(("doc", "line", "message"), [
    ("a: 1\nb: [1, 2\nc: 3\n", 3, "invalid YAML: did not find expected ',' or ']'"),
    ("a: 'unterminated\n", 2, "invalid YAML: found unexpected end of stream"),
    ("ok: 1\n\tbad: 2\n", 2, "invalid YAML: found a tab character that violates indentation"),
    ("a: @x\n", 1, "invalid YAML: found character that cannot start any token"),
    ("a:\n  - x\n - y\n", 3, "invalid YAML: did not find expected key"),
    ("k: !!python/object/apply:os.system ['echo pwned']\n", 1,
     "invalid YAML: could not determine a constructor for the tag "
     "'tag:yaml.org,2002:python/object/apply:os.system'"),
    ("? [1, 2]\n: x\n", 1, "invalid YAML: a mapping key must be a scalar"),
    ("a: *undefined\n", 1, "invalid YAML: found undefined alias"),
])
def test_invalid_yaml_names_file_and_line(doc: str, line: int, message: str) -> None:
    err = refused(doc, "cfg.yaml")
    assert (err.path, err.line, err.message) == ("cfg.yaml", line, message)
    assert str(err) == f"cfg.yaml:{line}: {message}"


@pytest.mark.parametrize(("doc", "line", "key"), [
    ("a: 1\na: 2\n", 2, "a"),
    ("issues:\n  - id: x\n    title: t\n    id: y\n", 4, "id"),
    ("1: one\n'1': again\n", 2, "1"),
    ("a: {b: 1, b: 2}\n", 1, "b"),
    ("x: 1\ny: 2\n\n\nx: 3\n", 5, "x"),
])
def test_duplicate_keys_are_rejected(doc: str, line: int, key: str) -> None:
    err = refused(doc)
    assert (err.line, err.message) == (line, f"invalid YAML: duplicate key {key!r}")


@pytest.mark.parametrize(("data", "line"), [(b"a: ok\nb: \xff\n", 2), (b"\xfe\xff", 1),
                                            (b"a: 1\nb: 2\nc: caf\xe9\n", 3)])
def test_non_utf8_names_the_line(data: bytes, line: int) -> None:
    err = refused(data)
    assert (err.line, err.message) == (line, "YAML file is not valid UTF-8")


def test_oversized_file_is_refused_before_parsing() -> None:
    data = b"a: " + b"x" * yamlio.MAX_YAML_BYTES + b"\n"
    start = time.perf_counter()
    err = refused(data)
    assert time.perf_counter() - start < 1.0
    assert (err.path, err.line) == ("ledger.yaml", None)
    assert str(err) == f"ledger.yaml: YAML file is larger than {yamlio.MAX_YAML_BYTES} bytes"


@pytest.mark.parametrize(("doc", "expected"), [
    ("", None),
    ("\ufeffa: 1\n", {"a": 1}),
    ("version: 1\nissues: []\n", {"version": 1, "issues": []}),
    ("resolved: 2026-02-16\n", {"resolved": __import__("datetime").date(2026, 2, 16)}),
    ("base: &b {x: 1}\nmerged:\n  <<: *b\n  y: 2\n", {"base": {"x": 1}, "merged": {"x": 1, "y": 2}}),
])
def test_valid_documents_load(doc: str, expected: object) -> None:
    assert yamlio.load(doc, "f.yaml") == expected


def test_lines_are_kept_for_mappings_and_keys() -> None:
    data = yamlio.load("version: 1\nissues:\n  - id: a\n    title: t\n\n  - id: b\n", "f.yaml")
    first, second = data["issues"]
    assert (yamlio.line_of(data), yamlio.line_of(data, "issues")) == (1, 2)
    assert (yamlio.line_of(first), yamlio.line_of(first, "title")) == (3, 4)
    assert yamlio.line_of(second, "id") == 6
    assert yamlio.line_of(second, "missing") == 6
    assert yamlio.line_of(["not", "a", "mapping"], default=7) == 7


def test_doubling_aliases_under_the_alias_cap_are_refused_fast():
    import time

    from brokenlang import yamlio as y
    from brokenlang.errors import UserError as UE
    doc = "l0: &l0 [a, b]\n" + "".join(f"l{i}: &l{i} [*l{i - 1}, *l{i - 1}]\n" for i in range(1, 31))
    start = time.monotonic()
    try:
        y.load(doc, "d.yaml")
    except UE as e:
        assert "expands to more than" in e.message and e.path == "d.yaml"
    else:
        raise AssertionError("a 2**31-node document was accepted")
    assert time.monotonic() - start < 1.0
