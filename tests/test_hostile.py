"""Hostile input through the whole scan: catastrophic regexes, huge lines, random bytes and
mutated markdown/YAML/JSONL never crash or hang the run."""
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brokenlang import saferegex
from brokenlang.errors import UserError
from brokenlang.ledger import parse as parse_ledger
from brokenlang.run import ScanOptions, scan


def one_rule_pack(root, rule_id, regex_yaml, example):
    """p/x.yaml with one rule: a TEXT REGEX (`regex_yaml` as written in YAML, quotes
    included) on line 5 of the file."""
    (root / "p").mkdir()
    (root / "p" / "x.yaml").write_text(
        f"pack: x\nrules:\n  - id: {rule_id}\n    message: m\n"
        f"    patterns: [[{{TEXT: {{REGEX: {regex_yaml}}}}}]]\n    examples: {{match: [{example}]}}\n")


@pytest.mark.parametrize("regex", ["(a+)+$", "^(a|aa)+$", "(.*a){12}", "([a-z]+)*$", "(a|a?)+", "(\\\\w+\\\\s?)+$",
                                   "(x+x+)+y", "(.*){1,100}[bc]", "^(([a-z])+.)+[A-Z]([a-z])+$"])
def test_catastrophic_regexes_are_rejected_at_load(cli, tmp_path, regex):
    one_rule_pack(tmp_path, "x.bad", f'"{regex}"', "aaa")
    (tmp_path / "big.log").write_text("a" * 1_000_000 + "!\n")
    p = cli("scan", "big.log", "--packs", "p", cwd=tmp_path, timeout=60)
    assert p.returncode == 2, p.stderr
    assert "x.yaml:5: rule x.bad: REGEX" in p.stderr and "catastrophic backtracking" in p.stderr
    assert "Traceback" not in p.stderr


@pytest.mark.parametrize("regex", ["^5\\d\\d$", "(cat|dog)+", "(?:\\d+\\.){3}\\d+", "^([a-z_]\\w*\\.)*[A-Z]\\w*Error$",
                                   "([^.]+\\.)+x", "a{2,}b", "(a|b|c)+"])
def test_repeats_without_backtracking_blow_up_are_accepted(regex):
    assert saferegex.backtracking_shape(regex) is None


def test_a_delimited_nested_repeat_scans_a_1mb_line(cli, tmp_path):
    one_rule_pack(tmp_path, "x.dotted", "'^([a-z_]\\w*\\.)*[A-Z]\\w*Error$'", "a.b.KeyError")
    (tmp_path / "big.log").write_text("a." * 500_000 + "KeyError!\n")
    p = cli("scan", "big.log", "--packs", "p", "--fail-on", "never", "--format", "json", cwd=tmp_path, timeout=120)
    assert p.returncode == 0, p.stderr
    assert '"rule": "x.dotted"' in p.stdout


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
