"""The file edge: discovery (globs, .gitignore, links, special files) and reading (binary, bytes, caps)."""
from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from brokenlang import files, ignore
from brokenlang.errors import UserError
from brokenlang.files import discover, display_path, read_source
from brokenlang.models import Notice, SourceFile


def make_tree(root: Path, spec: Mapping[str, str | bytes]) -> None:
    for rel, content in spec.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def found(root: Path, *args: str, **kwargs: object) -> list[str]:
    """Discovered files as root-relative "/" paths."""
    got = discover(list(args) or ["."], root=str(root), cwd=str(root), **kwargs)  # type: ignore[arg-type]
    return [os.path.relpath(f, root).replace(os.sep, "/") for f in got.files]


def notices(root: Path, *args: str) -> list[Notice]:
    return discover(list(args) or ["."], root=str(root), cwd=str(root)).notices


def read(path: Path, root: Path, **kwargs: int) -> SourceFile | Notice:
    return read_source(str(path), cwd=str(root), root=str(root), **kwargs)


# --- include / exclude ---------------------------------------------------------------

TREE = ["MEMORY.md", "AGENTS.md", "notes.txt", "run.log", "rec.jsonl", "rec.ndjson", "doc.mdx",
        "doc.markdown", "script.py", "data.json", "image.png", "memory/2026-02-14.md",
        "memory/archive/2025-01-01.md", ".claude/memory/user.md", "logs/app.log", "logs/app.log.1",
        "deep/a/b/c/d.md"]
ALL_TEXT = [".claude/memory/user.md", "AGENTS.md", "MEMORY.md", "deep/a/b/c/d.md", "doc.markdown",
            "doc.mdx", "logs/app.log", "memory/2026-02-14.md", "memory/archive/2025-01-01.md",
            "notes.txt", "rec.jsonl", "rec.ndjson", "run.log"]
TOP_MD = [".claude/memory/user.md", "AGENTS.md", "MEMORY.md", "deep/a/b/c/d.md"]


@pytest.mark.parametrize(("include", "exclude", "expected"), [
    (files.DEFAULT_INCLUDE, (), ALL_TEXT),
    (["*.md"], (), [".claude/memory/user.md", "AGENTS.md", "MEMORY.md", "deep/a/b/c/d.md",
                    "memory/2026-02-14.md", "memory/archive/2025-01-01.md"]),
    (["memory/*.md"], (), ["memory/2026-02-14.md"]),
    (["memory/**/*.md"], (), ["memory/2026-02-14.md", "memory/archive/2025-01-01.md"]),
    (["**/memory/*.md"], (), [".claude/memory/user.md", "memory/2026-02-14.md"]),
    (["/*.md"], (), ["AGENTS.md", "MEMORY.md"]),
    (["*.md"], ["memory"], TOP_MD[1:]),     # no slash: any depth, .claude/memory too
    (["*.md"], ["/memory"], TOP_MD),
    (["*.md"], ["archive/"], [".claude/memory/user.md", "AGENTS.md", "MEMORY.md", "deep/a/b/c/d.md",
                              "memory/2026-02-14.md"]),
    (["*.md"], ["memory/**"], [".claude/memory/user.md", "AGENTS.md", "MEMORY.md", "deep/a/b/c/d.md"]),
    (["*.md"], ["deep/**/d.md", "A*.md"], [".claude/memory/user.md", "MEMORY.md",
                                           "memory/2026-02-14.md", "memory/archive/2025-01-01.md"]),
    (["*.md"], ["*.md", "!MEMORY.md"], ["MEMORY.md"]),
    (["*.log", "*.log.[0-9]"], (), ["logs/app.log", "logs/app.log.1", "run.log"]),
    (["?????S.md"], (), ["AGENTS.md"]),
    (["[A-M]*.md"], (), ["AGENTS.md", "MEMORY.md"]),
    (["[!A-M]*.md"], (), [".claude/memory/user.md", "deep/a/b/c/d.md", "memory/2026-02-14.md",
                          "memory/archive/2025-01-01.md"]),
    (["*.md", "!**/memory/*"], (), ["AGENTS.md", "MEMORY.md", "deep/a/b/c/d.md",
                                    "memory/archive/2025-01-01.md"]),
    ([], (), []),
])
def test_include_exclude(tmp_path: Path, include: list[str], exclude: list[str], expected: list[str]) -> None:
    make_tree(tmp_path, {name: "x\n" for name in TREE})
    assert found(tmp_path, include=include, exclude=exclude) == expected


