"""Browser tests: the app served from a thread on 127.0.0.1 (CSRF on, as in production) and driven
by real Chromium through Playwright. Without Chromium they skip locally and fail in CI."""
from __future__ import annotations

import os
import shutil
import threading
import time

import pytest
from werkzeug.serving import make_server

from tests.conftest import IN_CI, PASSWORD
from webapp import create_app

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
]


@pytest.fixture(scope="session")
def live_app(app, app_config):
    """The same database as the `app` fixture, served over real HTTP with CSRF protection on; its
    config holds BASE_URL. Tests may point its MAIL_* settings elsewhere and restore them."""
    served = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    served.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    yield served
    server.shutdown()


@pytest.fixture(scope="session")
def live_server(live_app) -> str:
    return live_app.config["BASE_URL"]


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        message = f"Chromium not found at {CHROMIUM}: apt-get install -y chromium"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    errors: list[str] = []
    # A script error or a CSP violation in the console is a failure of the page, not noise.
    tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert not errors, errors


def browser_login(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")


def wait_in_page(page, expression: str, what: str, timeout: float = 5.0) -> None:
    """Wait until `expression` is true in the page, polled from here: Playwright's wait_for_function evaluates
    its text inside the page, which the pages' CSP (no 'unsafe-eval') refuses once a first check fails."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"{what} after {timeout:g} s"
        page.wait_for_timeout(100)

