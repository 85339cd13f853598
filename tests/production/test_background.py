"""Background work in production processes, against the sandbox over HTTP, in a browser.

Real processes on one database (PostgreSQL on the CI's PostgreSQL pass, else a SQLite
file), as `make serve` runs them: gunicorn, a task worker (`manage.py db_worker`) and the
sync scheduler (`manage.py sync_scheduler`). Nobody browses while the scheduler fills
the cache; then a worker is killed (SIGKILL) in the middle of a sync and again in the
middle of a bulk delete, and the pages must say so, stop polling, leave the cache as it
was, and let a new worker finish the work. Every wait is bounded.
"""

import os
import re
import signal
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import open_page
from tests.production.test_scale_out import PASSWORD, Cluster, answers, logged_in, post, until
from tests.production.test_serve import database_url  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
DESTINATIONS = 300
STALE_SECONDS = 4  # a worker silent this long is taken for dead
WRITE_TIMEOUT = 2  # seconds a write at Invoca may take


@pytest.fixture(scope="module")
def bg_sandbox():
    from sandbox.testing import running_sandbox

    # Small pages: a sync is 15 requests, long enough to be killed in the middle of.
    with running_sandbox(
        destinations=DESTINATIONS, seed=23, token="background-token", max_page_size=20
    ) as handle:
        yield handle


class Background(Cluster):
    """One web process, one task worker and the scheduler, as `make serve` starts them."""

    def __init__(self, database: str, sandbox, logs: Path):
        super().__init__(database, sandbox, logs)
        self.env.update(
            INVOCA_AUTO_SYNC="True",
            INVOCA_CACHE_TTL="3600",
            INVOCA_SYNC_STALE_SECONDS=str(STALE_SECONDS),
            INVOCA_WRITE_TIMEOUT=str(WRITE_TIMEOUT),
            INVOCA_SYNC_CONCURRENCY="1",
        )
        self.workers = 0

    def start_worker(self) -> None:
        self.workers += 1
        self.worker = super().start_worker(f"worker{self.workers}")

    def kill_worker(self) -> None:
        """SIGKILL: no cleanup, no last heartbeat, as when a machine dies."""
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait(timeout=10)

    def one(self, query: str, *params):
        rows = self.sql(query, *params)
        return rows[0][0] if rows else None


@pytest.fixture(scope="module")
def background(database_url, bg_sandbox, tmp_path_factory):  # noqa: F811
    cluster = Background(database_url, bg_sandbox, tmp_path_factory.mktemp("background"))
    cluster.prepare()
    cluster.url = cluster.start_web("web")
    cluster.start_worker()
    cluster.start(
        "scheduler", sys.executable, str(ROOT / "manage.py"), "sync_scheduler", "--interval", "1"
    )
    until(lambda: answers(cluster.url + "/healthz"), "the web process to answer")
    try:
        yield cluster
    finally:
        cluster.stop_all()
    assert all(proc.poll() is not None for proc in cluster.procs)


@pytest.fixture
def page(background, browser):
    with open_page(browser, background.url) as page:
        page.set_default_timeout(20_000)
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill("admin")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        yield page


def test_the_scheduler_fills_the_cache_with_nobody_browsing(background, browser):
    """No page is opened: the scheduler queues a sync of the empty cache and the worker
    does it. Only then does a browser look, and sees the network and when it was synced."""

    def synced() -> bool:
        runs = background.sql(
            "SELECT status FROM invoca_admin_syncrun WHERE trigger = 'auto' ORDER BY id"
        )
        return bool(runs) and runs[-1][0] == "succeeded"

    until(synced, "the scheduler's sync", timeout=120)
    assert background.one("SELECT COUNT(*) FROM destinations_destination") == DESTINATIONS
    assert background.one("SELECT COUNT(*) FROM invoca_admin_syncrun") == 1  # once: fresh now

    with open_page(browser, background.url) as page:
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill("admin")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto("/destinations/")
        expect(page.locator("#sync-status")).to_contain_text("Last synced")
        expect(page.locator("#sync-status")).to_contain_text(f"{DESTINATIONS} destinations")
        all_tab = page.locator("nav.tabs a", has_text="All")
        expect(all_tab.locator(".count")).to_have_text(str(DESTINATIONS))


