"""A crafted corpus of traversal and symlink attacks: nothing outside the root is ever opened or listed.

Each case builds a small tree in tmp_path next to an `outside/` folder holding a sentinel
marker, runs discovery and reads every file found, and checks with spies on os.open and
os.scandir (resolved through /proc/self/fd) that no file or folder outside the root was
touched, no returned path lies outside the root and no text carries the marker.
"""
from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from brokenlang.files import discover, read_source
from brokenlang.models import Notice, SourceFile

MARKER = "SENTINEL-7f3c2a9e-outside-the-root"
INSIDE = "inside the root: deploy failed on 2026-02-14\n"


class Layout(NamedTuple):
    root: Path       # the scanned root (real path)
    out: Path        # a folder outside it, full of sentinels
    evil: Path       # a sibling whose name extends the root's: /x/root-evil vs /x/root


class Plan(NamedTuple):
    args: tuple[str, ...] = (".",)
    expect: tuple[str, ...] = ()                       # root-relative files that must be found and read
    noticed: tuple[str, ...] = ()                      # notice paths that must be reported
    after: Callable[[Layout], None] | None = None      # tampering between discovery and reading


Builder = Callable[[Layout], Plan]


def link(path: Path, target: str | Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


def write(path: Path, text: str = INSIDE) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", errors="surrogateescape")


# --- symlinks whose target lies outside ------------------------------------------------

OUTSIDE_TARGETS = [
    "../outside/secret.md", "../outside/dir", "../outside", "..", "../..", "./../outside/secret.md",
    "../root/../outside/secret.md", "sub/../../outside/secret.md", "../root-evil/secret.md",
    "../root-evil", "{out}/secret.md", "{out}/dir", "{out}", "//{out}/secret.md", "{evil}/secret.md",
    "/", "/etc", "/etc/passwd", "/dev/zero", "/proc/self/root", "/proc/self/cwd", "/nonexistent/x.md",
    "../outside/missing.md", "../outside/dir/../secret.md",
]
PLACEMENTS = ["link.md", "deep/er/link.md", "linkdir"]


def outside_link(target: str, placement: str, explicit: bool) -> Builder:
    def build(lay: Layout) -> Plan:
        (lay.root / "sub").mkdir(exist_ok=True)
        resolved = target.format(out=lay.out, evil=lay.evil)
        if placement.startswith("deep/") and not resolved.startswith("/"):
            resolved = "../../" + resolved   # keep the same destination from two folders down
        link(lay.root / placement, resolved)
        args = (".", placement) if explicit else (".",)
        # a link to a file under a name that is not scanned is skipped silently: no notice due
        scanned = explicit or placement.endswith(".md") or (lay.root / placement).is_dir()
        return Plan(args, ("legit.md",), (placement,) if scanned else ())
    return build


# --- chains of links -----------------------------------------------------------------

def chain_out(lay: Layout) -> Plan:
    link(lay.root / "a.md", "b.md")
    link(lay.root / "b.md", lay.out / "secret.md")
    return Plan(noticed=("a.md", "b.md"), expect=("legit.md",))


def chain_dir_out(lay: Layout) -> Plan:
    link(lay.root / "d1", "d2")
    link(lay.root / "d2", "../outside")
    return Plan(noticed=("d1", "d2"), expect=("legit.md",))


def chain_stays_in(lay: Layout) -> Plan:
    write(lay.root / "real" / "note.md")
    link(lay.root / "a.md", "b.md")
    link(lay.root / "b.md", "real/note.md")
    link(lay.root / "alias", "real")
    return Plan(expect=("real/note.md", "legit.md"))


def link_inside_symlinked_dir_escapes(lay: Layout) -> Plan:
    link(lay.root / "a" / "b" / "esc.md", "../../../outside/secret.md")
    link(lay.root / "view", "a/b")
    return Plan(noticed=("a/b/esc.md",), expect=("legit.md",))


def logical_vs_physical_dotdot(lay: Layout) -> Plan:
    # Through root/view, "../x.md" looks like root/x.md; physically it is outside/x.md.
    write(lay.out / "dir" / "inner" / "placeholder.md", MARKER)
    write(lay.out / "dir" / "x.md", MARKER)
    link(lay.root / "view", lay.out / "dir" / "inner")
    link(lay.root / "sub" / "x.md", "../view/../x.md")
    return Plan(noticed=("view", "sub/x.md"), expect=("legit.md",))


def hop_through_inside_dir(lay: Layout) -> Plan:
    link(lay.root / "hop", "sub")
    (lay.root / "sub").mkdir(exist_ok=True)
    link(lay.root / "sub" / "up", "../../outside")
    return Plan(noticed=("sub/up",), expect=("legit.md",))


# --- loops ---------------------------------------------------------------------------

def loop(links: dict[str, str], looped: tuple[str, ...]) -> Builder:
    def build(lay: Layout) -> Plan:
        for name, target in links.items():
            link(lay.root / name, target.format(root=lay.root))
        return Plan(expect=("legit.md",), noticed=looped)
    return build


def long_link_chain(lay: Layout) -> Plan:
    for i in range(60):   # longer than the kernel's 40-link limit
        link(lay.root / f"c{i}.md", f"c{i + 1}.md")
    link(lay.root / "c60.md", "legit.md")
    return Plan(expect=("legit.md",), noticed=("c0.md",))


def deep_tree(lay: Layout) -> Plan:
    deep = lay.root.joinpath(*["d"] * 300)
    write(deep / "bottom.md")
    link(deep / "out.md", lay.out / "secret.md")
    link(deep / "top", lay.root)
    rel = "/".join(["d"] * 300)
    return Plan(expect=(f"{rel}/bottom.md",), noticed=(f"{rel}/out.md", f"{rel}/top"))


def many_aliases(lay: Layout) -> Plan:
    # Each folder links twice to the next: 2^20 paths if aliases were walked, 20 folders if not.
    for i in range(20):
        write(lay.root / f"f{i}" / "n.md")
        link(lay.root / f"f{i}" / "l1", f"../f{i + 1}")
        link(lay.root / f"f{i}" / "l2", f"../f{i + 1}")
    (lay.root / "f20").mkdir()
    return Plan(expect=tuple(f"f{i}/n.md" for i in range(20)))


# --- hostile names inside the root: found and read, nothing else ------------------------

HOSTILE_NAMES = [
    "..md", "...md", ".md", "..\\..\\x.md", "a\nb.md", "\n.md", "\r.md", "\t.md", "\x1b[31mred.md",
    "\u202egnp.md", "🦀.md", "日本語.md", unicodedata.normalize("NFD", "é.md"),
    unicodedata.normalize("NFC", "é.md") + "x", "x" * 252 + ".md", "é" * 125 + ".md",
    os.fsdecode(b"\xff\xfe.md"), os.fsdecode(b"bad\x80utf8.md"), " .md", "-rf.md", "~.md",
    "$HOME.md", "*.md", "?.md", "[a].md", "\\.md", "#.md", "!x.md", "%2e%2e%2f.md", "con.md",
]


def hostile_name(name: str, nested: bool) -> Builder:
    def build(lay: Layout) -> Plan:
        folder = name[:-3] + "-dir" if nested and len(name) < 200 else ("plain-dir" if nested else "")
        rel = f"{folder}/{name}" if folder else name
        write(lay.root / rel)
        return Plan(expect=(rel, "legit.md"))
    return build


# --- explicit arguments --------------------------------------------------------------

ESCAPING_ARGS = ["../outside/secret.md", "../outside", "..", "/", "{out}/secret.md",
                 "sub/../../outside/secret.md", "./../outside", "../root-evil/secret.md",
                 "{evil}", "legit.md/../../outside/secret.md", "//{out}", "/proc/self/root/{out}/secret.md"]


def escaping_arg(arg: str) -> Builder:
    def build(lay: Layout) -> Plan:
        (lay.root / "sub").mkdir(exist_ok=True)
        given = arg.format(out=str(lay.out).lstrip("/") if arg.startswith(("//", "/proc")) else lay.out,
                           evil=lay.evil)
        return Plan(args=(given,), noticed=(os.path.normpath(os.path.join(lay.root, given)),))
    return build


def explicit_link_arg(lay: Layout) -> Plan:
    link(lay.root / "MEMORY.md", lay.out / "secret.md")
    return Plan(args=("MEMORY.md",), noticed=("MEMORY.md",))


def explicit_dir_through_link(lay: Layout) -> Plan:
    link(lay.root / "mem", lay.out / "dir")
    return Plan(args=("mem", "mem/secret.md"), noticed=("mem", "mem/secret.md"))


# --- .gitignore from outside ---------------------------------------------------------

def gitignore_links_out(lay: Layout) -> Plan:
    write(lay.out / "gi", f"{MARKER}\n!*\n")
    link(lay.root / ".gitignore", lay.out / "gi")
    return Plan(expect=("legit.md",), noticed=(".gitignore",))


def gitignore_names_outside(lay: Layout) -> Plan:
    write(lay.root / ".gitignore", "!../outside/secret.md\n!/../outside\n../**\n")
    return Plan(expect=("legit.md",))


# --- tampering between discovery and reading -------------------------------------------

def swap_file_for_link(lay: Layout) -> None:
    (lay.root / "legit.md").unlink()
    link(lay.root / "legit.md", lay.out / "secret.md")


def swap_folder_for_link(lay: Layout) -> None:
    (lay.root / "mem").rename(lay.root / "mem-old")
    link(lay.root / "mem", lay.out / "dir")


def swap_root_parent_folder(lay: Layout) -> None:
    (lay.root / "a").rename(lay.root / "a-old")
    link(lay.root / "a", lay.out)


def swap_file_for_fifo(lay: Layout) -> None:
    (lay.root / "legit.md").unlink()
    os.mkfifo(lay.root / "legit.md")


def swap_folder_for_file(lay: Layout) -> None:
    (lay.root / "mem").rename(lay.root / "mem-old")
    write(lay.root / "mem", "now a file")


def tamper(action: Callable[[Layout], None]) -> Builder:
    def build(lay: Layout) -> Plan:
        write(lay.root / "mem" / "secret.md")
        write(lay.root / "a" / "dir" / "secret.md")
        write(lay.out / "dir" / "secret.md", MARKER)
        return Plan(after=action)
    return build


CASES: list[object] = []
for _t in OUTSIDE_TARGETS:
    for _p in PLACEMENTS:
        CASES.append(pytest.param(outside_link(_t, _p, False), id=f"out:{_t}@{_p}"))
    CASES.append(pytest.param(outside_link(_t, "link.md", True), id=f"out-explicit:{_t}"))
for _n in HOSTILE_NAMES:
    for _nested in (False, True):
        CASES.append(pytest.param(hostile_name(_n, _nested), id=f"name:{_n!r}:{_nested}"))
for _a in ESCAPING_ARGS:
    CASES.append(pytest.param(escaping_arg(_a), id=f"arg:{_a}"))
CASES += [
    pytest.param(loop({"self": "."}, ("self",)), id="loop:self"),
    pytest.param(loop({"sub/up": ".."}, ("sub/up",)), id="loop:parent"),
    pytest.param(loop({"a/b/c/top": "../../.."}, ("a/b/c/top",)), id="loop:grandparent"),
    pytest.param(loop({"abs": "{root}"}, ("abs",)), id="loop:absolute-root"),
    pytest.param(loop({"x.md": "y.md", "y.md": "x.md"}, ("x.md", "y.md")), id="loop:pair"),
    pytest.param(loop({"p.md": "q.md", "q.md": "r.md", "r.md": "p.md"}, ("p.md", "q.md", "r.md")),
                 id="loop:triangle"),
    pytest.param(loop({"me.md": "me.md"}, ("me.md",)), id="loop:itself"),
    pytest.param(loop({"n.md": "n.md/deeper"}, ("n.md",)), id="loop:into-itself"),
    pytest.param(loop({"l1": "l2", "l2": "l1"}, ()), id="loop:pair-unscanned-names"),
    pytest.param(loop({"a/up": "../b", "b/up": "../a"}, ()), id="loop:cross-folders"),   # aliases, walked once
    pytest.param(long_link_chain, id="loop:60-link-chain"),
    pytest.param(deep_tree, id="deep:300-folders"),
    pytest.param(many_aliases, id="aliases:2^20-paths"),
    pytest.param(chain_out, id="chain:file-out"),
    pytest.param(chain_dir_out, id="chain:dir-out"),
    pytest.param(chain_stays_in, id="chain:stays-in"),
    pytest.param(link_inside_symlinked_dir_escapes, id="chain:escape-inside-alias"),
    pytest.param(logical_vs_physical_dotdot, id="chain:logical-dotdot"),
    pytest.param(hop_through_inside_dir, id="chain:hop"),
    pytest.param(explicit_link_arg, id="arg:link-out"),
    pytest.param(explicit_dir_through_link, id="arg:dir-link-out"),
    pytest.param(gitignore_links_out, id="gitignore:link-out"),
    pytest.param(gitignore_names_outside, id="gitignore:names-outside"),
    pytest.param(tamper(swap_file_for_link), id="tamper:file-to-link"),
    pytest.param(tamper(swap_folder_for_link), id="tamper:folder-to-link"),
    pytest.param(tamper(swap_root_parent_folder), id="tamper:parent-to-link"),
    pytest.param(tamper(swap_file_for_fifo), id="tamper:file-to-fifo"),
    pytest.param(tamper(swap_folder_for_file), id="tamper:folder-to-file"),
]


def test_the_corpus_is_big_enough() -> None:
    assert len(CASES) >= 100


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    base = Path(os.path.realpath(tmp_path))
    lay = Layout(base / "root", base / "outside", base / "root-evil")
    write(lay.out / "secret.md", MARKER)
    write(lay.out / "dir" / "secret.md", MARKER)
    write(lay.out / ".gitignore", MARKER)
    write(lay.evil / "secret.md", MARKER)
    write(lay.root / "legit.md")
    return lay


class Touched(NamedTuple):
    opened: list[str]
    listed: list[str]


@pytest.fixture
def touched(monkeypatch: pytest.MonkeyPatch) -> Iterator[Touched]:
    """Record the real path of everything files.py opens or lists."""
    spy = Touched([], [])
    real_open, real_scandir = os.open, os.scandir

    def spying_open(path: str, flags: int, mode: int = 0o777, *, dir_fd: int | None = None) -> int:
        fd = real_open(path, flags, mode, dir_fd=dir_fd)
        spy.opened.append(os.readlink(f"/proc/self/fd/{fd}"))
        return fd

    def spying_scandir(path: str) -> Iterator[os.DirEntry[str]]:
        spy.listed.append(os.path.realpath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "open", spying_open)
    monkeypatch.setattr(os, "scandir", spying_scandir)
    yield spy


def inside(path: str, root: Path) -> bool:
    return os.path.commonpath([path, str(root)]) == str(root)


@pytest.mark.parametrize("builder", CASES)
def test_nothing_outside_the_root_is_read(layout: Layout, touched: Touched, builder: Builder) -> None:
    plan = builder(layout)
    root = layout.root
    touched.opened.clear()   # only what brokenlang does counts, not the test's own set-up
    touched.listed.clear()
    got = discover(list(plan.args), root=str(root), cwd=str(root))
    if plan.after is not None:
        plan.after(layout)
    results = [read_source(f, cwd=str(root), root=str(root)) for f in got.files]

    assert all(inside(f, root) for f in got.files)
    assert all(inside(p, root) for p in touched.opened + touched.listed), touched
    read_ok = [r for r in results if isinstance(r, SourceFile)]
    assert all(MARKER not in r.text and inside(r.abspath, root) for r in read_ok)
    assert all(MARKER not in n.message for n in got.notices + [r for r in results if isinstance(r, Notice)])

    texts = {os.path.relpath(r.abspath, root): r.text for r in read_ok}
    for rel in plan.expect:
        assert texts.get(os.path.normpath(rel)) == INSIDE, (rel, sorted(texts))
    noticed = {n.path for n in got.notices}
    for rel in plan.noticed:
        assert rel in noticed, (rel, got.notices)
