"""Shared fixtures: mocked HTTP, a live sandbox over real HTTP, users, and a browser."""

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import responses
from django.contrib.auth.models import Group, User

from invoca_admin.apps import EDITORS_GROUP

# Playwright's sync API runs an event loop in the test thread; the ORM calls that
# tests make around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
PASSWORD = "correct-horse-battery-staple-42"


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Tests never reach a developer's configured Invoca, and tasks run inline."""
    settings.INVOCA_API_URL = ""
    settings.INVOCA_NETWORK_ID = ""
    settings.INVOCA_API_TOKEN = ""
    settings.INVOCA_AUTO_SYNC = False
    settings.INVOCA_SYNC_CONCURRENCY = 2
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def invoca_mock() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def sandbox_factory(settings):
    """Start sandboxes with given options; each is configured as 'the' Invoca."""
    from sandbox.testing import running_sandbox

    stack = []

    def start(**options):
        ctx = running_sandbox(**options)
        handle = ctx.__enter__()
        stack.append(ctx)
        settings.INVOCA_API_URL = handle.url
        settings.INVOCA_NETWORK_ID = handle.network_id
        settings.INVOCA_API_TOKEN = handle.token
        settings.INVOCA_API_VERSION = handle.api_version
        settings.INVOCA_READ_TIMEOUT = 5.0
        return handle

    yield start
    while stack:
        stack.pop().__exit__(None, None, None)


@pytest.fixture
def sandbox(sandbox_factory):
    """A live sandbox over real HTTP, seeded with a small deterministic network."""
    return sandbox_factory(destinations=120, seed=7)


@pytest.fixture
def editor(db) -> User:
    user = User.objects.create_user("editor", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS_GROUP))
    return user


@pytest.fixture
def viewer(db) -> User:
    return User.objects.create_user("viewer", password=PASSWORD)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client


# --- Browser -----------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright. In CI (REQUIRE_BROWSER=1) it must exist."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"Chromium not found at {CHROMIUM}; browser tests are required here.")
        pytest.skip(f"Chromium not found at {CHROMIUM} (install Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def open_page(browser, base_url: str, **context_options) -> Iterator:
    """A fresh browser context on ``base_url``; fails the test on any JavaScript or CSP
    error the page reported."""
    options = {"viewport": {"width": 1280, "height": 900}, **context_options}
    context = browser.new_context(base_url=base_url, **options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "Content-Security-Policy" in msg.text
            else None
        ),
    )
    yield page
    context.close()
    assert not errors, f"JavaScript or CSP errors in the page: {errors}"


@pytest.fixture
def page(browser, live_server):
    with open_page(browser, live_server.url) as page:
        yield page


def login(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    # The page logged in to asks for more on load (the overview's connection check): let
    # it finish, so that the test's next page is not served beside it. The live server's
    # threads share one in-memory SQLite connection (pytest-django), whose transactions
    # then interleave: once in CI a test found itself logged out on its next page.
    page.wait_for_load_state("networkidle")


def pytest_terminal_summary(terminalreporter):
    """How many fuzzed requests tests/test_fuzz.py sent, and how many got a 5xx."""
    import sys

    fuzz = sys.modules.get("tests.test_fuzz")
    if fuzz is not None and fuzz.FUZZ_STATS["requests"]:
        stats = fuzz.FUZZ_STATS
        terminalreporter.write_line(
            f"fuzz: {stats['requests']} hostile requests sent, {stats['5xx']} answered with a 5xx"
        )
