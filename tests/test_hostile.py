"""Hostile input through the whole scan: catastrophic regexes, huge lines, random bytes and
mutated markdown/YAML/JSONL never crash or hang the run."""
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brokenlang.errors import UserError
from brokenlang.ledger import parse as parse_ledger
from brokenlang.run import ScanOptions, scan

CATASTROPHIC = """pack: x
rules:
  - id: x.nested
    message: nested quantifier
    patterns: [[{TEXT: {REGEX: "(a+)+$"}}]]
    examples: {match: [aaa]}
  - id: x.alternation
    message: overlapping alternation
    patterns: [[{LOWER: {REGEX: "^(a|aa)+$"}}]]
    examples: {match: [aaa]}
  - id: x.star
    message: star of star
    patterns: [[{TEXT: {REGEX: "(.*a){12}"}}]]
    examples: {match: [aaaaaaaaaaaa]}
"""


def test_catastrophic_regexes_on_a_1mb_line_finish(cli, tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "x.yaml").write_text(CATASTROPHIC)
    (tmp_path / "big.log").write_text("a" * 1_000_000 + "!\n")
    p = cli("scan", "big.log", "--packs", "p", "--fail-on", "never", "--format", "json", cwd=tmp_path,
            timeout=120)   # backtracking would take years; RE2 is linear
    assert p.returncode == 0, p.stderr
    assert '"rule": "x.nested"' in p.stdout


def test_backtracking_only_regexes_are_rejected_at_load(cli, tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "x.yaml").write_text(
        "pack: x\nrules:\n  - id: x.back\n    message: m\n    patterns: [[{TEXT: {REGEX: '(a)\\1'}}]]\n"
        "    examples: {match: [aa]}\n  - id: x.look\n    message: m\n"
        "    patterns: [[{TEXT: {REGEX: 'a(?=b)'}}]]\n    examples: {match: [ab]}\n")
    (tmp_path / "n.md").write_text("- x\n")
    p = cli("scan", "--packs", "p", cwd=tmp_path)
    assert p.returncode == 2 and "x.yaml:5: rule x.back: REGEX" in p.stderr and "RE2" in p.stderr


MD = st.lists(st.sampled_from([
    "# 2026-02-14", "## 09:10 UTC — Deploy", "- deploy failed with HTTP 500", "- ✅ fixed", "```", "```log",
    "Traceback (most recent call last):", "  File \"x.py\", line 1", "KeyError: 'x'", "| a | b |", "|---|---|",
    "---", "date: 2026-13-45", "> quoted failure", "~~broken~~", "- [x] cron crashed", "<!-- brokenlang: ignore -->",
    "**Problem:** x down", "**Solution:** y", "", "\t", "\r", "\x00", "\ufeff", "\u202e", "`code fails`",
]), max_size=40).map("\n".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(md=MD, noise=st.binary(max_size=300), jsonl=st.lists(st.text(max_size=40), max_size=5))
def test_scan_never_raises_on_mutated_input(tmp_path_factory, md, noise, jsonl):
    root = tmp_path_factory.mktemp("fuzz")
    (root / "memory").mkdir()
    (root / "memory" / "2026-02-14.md").write_bytes(md.encode("utf-8", "surrogatepass") + noise)
    (root / "app.log").write_bytes(noise + md.encode("utf-8", "surrogatepass"))
    (root / "events.jsonl").write_text("\n".join(f'{{"msg": {t!r}}}' for t in jsonl) + "\n{broken")
    report = scan(["."], ScanOptions(cwd=str(root), git_dates=False))
    for f in report.findings:
        assert f.line >= 1 and f.column >= 1 and f.state in ("stale", "recurred", "open", "resolved")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=string.printable + "é✅&*[]{}:-|>!%@`", max_size=300))
def test_ledger_parse_is_a_value_or_a_user_error(text):
    try:
        parse_ledger(text.encode(), "ledger.yaml")
    except UserError as e:
        assert e.path == "ledger.yaml"