@pytest.mark.parametrize("skipped", sorted(files.SKIP_DIRS))
def test_always_skipped_folders(tmp_path: Path, skipped: str) -> None:
    make_tree(tmp_path, {f"{skipped}/x.md": "x", f"sub/{skipped}/y.md": "y", "keep.md": "k"})
    assert found(tmp_path) == ["keep.md"]


def test_a_file_named_like_a_skipped_folder_is_not_special(tmp_path: Path) -> None:
    make_tree(tmp_path, {"venv": "x", "node_modules.md": "y"})
    assert found(tmp_path) == ["node_modules.md"]


def test_explicit_files_are_always_scanned(tmp_path: Path) -> None:
    make_tree(tmp_path, {".gitignore": "*.md\nbuild/\n", "a.md": "a", "script.py": "p",
                         "build/b.md": "b", "node_modules/c.md": "c"})
    assert found(tmp_path) == []
    assert found(tmp_path, "a.md", "script.py", "build/b.md", "node_modules/c.md",
                 exclude=["*"]) == ["a.md", "build/b.md", "node_modules/c.md", "script.py"]


def test_each_file_once_sorted_by_path_parts(tmp_path: Path) -> None:
    make_tree(tmp_path, {"a-b.md": "", "a/b.md": "", "a/c.md": "", "B.md": ""})
    (tmp_path / "CLAUDE.md").symlink_to("a/b.md")
    assert found(tmp_path, ".", "a", "a/b.md", "CLAUDE.md") == ["B.md", "a/b.md", "a/c.md", "a-b.md"]


def test_relative_arguments_are_taken_from_cwd(tmp_path: Path) -> None:
    make_tree(tmp_path, {"memory/a.md": "a", "b.md": "b"})
    got = discover(["."], root=str(tmp_path), cwd=str(tmp_path / "memory"))
    assert got.files == [str(tmp_path / "memory" / "a.md")]


def test_a_root_that_is_not_a_folder_is_a_user_error(tmp_path: Path) -> None:
    (tmp_path / "f.md").write_text("x")
    with pytest.raises(UserError, match="not a folder"):
        discover(["."], root=str(tmp_path / "f.md"))


def test_a_pattern_too_long_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="exclude pattern"):
        discover(["."], root=str(tmp_path), exclude=["x" * 5000])


@pytest.mark.parametrize(("arg", "message"), [
    ("missing.md", "no such file or folder, skipped"),
    ("../elsewhere.md", "outside the scanned root"),
    ("/", "outside the scanned root"),
])
def test_bad_arguments_give_notices(tmp_path: Path, arg: str, message: str) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "elsewhere.md").write_text("x")
    got = discover([arg], root=str(root), cwd=str(root))
    assert got.files == []
    assert len(got.notices) == 1
    assert message in got.notices[0].message


# --- .gitignore ----------------------------------------------------------------------

