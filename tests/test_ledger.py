import pytest

from brokenlang.errors import UserError
from brokenlang.ledger import LedgerMatcher, parse

LEDGER = b"""version: 1
issues:
  - id: cloudrun-500
    title: Cloud Run deploy returns HTTP 500
    match:
      - deploy failed with HTTP 500
      - cloud run 500
    resolved: 2026-02-16
    now: Cloud Run deploys succeed.
  - id: julia
    title: Julia not installed
    match: [Julia NOT INSTALLED, Julia status not installed]
    resolved: 2026-03-09T15:13:09Z
    paths: ["TOOLS.md"]
  - id: cron-timeouts
    title: Cron jobs time out
    match: [8 jobs with timeout errors]
    resolved: 2026-03-01
  - id: deploy-failure
    title: Deployments fail
    match: [deployment failure]
    resolved: 2026-03-01
"""


@pytest.fixture(scope="module")
def matcher():
    return LedgerMatcher(parse(LEDGER, "ledger.yaml"))


@pytest.mark.parametrize(("text", "context", "path", "expected"), [
    ("- 09:10 deploy failed with HTTP 500", "", "memory/2026-02-14.md", "cloudrun-500"),
    ("Cloud Run returned 500 again", "", "MEMORY.md", "cloudrun-500"),
    ("Vercel deploy fails", "", "MEMORY.md", None),
    ("Vercel deploy fails with a timeout", "", "MEMORY.md", None),
    ("deploy failed", "", "MEMORY.md", None),
    ("- **Julia:** NOT INSTALLED (Phase 2a/2b requirement)", "", "TOOLS.md", "julia"),
    ("**Status:** Not installed", "Julia (MISSING)", "TOOLS.md", "julia"),
    ("- Julia NOT INSTALLED", "", "memory/other.md", None),   # outside the issue's paths
    ("- Python NOT INSTALLED", "", "TOOLS.md", None),
    # a phrase of one subject word: the entry must say how it failed in the phrase's words too
    ("- 8 cron jobs failed with timeout errors", "", "memory/2026-02-26.md", "cron-timeouts"),
    ("- **Impact:** Cannot modify cron jobs via CLI", "", "memory/2026-02-26.md", None),
    ("### Deployment Status - CRITICAL FAILURE", "", "SESSION.md", "deploy-failure"),
    ("- Multiple deployment attempts failed", "", "SESSION.md", "deploy-failure"),
    ("- Deployment blocked on review", "", "SESSION.md", None),
])
def test_match_is_precise(matcher, text, context, path, expected):
    got = matcher.match(text, context, path)
    assert (got[0].id if got else None) == expected


def test_parse_fields():
    lg = parse(LEDGER, "ledger.yaml")
    a, b = lg.issues[:2]
    assert a.resolved.isoformat() == "2026-02-16T23:59:59.999999+00:00"   # date-only = end of day
    assert b.resolved.isoformat() == "2026-03-09T15:13:09+00:00"
    assert a.now == "Cloud Run deploys succeed." and a.line == 3


@pytest.mark.parametrize(("text", "message", "line"), [
    ("version: 1\nissues:\n  - id: a\n    title: t\n    match: [x]\n    resolved: 2026-02-16\n    owner: me\n",
     "unknown key 'owner'", 7),
    ("version: 1\nissues:\n  - id: a\n    title: t\n    match: [x]\n    resolved: 2026-02-31\n",
     "bad date", 6),
    ("version: 1\nissues:\n  - id: a\n    title: t\n    match: [x]\n    resolved: yesterday\n",
     "bad date", 6),
    ("version: 1\nissues:\n  - id: a\n    title: t\n    match: [x]\n    resolved: 2026-01-01\n"
     "  - id: a\n    title: u\n    match: [y]\n    resolved: 2026-01-02\n", "duplicate issue id 'a'", 7),
    ("version: 1\nissues:\n  - id: a\n    title: t\n    match: []\n    resolved: 2026-01-01\n",
     "`match` must be a non-empty list", 5),
    ("version: 1\nissues:\n  - id: a\n    title: t\n    match: [x]\n", "`resolved` date is required", 3),
    ("version: 1\nissue: []\n", "unknown key 'issue'", 2),
    ("version: 1\nissues: [\n", "invalid YAML", 3),
])
def test_errors_name_file_and_line(text, message, line):
    with pytest.raises(UserError) as ei:
        parse(text.encode(), "ledger.yaml")
    assert message in ei.value.message
    assert ei.value.path == "ledger.yaml"
    assert ei.value.line == line
    assert str(ei.value).startswith(f"ledger.yaml:{line}: ")
