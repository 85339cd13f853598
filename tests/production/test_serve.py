"""Production mode, as the README runs it: `make serve` with DEBUG=False.

The server is the real thing (gunicorn and a task worker started by `make serve`,
static files collected, a fresh database migrated), on plain http on loopback, talking
to the sandbox over HTTP. On the CI's PostgreSQL pass it runs on PostgreSQL. A browser
logs in, syncs, browses, sorts, searches, creates a Local ring pool and meets the 404
page; then Ctrl-C must stop every process `make serve` started.
"""

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from tests.conftest import open_page

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "serve-test-password-73"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def database_url(tmp_path_factory):
    """A database of its own: a new PostgreSQL database when the suite runs on PostgreSQL
    (DATABASE_URL from bin/with-postgres), else a new SQLite file."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path_factory.mktemp('serve') / 'db.sqlite3'}"
        return
    import psycopg

    name = f"serve_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def live_sandbox():
    from sandbox.testing import running_sandbox

    with running_sandbox(destinations=150, seed=11, token="serve-test-token") as handle:
        yield handle


def serve_env(database_url: str, sandbox, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("INVOCA_", "DJANGO_")) and key not in ("DEBUG", "SECRET_KEY")
    }
    env.update(
        DEBUG="False",
        HTTPS="False",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        PORT=str(free_port()),
        WEB_CONCURRENCY="2",
        INVOCA_API_URL=sandbox.url,
        INVOCA_NETWORK_ID=sandbox.network_id,
        INVOCA_API_TOKEN=sandbox.token,
        INVOCA_AUTO_SYNC="False",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class Served:
    def __init__(self, env: dict[str, str], log: Path):
        self.env = env
        self.url = f"http://127.0.0.1:{env['PORT']}"
        self.log = log
        self.proc = subprocess.Popen(  # noqa: S603
            ["make", "serve"],  # noqa: S607
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"make serve exited ({self.proc.returncode}):\n{self.log.read_text()}")
            try:
                requests.get(f"{self.url}/accounts/login/", timeout=2, allow_redirects=False)
            except requests.RequestException:
                time.sleep(0.3)
                continue
            if "is serving on" in self.log.read_text():
                return
            time.sleep(0.3)
        pytest.fail(f"make serve did not come up:\n{self.log.read_text()}")

    def manage(self, *argv: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603
            [sys.executable, str(ROOT / "manage.py"), *argv],
            cwd=ROOT,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )

    def descendants(self) -> dict[int, str]:
        """pid -> command line of every process `make serve` started, however deep."""
        out = subprocess.run(
            ["ps", "-ww", "-eo", "pid=,ppid=,args="],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        table = {}
        for line in out.splitlines():
            pid, ppid, args = (line.strip().split(None, 2) + [""])[:3]
            table[int(pid)] = (int(ppid), args)
        found: dict[int, str] = {}
        parents = {self.proc.pid}
        while True:
            new = {
                pid: args
                for pid, (ppid, args) in table.items()
                if ppid in parents and pid not in found
            }
            if not new:
                return found
            found.update(new)
            parents |= set(new)

    def stop(self) -> int:
        """Ctrl-C, as a terminal sends it: SIGINT to `make serve`'s foreground group."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            raise


@pytest.fixture(scope="module")
def served(database_url, live_sandbox, tmp_path_factory):
    server = Served(serve_env(database_url, live_sandbox), tmp_path_factory.mktemp("log") / "log")
    try:
        server.wait()
        server.manage(
            "createsuperuser",
            "--noinput",
            "--username",
            "admin",
            "--email",
            "admin@example.com",
            DJANGO_SUPERUSER_PASSWORD=PASSWORD,
        )
        yield server
    finally:
        server.stop()


@pytest.fixture
def page(served, browser):
    """A page of the suite's Chromium (tests/conftest.py), pointed at `make serve`."""
    with open_page(browser, served.url) as page:
        page.set_default_timeout(15_000)
        yield page


def test_static_files_are_collected_and_hashed(served):
    login_page = requests.get(f"{served.url}/accounts/login/", timeout=5).text
    css = re.search(r'href="(/static/app\.[0-9a-f]{12}\.css)"', login_page)
    assert css, "the stylesheet is served under its hashed, collected name"
    response = requests.get(served.url + css.group(1), timeout=5)
    assert response.status_code == 200 and "max-age" in response.headers["Cache-Control"]