@pytest.mark.parametrize(("spec", "expected"), [
    ({".gitignore": "*.log\n"}, ["a.md", "sub/b.md", "sub/deeper/c.md"]),
    ({".gitignore": "a.md\n"}, ["run.log", "sub/b.md", "sub/deeper/c.md", "sub/run.log"]),
    ({".gitignore": "/run.log\n"}, ["a.md", "sub/b.md", "sub/deeper/c.md", "sub/run.log"]),
    ({".gitignore": "sub/\n"}, ["a.md", "run.log"]),
    ({".gitignore": "sub\n"}, ["a.md", "run.log"]),
    ({".gitignore": "b.md/\n"}, ["a.md", "run.log", "sub/b.md", "sub/deeper/c.md", "sub/run.log"]),
    ({".gitignore": "sub/*\n!sub/b.md\n"}, ["a.md", "run.log", "sub/b.md"]),
    ({".gitignore": "*.md\n!a.md\n"}, ["a.md", "run.log", "sub/run.log"]),
    ({".gitignore": "!a.md\n*.md\n"}, ["run.log", "sub/run.log"]),
    ({".gitignore": "sub/\n!sub/b.md\n"}, ["a.md", "run.log"]),   # a file in an ignored folder stays out
    ({".gitignore": "**/deeper\n"}, ["a.md", "run.log", "sub/b.md", "sub/run.log"]),
    ({".gitignore": "sub/**/c.md\n"}, ["a.md", "run.log", "sub/b.md", "sub/run.log"]),
    ({".gitignore": "sub/**\n"}, ["a.md", "run.log"]),
    ({".gitignore": "deeper/c.md\n"}, ["a.md", "run.log", "sub/b.md", "sub/deeper/c.md", "sub/run.log"]),
    ({".gitignore": "# a comment\n\n   \n\\#x.md\n"}, ["a.md", "run.log", "sub/b.md", "sub/deeper/c.md",
                                                      "sub/run.log"]),
    ({".gitignore": "a.md   \r\n"}, ["run.log", "sub/b.md", "sub/deeper/c.md", "sub/run.log"]),
    ({".gitignore": "[ab].md\n"}, ["run.log", "sub/deeper/c.md", "sub/run.log"]),
    ({".gitignore": "?.md\n"}, ["run.log", "sub/run.log"]),
    ({".gitignore": "*\n!*/\n!*.md\n"}, ["a.md", "sub/b.md", "sub/deeper/c.md"]),
    ({"sub/.gitignore": "*.log\n"}, ["a.md", "run.log", "sub/b.md", "sub/deeper/c.md"]),
    ({"sub/.gitignore": "/b.md\n"}, ["a.md", "run.log", "sub/deeper/c.md", "sub/run.log"]),
    ({"sub/.gitignore": "/a.md\n"}, ["a.md", "run.log", "sub/b.md", "sub/deeper/c.md", "sub/run.log"]),
    ({".gitignore": "*.md\n", "sub/.gitignore": "!b.md\n"}, ["run.log", "sub/b.md", "sub/run.log"]),
    ({".gitignore": "!b.md\n", "sub/.gitignore": "*.md\n"}, ["a.md", "run.log", "sub/run.log"]),
    ({"sub/deeper/.gitignore": "*\n"}, ["a.md", "run.log", "sub/b.md", "sub/run.log"]),
])
def test_gitignore(tmp_path: Path, spec: dict[str, str], expected: list[str]) -> None:
    make_tree(tmp_path, {"a.md": "a", "run.log": "l", "sub/b.md": "b", "sub/run.log": "l",
                         "sub/deeper/c.md": "c", **spec})
    assert found(tmp_path) == expected
    assert found(tmp_path, respect_gitignore=False) == ["a.md", "run.log", "sub/b.md",
                                                        "sub/deeper/c.md", "sub/run.log"]


def test_walking_a_subfolder_still_honours_the_root_gitignore(tmp_path: Path) -> None:
    make_tree(tmp_path, {".gitignore": "*.tmp.md\nmemory/old/\n", "memory/a.md": "a",
                         "memory/b.tmp.md": "b", "memory/old/c.md": "c"})
    assert found(tmp_path, "memory") == ["memory/a.md"]
    assert found(tmp_path, "memory/old") == ["memory/old/c.md"]   # an explicit folder is scanned


def test_a_gitignore_linking_outside_the_root_is_not_read(tmp_path: Path) -> None:
    root = tmp_path / "root"
    make_tree(tmp_path, {"evil": "*.md\n", "root/a.md": "a"})
    (root / ".gitignore").symlink_to(tmp_path / "evil")
    got = discover(["."], root=str(root), cwd=str(root))
    assert got.files == [str(root / "a.md")]
    assert [(n.path, n.line) for n in got.notices] == [(".gitignore", 0)]
    assert "outside the scanned root" in got.notices[0].message


