"""F6: logs never carry bound parameters, keys, secrets or personal data.

The database quotes a row's values in its errors; every way an exception reaches a log
(structlog's tracebacks, the standard library's, a field, an argument) shows it without
them. And the suite reads its own captured logs (tests/clean_logs.py, tests/conftest.py):
a test that logged a leak fails."""

from __future__ import annotations

import io
import logging
import traceback
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pydantic
import pytest
import sqlalchemy as sa
import structlog
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError

from services.api import errors
from services.api.state import Resources
from shared.logging import configure_logging, describe, safe_traceback
from shared.webhooks.signing import generate_secret
from shared.workspaces.service import new_key
from tests.clean_logs import leaks
from tests.conftest import SESSION_SECRETS, pytest_runtest_makereport

MARKER = f"marker-{uuid.uuid4().hex}"

TABLE = """CREATE TEMPORARY TABLE IF NOT EXISTS leaky (
    id int PRIMARY KEY,
    secret text NOT NULL CONSTRAINT leaky_secret_named CHECK (secret <> 'x'),
    handle text CONSTRAINT leaky_handle_key UNIQUE
)"""

#: Each statement fails, and PostgreSQL (or asyncpg) would quote MARKER in its message.
FAILING = {
    "unique": (
        "INSERT INTO leaky VALUES (1, 'a', :v), (2, 'b', :v)",
        "UniqueViolationError",
        "leaky_handle_key",
    ),
    "not null": ("INSERT INTO leaky VALUES (3, NULL, :v)", "NotNullViolationError", "secret"),
    "check": ("INSERT INTO leaky VALUES (4, 'x', :v)", "CheckViolationError", "leaky_secret_named"),
    "server-side cast": (
        "SELECT CAST(CAST(:v AS text) AS uuid)",
        "InvalidTextRepresentation",
        "22P02",
    ),
    "client-side encoding": ("SELECT CAST(:v AS uuid)", "DataError", "SELECT CAST"),
}


async def _fail(resources: Resources, statement: str) -> DBAPIError:
    async with resources.engine.connect() as conn:
        await conn.execute(sa.text(TABLE))
        with pytest.raises(DBAPIError) as caught:
            await conn.execute(sa.text(statement), {"v": MARKER})
    return caught.value


def _traceback(exc: BaseException) -> str:
    return safe_traceback((type(exc), exc, exc.__traceback__))


@pytest.mark.parametrize("case", FAILING)
async def test_a_database_error_is_shown_by_where_it_failed_not_by_the_values(
    resources: Resources, case: str
) -> None:
    statement, kind, place = FAILING[case]
    exc = await _fail(resources, statement)
    # What the database said does quote the value: it is the one thing to leave out.
    said, cause = "", exc.__cause__
    while cause is not None:
        said, cause = said + str(cause), cause.__cause__
    assert MARKER in said

    for shown in (describe(exc), _traceback(exc)):
        assert MARKER not in shown
        assert not leaks(shown), leaks(shown)
        assert kind in shown
        assert place in shown
    assert describe(exc).startswith(f"{type(exc).__name__}: (")
    assert f"[SQL: {statement.split(':v')[0]}" in describe(exc)


def test_a_validation_error_is_shown_by_field_and_rule_not_by_the_input() -> None:
    class Contact(pydantic.BaseModel):
        email: str = pydantic.Field(pattern=r"^[^@]+@[^@]+$")
        age: int

    with pytest.raises(pydantic.ValidationError) as caught:
        Contact.model_validate({"email": f"{MARKER}@", "age": MARKER})
    assert MARKER in str(caught.value)
    shown = describe(caught.value)
    assert MARKER not in shown
    assert shown == (
        "ValidationError: 2 validation error(s) for Contact: email: string_pattern_mismatch; "
        "age: int_parsing"
    )


def test_other_exceptions_keep_their_message_and_traceback() -> None:
    """Only messages that quote data are replaced: the rest is what debugging needs."""
    cache: dict[str, int] = {}

    def warm() -> int:
        try:
            return cache["missing"]
        except KeyError as exc:
            raise RuntimeError("the cache is cold") from exc

    with pytest.raises(RuntimeError) as caught:
        warm()
    expected = "".join(traceback.format_exception(caught.value)).rstrip("\n")
    assert _traceback(caught.value) == expected


async def test_each_exception_of_a_group_is_shown_as_safely(resources: Resources) -> None:
    exc = await _fail(resources, FAILING["check"][0])
    group = ExceptionGroup("unhandled errors in a TaskGroup", [exc, ValueError("plain")])
    shown = _traceback(group)
    assert "ExceptionGroup: unhandled errors in a TaskGroup (2 sub-exceptions)" in shown
    assert "CheckViolationError" in shown
    assert "| ValueError: plain" in shown
    assert MARKER not in shown


@pytest.fixture
def json_logs() -> Iterator[None]:
    configure_logging("INFO", json=True)
    yield
    configure_logging("INFO", json=False)  # as tests/conftest.py has it


