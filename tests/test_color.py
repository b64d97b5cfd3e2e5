"""Colour only on a terminal, and never with NO_COLOR or --no-color."""
import os
import pty
import re
import subprocess
import sys

import pytest


def run_on_tty(args, cwd, env_extra):
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(env_extra)
    p = subprocess.Popen([sys.executable, "-m", "brokenlang", *args], cwd=cwd, stdout=slave, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL, env=env)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    p.wait(timeout=120)
    os.close(master)
    return out.decode("utf-8", "replace")


@pytest.mark.parametrize(("args", "env", "colored"), [
    (["scan"], {}, True),
    (["scan"], {"NO_COLOR": "1"}, False),
    (["scan", "--no-color"], {}, False),
])
def test_color_on_tty_only(tmp_path, args, env, colored):
    (tmp_path / "notes.md").write_text("- the nightly cron keeps crashing\n")
    out = run_on_tty(args, str(tmp_path), env)
    assert "notes.md" in out and "[open]" in out.replace("\x1b[31m", "").replace("\x1b[0m", "")
    assert bool(re.search(r"\x1b\[[0-9;]*m", out)) is colored