def test_a_bad_gitignore_line_is_named_and_the_rest_applies(tmp_path: Path) -> None:
    make_tree(tmp_path, {".gitignore": "b.md\n" + "*" * 2000 + "\nc.md\n", "a.md": "", "b.md": "", "c.md": ""})
    got = discover(["."], root=str(tmp_path), cwd=str(tmp_path))
    assert [os.path.basename(f) for f in got.files] == ["a.md"]
    assert [(n.path, n.line) for n in got.notices] == [(".gitignore", 2)]
    assert "longer than" in got.notices[0].message


def test_a_binary_gitignore_is_reported_not_used(tmp_path: Path) -> None:
    make_tree(tmp_path, {".gitignore": b"a.md\n\x00", "a.md": ""})
    got = discover(["."], root=str(tmp_path), cwd=str(tmp_path))
    assert len(got.files) == 1
    assert got.notices == [Notice(".gitignore", 2, ".gitignore not used: binary file skipped "
                                                   "(NUL byte on line 2)")]


@pytest.mark.parametrize(("pattern", "path", "is_dir", "expected"), [
    ("*.md", "a.md", False, True),
    ("*.md", "x/y/a.md", False, True),
    ("*.md", "a.mdx", False, False),
    ("*.md", ".hidden.md", False, True),
    ("a/*.md", "a/b.md", False, True),
    ("a/*.md", "a/b/c.md", False, False),
    ("a/*.md", "x/a/b.md", False, False),
    ("/a.md", "a.md", False, True),
    ("/a.md", "x/a.md", False, False),
    ("**/a.md", "a.md", False, True),
    ("**/a.md", "x/y/a.md", False, True),
    ("a/**/b", "a/b", False, True),
    ("a/**/b", "a/x/y/b", False, True),
    ("a/**/b", "a/x/y/c", False, False),
    ("a/**", "a", True, False),
    ("a/**", "a/x", False, True),
    ("a/**", "a/x/y", False, True),
    ("a/", "a", True, True),
    ("a/", "a", False, False),
    ("a**b", "axyb", False, True),
    ("a**b", "ax/yb", False, False),
    ("a?c", "abc", False, True),
    ("a?c", "ac", False, False),
    ("[a-c]x", "bx", False, True),
    ("[!a-c]x", "bx", False, False),
    ("[^a-c]x", "dx", False, True),
    ("[]]x", "]x", False, True),
    ("[a-]x", "-x", False, True),
    ("[x", "[x", False, True),
    ("\\*x", "*x", False, True),
    ("\\*x", "ax", False, False),
    ("\\!x", "!x", False, True),
    ("\\#x", "#x", False, True),
    ("x\\ ", "x ", False, True),
    ("x  ", "x", False, True),
    ("*", "anything/at/all", False, True),
    ("**", "a/b", False, True),
    ("a//b", "a/b", False, True),
    ("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", "a" * 250, False, False),   # must not backtrack exponentially
    ("ü*.md", "über.md", False, True),
])
def test_glob_table(pattern: str, path: str, is_dir: bool, expected: bool) -> None:
    compiled = ignore.compile_pattern(pattern)
    assert compiled is not None
    start = time.perf_counter()
    assert ignore.matches(compiled, path.split("/"), is_dir) is expected
    assert time.perf_counter() - start < 0.5


@pytest.mark.parametrize("line", ["", "   ", "# comment", "/", "!", "\r"])
def test_lines_that_are_no_pattern(line: str) -> None:
    assert ignore.compile_pattern(line) is None


# --- reading -------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "binary_line"), [
    (b"", None),
    (b"plain text\n", None),
    (b"\xef\xbb\xbfwith a BOM\n", None),
    (b"caf\xe9 latin-1 byte in text\n", None),
    (b"a\nb\n" + b"\xff\xfe" * 3 + b"text" * 10, None),   # a few bad bytes: still text
    (b"line1\nline2\n\x00rest", 3),
    (b"\x00", 1),
    (b"x" * (files.NUL_WINDOW - 1) + b"\x00", 1),
    (b"x" * files.NUL_WINDOW + b"\x00", None),             # NUL past the sniff window
    (b"ok\n" + bytes(range(0x80, 0x100)) * 4, 2),          # mostly undecodable
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 8, 3),
    ("ünïcödé ✅ 🚨\n".encode() * 100, None),
    (b"\xe2\x9c" * 10 + b"x" * 100, None),                 # 20 bad of 120: under 30%
    (b"\xe2\x9c" * 30 + b"x" * 100, 1),                    # 60 bad of 160: over 30%
])
def test_read_source_bytes(tmp_path: Path, data: bytes, binary_line: int | None) -> None:
    path = tmp_path / "f.md"
    path.write_bytes(data)
    got = read(path, tmp_path)
    if binary_line is None:
        assert isinstance(got, SourceFile)
        assert got.text.encode("utf-8", "surrogateescape") == data
        assert (got.path, got.abspath, got.size) == ("f.md", str(path), len(data))
        assert got.mtime == os.stat(path).st_mtime
    else:
        assert isinstance(got, Notice)
        assert (got.path, got.line) == ("f.md", binary_line)
        assert got.message.startswith("binary file skipped")


