"""`brokenlang ledger add/list/check/suggest`: keep the ledger from scripts and agents
(no prompts). The edge for ledger upkeep: it reads and writes the ledger file and asks git
for fix commits; the work is done by ledgerfile and suggest."""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import click

from . import ledger as ledger_mod
from . import ledgerfile, suggest
from .errors import UserError
from .files import display_path

GIT_TIMEOUT = 30
GIT_MAX_COMMITS = 2000


def _config_and_ledger(config_path: str | None, ledger_path: str | None,
                       paths: Sequence[str] = ()) -> tuple[str, bool]:
    """The ledger file to use and whether it exists: --ledger, the config's, one found in or
    above the scanned folder, else `.brokenlang/ledger.yaml` beside the config (or here)."""
    from . import run

    cwd = os.path.realpath(os.getcwd())
    if ledger_path:
        return display_path(ledger_path, cwd), os.path.isfile(ledger_path)
    cfg = run.load_config(config_path, paths, cwd)
    targets = [os.path.normpath(os.path.join(cwd, p)) for p in (paths or (".",))]
    path = run.find_ledger(None, cfg, cwd, targets) or os.path.join(cfg.root, run.DEFAULT_LEDGER)
    return display_path(path, cwd), os.path.isfile(path)


def _read(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as e:
        raise UserError(f"cannot read ledger: {e.strerror}", path) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UserError("ledger is not valid UTF-8", path, raw[: e.start].count(b"\n") + 1) from None


def _write(path: str, text: str, existed: bool) -> None:
    """Atomic replace keeping the file's mode (temp file, fsync, rename)."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    mode = os.stat(path).st_mode & 0o7777 if existed else 0o644
    tmp = os.path.join(folder, f".{os.path.basename(path)}.brokenlang-tmp-{os.getpid():012x}"[-255:])
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        if existed:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def append_issues(path: str, existed: bool, items: Sequence[dict[str, Any]]) -> None:
    text = _read(path) if existed else ""
    _write(path, ledgerfile.append(text, items, path), existed)


def ledger_options(f: Any) -> Any:
    f = click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file.")(f)
    f = click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False), help="Ledger file.")(f)
    return f


@click.group("ledger")
def ledger_group() -> None:
    """Keep the ledger of resolved issues (.brokenlang/ledger.yaml)."""


@ledger_group.command("add")
@ledger_options
@click.option("--id", "iid", required=True, help="Slug, unique in the ledger.")
@click.option("--title", required=True, help="What the issue was.")
@click.option("--match", "match", multiple=True, help="How the failure was written (repeatable; default: the title).")
@click.option("--resolved", required=True, help="When it was fixed: YYYY-MM-DD or an ISO datetime.")
@click.option("--now", default=None, help="The current truth, used by `fix --mode rewrite`.")
@click.option("--paths", multiple=True, help="Glob the issue is limited to (repeatable).")
@click.option("--evidence", default=None, help="A commit, a URL, a note.")
def ledger_add(config_path: str | None, ledger_path: str | None, iid: str, title: str, match: tuple[str, ...],
               resolved: str, now: str | None, paths: tuple[str, ...], evidence: str | None) -> None:
    """Append one issue (the file is created when missing; existing bytes are kept)."""
    path, existed = _config_and_ledger(config_path, ledger_path)
    try:
        ledger_mod.parse_resolved(resolved, "--resolved", 0)
    except UserError as e:
        raise UserError(f"--resolved: {e.message}") from None
    if existed:
        for issue in ledger_mod.load(path).issues:
            if issue.id == iid:
                raise UserError(f"issue id {iid!r} already exists", path, issue.line)
    item = ledgerfile.issue_dict(iid, title, match or (title,), resolved.strip(), now, paths, evidence)
    append_issues(path, existed, [item])
    click.echo(f"added {iid} to {path}", err=True)


@ledger_group.command("list")
@ledger_options
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
def ledger_list(config_path: str | None, ledger_path: str | None, fmt: str) -> None:
    """One line per issue: id, resolved, title (or a JSON list)."""
    path, existed = _config_and_ledger(config_path, ledger_path)
    issues = ledger_mod.load(path).issues if existed else ()
    if fmt == "json":
        click.echo(json.dumps([_issue_json(i) for i in issues], ensure_ascii=False, indent=1))
        return
    if not issues:
        click.echo(f"no issues in {path}" if existed else f"no ledger at {path}", err=True)
        return
    width = max(len(i.id) for i in issues)
    rwidth = max(len(i.resolved_text) for i in issues)
    for i in issues:
        click.echo(f"{i.id:<{width}}  {i.resolved_text:<{rwidth}}  {i.title}")


def _issue_json(i: ledger_mod.Issue) -> dict[str, Any]:
    return {"id": i.id, "title": i.title, "match": list(i.match), "resolved": i.resolved_text, "now": i.now,
            "paths": list(i.paths), "evidence": i.evidence, "line": i.line}


@ledger_group.command("check")
@click.argument("paths", nargs=-1, type=click.Path())
@ledger_options
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
def ledger_check(paths: tuple[str, ...], config_path: str | None, ledger_path: str | None, fmt: str) -> None:
    """Report issues that match nothing in PATHS (dead entries), duplicate ids and resolved
    dates in the future. Exit 1 when there is any."""
    from .run import ScanOptions, collect

    src = collect(paths, ScanOptions(config=config_path, ledger=ledger_path))
    if not src.ledger_path or not os.path.isfile(src.ledger_path):
        raise UserError("no ledger found (use --ledger or `brokenlang ledger add`)", src.ledger_path)
    shown = display_path(src.ledger_path, os.getcwd())
    issues, problems = ledgerfile.parse_lenient(_read(src.ledger_path), shown)
    problems += ledgerfile.future_dates(issues, shown, dt.datetime.now(dt.UTC))
    problems += ledgerfile.dead_issues(issues, src.files, shown)
    problems.sort(key=lambda p: (p.line, p.message))
    if fmt == "json":
        click.echo(json.dumps({"ledger": shown, "issues": len(issues), "files": len(src.files),
                               "problems": [p._asdict() for p in problems]}, ensure_ascii=False, indent=1))
    else:
        for p in problems:
            click.echo(f"{p.path}:{p.line}: {p.issue}: {p.message}")
        click.echo(f"{len(issues)} issue{'s' if len(issues) != 1 else ''}, "
                   f"{len(problems)} problem{'s' if len(problems) != 1 else ''} "
                   f"({len(src.files)} files scanned)", err=True)
    sys.exit(1 if problems else 0)


@ledger_group.command("suggest")
@click.argument("paths", nargs=-1, type=click.Path())
@ledger_options
@click.option("--format", "fmt", type=click.Choice(("yaml", "json")), default="yaml", show_default=True)
@click.option("--write", is_flag=True, help="Append the proposals to the ledger (ids that exist are skipped).")
@click.option("--no-git", is_flag=True, help="Do not look at the git history.")
def ledger_suggest(paths: tuple[str, ...], config_path: str | None, ledger_path: str | None, fmt: str,
                   write: bool, no_git: bool) -> None:
    """Propose issues from resolution text in PATHS and from fix commits in git history."""
    from .run import ScanOptions, scan

    report = scan(paths, ScanOptions(config=config_path, ledger=ledger_path))
    path, existed = _config_and_ledger(config_path, report.ledger_path or ledger_path, paths)
    current = ledger_mod.load(path) if existed else ledger_mod.EMPTY
    proposals = suggest.from_findings(report.findings)
    if not no_git:
        commits = fix_commits(report.files)
        proposals += suggest.from_commits(commits, report.findings)
    chosen = suggest.select(proposals, current)
    items = [p.as_dict() for p in chosen]
    if fmt == "json":
        click.echo(json.dumps(items, ensure_ascii=False, indent=1))
    elif items:
        click.echo(f"# {len(items)} proposed issue{'s' if len(items) != 1 else ''} for {path}"
                   + ("" if write else " (nothing written; --write appends them)"))
        click.echo("".join(ledgerfile.issue_yaml(it, 0, 2) for it in items), nl=False)
    else:
        click.echo("# no issues to propose", err=True)
    if write and items:
        append_issues(path, existed, items)
        click.echo(f"added {len(items)} issue{'s' if len(items) != 1 else ''} to {path}: "
                   + ", ".join(str(it["id"]) for it in items), err=True)


def fix_commits(files: Sequence[Any]) -> list[suggest.Commit]:
    """Commits touching the scanned files whose subject says they fixed something."""
    by_abs = {os.path.realpath(f.abspath): f.path for f in files}
    if not by_abs:
        return []
    folder = os.path.dirname(os.path.commonpath(list(by_abs)) + os.sep)
    top = _git(["rev-parse", "--show-toplevel"], folder)
    if not top:
        return []
    top = top.strip()
    log = _git(["log", "--no-merges", f"-n{GIT_MAX_COMMITS}", "--format=%x1e%H%x1f%cI%x1f%s", "--name-only",
                "--no-renames", "-z", "--", folder], top)
    if not log:
        return []
    out = []
    for record in log.split("\x1e")[1:]:
        head, _, names = record.partition("\0")   # -z: "sha\x1fdate\x1fsubject\0\nname\0name\0"
        parts = head.split("\x1f")
        if len(parts) != 3:
            continue
        sha, when, subject = parts
        if not suggest.FIX_SUBJECT.match(subject):
            continue
        reals = (os.path.realpath(os.path.join(top, n.strip("\n"))) for n in names.split("\0") if n.strip("\n"))
        touched = tuple(by_abs[p] for p in reals if p in by_abs)
        if touched:
            out.append(suggest.Commit(sha, dt.datetime.fromisoformat(when).date(), subject, touched))
    return out


def _git(args: list[str], cwd: str) -> str | None:
    try:
        p = subprocess.run(["git", "-C", cwd, *args], capture_output=True, timeout=GIT_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if p.returncode != 0:
        return None
    return p.stdout.decode("utf-8", "surrogateescape")
