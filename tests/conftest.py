import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# a ledger whose one issue makes '- 09:10 deploy failed with HTTP 500' in memory/2026-02-14.md stale
LEDGER = """\
version: 1
issues:
  - id: cloudrun-500
    title: Cloud Run deploy returns HTTP 500
    match:
      - deploy failed with HTTP 500
    resolved: 2026-02-16
    now: Cloud Run deploys succeed; /api returns 200.
"""


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """brokenlang's cache (brokenlang/cache.py) goes to a folder of this test session, never
    to the user's ~/.cache; subprocesses inherit it."""
    os.environ["BROKENLANG_CACHE_DIR"] = str(tmp_path_factory.mktemp("brokenlang-cache"))


def run_cli(*args, cwd=None, env=None, timeout=120):
    """Run the real CLI in a subprocess; returns CompletedProcess with text output."""
    e = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "brokenlang", *args], cwd=cwd, env=e, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture
def workspace(tmp_path):
    """A small memory folder with one stale, one recurred, one open and one resolved entry."""
    (tmp_path / "memory").mkdir()
    (tmp_path / ".brokenlang").mkdir()
    (tmp_path / "memory" / "2026-02-14.md").write_text(
        "# 2026-02-14\n\n- 09:10 deploy failed with HTTP 500 on Cloud Run\n- cron `backup` keeps crashing\n")
    (tmp_path / "memory" / "2026-02-20.md").write_text(
        "# 2026-02-20\n\n- 10:00 Cloud Run deploy failed with HTTP 500 again\n"
        "- Fixed the flaky login test (it was timing out)\n- no deploy failures in staging\n")
    (tmp_path / ".brokenlang" / "ledger.yaml").write_text(
        "version: 1\nissues:\n  - id: cloudrun-500\n    title: Cloud Run deploy returns HTTP 500\n"
        "    match: [deploy failed with HTTP 500 on Cloud Run]\n    resolved: 2026-02-16\n"
        "    now: Cloud Run deploys succeed.\n")
    return tmp_path