def test_cookies_work_on_plain_http(served):
    response = requests.get(f"{served.url}/accounts/login/", timeout=5)
    cookie = response.headers["Set-Cookie"]
    assert "csrftoken" in cookie and "secure" not in cookie.lower()


def test_a_session_in_a_real_browser(page, served, live_sandbox):
    page.goto("/destinations/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/destinations/"))

    # Sync now: the task worker `make serve` started does the work.
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#sync-status")).to_contain_text("150 destinations", timeout=60_000)

    page.goto("/destinations/")
    rows = page.locator("#destination-table tbody tr[id^=destination-]")
    expect(rows.first).to_be_visible()
    header = page.locator("thead th", has_text="Campaign")
    header.get_by_role("link").click()  # sort
    expect(page).to_have_url(re.compile(r"sort_by=campaign"))
    header.get_by_role("link").click()  # and the other way
    expect(page).to_have_url(
        re.compile(r"sort_by=campaign.*sort_dir=desc|sort_dir=desc.*sort_by=campaign")
    )
    first = rows.first.locator(".phone").inner_text()
    page.get_by_role("searchbox").fill(first)
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".phone")).to_have_text(first)

    # A Local ring pool through the form, written to the sandbox over HTTP.
    page.goto("/ringpools/new/")
    advertiser = page.get_by_label("Advertiser")
    option = advertiser.locator("option").nth(1)
    advertiser.select_option(option.get_attribute("value"))
    campaign = page.get_by_label("Campaign")
    expect(campaign.locator("option").nth(1)).to_be_attached()
    campaign.select_option(index=1)
    page.get_by_label("Id from network").fill("serve-local-1")
    page.get_by_label("Name", exact=True).fill("Served Local Pool")
    page.locator("details#local-ringpool summary").click()
    page.get_by_label("NPA (area code)").check()
    page.get_by_label("NPA", exact=True).fill("805")
    page.get_by_role("button", name="Create ring pool").click()
    expect(page.get_by_role("heading", name="Served Local Pool")).to_be_visible()
    expect(page.locator("#messages")).to_contain_text("takes about ten minutes")
    remote = live_sandbox.state.ring_pools["serve-local-1"]
    assert remote.local_center == {"tn_prefix": "805"}

    # The site's own 404 page, styled, for a user who is logged in.
    response = page.goto("/destinations/999999999/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.get_by_role("link", name="Go to the overview")).to_be_visible()


def test_ctrl_c_stops_every_process(database_url, live_sandbox, tmp_path):
    """Its own server (the module's one is still in use): started, then Ctrl-C."""
    env = serve_env(database_url, live_sandbox)
    server = Served(env, tmp_path / "log")
    server.wait()
    started = server.descendants()
    assert any("gunicorn" in args for args in started.values()), started
    assert any("db_worker" in args for args in started.values()), started
    assert server.stop() in (0, 2, 130, -signal.SIGINT)  # make itself dies of the SIGINT

    def alive() -> list[str]:
        still = []
        for pid, args in started.items():
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                continue
            still.append(args)
        return still

    deadline = time.monotonic() + 10
    while alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert alive() == []
    assert "Stopped." in server.log.read_text()


def test_https_behind_a_proxy(database_url, live_sandbox, tmp_path):
    """HTTPS=True: plain http is redirected, a proxy's X-Forwarded-Proto is trusted, cookies
    are Secure, HSTS is sent for a year."""
    env = serve_env(database_url, live_sandbox, HTTPS="True")
    server = Served(env, tmp_path / "log")
    try:
        server.wait()
        plain = requests.get(f"{server.url}/accounts/login/", timeout=5, allow_redirects=False)
        assert plain.status_code == 301
        assert plain.headers["Location"].startswith("https://127.0.0.1")
        proxied = requests.get(
            f"{server.url}/accounts/login/",
            headers={"X-Forwarded-Proto": "https"},
            timeout=5,
        )
        assert proxied.status_code == 200
        assert "; secure" in proxied.headers["Set-Cookie"].lower()
        assert proxied.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        health = requests.get(f"{server.url}/healthz", timeout=5, allow_redirects=False)
        assert health.status_code == 200  # a load balancer may ask over plain http
    finally:
        server.stop()


def test_serve_refuses_the_placeholder_secret_key(database_url, live_sandbox, tmp_path):
    env = serve_env(database_url, live_sandbox, SECRET_KEY="change-me-to-a-long-random-string")
    result = subprocess.run(  # noqa: S603
        ["make", "serve"],  # noqa: S607
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr + result.stdout