def test_a_worker_killed_mid_sync_is_reported_and_a_new_worker_syncs(background, bg_sandbox, page):
    cache = "SELECT remote_id, fingerprint FROM destinations_destination"
    before = sorted(background.sql(cache))
    # Invoca changes: a sync that finished would add seven rows and remove three.
    removed = [remote_id for remote_id, _ in before[:3]]
    for remote_id in removed:
        bg_sandbox.state.delete_destination(remote_id)
    added = [bg_sandbox.state.add_destination() for _ in range(7)]
    bg_sandbox.state.set_faults(latency_ms=400)  # 16 pages: about six seconds
    page.goto("/destinations/")
    page.get_by_role("button", name="Sync now").click()
    expect(page.get_by_role("progressbar", name="Sync progress")).to_be_visible()
    run = background.one("SELECT MAX(id) FROM invoca_admin_syncrun")

    def reading() -> bool:
        return (
            background.one("SELECT pages_done FROM invoca_admin_syncrun WHERE id = ?", run) or 0
        ) >= 2

    until(reading, "the sync to read a few pages", timeout=60)
    background.kill_worker()

    status = page.locator("#sync-status")
    expect(status.get_by_role("alert")).to_contain_text(
        "The sync stopped responding", timeout=(STALE_SECONDS + 15) * 1000
    )
    expect(page.get_by_role("progressbar", name="Sync progress")).to_have_count(0)
    expect(status).not_to_have_attribute("hx-trigger", "every 1s")
    assert background.one("SELECT status FROM invoca_admin_syncrun WHERE id = ?", run) == "failed"
    queue = background.sql(
        "SELECT status FROM django_tasks_database_dbtaskresult "
        "WHERE task_path = 'invoca_admin.tasks.run_sync' ORDER BY enqueued_at"
    )
    assert queue[-1][0] == "FAILED"  # not RUNNING for ever
    # The cache is as it was before the sync that died.
    assert sorted(background.sql(cache)) == before

    bg_sandbox.state.set_faults(latency_ms=0)
    background.start_worker()
    status.get_by_role("button", name="Sync now").click()
    expect(status).to_contain_text(f"{DESTINATIONS + 4} destinations", timeout=60_000)
    expect(status).to_contain_text("7 new")
    expect(status).to_contain_text("3 removed")
    assert background.one("SELECT status FROM invoca_admin_syncrun WHERE id > ?", run) == (
        "succeeded"
    )
    now = {remote_id for remote_id, _ in background.sql(cache)}
    assert now.isdisjoint(removed) and set(added) <= now


def _deleted_at_invoca(sandbox) -> list[int]:
    """The destination ids of every DELETE the sandbox received, in order."""
    return [
        int(re.search(r"(\d+)\.json$", path).group(1))
        for method, path, _query in sandbox.request_log
        if method == "DELETE"
    ]


def _audited_deletes(background) -> list[int]:
    """The destination ids of every delete the audit log records as done."""
    return [
        int(row[0])
        for row in background.sql(
            "SELECT target_id FROM invoca_admin_auditentry "
            "WHERE action = 'destination.delete' AND outcome = 'ok'"
        )
    ]


def test_a_bulk_delete_whose_worker_was_killed_stops_and_its_rows_are_retried(
    background, bg_sandbox, page
):
    ids = [
        row[0]
        for row in background.sql(
            "SELECT remote_id FROM destinations_destination ORDER BY remote_id LIMIT 30"
        )
    ]
    bg_sandbox.state.set_faults(latency_ms=300)  # a delete every 0.3 s
    session = logged_in(background.url)
    answer = post(session, f"{background.url}/destinations/bulk/", {"action": "delete", "ids": ids})
    assert answer.status_code == 302, answer.text[:300]
    job = int(re.search(r"/jobs/(\d+)/", answer.headers["Location"]).group(1))
    page.goto(f"/destinations/jobs/{job}/")

    def deleting() -> bool:
        return (background.one("SELECT done FROM destinations_bulkjob WHERE id = ?", job) or 0) >= 3

    until(deleting, "the job to delete a few rows", timeout=60)
    background.kill_worker()
    progress = page.locator(f"#job-{job}")
    expect(progress.get_by_role("alert")).to_contain_text(
        "Its worker stopped responding", timeout=(STALE_SECONDS + 15) * 1000
    )
    expect(progress).not_to_have_attribute("hx-trigger", "every 1s")
    assert background.one("SELECT status FROM destinations_bulkjob WHERE id = ?", job) == "failed"
    # Each delete Invoca answered is audited and gone from the cache at once; the job's
    # outcomes are written a few rows at a time, so some of those may still say pending.
    # The one in flight when the worker died was noted first: the scheduler asks Invoca
    # about it once its grace is over, and audits what it finds.
    until(
        lambda: background.one("SELECT COUNT(*) FROM destinations_pendingdelete") == 0,
        "the scheduler to settle the delete the worker left",
        timeout=WRITE_TIMEOUT + STALE_SECONDS + 30,
    )
    sent, audited = set(_deleted_at_invoca(bg_sandbox)), set(_audited_deletes(background))
    recorded = {
        row[0]
        for row in background.sql(
            "SELECT remote_id FROM destinations_bulkjobrow WHERE job_id = ? AND outcome = 'done'",
            job,
        )
    }
    assert len(recorded) >= 3 and recorded <= audited and audited == sent
    left = {row[0] for row in background.sql("SELECT remote_id FROM destinations_destination")}
    assert left.isdisjoint(audited) and set(ids) - sent <= left

    bg_sandbox.state.set_faults(latency_ms=0)
    background.start_worker()
    retry = len(ids) - len(recorded)
    progress.get_by_role("button", name=f"Retry {retry} failed rows").click()
    retried = page.locator(".job-progress")
    expect(retried).to_contain_text(f"Retries the failed rows of job #{job}")
    expect(retried.locator(".badge")).to_have_text("Finished", timeout=60_000)
    # Deleted now, or found already gone (the rows deleted before their outcome was
    # written): every ticked row is gone, and each has its audit row.
    counts = retried.locator(".job-counts")
    done = int(counts.locator("div", has_text="Done").locator("dd").inner_text())
    gone = int(counts.locator("div", has_text="Already gone").locator("dd").inner_text())
    assert done + gone == retry
    left = {row[0] for row in background.sql("SELECT remote_id FROM destinations_destination")}
    assert left.isdisjoint(ids)
    assert set(ids) <= set(_audited_deletes(background))