@pytest.mark.parametrize("json", [True, False], ids=["json", "console"])
async def test_a_logged_traceback_hides_the_values(
    resources: Resources,
    caplog: pytest.LogCaptureFixture,
    json: bool,
    request: pytest.FixtureRequest,
) -> None:
    if json:
        request.getfixturevalue("json_logs")
    exc = await _fail(resources, FAILING["unique"][0])
    try:
        raise exc
    except DBAPIError:
        structlog.get_logger("tests.logs").exception("unhandled_error")
    logged = caplog.text
    assert "unhandled_error" in logged
    assert "UniqueViolationError" in logged
    assert MARKER not in logged


async def test_a_standard_library_record_hides_the_values(resources: Resources) -> None:
    """uvicorn logs each 500 again ("Exception in ASGI application": Starlette re-raises
    it), with its own handler and formatter; arq quotes a failed job's exception."""
    exc = await _fail(resources, FAILING["not null"][0])
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("uvicorn.error.test")
    logger.addHandler(handler)
    try:
        logger.error("Exception in ASGI application\n", exc_info=exc)
        logger.warning("%s failed, %s: %s", "job", type(exc).__name__, exc)
    finally:
        logger.removeHandler(handler)
    logged = out.getvalue()
    assert "Exception in ASGI application" in logged
    assert "NotNullViolationError" in logged
    assert "job failed, IntegrityError: (NotNullViolationError)" in logged
    assert MARKER not in logged
    assert "Failing row" not in logged


@pytest.fixture
async def failing_app(resources: Resources) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    errors.install(app)

    @app.post("/fail/{case}")
    async def fail(case: str) -> None:
        async with resources.engine.connect() as conn:
            await conn.execute(sa.text(TABLE))
            await conn.execute(sa.text(FAILING[case][0]), {"v": MARKER})

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def test_a_500_and_a_409_log_what_failed_without_the_values(
    failing_app: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    assert (await failing_app.post("/fail/unique")).status_code == 409
    assert (await failing_app.post("/fail/server-side cast")).status_code == 500
    logged = caplog.text
    assert "integrity_error" in logged
    assert "leaky_handle_key" in logged
    assert "unhandled_error" in logged
    assert "InvalidTextRepresentation" in logged
    assert MARKER not in logged
    assert "DETAIL" not in logged


LEAKY_LINES = {
    "bound SQL parameters": "[SQL: INSERT INTO x VALUES ($1)]\n[parameters: ('a',)]",
    "a row's values (PostgreSQL DETAIL)": "DETAIL:  Key (key_hash)=(ab12) already exists.",
    "an input value quoted by the database": 'invalid input syntax for type uuid: "zz"',
    "an input value quoted by pydantic": "input_value='claire', input_type=str",
    "an API key": f"created {new_key()[0]}",
    "a webhook signing secret": f"secret={generate_secret()}",
    "an email address": "contact=Claire.B@Example.COM",
    "a phone number": "phone='+33 6 12 34 56 78'",
    "a secret of the test session": f"token={SESSION_SECRETS[0]}",
}


@pytest.mark.parametrize("kind", LEAKY_LINES)
def test_the_log_reader_finds_each_kind_of_leak(kind: str) -> None:
    found = leaks(f"INFO before\n{LEAKY_LINES[kind]}\nINFO after", SESSION_SECRETS)
    assert [line.split(": ", 1)[0] for line in found] == [kind]


def test_the_log_reader_leaves_what_is_not_a_leak() -> None:
    fine = (
        "2026-12-05T01:24:16Z [info] http.request path=/v1/api-keys status=201 prefix=smm_Ab12Cd\n"
        "DATABASE_URL=postgresql://postgres@127.0.0.1:5432/smm_test offset=+05:30 +00:00\n"
        "IntegrityError: (UniqueViolationError) sqlstate 23505 [SQL: INSERT INTO api_keys ...]"
    )
    assert leaks(fine, SESSION_SECRETS) == []


def test_a_test_whose_logs_leak_fails_whatever_it_asserted() -> None:
    """The hook every test's report goes through (tests/conftest.py)."""
    secret = generate_secret()

    def report(when: str, logged: str) -> pytest.TestReport:
        made = pytest.TestReport(
            "tests/x.py::test_x",
            ("tests/x.py", 1, "test_x"),
            {},
            "passed",
            None,
            when,  # type: ignore[arg-type]
            sections=[
                ("Captured stdout call", secret),  # what a test prints is not a log
                (f"Captured log {when}", logged),
            ],
        )
        hook = pytest_runtest_makereport(None, None)  # type: ignore[arg-type]
        next(hook)
        with pytest.raises(StopIteration) as done:
            hook.send(made)
        returned: pytest.TestReport = done.value.value
        assert returned is made
        return returned

    assert report("call", "INFO webhooks.created endpoint_id=1").passed
    leaked = report("call", f"INFO webhooks.created secret={secret}")
    assert leaked.failed
    assert "a webhook signing secret" in str(leaked.longrepr)
    assert report("teardown", f"ERROR x DETAIL:  Key (a)=({MARKER})").failed
