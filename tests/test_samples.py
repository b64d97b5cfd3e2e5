"""Golden output of the sample workspace: every state, for a reason the README explains."""
import json
import os

from conftest import ROOT

GOLDEN = os.path.join(ROOT, "tests", "data", "golden", "samples_scan.txt")


def test_samples_text_output_matches_golden(cli):
    p = cli("scan", "samples/", "--quiet", "--show-ignored", "--no-git", cwd=ROOT)
    assert p.returncode == 1   # stale and recurred findings fail the default level
    with open(GOLDEN, encoding="utf-8") as fh:
        assert p.stdout == fh.read()


def test_samples_show_every_state(cli):
    doc = json.loads(cli("scan", "samples/", "--format", "json", "--show-ignored", "--no-git", cwd=ROOT).stdout)
    states = {f["state"] for f in doc["findings"]} | {"ignored" for _ in doc["ignored"][:1]}
    assert states == {"stale", "recurred", "open", "resolved", "ignored"}
    by = {(f["path"], f["line"]): f for f in doc["findings"]}
    text_stale = by[("samples/memory/2026-11-10.md", 8)]
    assert (text_stale["state"], text_stale["resolved_by"]) == ("stale", "text")
    assert by[("samples/memory/2026-11-20.md", 4)]["state"] == "recurred"
    assert by[("samples/logs/gateway.log", 3)]["ledger_id"] == "cloudrun-500"
    reasons = {i["reason"] for i in doc["ignored"]}
    assert {"rule", "conditional", "negated", "zero count"} <= reasons
