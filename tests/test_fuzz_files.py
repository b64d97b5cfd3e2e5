"""Properties over random input: reading never raises and keeps bytes exact; globs never backtrack."""
from __future__ import annotations

import fnmatch
import os
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brokenlang import files, ignore
from brokenlang.files import discover, read_source
from brokenlang.models import Notice, SourceFile

FUZZ = settings(max_examples=200, deadline=1000, database=None,
               suppress_health_check=[HealthCheck.function_scoped_fixture])

# Bytes that look like text, like broken text and like binary, mixed.
TEXTY = st.one_of(
    st.binary(max_size=4096),
    st.text(max_size=1024).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.lists(st.one_of(st.text(max_size=40).map(str.encode), st.binary(max_size=4)), max_size=60).map(b"".join),
    st.sampled_from([b"\xef\xbb\xbf", b"", b"\r\n", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf"]).flatmap(
        lambda prefix: st.text(max_size=200).map(lambda s: prefix + s.encode("utf-8", "surrogatepass"))),
)


@FUZZ
@given(data=TEXTY)
def test_read_source_never_raises_and_round_trips(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.md"
    path.write_bytes(data)
    start = time.perf_counter()
    got = read_source(str(path), cwd=str(tmp_path), root=str(tmp_path))
    assert time.perf_counter() - start < 1.0
    if isinstance(got, SourceFile):
        assert got.text.encode("utf-8", "surrogateescape") == data
        assert got.size == len(data)
        assert b"\0" not in data[:files.NUL_WINDOW]
    else:
        assert isinstance(got, Notice)
        assert got.path == "fuzz.md"
        assert got.message.startswith("binary file skipped")
        assert got.line >= 1


@FUZZ
@given(data=st.binary(max_size=512), cap=st.integers(min_value=0, max_value=600))
def test_size_cap_is_exact(tmp_path: Path, data: bytes, cap: int) -> None:
    path = tmp_path / "capped.log"
    path.write_bytes(data)
    got = read_source(str(path), cwd=str(tmp_path), max_bytes=cap)
    if len(data) > cap:
        assert got == Notice("capped.log", 0, f"larger than {cap} bytes, skipped")
    else:
        assert not (isinstance(got, Notice) and "larger" in got.message)


NAME_CHARS = st.characters(blacklist_characters="/\0", blacklist_categories=["Cs"])


@settings(max_examples=60, deadline=1000, database=None)
@given(names=st.lists(st.text(NAME_CHARS, min_size=1, max_size=40).filter(lambda n: n not in (".", "..")),
                      min_size=1, max_size=8, unique=True))
def test_any_file_names_are_found_once_and_read(names: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.realpath(tmp)
        for name in names:
            with open(os.path.join(root, name + ".md"), "wb") as handle:
                handle.write(name.encode("utf-8", "surrogateescape"))
        got = discover(["."], root=root, cwd=root)
        assert sorted(os.path.basename(f) for f in got.files) == sorted(n + ".md" for n in names)
        assert got.notices == []
        for path in got.files:
            source = read_source(path, cwd=root, root=root)
            assert isinstance(source, SourceFile)
            assert source.text + ".md" == os.path.basename(path)


SEGMENT = st.text(st.sampled_from("ab*?"), min_size=1, max_size=12).filter(lambda s: s != "**")


@settings(max_examples=300, deadline=1000, database=None)
@given(pattern=SEGMENT, name=st.text(st.sampled_from("ab"), min_size=1, max_size=30))
def test_one_segment_globs_agree_with_fnmatch(pattern: str, name: str) -> None:
    compiled = ignore.compile_pattern("/" + pattern)
    assert compiled is not None
    start = time.perf_counter()
    assert ignore.matches(compiled, [name], False) == fnmatch.fnmatchcase(name, pattern)
    assert time.perf_counter() - start < 0.1


@settings(max_examples=100, deadline=1000, database=None)
@given(lines=st.lists(st.text(max_size=80), max_size=30),
       path=st.lists(st.text(NAME_CHARS, min_size=1, max_size=20), min_size=1, max_size=6))
def test_any_gitignore_text_parses_and_matches_quickly(lines: list[str], path: list[str]) -> None:
    start = time.perf_counter()
    patterns, _bad = ignore.parse_gitignore("\n".join(lines))
    ignore.is_ignored([ignore.IgnoreFile("", patterns)], "/".join(path), False)
    assert time.perf_counter() - start < 1.0


@FUZZ
@given(pattern=st.text(alphabet="ab*?[]!.\\", min_size=1, max_size=8),
       path=st.lists(st.text(alphabet="ab.*", min_size=1, max_size=5), min_size=1, max_size=4),
       is_dir=st.booleans())
def test_the_any_depth_shortcut_is_the_table(pattern: str, path: list[str], is_dir: bool) -> None:
    compiled = ignore.compile_pattern(pattern.replace("/", ""))
    if compiled is None or len(compiled.segments) != 2:
        return
    want = (is_dir or not compiled.dir_only) and ignore._table(compiled.segments, path)
    assert ignore.matches(compiled, path, is_dir) == want
