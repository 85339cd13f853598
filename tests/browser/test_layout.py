"""Log in, see the home page, sync, log out — in a real headless Chromium."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.conftest import login

pytestmark = pytest.mark.browser


def test_login_home_and_logout(page, editor):
    page.goto("/")
    assert "/accounts/login/" in page.url
    login(page, "editor")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.get_by_text("Invoca is not configured.")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.locator("#messages")).to_contain_text("You are logged out.")
    page.goto("/destinations/")
    assert "/accounts/login/" in page.url


def test_wrong_password_is_said_on_the_form(page, editor):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")


def test_live_connection_check_and_sync_now_with_progress(page, editor, sandbox):
    login(page, "editor")
    expect(page.get_by_text("120 destinations")).to_be_visible()
    expect(page.get_by_text("Never synced")).to_be_visible()
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#sync-status")).to_contain_text("Last synced")
    expect(page.locator("#sync-status")).to_contain_text("120 destinations")
    expect(page.locator("#messages")).to_contain_text("Sync started")


def test_progress_bar_follows_a_running_sync_and_stops_polling(page, editor, sandbox):
    from invoca_admin.models import SyncRun

    run = SyncRun.objects.create(
        status="running", stage="destinations", pages_done=2, pages_total=10
    )
    login(page, "editor")
    bar = page.get_by_role("progressbar", name="Sync progress")
    expect(bar).to_have_attribute("aria-valuenow", "20")
    expect(page.locator("#sync-status")).to_contain_text("2 / 10 pages")
    SyncRun.objects.filter(pk=run.pk).update(pages_done=7)
    expect(bar).to_have_attribute("aria-valuenow", "70")
    SyncRun.objects.filter(pk=run.pk).update(
        status="succeeded",
        finished_at=timezone.now(),
        destinations_total=312,
        destinations_new=5,
        destinations_removed=1,
    )
    expect(page.locator("#sync-status")).to_contain_text("312 destinations, 5 new, 1 removed")
    expect(bar).to_have_count(0)
    expect(page.locator("#sync-status")).not_to_have_attribute("hx-trigger", "every 1s")


def test_a_sync_whose_worker_died_is_shown_failed_and_polling_stops(page, editor, sandbox):
    """The page polls a running sync; when its heartbeat goes stale (the worker was
    killed), the next poll marks it failed with a plain message and polling ends."""
    from datetime import timedelta

    from django.conf import settings

    from invoca_admin.models import SyncRun

    run = SyncRun.objects.create(status="running", stage="destinations", pages_total=10)
    login(page, "editor")
    expect(page.get_by_role("progressbar", name="Sync progress")).to_be_visible()
    stale = timezone.now() - timedelta(seconds=settings.INVOCA_SYNC_STALE_SECONDS + 1)
    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=stale)
    status = page.locator("#sync-status")
    expect(status.get_by_role("alert")).to_contain_text("The sync stopped responding")
    expect(page.get_by_role("progressbar", name="Sync progress")).to_have_count(0)
    expect(status).not_to_have_attribute("hx-trigger", "every 1s")
    expect(status.get_by_role("button", name="Sync now")).to_be_visible()
    run.refresh_from_db()
    assert run.status == "failed"


def test_an_htmx_error_is_shown_not_dropped(page, editor, sandbox):
    from django.core.management import call_command

    call_command("sync_invoca")
    login(page, "editor")
    page.goto("/destinations/?status=discovered")
    row = page.locator("#destination-table tbody tr[id^=destination-]").first
    editor.groups.clear()  # permission withdrawn while the page is open
    row.get_by_role("button", name="Ignore").click()
    expect(page.locator("#messages")).to_contain_text("You do not have permission to do that")
    expect(row.get_by_text("Discovered")).to_be_visible()


def test_browsing_the_cache_works_while_invoca_is_down(page, editor, sandbox):
    from django.core.management import call_command

    call_command("sync_invoca")
    sandbox.state.outage = True
    login(page, "editor")
    page.goto("/destinations/")
    expect(page.locator("#destination-table tbody tr[id^=destination-]")).to_have_count(50)
    page.goto("/")
    expect(page.get_by_text("Cannot reach Invoca.")).to_be_visible()
