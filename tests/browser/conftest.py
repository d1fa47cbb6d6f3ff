"""Browser tests: Debian's Chromium driven by Playwright against the live server.

Playwright cannot download its own browsers here, so the session fixture below points
it at /usr/bin/chromium (installed by `scripts/setup.sh test`) with the flags that keep
Chromium from reaching for the internet.
"""

import json
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HERE = Path(__file__).parent
SCREENSHOTS = HERE.parent.parent / "test-artifacts" / "screenshots"
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"


def pytest_collection_modifyitems(items):
    for item in items:
        if str(item.fspath).startswith(str(HERE)):
            item.add_marker(pytest.mark.browser)
            if item.get_closest_marker("django_db"):
                # A live server needs committed data, so each browser test flushes the
                # database afterwards. With serialized rollback every one of them puts
                # back what the migrations created (skill levels, questionnaire, content
                # types) the same way, whatever order the workers run them in.
                item.add_marker(
                    pytest.mark.django_db(transaction=True, serialized_rollback=True),
                    append=False,
                )


@pytest.fixture(autouse=True)
def _no_page_outlives_its_test(request):
    """Close every browser context a test leaves open before its data are flushed. The
    live server and the browser last the whole session, and an open page keeps calling
    the server (heartbeats, saves, polling); on SQLite the live server's threads share
    the test database's connection, so a forgotten page could write into the next
    test's transaction."""
    if not {"browser", "page", "context"} & set(request.fixturenames):
        yield
        return
    browser = request.getfixturevalue("browser")
    if request.node.get_closest_marker("django_db"):
        # Set up before this fixture finishes, so torn down (flushed) after it.
        request.getfixturevalue("_django_db_helper")
    yield
    for context in list(browser.contexts):
        context.close()
    _live_server_requests_finished()


def _live_server_requests_finished(timeout: float = 15.0) -> None:
    """Wait for the live server's request threads to end. A request the page sent just
    before it closed is still being served after the test: on SQLite that thread shares
    the test database's connection, and an atomic block it opened between two tests
    makes the next test's transaction a savepoint inside it, committed with it (seen in
    CI as a whole city fixture and an audit entry left behind on one worker)."""
    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and "process_request_thread" in thread.name:
            thread.join(max(0.0, deadline - time.monotonic()))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # bypass_csp only lets the tests inject axe-core; the app's CSP is tested elsewhere.
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "bypass_csp": True,
    }


@pytest.fixture
def screenshot():
    """Save a full-page screenshot under test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def axe_check():
    """Run axe-core (from the npm registry, see package.json) in the page and return
    the serious or critical violations, formatted for an assertion message."""

    def check(page) -> list[str]:
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        serious = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
        return [
            f"{v['id']} ({v['impact']}): {v['help']} -> "
            + json.dumps([n["target"] for n in v["nodes"]][:5], ensure_ascii=False)
            for v in serious
        ]

    return check


@pytest.fixture
def sign_in(live_server):
    def do(page, login: str, password: str):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=login]", login)
        page.fill("input[name=password]", password)
        page.locator("main form button[type=submit]").first.click()

    return do
