"""docker-compose.yml and the Dockerfile, checked without a Docker engine (OPS-2): the file
is interpolated as compose does (Compose Specification, "Interpolation"), validated
against the vendored Compose Specification schema (tests/compose/README.md), and its
services and settings are compared with shared/config.py."""

from __future__ import annotations

import re
import secrets
import shlex
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML (uvicorn[standard]), no stubs
from pydantic import ValidationError

from shared.config import (
    ADMIN_TOKEN_COMMAND,
    EXPOSED_ADMIN_TOKEN_MIN_LENGTH,
    ROOT,
    SECRETS_KEY_COMMAND,
    Settings,
)
from shared.crypto import parse_keys

COMPOSE_FILE = ROOT / "docker-compose.yml"
SCHEMA_FILE = Path(__file__).parent / "compose" / "compose-spec.json"
APP_SERVICES = ("migrate", "api", "worker")
REQUIRED = ("SMM_ADMIN_TOKEN", "SECRETS_KEY")
#: Settings compose deliberately leaves to the application, and why.
NOT_IN_COMPOSE = {
    "DATA_DIR": "only `make run` / `make services` keep state there (embedded servers)",
}
#: The values an operator would put in .env: what compose needs to start.
OPERATOR_ENV = {
    "SMM_ADMIN_TOKEN": secrets.token_urlsafe(32),
    "SECRETS_KEY": "q0H3SbeYLwbmNqM-FvYLIfZoLTGRCnbir-_leOBHXnI=",
}

NAME = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")
BRACED = re.compile(r"(?P<name>[_a-zA-Z][_a-zA-Z0-9]*)(?:(?P<op>:?[-?])(?P<arg>.*))?", re.S)


class InterpolationError(ValueError):
    """What compose stops with: a required variable unset, or a `$` it cannot read."""


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """`text` with `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME-default}`,
    `${NAME:?error}`, `${NAME?error}` (nested in defaults and errors) and `$$` replaced, as
    the Compose Specification's "Interpolation" says. An unset variable without a default
    is "" (compose warns)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] != "$":
            out.append(text[i])
            i += 1
        elif text.startswith("$$", i):
            out.append("$")
            i += 2
        elif text.startswith("${", i):
            end = _closing_brace(text, i)
            out.append(_braced(text[i + 2 : end], env, text))
            i = end + 1
        elif named := NAME.match(text, i + 1):
            out.append(env.get(named.group(), ""))
            i = named.end()
        else:
            raise InterpolationError(f"invalid template: {text!r}")
    return "".join(out)


def _closing_brace(text: str, start: int) -> int:
    depth, i = 0, start
    while i < len(text):
        if text.startswith("${", i):
            depth += 1
            i += 2
            continue
        if text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise InterpolationError(f"invalid template: {text!r}")


def _braced(expression: str, env: Mapping[str, str], text: str) -> str:
    parsed = BRACED.fullmatch(expression)
    if parsed is None:
        raise InterpolationError(f"invalid template: {text!r}")
    name, op, arg = parsed.group("name", "op", "arg")
    value = env.get(name)
    if op in (":-", "-"):
        use_default = not value if op == ":-" else value is None
        return interpolate(arg, env) if use_default else str(value)
    if op in (":?", "?"):
        if (not value) if op == ":?" else value is None:
            message = interpolate(arg, env)
            raise InterpolationError(f"required variable {name} is missing a value: {message}")
        return str(value)
    return value or ""


def interpolated(node: Any, env: Mapping[str, str]) -> Any:
    """The loaded file with every value interpolated (keys are not, as in compose)."""
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, dict):
        return {key: interpolated(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolated(item, env) for item in node]
    return node


def raw_compose() -> dict[str, Any]:
    """The file as YAML (anchors and `<<` merges resolved, as compose does before
    interpolating), before interpolation."""
    loaded = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(loaded, dict)
    return loaded


def compose(env: Mapping[str, str] = OPERATOR_ENV) -> dict[str, Any]:
    result = interpolated(raw_compose(), env)
    assert isinstance(result, dict)
    return result


def settings_from(env: Mapping[str, str | None], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings as a container with this environment reads them (no .env file inside)."""
    for field in Settings.model_fields:
        monkeypatch.delenv(field.upper(), raising=False)
    for key, value in env.items():
        if value is not None:  # `KEY:` without a value: unset when the shell has none
            monkeypatch.setenv(key, value)
    return Settings(_env_file=None)


