"""A real browser for the tests: Debian's Chromium, driven by Playwright, that reaches
127.0.0.1 and nothing else. `.ci/run` installs it and sets SMM_REQUIRE_BROWSER, so that
there a missing browser fails the tests instead of skipping them."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright

#: CI (.ci/run) sets it: there a missing browser fails the test instead of skipping it.
REQUIRE_BROWSER = "SMM_REQUIRE_BROWSER"
#: Chromium resolves no name at all (the pages use 127.0.0.1 only): nothing it does in
#: the background can look a public name up either. CI runs as root, where Chromium's
#: sandbox will not start.
CHROMIUM_ARGS = ["--no-sandbox", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
#: Each page is loaded and rendered in about 3 s here; CI's machine may be busier.
RENDERED_WITHIN_MS = 20_000


def chromium() -> str:
    found = os.environ.get("SMM_CHROMIUM") or shutil.which("chromium")
    if found:
        return found
    reason = "no chromium on PATH (apt-get install chromium, or set SMM_CHROMIUM)"
    if os.environ.get(REQUIRE_BROWSER):
        pytest.fail(f"{REQUIRE_BROWSER} is set and {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium for a module's tests."""
    executable = chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh profile per test: its own storage, cookies and routes."""
    context = browser.new_context()
    yield context
    context.close()


def is_local(url: str) -> bool:
    scheme, _, rest = url.partition(":")
    if scheme in ("data", "about"):
        return True
    if scheme == "blob":
        url = rest
    return urlsplit(url).hostname == "127.0.0.1"


def open_offline(context: BrowserContext, url: str) -> tuple[Page, list[str]]:
    """`url` in a new page; every request the page or its workers make is recorded, and
    one for another host is aborted before it leaves."""
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))

    def abort(route: Route) -> None:
        route.abort("internetdisconnected")

    context.route(lambda url: not is_local(url), abort)
    page = context.new_page()
    page.goto(url)
    return page, requested