def test_bom_stays_in_the_text(tmp_path: Path) -> None:
    (tmp_path / "b.md").write_bytes(b"\xef\xbb\xbf# Title\n")
    got = read(tmp_path / "b.md", tmp_path)
    assert isinstance(got, SourceFile)
    assert got.text == "\ufeff# Title\n"


def test_invalid_utf8_round_trips(tmp_path: Path) -> None:
    data = b"deploy failed \xff\xfe at caf\xe9 \xed\xa0\x80 \xf0\x9f\x9a\n"
    (tmp_path / "bad.md").write_bytes(data)
    got = read(tmp_path / "bad.md", tmp_path)
    assert isinstance(got, SourceFile)
    assert got.text.startswith("deploy failed \udcff\udcfe")
    assert got.text.encode("utf-8", "surrogateescape") == data


@pytest.mark.parametrize(("size", "cap", "skipped"), [(0, 0, False), (10, 10, False), (11, 10, True),
                                                       (5000, 4096, True)])
def test_size_cap(tmp_path: Path, size: int, cap: int, skipped: bool) -> None:
    (tmp_path / "big.log").write_bytes(b"x" * size)
    got = read(tmp_path / "big.log", tmp_path, max_bytes=cap)
    if skipped:
        assert got == Notice("big.log", 0, f"larger than {cap} bytes, skipped")
    else:
        assert isinstance(got, SourceFile)
        assert got.size == size


def test_a_file_growing_past_the_cap_while_read_is_refused(tmp_path: Path) -> None:
    (tmp_path / "g.log").write_bytes(b"y" * 100)
    fd = os.open(tmp_path / "g.log", os.O_RDONLY)
    try:
        assert files._read_capped(fd, 99) is None
    finally:
        os.close(fd)
    fd = os.open(tmp_path / "g.log", os.O_RDONLY)
    try:
        assert files._read_capped(fd, 100) == b"y" * 100
    finally:
        os.close(fd)


def test_default_cap_is_64_mib() -> None:
    assert files.DEFAULT_MAX_BYTES == 64 * 1024 * 1024


# --- special files, permissions, links, vanishing -------------------------------------

def test_fifo_is_skipped_in_a_walk_and_as_argument(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.md")
    (tmp_path / "a.md").write_text("a")
    got = discover([".", "pipe.md"], root=str(tmp_path), cwd=str(tmp_path))
    assert got.files == [str(tmp_path / "a.md")]
    assert [n.path for n in got.notices] == ["pipe.md", "pipe.md"]
    assert all("named pipe (FIFO)" in n.message for n in got.notices)
    assert read(tmp_path / "pipe.md", tmp_path) == Notice(
        "pipe.md", 0, "named pipe (FIFO), not a regular file, skipped")


def test_fifo_slipping_past_lstat_does_not_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    os.mkfifo(tmp_path / "pipe.md")
    (tmp_path / "decoy.md").write_text("d")
    real_stat = os.stat
    decoy = real_stat(tmp_path / "decoy.md")

    def lying_stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        return decoy if path == "pipe.md" else real_stat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "stat", lying_stat)
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(read(tmp_path / "pipe.md", tmp_path)),
                              daemon=True)
    worker.start()
    worker.join(timeout=5)
    assert result == [Notice("pipe.md", 0, "file was replaced while being read, skipped")]


