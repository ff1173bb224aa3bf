"""The operator token's rule (shared/config.py): an API reachable beyond loopback refuses a
placeholder or short SMM_ADMIN_TOKEN at start-up, with one line saying how to make one;
on loopback (`make run`) nothing changes."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from pydantic import ValidationError

from shared.config import (
    ADMIN_TOKEN_COMMAND,
    EXPOSED_ADMIN_TOKEN_MIN_LENGTH,
    ROOT,
    Settings,
    is_loopback,
)

LOOPBACK = ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost", "LocalHost")
#: Host names are never resolved: any but localhost counts as beyond loopback.
EXPOSED = ("0.0.0.0", "::", "192.168.1.20", "10.0.0.5", "api.internal", "")
WEAK = (
    "change-me-operator-token",  # the old compose default
    "change-me-to-a-long-random-string",  # .env.example's placeholder: 33 characters
    "a" * 16,  # enough on loopback
    "x" * (EXPOSED_ADMIN_TOKEN_MIN_LENGTH - 1),
)
STRONG = secrets.token_urlsafe(32)


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_loopback_is_told_apart_without_resolving_names() -> None:
    assert all(is_loopback(host) for host in LOOPBACK)
    assert not any(is_loopback(host) for host in EXPOSED)


@pytest.mark.parametrize("host", EXPOSED)
@pytest.mark.parametrize("token", WEAK)
def test_beyond_loopback_a_weak_token_stops_start_up(host: str, token: str) -> None:
    with pytest.raises(ValidationError) as refused:
        settings(api_host=host, smm_admin_token=token)
    (error,) = refused.value.errors()
    assert error["loc"] == ("smm_admin_token",)
    assert error["type"] == "weak_admin_token"
    assert "SMM_ADMIN_TOKEN must be at least 32 random characters" in error["msg"]
    assert f"on {host} (API_HOST)" in error["msg"]
    assert error["msg"].endswith(f"generate one with: {ADMIN_TOKEN_COMMAND}")
    assert token not in error["msg"]  # start-up logs never show the token


@pytest.mark.parametrize("host", LOOPBACK)
@pytest.mark.parametrize("token", [*WEAK, STRONG, None])
def test_on_loopback_any_valid_token_or_none_is_accepted(host: str, token: str | None) -> None:
    assert settings(api_host=host, smm_admin_token=token).smm_admin_token == token


@pytest.mark.parametrize("host", EXPOSED)
def test_beyond_loopback_a_long_random_token_or_none_is_accepted(host: str) -> None:
    assert settings(api_host=host, smm_admin_token=STRONG).smm_admin_token == STRONG
    exactly = "y" * EXPOSED_ADMIN_TOKEN_MIN_LENGTH
    assert settings(api_host=host, smm_admin_token=exactly).smm_admin_token == exactly
    # No token: the operator routes answer 401 (services/api/deps.py), nobody can use them.
    assert settings(api_host=host).smm_admin_token is None


def test_the_defaults_need_no_configuration() -> None:
    defaults = settings()
    assert (defaults.api_host, defaults.smm_admin_token) == ("127.0.0.1", None)
    assert (defaults.worker_metrics_host, defaults.worker_metrics_port) == ("127.0.0.1", 9101)


def test_the_rule_reads_both_variables_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SMM_ADMIN_TOKEN", "change-me-operator-token")
    monkeypatch.setenv("API_HOST", "0.0.0.0")
    with pytest.raises(ValidationError, match=r"SMM_ADMIN_TOKEN must be at least 32"):
        Settings(_env_file=None)


def test_smm_api_says_it_in_one_line_and_exits_5() -> None:
    """What an operator sees: the CLI's one line, no traceback, before anything listens."""
    env = {
        **{k: v for k, v in os.environ.items() if k.upper() not in {"SMM_ADMIN_TOKEN"}},
        "API_HOST": "0.0.0.0",
        "API_PORT": "1",  # were it to listen, it could not: the refusal comes first
        "SMM_ADMIN_TOKEN": "change-me-operator-token",
    }
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "api"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 5  # invalid settings (cli/errors.py ExitCode)
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "invalid settings: SMM_ADMIN_TOKEN: the API listens on 0.0.0.0 (API_HOST), beyond "
        "loopback, so SMM_ADMIN_TOKEN must be at least 32 random characters and no "
        f"placeholder; generate one with: {ADMIN_TOKEN_COMMAND}"
    ]


def test_every_setting_is_documented() -> None:
    """The README's settings table and .env.example name every setting (OPS-3)."""
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / ".env.example").read_text()
    for field in Settings.model_fields:
        assert f"| `{field.upper()}` |" in readme, field
        assert f"# {field.upper()}=" in example, field
