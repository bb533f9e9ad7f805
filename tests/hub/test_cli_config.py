"""`chorus config` prints the settings in effect, secrets masked."""

from __future__ import annotations

from hub.cli import main


def test_config_masks_secrets_and_tokens(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr("hub.cli.setup_logging", lambda level: None)  # keep pytest's logging
    monkeypatch.setenv("CHORUS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CHORUS_METRICS_TOKEN", "scrape-me-secret")
    monkeypatch.setenv("CHORUS_ADMIN_PASSWORD", "hunter2-hunter2")
    assert main(["config"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "CHORUS_METRICS_TOKEN=***" in lines and "CHORUS_ADMIN_PASSWORD=***" in lines
    assert "CHORUS_ACCESS_TOKEN_TTL=86400" in lines  # a duration, not a secret
    assert not any("scrape-me-secret" in line or "hunter2" in line for line in lines)
