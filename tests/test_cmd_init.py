"""`brokenlang init`: writes a valid config and an empty ledger, prints the pre-commit
snippet, and never overwrites."""
import yaml

from brokenlang import config, ledger


def test_init_writes_config_ledger_and_prints_snippet(cli, tmp_path):
    p = cli("init", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stderr == "wrote .brokenlang.yaml\nwrote .brokenlang/ledger.yaml\n"
    assert (tmp_path / ".brokenlang" / "ledger.yaml").read_text() == "version: 1\nissues: []\n"
    assert ledger.load(str(tmp_path / ".brokenlang" / "ledger.yaml")).issues == ()
    cfg = config.load(str(tmp_path / ".brokenlang.yaml"), str(tmp_path))
    defaults = config.Config()
    assert (cfg.context_budget_tokens, cfg.fix_mode, cfg.fail_on, cfg.quiet_seconds, cfg.packs) == (
        defaults.context_budget_tokens, defaults.fix_mode, defaults.fail_on, defaults.quiet_seconds, ("builtin",))
    assert cfg.ledger == str(tmp_path / ".brokenlang" / "ledger.yaml")
    assert "# include:" in (tmp_path / ".brokenlang.yaml").read_text()       # commented, documented keys
    snippet = yaml.safe_load(p.stdout)
    hook = snippet["repos"][0]
    assert hook["repo"].startswith("https://") and hook["rev"].startswith("v")
    assert [h["id"] for h in hook["hooks"]] == ["brokenlang"]
    assert "- id: brokenlang-fix" in p.stdout
    cache = tmp_path / ".brokenlang" / "cache"
    assert (cache / ".gitignore").read_text().endswith("*\n")   # git leaves the cache alone


def test_after_init_scans_keep_their_cache_in_the_project(cli, tmp_path):
    assert cli("init", cwd=tmp_path).returncode == 0
    (tmp_path / "memory").mkdir()
    (tmp_path / "memory" / "2026-02-14.md").write_text("# 2026-02-14\n\n- 09:10 deploy failed with HTTP 500\n")
    env = {"BROKENLANG_CACHE_DIR": "", "BROKENLANG_NO_CACHE": "", "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    assert cli("scan", "--fail-on", "never", cwd=tmp_path, env=env).returncode == 0
    assert list((tmp_path / ".brokenlang" / "cache").rglob("*.json")) and not (tmp_path / "xdg").exists()


def test_init_refuses_to_overwrite(cli, tmp_path):
    (tmp_path / ".brokenlang").mkdir()
    (tmp_path / ".brokenlang" / "ledger.yaml").write_text("version: 1\nissues:\n")
    p = cli("init", cwd=tmp_path)
    assert p.returncode == 2
    assert "will not overwrite .brokenlang/ledger.yaml" in p.stderr
    assert not (tmp_path / ".brokenlang.yaml").exists()               # nothing written
    assert (tmp_path / ".brokenlang" / "ledger.yaml").read_text() == "version: 1\nissues:\n"
    (tmp_path / "sub").mkdir()
    assert cli("init", "sub", cwd=tmp_path).returncode == 0
    p = cli("init", "sub", cwd=tmp_path)
    assert p.returncode == 2 and "sub/.brokenlang.yaml and sub/.brokenlang/ledger.yaml" in p.stderr