def test_socket_is_skipped(tmp_path: Path) -> None:
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(tmp_path / "agent.log"))
        got = discover(["."], root=str(tmp_path), cwd=str(tmp_path))
        assert got.files == []
        assert got.notices == [Notice("agent.log", 0, "socket, not a regular file, skipped")]
    finally:
        sock.close()


@pytest.mark.parametrize(("device", "kind"), [("/dev/null", "character device"),
                                              ("/dev/zero", "character device")])
def test_devices_are_never_read(tmp_path: Path, device: str, kind: str) -> None:
    got = discover([device], root="/dev", cwd=str(tmp_path))
    assert got.files == []
    assert got.notices == [Notice(device, 0, f"{kind}, not a regular file, skipped")]
    assert read_source(device, cwd=str(tmp_path)) == Notice(device, 0, f"{kind}, not a regular file, skipped")


def test_permission_denied_on_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "locked.md").write_text("secret")
    (tmp_path / "open.md").write_text("fine")
    real_open = os.open

    def deny(path: str, flags: int, *args: object, **kwargs: object) -> int:
        if os.path.basename(path) == "locked.md":
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", deny)
    assert read(tmp_path / "locked.md", tmp_path) == Notice("locked.md", 0, "permission denied, skipped")
    assert isinstance(read(tmp_path / "open.md", tmp_path), SourceFile)


def test_permission_denied_on_a_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_tree(tmp_path, {"locked/a.md": "a", "open/b.md": "b"})
    real_scandir = os.scandir

    def deny(path: str) -> Iterator[os.DirEntry[str]]:
        if os.path.basename(path) == "locked":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", deny)
    got = discover(["."], root=str(tmp_path), cwd=str(tmp_path))
    assert got.files == [str(tmp_path / "open" / "b.md")]
    assert got.notices == [Notice("locked", 0, "permission denied, skipped")]


def test_real_unreadable_file_as_non_root(tmp_path: Path) -> None:
    """Root reads mode-000 files; anyone else gets a notice. Either way: no exception."""
    path = tmp_path / "x.md"
    path.write_text("x")
    path.chmod(0)
    try:
        got = read(path, tmp_path)
        if os.geteuid() == 0:
            assert isinstance(got, SourceFile)
        else:
            assert got == Notice("x.md", 0, "permission denied, skipped")
    finally:
        path.chmod(0o644)


def test_symlinks_inside_the_root_are_followed_once(tmp_path: Path) -> None:
    make_tree(tmp_path, {"real/a.md": "a", "MEMORY.md": "m"})
    (tmp_path / "CLAUDE.md").symlink_to("MEMORY.md")
    (tmp_path / "alias").symlink_to(tmp_path / "real")
    got = discover(["."], root=str(tmp_path), cwd=str(tmp_path))
    assert got.files == [str(tmp_path / "MEMORY.md"), str(tmp_path / "real" / "a.md")]
    assert got.notices == []


def test_a_symlinked_folder_reaching_an_ignored_folder_is_walked_by_its_own_name(tmp_path: Path) -> None:
    make_tree(tmp_path, {".gitignore": "build/\n", "build/notes/n.md": "n"})
    (tmp_path / "notes").symlink_to("build/notes")
    assert found(tmp_path) == ["build/notes/n.md"]


@pytest.mark.parametrize("target", ["../outside.md", "{out}/outside.md", "../outdir", "{out}/outdir", "/"])
def test_symlinks_out_of_the_root_give_a_notice(tmp_path: Path, target: str) -> None:
    root = tmp_path / "root"
    make_tree(tmp_path, {"outside.md": "SECRET", "outdir/x.md": "SECRET", "root/in.md": "in"})
    (root / "link.md").symlink_to(target.format(out=tmp_path))
    got = discover(["."], root=str(root), cwd=str(root))
    assert got.files == [str(root / "in.md")]
    assert [n.path for n in got.notices] == ["link.md"]
    assert "symbolic link points outside the scanned root" in got.notices[0].message


