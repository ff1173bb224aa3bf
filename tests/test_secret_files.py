"""Issue 18: the files under DATA_DIR that hold secrets are readable by their owner only,
from the moment they exist, even when an earlier run left one world-readable."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from cli import dev
from cli.secret_files import write_secret
from shared.config import Settings


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_secret_file_is_0600_even_over_a_world_readable_one(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "embedded.env"
    write_secret(path, "SECRETS_KEY=one\n")
    assert _mode(path) == 0o600
    path.chmod(0o644)
    write_secret(path, "SECRETS_KEY=two\n")
    assert (_mode(path), path.read_text()) == (0o600, "SECRETS_KEY=two\n")


def test_the_embedded_env_and_development_secrets_are_0600(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".data" / "embedded.env"
    monkeypatch.setattr(dev, "EMBEDDED_ENV_FILE", env_file)
    dev._write_env("postgresql://127.0.0.1/x", "redis://127.0.0.1:6379/0", "k" * 44)
    assert _mode(env_file) == 0o600
    assert "SECRETS_KEY=" in env_file.read_text()
    settings = Settings(_env_file=None, data_dir=tmp_path / ".data")
    value = dev._dev_secret(settings, "admin-token", lambda: "s" * 40)
    assert value == "s" * 40
    assert _mode(tmp_path / ".data" / "admin-token") == 0o600
