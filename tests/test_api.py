"""The Python API: brokenlang.scan_paths."""
import os
import shutil

import pytest

import brokenlang
from brokenlang.models import Finding

DATA = os.path.join(os.path.dirname(__file__), "data")


def test_scan_paths_returns_findings(tmp_path, monkeypatch):
    ws = tmp_path / "ws"
    shutil.copytree(os.path.join(DATA, "workspace"), ws)
    monkeypatch.chdir(tmp_path)
    found = brokenlang.scan_paths(["ws"])
    assert all(isinstance(f, Finding) for f in found)
    assert sorted((f.path, f.line, f.state) for f in found) == [
        ("ws/logs/gateway,eu.log", 1, "open"), ("ws/memory/2026-02-14.md", 3, "stale"),
        ("ws/memory/2026-02-20.md", 3, "recurred"), ("ws/memory/2026-02-20.md", 4, "open"),
        ("ws/memory/2026-02-22.md", 3, "resolved")]
    stale = next(f for f in found if f.state == "stale")
    assert (stale.ledger_id, stale.resolved_by, stale.rule) == ("cloudrun-500", "ledger", "fixture.deploy_failed")
    # options are ScanOptions fields: an empty ledger makes the stale entry open, cwd sets where paths start
    (tmp_path / "empty.yaml").write_text("version: 1\nissues: []\n")
    found = brokenlang.scan_paths(["memory/2026-02-14.md"], ledger=str(tmp_path / "empty.yaml"), cwd=str(ws))
    assert [(f.path, f.state) for f in found] == [("memory/2026-02-14.md", "open")]


def test_scan_paths_errors():
    with pytest.raises(TypeError):
        brokenlang.scan_paths(["."], colour=True)
    with pytest.raises(brokenlang.errors.UserError):
        brokenlang.scan_paths(["/no/such/folder/anywhere"])
