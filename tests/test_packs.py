"""Every built-in rule's own examples, one test per rule."""
import pytest

from brokenlang.examples import run_examples
from brokenlang.matcher import SpacyMatcher
from brokenlang.patterns import load_packs

RULES = load_packs()


@pytest.fixture(scope="module")
def matcher():
    return SpacyMatcher(RULES)


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_examples(matcher, rule):
    assert [str(f) for f in run_examples([rule], matcher)] == []


def test_every_pack_present_with_examples():
    packs = {r.id.split(".")[0] for r in RULES}
    assert packs == {"deploy", "http", "cron", "files", "auth", "service", "crash", "blocked", "agent", "log"}
    assert all(len(r.match_examples) >= 1 for r in RULES)
    assert len({r.id for r in RULES}) == len(RULES)
