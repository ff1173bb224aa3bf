"""Settings from the environment (OPS-1b, OPS-3): invalid values stop start-up, clearly."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import Field, PostgresDsn, RedisDsn, SecretStr, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent

#: Written by the embedded-services supervisor while it runs, so `make api` / `make worker`
#: started in another terminal find the embedded PostgreSQL and Redis without extra setup.
EMBEDDED_ENV_FILE = ROOT / ".data" / "embedded.env"


N = TypeVar("N", int, float)

#: Operator tokens that were published as placeholders (an old docker-compose.yml default,
#: .env.example): anyone may know them, so an API reachable from the network refuses them.
PLACEHOLDER_ADMIN_TOKENS = frozenset(
    {"change-me-operator-token", "change-me-to-a-long-random-string"}
)
#: The shortest operator token an API listening beyond loopback accepts.
EXPOSED_ADMIN_TOKEN_MIN_LENGTH = 32
#: Generates an operator token with nothing but Python's standard library.
ADMIN_TOKEN_COMMAND = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
#: Generates a SECRETS_KEY (a Fernet key: 32 url-safe base64 bytes) without this package.
SECRETS_KEY_COMMAND = (
    "python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'"
)


def is_loopback(host: str) -> bool:
    """Whether a listening address is reachable from this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost, or "": may listen on any interface


def _comma_separated(value: str, parse: Callable[[str], N], expected: str) -> tuple[N, ...]:
    try:
        return tuple(parse(part) for part in value.split(",") if part.strip())
    except ValueError as exc:
        raise ValueError(expected) from exc