@pytest.mark.parametrize(("links", "looped"), [
    ({"self": "."}, ["self"]),
    ({"sub/up": ".."}, ["sub/up"]),
    ({"a/b/top": "../.."}, ["a/b/top"]),
    ({"x.md": "y.md", "y.md": "x.md"}, ["x.md", "y.md"]),   # a link cycle: ELOOP
    ({"x": "y", "y": "x"}, []),   # a cycle under names that would not be scanned: no noise
    ({"z.md": "z.md"}, ["z.md"]),
])
def test_symlink_loops_are_cut_with_a_notice(tmp_path: Path, links: dict[str, str], looped: list[str]) -> None:
    make_tree(tmp_path, {"sub/s.md": "s", "a/b/c.md": "c"})
    for name, target in links.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).symlink_to(target)
    got = discover(["."], root=str(tmp_path), cwd=str(tmp_path))
    assert got.files == [str(tmp_path / "a" / "b" / "c.md"), str(tmp_path / "sub" / "s.md")]
    assert [n.path for n in got.notices] == looped
    assert all("loop" in n.message for n in got.notices)


def test_broken_symlink_gives_a_notice(tmp_path: Path) -> None:
    (tmp_path / "gone.md").symlink_to("nowhere.md")
    assert notices(tmp_path) == [Notice("gone.md", 0, "broken symbolic link, skipped")]


def test_a_file_vanishing_before_reading(tmp_path: Path) -> None:
    (tmp_path / "v.md").write_text("v")
    got = discover(["."], root=str(tmp_path), cwd=str(tmp_path))
    (tmp_path / "v.md").unlink()
    assert read_source(got.files[0], cwd=str(tmp_path)) == Notice(
        "v.md", 0, "file vanished before it could be read, skipped")


def test_a_file_vanishing_during_the_walk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_tree(tmp_path, {"a.md": "a", "gone.md": "g", "sub/x.md": "x"})
    real_scandir = os.scandir

    class Listing:
        """Lists the folder, then deletes gone.md and sub/ before the walker looks at them."""

        def __init__(self, path: str) -> None:
            with real_scandir(path) as it:
                self.entries = list(it)
            for entry in self.entries:
                if entry.name == "gone.md":
                    os.unlink(entry.path)
                if entry.name == "sub":
                    os.rename(entry.path, entry.path + "-moved")

        def __enter__(self) -> Iterator[os.DirEntry[str]]:
            return iter(self.entries)

        def __exit__(self, *exc: object) -> None:
            return None

    monkeypatch.setattr(os, "scandir", Listing)
    got = discover(["."], root=str(tmp_path), cwd=str(tmp_path))
    assert got.files == [str(tmp_path / "a.md")]
    assert got.notices == [Notice("gone.md", 0, "vanished while scanning, skipped")]


def test_a_file_swapped_for_a_symlink_after_discovery_is_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "root"
    make_tree(tmp_path, {"secret.md": "SECRET", "root/a.md": "a", "root/d/b.md": "b"})
    got = discover(["."], root=str(root), cwd=str(root))
    (root / "a.md").unlink()
    (root / "a.md").symlink_to(tmp_path / "secret.md")
    (root / "d").rename(root / "d-old")
    (root / "d").symlink_to(tmp_path)
    (tmp_path / "b.md").write_text("SECRET")
    results = [read_source(f, cwd=str(root), root=str(root)) for f in got.files]
    assert all(isinstance(r, Notice) for r in results)
    assert [r.path for r in results] == ["a.md", "d/b.md"]


@pytest.mark.parametrize(("path", "cwd", "expected"), [
    ("/a/b/c.md", "/a", "b/c.md"),
    ("/a/b/c.md", "/a/", "b/c.md"),
    ("/a/b/c.md", "/a/b/c.md", "."),
    ("/a/bc.md", "/a/b", "/a/bc.md"),
    ("/x/y.md", "/a", "/x/y.md"),
    ("/a/../x/y.md", "/x", "y.md"),
    ("c.md", "/a", "c.md"),
    ("/a/b/\udcff\n.md", "/a", "b/\udcff\n.md"),
])
def test_display_path(path: str, cwd: str, expected: str) -> None:
    assert display_path(path, cwd) == expected


def test_display_path_through_a_symlinked_cwd(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert display_path(str(tmp_path / "real" / "m.md"), str(tmp_path / "link")) == "m.md"
