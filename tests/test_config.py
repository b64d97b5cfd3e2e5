import os

import pytest

from brokenlang.config import Config, load
from brokenlang.errors import UserError


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_defaults_without_config(tmp_path):
    (tmp_path / ".git").mkdir()
    cfg = load(None, str(tmp_path))
    assert cfg == Config(root=str(tmp_path))


def test_yaml_config_found_walking_up(tmp_path):
    write(tmp_path, ".brokenlang.yaml", "fix_mode: rewrite\nquiet_seconds: 5\nexclude: ['logs/**']\n")
    sub = tmp_path / "memory"
    sub.mkdir()
    cfg = load(None, str(sub))
    assert (cfg.fix_mode, cfg.quiet_seconds, cfg.exclude) == ("rewrite", 5.0, ("logs/**",))
    assert cfg.path == os.path.join(str(tmp_path), ".brokenlang.yaml")


def test_pyproject_section(tmp_path):
    write(tmp_path, "pyproject.toml", "[project]\nname='x'\n\n[tool.brokenlang]\ncontext_budget_tokens = 1000\n"
                                      "ledger = 'notes/ledger.yaml'\n")
    cfg = load(None, str(tmp_path))
    assert cfg.context_budget_tokens == 1000
    assert cfg.ledger == os.path.join(str(tmp_path), "notes", "ledger.yaml")


@pytest.mark.parametrize(("name", "text", "message", "line"), [
    (".brokenlang.yaml", "paths: [memory]\nfix_mod: rewrite\n", "unknown config key 'fix_mod'", 2),
    (".brokenlang.yaml", "fix_mode: delete\n", "`fix_mode` must be one of", 1),
    (".brokenlang.yaml", "quiet_seconds: -1\n", "`quiet_seconds` must be a number", 1),
    ("pyproject.toml", "[tool.brokenlang]\npaths = ['m']\n\nbogus = 1\n", "unknown config key 'bogus'", 4),
    ("pyproject.toml", "[tool.brokenlang\n", "invalid TOML", 1),
])
def test_config_errors(tmp_path, name, text, message, line):
    path = write(tmp_path, name, text)
    with pytest.raises(UserError) as ei:
        load(path, str(tmp_path))
    assert message in ei.value.message and ei.value.line == line and ei.value.path == path