def _cores(at_most: int) -> int:
    """The cores this process may run on (not the host's, inside a container), capped."""
    return max(1, min(len(os.sched_getaffinity(0)), at_most))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=(ROOT / ".env", EMBEDDED_ENV_FILE),
        env_file_encoding="utf-8",
        extra="ignore",
    )

    database_url: PostgresDsn | None = None
    #: `citus`: the migrations are followed by distributing the schema over the Citus
    #: cluster DATABASE_URL names (shared/db/citus.py, issue 22).
    database_distribution: Literal["postgres", "citus"] = "postgres"
    redis_url: RedisDsn | None = None
    #: Before smm_admin_token: the token's rule depends on where the API listens.
    api_host: str = "127.0.0.1"
    #: Unset: the operator routes (POST /v1/workspaces) answer 401, the CLI still works.
    smm_admin_token: str | None = Field(default=None, min_length=16)
    api_port: int = Field(default=8000, ge=1, le=65535)
    #: `smm api`'s processes: the API is CPU-bound in Python, one process per core.
    api_workers: int = Field(default_factory=lambda: _cores(256), ge=1, le=256)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool = True

    webhook_allow_private: bool = False
    #: Ports a webhook URL may name (WEBHOOK_ALLOW_PRIVATE allows any).
    webhook_allowed_ports: Annotated[tuple[int, ...], NoDecode] = (443,)
    webhook_retry_schedule: Annotated[tuple[float, ...], NoDecode] = (
        5,
        300,
        1800,
        7200,
        18000,
        36000,
        36000,
    )
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    webhook_endpoint_concurrency: int = Field(default=4, ge=1, le=100)
    webhook_max_in_flight: int = Field(default=64, ge=1, le=1000)
    webhook_retention_days: int = Field(default=30, ge=1, le=3650)
    secrets_key: SecretStr | None = None
    #: Where the pull connectors reach Meta's Graph API: a setting, so tests point them at
    #: a local fake platform (issue 21).
    meta_graph_base_url: str = Field(default="https://graph.facebook.com", pattern=r"^https?://")
    platform_timeout_seconds: float = Field(default=20.0, gt=0, le=120)
    #: A platform's rate-limit wait up to this long is slept in the pull; a longer one
    #: ends the pull and moves the account's next pull past it.
    platform_max_wait_seconds: float = Field(default=30.0, ge=0, le=600)
    crisis_eval_interval_seconds: int = Field(default=60, ge=1)
    #: Processes the worker scores mentions in (about 250 MB each); 0 scores on its event
    #: loop.
    analysis_processes: int = Field(default_factory=lambda: _cores(4), ge=0, le=64)

    rate_limit_per_minute: int = Field(default=1200, ge=1)
    #: Failed authentications per client address per one-minute window (F8).
    auth_failures_per_minute: int = Field(default=30, ge=1)
    max_body_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    #: The request line and headers (F9): 431 beyond.
    max_header_bytes: int = Field(default=16 * 1024, ge=1024, le=1024 * 1024)
    request_header_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    request_body_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    keep_alive_timeout_seconds: int = Field(default=5, ge=1, le=3600)
    idempotency_ttl_hours: int = Field(default=24, ge=1)
    db_pool_size: int = Field(default=10, ge=1)
    #: 127.0.0.1 outside containers; 0.0.0.0 in the image, so Prometheus can scrape it.
    worker_metrics_host: str = "127.0.0.1"
    worker_metrics_port: int = Field(default=9101, ge=0, le=65535)
    job_max_tries: int = Field(default=8, ge=1)
    data_dir: Path = ROOT / ".data"

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("smm_admin_token")
    @classmethod
    def _strong_when_exposed(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Anyone who reaches the API may try the operator token: beyond loopback, a
        placeholder or a short one would let them create workspaces."""
        host = info.data.get("api_host")
        if value is None or host is None or is_loopback(host):
            return value
        if value in PLACEHOLDER_ADMIN_TOKENS or len(value) < EXPOSED_ADMIN_TOKEN_MIN_LENGTH:
            raise PydanticCustomError(
                "weak_admin_token",
                "the API listens on {host} (API_HOST), beyond loopback, so SMM_ADMIN_TOKEN "
                "must be at least {length} random characters and no placeholder; generate "
                "one with: {command}",
                {
                    "host": host,
                    "length": EXPOSED_ADMIN_TOKEN_MIN_LENGTH,
                    "command": ADMIN_TOKEN_COMMAND,
                },
            )
        return value

    @field_validator("webhook_retry_schedule", mode="before")
    @classmethod
    def _parse_schedule(cls, value: object) -> object:
        if isinstance(value, str):
            seconds = _comma_separated(value, float, "comma-separated seconds, e.g. 5,300,1800")
            if not seconds or any(not 0 < s < 10**7 for s in seconds):
                raise ValueError("at least one positive number of seconds")
            return seconds
        return value

    @field_validator("webhook_allowed_ports", mode="before")
    @classmethod
    def _parse_ports(cls, value: object) -> object:
        if isinstance(value, str):
            value = _comma_separated(value, int, "comma-separated port numbers, e.g. 443,8443")
        if isinstance(value, tuple | list) and (
            not value or any(not isinstance(p, int) or not 0 < p < 65536 for p in value)
        ):
            raise ValueError("at least one port, each from 1 to 65535")
        return value

    @field_validator("secrets_key")
    @classmethod
    def _fernet_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            from shared.crypto import parse_keys

            parse_keys(value.get_secret_value())  # raises ValueError with the reason
        return value

    @property
    def sqlalchemy_url(self) -> str:
        """The DSN with the asyncpg driver, whatever scheme the operator wrote."""
        if self.database_url is None:
            raise RuntimeError(
                "DATABASE_URL is not set: run `make run` (embedded services) or set it"
            )
        return asyncpg_url(str(self.database_url))

    @property
    def libpq_url(self) -> str:
        """The DSN for a raw asyncpg connection (LISTEN), without SQLAlchemy's driver tag."""
        return libpq_url(self.sqlalchemy_url)

    @property
    def redis_dsn(self) -> str:
        if self.redis_url is None:
            raise RuntimeError("REDIS_URL is not set: run `make run` (embedded services) or set it")
        return str(self.redis_url)


def asyncpg_url(url: str) -> str:
    """Any PostgreSQL DSN, as operators write it, with the asyncpg driver this code uses."""
    _, rest = url.split("://", 1)
    return f"postgresql+asyncpg://{rest}"


def libpq_url(url: str) -> str:
    """Any PostgreSQL DSN (ours with the driver tag included) as a raw asyncpg connection
    takes it."""
    _, rest = url.split("://", 1)
    return f"postgresql://{rest}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
