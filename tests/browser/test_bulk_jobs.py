"""Bulk actions as background jobs, in a real Chromium against the live sandbox: the
dialog says how many and that it runs in the background, the job page shows progress
(polling until done), the outcome of every row, Retry failed rows, Cancel and Undo.

The live server runs a job inline when it is enqueued, except where a test swaps in
the dummy backend so that a job waits and the test plays the worker itself."""

import re
import time

import pytest
from django.core.management import call_command
from django.db import OperationalError
from playwright.sync_api import expect

from destinations import bulk
from destinations.jobs import BulkJob
from destinations.models import Destination, Status
from tests.conftest import login

pytestmark = pytest.mark.browser


@pytest.fixture
def signed_in(page, editor, sandbox):
    call_command("sync_invoca")
    login(page, "editor")
    return page


@pytest.fixture
def no_worker(settings):
    """Jobs wait in the queue: the test plays the worker (bulk_job_claim / _execute)."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def patiently(work):
    """Run a database call from the test thread while the live server's thread may hold
    the shared in-memory SQLite database's table lock (it answers the page's polls)."""
    for _attempt in range(50):
        try:
            return work()
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
            time.sleep(0.1)
    return work()


def latest_job() -> BulkJob:
    return patiently(lambda: BulkJob.objects.order_by("-pk").first())


def play_worker(job_id: int) -> BulkJob:
    return patiently(lambda: bulk.bulk_job_execute(job=bulk.bulk_job_claim(job_id=job_id)))


def confirm(page, text: str, button: str) -> None:
    """Confirm the dialog; then wait for the job page the answer leads to."""
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_contain_text(text)
    dialog.get_by_role("button", name=button).click()
    page.wait_for_url(re.compile(r"/destinations/jobs/\d+/$"))


def test_delete_all_matching_then_retry_the_failed_rows(signed_in, sandbox, monkeypatch):
    monkeypatch.setattr("invoca_admin.invoca.transport.time.sleep", lambda seconds: None)
    page = signed_in
    total = Destination.objects.count()
    page.goto("/destinations/?per_page=25")
    page.get_by_label("Select every row on this page").check()
    page.get_by_label(re.compile(r"All .* matching")).check()
    expect(page.locator("#bulk-form")).to_contain_text(
        f"All {total} matching destinations selected"
    )
    sandbox.state.fail_after = total - 4  # the last four deletes get Invoca's 500
    page.locator("#bulk-form").get_by_role("button", name="Delete…").click()
    expect(page.locator("#confirm-dialog")).to_contain_text("It runs in the background")
    confirm(page, f"Delete all {total} matching destinations from Invoca?", "Delete")

    job = latest_job()
    expect(page).to_have_url(re.compile(rf"/destinations/jobs/{job.pk}/$"))
    progress = page.locator(f"#job-{job.pk}")
    expect(progress).to_contain_text(f"{total} of {total} rows (100%)")
    expect(progress).to_contain_text(f"Deleted {total - 4} of {total} destinations; 4 failed.")
    page.locator("#job-outcomes").get_by_role("link", name=re.compile("^Failed")).click()
    expect(page.locator("table.job-rows tbody tr")).to_have_count(4)
    expect(page.locator("table.job-rows")).to_contain_text("Invoca had an internal error")

    sandbox.state.fail_after = None
    page.get_by_role("button", name="Retry 4 failed rows").click()
    page.wait_for_url(re.compile(rf"/destinations/jobs/(?!{job.pk}/)\d+/$"))
    retry = latest_job()
    assert retry.source_id == job.pk
    expect(page).to_have_url(re.compile(rf"/destinations/jobs/{retry.pk}/$"))
    expect(page.locator(f"#job-{retry.pk}")).to_contain_text("Deleted 4 of 4 destinations.")
    assert Destination.objects.count() == 0


def test_progress_polls_until_done_and_the_toast_offers_undo(signed_in, no_worker):
    page = signed_in
    page.goto("/destinations/?status=discovered")
    boxes = page.locator("#destination-table tbody [data-select-row]")
    for n in range(3):
        boxes.nth(n).check()
    page.locator("#bulk-form").get_by_role("button", name="Ignore", exact=True).click()
    confirm(page, "It runs in the background", "Ignore")
    job = latest_job()
    progress = page.locator(f"#job-{job.pk}")
    expect(progress).to_contain_text("Waiting for the background worker")
    expect(progress).to_have_attribute("hx-trigger", "every 1s")

    play_worker(job.pk)  # the worker's turn
    expect(progress).to_contain_text("Ignored 3 of 3 destinations.")
    expect(progress).not_to_have_attribute("hx-trigger", "every 1s")  # polling stopped
    expect(page.locator("table.job-rows tbody tr")).to_have_count(3)
    toast = page.locator("#messages .message", has_text="Ignored 3 of 3")
    toast.get_by_role("button", name=re.compile("^Undo")).click()
    page.wait_for_url(re.compile(rf"/destinations/jobs/(?!{job.pk}/)\d+/$"))
    undo = latest_job()
    assert (undo.action, undo.source_id) == ("unignore", job.pk)
    expect(page).to_have_url(re.compile(rf"/destinations/jobs/{undo.pk}/$"))
    play_worker(undo.pk)
    expect(page.locator(f"#job-{undo.pk}")).to_contain_text("Un-ignored 3 of 3 destinations.")
    ids = list(job.rows.values_list("remote_id", flat=True))
    assert set(Destination.objects.filter(remote_id__in=ids).values_list("status", flat=True)) == {
        Status.DISCOVERED
    }


def test_cancel_a_running_job(signed_in, no_worker):
    page = signed_in
    page.goto("/destinations/?status=discovered")
    page.locator("#destination-table tbody [data-select-row]").first.check()
    page.locator("#bulk-form").get_by_role("button", name="Ignore", exact=True).click()
    confirm(page, "Ignore 1 destination", "Ignore")
    job = patiently(lambda: bulk.bulk_job_claim(job_id=latest_job().pk))  # a worker took it
    progress = page.locator(f"#job-{job.pk}")
    expect(progress).to_contain_text("Running")
    progress.get_by_role("button", name="Cancel").click()
    expect(page.locator("#messages")).to_contain_text("Cancelling")
    expect(page.locator(f"#job-{job.pk}")).to_contain_text("Cancelling…")
    patiently(lambda: bulk.bulk_job_execute(job=job))  # it stops before its next batch
    expect(page.locator(f"#job-{job.pk}")).to_contain_text("Cancelled")
    expect(page.locator(f"#job-{job.pk}")).to_contain_text("1 not processed")
    remote_id = job.rows.get().remote_id
    assert Destination.objects.get(remote_id=remote_id).status == Status.DISCOVERED


def test_undo_a_bulk_ignore_from_the_job_page(signed_in):
    page = signed_in
    page.goto("/destinations/?status=discovered")
    boxes = page.locator("#destination-table tbody [data-select-row]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.locator("#bulk-form").get_by_role("button", name="Ignore", exact=True).click()
    confirm(page, "Ignore 2 destinations", "Ignore")
    job = latest_job()
    expect(page.locator(f"#job-{job.pk}")).to_contain_text("Ignored 2 of 2 destinations.")
    page.get_by_role("button", name="Undo: un-ignore 2").click()
    expect(page.locator("#confirm-dialog")).to_contain_text(
        "Un-ignore the 2 destinations this job ignored?"
    )
    page.locator("#confirm-dialog").get_by_role("button", name="Undo").click()
    page.wait_for_url(re.compile(rf"/destinations/jobs/(?!{job.pk}/)\d+/$"))
    undo = latest_job()
    expect(page.locator(f"#job-{undo.pk}")).to_contain_text("Un-ignored 2 of 2 destinations.")
    page.get_by_role("link", name="Background jobs").click()
    expect(page.locator("table")).to_contain_text(f"#{job.pk} Ignore 2")
    expect(page.locator("table")).to_contain_text(f"#{undo.pk} Un-ignore 2")