def test_interpolation_follows_the_compose_specification() -> None:
    env = {"SET": "value", "EMPTY": ""}
    assert interpolate("a ${SET} $SET-b $$SET $${SET}", env) == "a value value-b $SET ${SET}"
    assert interpolate("${EMPTY:-d} ${EMPTY-d} ${UNSET-d} ${UNSET:-d}", env) == "d  d d"
    assert interpolate("${UNSET:-${ALSO:-${SET}}}!", env) == "value!"
    assert interpolate("${UNSET}|${EMPTY?x}|${SET:?x}", env) == "||value"
    with pytest.raises(InterpolationError, match=r"^required variable EMPTY is missing a value: "):
        interpolate("${EMPTY:?no ${SET}}", env)
    with pytest.raises(InterpolationError, match=r"value: no value$"):
        interpolate("${EMPTY:?no ${SET}}", env)
    with pytest.raises(InterpolationError, match="UNSET is missing"):
        interpolate("${UNSET?gone}", env)
    for invalid in ("$(date)", "${SET", "${1A}", "${SET/a/b}"):
        with pytest.raises(InterpolationError, match="invalid template"):
            interpolate(invalid, env)


def test_the_file_is_valid_against_the_compose_specification() -> None:
    validator = jsonschema_rs.Draft7Validator(yaml.safe_load(SCHEMA_FILE.read_text()))
    config = compose()
    errors = [f"{list(e.instance_path)}: {e.message}" for e in validator.iter_errors(config)]
    assert errors == []
    # The validator sees what compose would refuse: a misspelt key, a wrong type.
    config["services"]["api"]["healthcheck"]["retry"] = 5
    config["services"]["worker"]["ports"] = "9101:9101"
    assert len(list(validator.iter_errors(config))) == 2


@pytest.mark.parametrize("variable", REQUIRED)
@pytest.mark.parametrize("value", [None, ""])
def test_compose_refuses_to_start_without_the_secrets(variable: str, value: str | None) -> None:
    env = {key: val for key, val in OPERATOR_ENV.items() if key != variable}
    if value is not None:
        env[variable] = value
    with pytest.raises(InterpolationError) as refused:
        compose(env)
    message = str(refused.value)
    assert message.startswith(
        f"required variable {variable} is missing a value: put {variable} in .env or the "
        "environment, "
    )
    command = {"SMM_ADMIN_TOKEN": ADMIN_TOKEN_COMMAND, "SECRETS_KEY": SECRETS_KEY_COMMAND}
    assert message.endswith(f"e.g. from {command[variable]}")


