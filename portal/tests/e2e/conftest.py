"""Browser end-to-end fixtures: the live portal (real processes), Chromium through Playwright, pages.

A journey test takes `page` (desktop) or `mobile_page` (360 px), and `new_page` for other people
(their own cookies), navigates with relative URLs
(the context's base_url is the live portal), and calls `checks.audit(page)` on every page it reaches.
At teardown a passed test is still failed if it visited a page without auditing it, if the page
threw a JavaScript error, or if the server answered 5xx; a failed test leaves a screenshot and the
HTML of each of its pages under test-artifacts/screenshots/ and the server/worker logs in the report.
"""

import contextlib
import os
import re
import shutil
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from django.conf import settings
from playwright.sync_api import expect, sync_playwright

from accounts.tests.processes import RedisServer
from core import embedded_postgres

from .checks import AXE_JS, audited_urls
from .live import LivePortal

BASE_DIR = Path(settings.BASE_DIR)
ARTIFACTS = BASE_DIR / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
MOBILE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}

reports_key = pytest.StashKey[dict]()
shots_key = pytest.StashKey[int]()
_portal: LivePortal | None = None

expect.set_options(timeout=10_000)


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(reports_key, {})[report.when] = report
    if report.failed and _portal is not None and "live_portal" in item.fixturenames:
        report.sections.append(("live portal: server and worker logs (tail)", _portal.report()))
    return report


def _missing_prerequisite() -> str | None:
    if not shutil.which("redis-server"):
        return "needs redis-server (apt-get install redis-server; .ci/run does it)"
    if not Path(CHROMIUM).exists():
        return f"needs {CHROMIUM} (apt-get install chromium; .ci/run does it)"
    if not AXE_JS.exists():
        return f"needs {AXE_JS} (npm ci; make test does it)"
    return None


def _require_prerequisites() -> None:
    missing = _missing_prerequisite()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"e2e tests cannot run in CI: {missing}", pytrace=False)
        pytest.skip(missing)


def _e2e_database_url() -> str:
    """The suite's database URL with `_e2e` appended to the database name (never the suite's own DB)."""
    parts = urlsplit(os.environ.get("DATABASE_URL") or embedded_postgres.database_url(settings.VAR_DIR))
    return parts._replace(path=parts.path.rstrip("/") + "_e2e").geturl()


@pytest.fixture(scope="session")
def live_portal(tmp_path_factory):
    """The portal served by gunicorn + a Celery worker + an SMTP sink, on a fresh PostgreSQL database
    and a Redis server of its own (started here, so nothing else's keys are near)."""
    global _portal
    _require_prerequisites()
    with RedisServer() as redis_server:
        portal = LivePortal(
            base_dir=BASE_DIR,
            artifacts=ARTIFACTS / "e2e",
            tmp=tmp_path_factory.mktemp("live_portal"),
            database_url=_e2e_database_url(),
            redis_url=redis_server.url,
        )
        try:
            portal.start()
        except Exception as exc:
            report = portal.report()
            with contextlib.suppress(Exception):  # the start's own error is the one to show
                portal.stop()
            pytest.fail(f"the live portal did not start: {exc}\n{report}", pytrace=False)
        _portal = portal
        yield portal
        _portal = None
        portal.stop()


@pytest.fixture(scope="package")
def browser():
    """Chromium for every test of this package (one launch), closed when the package is done.

    Package rather than session scope on purpose: Playwright's sync API keeps an asyncio loop
    running in this thread while it is open, and Django then refuses ORM calls
    (SynchronousOnlyOperation) from every test that runs later. Setting DJANGO_ALLOW_ASYNC_UNSAFE
    instead would leak into later tests and their subprocesses (`check --deploy` fails on it).
    """
    _require_prerequisites()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session", autouse=True)
def _fresh_screenshots():
    shutil.rmtree(ARTIFACTS / "screenshots", ignore_errors=True)


@contextlib.contextmanager
def _open_page(browser, live_portal, request, options: dict):
    """A page in a fresh browser context, watched (navigations, server errors, JavaScript errors)
    and checked when it is closed: every page visited audited, else the test fails."""
    context = browser.new_context(
        base_url=live_portal.base_url, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", **options
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    visited: list[str] = []
    problems: list[str] = []

    def on_navigated(frame):
        if frame == page.main_frame and frame.url.startswith(live_portal.base_url):
            visited.append(urldefrag(frame.url).url)

    def on_response(response):
        if response.status >= 500:
            problems.append(f"server error {response.status} for {response.request.method} {response.url}")
        elif response.status >= 400 and response.request.resource_type != "document":
            problems.append(f"{response.status} for {response.request.resource_type} {response.url} on {page.url}")

    page.on("framenavigated", on_navigated)
    page.on("response", on_response)
    page.on("pageerror", lambda error: problems.append(f"JavaScript error on {page.url}: {error}"))

    def on_console(message):
        # A 4xx page itself (the 404 page a test opens on purpose) is logged by Chromium as a failed
        # resource: like `on_response`, only a failed subresource counts.
        document = message.location.get("url") == page.url and message.text.startswith("Failed to load resource")
        if message.type == "error" and not document:
            problems.append(f"console error on {page.url}: {message.text} ({message.location})")

    page.on("console", on_console)
    yield page

    reports = request.node.stash.get(reports_key, {})
    call = reports.get("call")
    try:
        if call is None or call.failed:
            _save_page_artifacts(context, request)
        else:
            unaudited = sorted(set(visited) - audited_urls(page))
            problems.extend(f"page visited but never audited (call checks.audit(page)): {u}" for u in unaudited)
            if problems:
                _save_page_artifacts(context, request)
                pytest.fail("\n".join(problems), pytrace=False)
    finally:
        context.close()


def _save_page_artifacts(context, request) -> None:
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    for page in context.pages:
        n = request.node.stash.get(shots_key, 0) + 1
        request.node.stash[shots_key] = n
        try:
            page.screenshot(path=str(folder / f"{name}-{n}.png"), full_page=True)
            (folder / f"{name}-{n}.html").write_text(f"<!-- {page.url} -->\n{page.content()}", encoding="utf-8")
        except Exception as exc:  # a crashed page must not hide the test's own failure
            print(f"could not save a screenshot of {page.url}: {exc}")
        else:
            print(f"screenshot of {page.url}: {folder / f'{name}-{n}.png'}")


@pytest.fixture
def page(browser, live_portal, request):
    """A desktop page (1280×900) in a fresh browser context (own cookies) on the live portal."""
    with _open_page(browser, live_portal, request, DESKTOP) as page:
        yield page


@pytest.fixture
def mobile_page(browser, live_portal, request):
    """A phone-sized page (360×740, touch) in a fresh browser context on the live portal."""
    with _open_page(browser, live_portal, request, MOBILE) as page:
        yield page


@pytest.fixture
def new_page(browser, live_portal, request):
    """Open more pages in the same test, each in its own browser context (another person: own
    cookies), watched and checked like `page`: `new_page()` at desktop size, `new_page(mobile=True)`
    on a 360 px phone. All are closed (and checked) at teardown."""
    with contextlib.ExitStack() as stack:

        def open_page(*, mobile: bool = False):
            return stack.enter_context(_open_page(browser, live_portal, request, MOBILE if mobile else DESKTOP))

        yield open_page
