"""`scan --format sarif`: valid SARIF 2.1.0 (validated offline against the OASIS schema) with
what GitHub code scanning reads: rules, levels, locations, partialFingerprints, suppressions."""
import json
import os
import shutil

import jsonschema
import pytest

DATA = os.path.join(os.path.dirname(__file__), "data")
with open(os.path.join(DATA, "sarif-schema-2.1.0.json"), encoding="utf-8") as _fh:
    SCHEMA = json.load(_fh)


def copy_workspace(tmp_path):
    dst = tmp_path / "ws"
    shutil.copytree(os.path.join(DATA, "workspace"), dst)
    return dst


@pytest.fixture(scope="module")
def sarif_run(tmp_path_factory):
    ws = copy_workspace(tmp_path_factory.mktemp("sarif"))
    (ws / "memory" / "2026-02-23.md").write_text(
        "# 2026-02-23\n\n<!-- brokenlang: ignore fixture.deploy_failed -->\n- 07:00 deploy failed on staging\n")
    from conftest import run_cli
    p = run_cli("scan", "--format", "sarif", "--show-ignored", cwd=ws)
    return p, json.loads(p.stdout)


def test_validates_against_sarif_2_1_0_schema(sarif_run):
    p, doc = sarif_run
    validator = jsonschema.validators.validator_for(SCHEMA)(SCHEMA)
    errors = sorted(validator.iter_errors(doc), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
    assert p.returncode == 1 and p.stderr == ""   # stale and recurred findings; nothing else on stderr


def test_driver_rules_from_the_packs(sarif_run):
    _, doc = sarif_run
    assert doc["version"] == "2.1.0" and len(doc["runs"]) == 1
    driver = doc["runs"][0]["tool"]["driver"]
    from brokenlang import __version__
    assert (driver["name"], driver["version"]) == ("brokenlang", __version__)
    assert [(r["id"], r["shortDescription"]["text"], r["defaultConfiguration"]["level"]) for r in driver["rules"]] == [
        ("fixture.deploy_failed", "a deployment failed", "error"),
        ("fixture.keeps_crashing", "something keeps crashing (100% of runs)", "warning")]


def test_results(sarif_run):
    _, doc = sarif_run
    run = doc["runs"][0]
    rows = []
    for r in run["results"]:
        loc = r["locations"][0]["physicalLocation"]
        assert run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"]
        assert len(r["partialFingerprints"]["brokenlang/v1"]) == 32
        rows.append((loc["artifactLocation"]["uri"], loc["region"]["startLine"], loc["region"]["startColumn"],
                     r["ruleId"], r["level"], r["properties"]["state"], r["properties"]["ledger_id"],
                     [s["kind"] for s in r.get("suppressions", [])]))
    assert rows == [
        ("logs/gateway%2Ceu.log", 1, 40, "fixture.keeps_crashing", "warning", "open", None, []),
        ("memory/2026-02-14.md", 3, 9, "fixture.deploy_failed", "error", "stale", "cloudrun-500", ["external"]),
        ("memory/2026-02-20.md", 3, 9, "fixture.deploy_failed", "error", "recurred", "cloudrun-500", []),
        ("memory/2026-02-20.md", 4, 26, "fixture.keeps_crashing", "warning", "open", None, []),
        ("memory/2026-02-22.md", 3, 38, "fixture.keeps_crashing", "note", "resolved", None, []),
        ("memory/2026-02-23.md", 4, 9, "fixture.deploy_failed", "none", "ignored", None, ["inSource"]),
    ]
    stale = run["results"][1]
    assert stale["properties"]["entry_date"] == "2026-02-14"
    assert stale["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 3, "startColumn": 9, "endLine": 3, "endColumn": 22}
    assert "cloudrun-500" in stale["suppressions"][0]["justification"]
    assert run["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": []}]


def test_notices_become_notifications_and_odd_paths_stay_valid():
    from brokenlang import formats
    from brokenlang.config import Config
    from brokenlang.models import Finding, Notice
    from brokenlang.run import Report

    odd = Finding("memory/a b#%\udcff.md", 2, 3, 5, "x.y", "error", "open", "deploy\nfailed", "e", 2, 3,
                  None, None, None, None, "open: 'deploy failed'", "f" * 32)
    outside = odd._replace(path="/elsewhere/MEMORY.md", line=1, end_line=1)
    report = Report([odd, outside], [], [Notice("logs/x.log", 0, "binary file, skipped"),
                                         Notice("MEMORY.md", 4, "odd line")], [], 0, 0, 0.0, Config(), None)
    doc = formats.sarif(report, show_ignored=False)
    validator = jsonschema.validators.validator_for(SCHEMA)(SCHEMA)
    assert not list(validator.iter_errors(doc))
    run = doc["runs"][0]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]] == [
        {"uri": "file:///elsewhere/MEMORY.md"}, {"uri": "memory/a%20b%23%25%EF%BF%BD.md", "uriBaseId": "%SRCROOT%"}]
    assert "endColumn" not in run["results"][1]["locations"][0]["physicalLocation"]["region"]   # hit spans lines
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [(n["message"]["text"], n["locations"][0]["physicalLocation"].get("region")) for n in notes] == [
        ("binary file, skipped", None), ("odd line", {"startLine": 4})]


def test_golden(sarif_run, tmp_path):
    """The whole document, byte for byte (regenerate with the command in the file's first result)."""
    _, doc = sarif_run
    with open(os.path.join(DATA, "golden", "workspace.sarif.json"), encoding="utf-8") as fh:
        expected = json.load(fh)
    from brokenlang import __version__
    expected["runs"][0]["tool"]["driver"]["version"] = expected["runs"][0]["tool"]["driver"]["semanticVersion"] = \
        __version__
    assert doc == expected