def test_the_generation_commands_need_nothing_but_python_and_make_what_the_api_accepts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the README and compose's messages tell an operator to run, run with a bare
    Python (-I: no site packages, no environment): its output starts the API on 0.0.0.0."""

    def run(command: str) -> str:
        program, flag, code = shlex.split(command)
        assert (program, flag) == ("python3", "-c")
        done = subprocess.run(
            [sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    token, key = run(ADMIN_TOKEN_COMMAND), run(SECRETS_KEY_COMMAND)
    assert len(token) >= EXPOSED_ADMIN_TOKEN_MIN_LENGTH
    assert len(parse_keys(key)) == 1
    api = compose({"SMM_ADMIN_TOKEN": token, "SECRETS_KEY": key})["services"]["api"]
    settings = settings_from(api["environment"], monkeypatch)
    assert settings.smm_admin_token == token
    assert settings.secrets_key is not None
    assert settings.secrets_key.get_secret_value() == key


def test_the_api_refuses_a_weak_token_it_is_given_through_compose(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for weak in ("change-me-operator-token", "x" * (EXPOSED_ADMIN_TOKEN_MIN_LENGTH - 1)):
        api = compose({**OPERATOR_ENV, "SMM_ADMIN_TOKEN": weak})["services"]["api"]
        with pytest.raises(ValidationError) as refused:
            settings_from(api["environment"], monkeypatch)
        assert [e["loc"] for e in refused.value.errors()] == [("smm_admin_token",)]


def test_services_images_and_commands() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "redis", "migrate", "api", "worker"}
    # Pinned majors: an upgrade of PostgreSQL's data directory is never a surprise.
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    for name in APP_SERVICES:
        assert services[name]["build"] == "."
        assert "image" not in services[name]
    assert services["migrate"]["command"] == ["smm", "migrate"]
    assert services["api"]["command"] == ["smm", "api"]
    assert services["worker"]["command"] == ["smm", "worker"]
    assert services["migrate"]["restart"] == "no"
    for name in ("postgres", "redis", "api", "worker"):
        assert services[name]["restart"] == "unless-stopped"
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]


def test_every_long_running_service_has_a_healthcheck() -> None:
    services = compose()["services"]
    checks = {name: service.get("healthcheck") for name, service in services.items()}
    assert checks.pop("migrate") is None  # one-shot: depends_on waits for its exit code
    assert all(check is not None and check.get("disable") is not True for check in checks.values())
    assert checks["postgres"]["test"] == ["CMD-SHELL", "pg_isready -U smm -d smm"]
    assert checks["redis"]["test"] == ["CMD", "redis-cli", "ping"]
    api_check = " ".join(checks["api"]["test"])
    assert checks["api"]["test"][0] == "CMD"
    assert "http://127.0.0.1:8000/readyz" in api_check
    assert checks["worker"]["test"] == ["CMD", "smm", "worker", "--check"]


def test_start_order() -> None:
    services = compose()["services"]
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in ("api", "worker"):
        assert services[name]["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }


def test_ports_and_listening_addresses() -> None:
    services = compose()["services"]
    api, worker = services["api"], services["worker"]
    assert api["environment"]["API_HOST"] == "0.0.0.0"
    assert api["ports"] == [f"{api['environment']['API_PORT']}:8000"] == ["8000:8000"]
    # The worker's metrics: every interface inside its container, so Prometheus on the
    # compose network scrapes worker:9101; published on the host's loopback only.
    assert worker["environment"]["WORKER_METRICS_HOST"] == "0.0.0.0"
    port = worker["environment"]["WORKER_METRICS_PORT"]
    assert port == "9101"
    assert worker["expose"] == [port]
    assert worker["ports"] == [f"127.0.0.1:{port}:{port}"]
    for name in ("postgres", "redis", "migrate"):
        assert "ports" not in services[name]
    for name in ("migrate", "api"):
        assert "WORKER_METRICS_HOST" not in services[name]["environment"]


def test_the_app_services_get_the_settings_table(monkeypatch: pytest.MonkeyPatch) -> None:
    raw, services = raw_compose(), compose()["services"]
    known = {field.upper() for field in Settings.model_fields}
    given: set[str] = set()
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        assert set(environment) <= known, f"{name}: unknown to Settings"
        assert set(REQUIRED) <= set(environment)
        given |= set(environment)
        settings_from(environment, monkeypatch)  # what each container reads is valid
    assert known - given == set(NOT_IN_COMPOSE)
    # Every variable compose reads from the operator is a setting.
    referenced = set(re.findall(r"\$\{([_a-zA-Z][_a-zA-Z0-9]*)", COMPOSE_FILE.read_text()))
    assert referenced <= known
    # The shared block is every app service's base.
    shared = raw["x-smm-environment"]
    for name in APP_SERVICES:
        assert raw["services"][name]["environment"].items() >= shared.items()
    required = {key for key, value in shared.items() if ":?" in str(value)}
    assert required == set(REQUIRED)


def test_compose_defaults_are_the_applications(monkeypatch: pytest.MonkeyPatch) -> None:
    """`${NAME:-default}` says what the application does anyway: a default in compose
    that differs from shared/config.py's would silently change a deployment."""
    shared = raw_compose()["x-smm-environment"]
    default_of = settings_from({}, monkeypatch)
    checked = 0
    for key, value in shared.items():
        if key in REQUIRED or key in ("DATABASE_URL", "REDIS_URL"):
            continue
        field = key.lower()
        if value is None:
            # Passed through from the shell or .env: the application's default applies,
            # which is only worth it when that default is computed where it runs.
            assert Settings.model_fields[field].default_factory is not None, key
            continue
        # A computed default (the container's cores) has no single value to write here.
        assert Settings.model_fields[field].default_factory is None, key
        written = re.fullmatch(rf"\$\{{{key}:-([^}}]*)\}}", value)
        assert written is not None, f"{key}: {value!r} is not ${{{key}:-default}}"
        compose_default = getattr(settings_from({key: written.group(1)}, monkeypatch), field)
        assert compose_default == getattr(default_of, field), key
        checked += 1
    assert checked >= 20


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(maxsplit=1)[0].upper(), line.split(maxsplit=1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def test_the_image_listens_beyond_its_loopback_and_runs_unprivileged() -> None:
    instructions = dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    env = dict(
        part.split("=", 1)
        for kind, args in instructions
        if kind == "ENV"
        for part in shlex.split(args)
    )
    assert env["API_HOST"] == "0.0.0.0"
    assert env["WORKER_METRICS_HOST"] == "0.0.0.0"
    exposed = {port for kind, args in instructions if kind == "EXPOSE" for port in args.split()}
    assert exposed == {"8000", "9101"}
    users = [args for kind, args in instructions if kind == "USER"]
    assert users
    assert users[-1] not in ("root", "0")
    assert instructions[-1] == ("CMD", '["smm", "api"]')


def test_the_readme_tells_how_to_generate_the_secrets() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Docker compose", 1)[1].split("\n## ", 1)[0]
    for text in (
        ADMIN_TOKEN_COMMAND,
        SECRETS_KEY_COMMAND,
        "make compose-up",
        "docker compose exec api smm workspace create",
        "127.0.0.1:9101",
    ):
        assert text in section, text
