"""Bulk actions as background jobs, over HTTP with Django's test client (the tests' task
backend runs a job inline when it is enqueued), deletes against the sandbox over HTTP."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from destinations import bulk
from destinations.jobs import BulkJob, BulkJobRow
from destinations.models import Destination, IgnoreRecord, Status
from invoca_admin.models import AuditEntry
from tests.html import parse, text

from .conftest import ignore_locally, make_destination

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
BULK = "/destinations/bulk/"


def job_url(job: BulkJob) -> str:
    return reverse("destinations:job", args=[job.pk])


def latest_job() -> BulkJob:
    return BulkJob.objects.order_by("-pk").first()


@pytest.fixture
def rows():
    return [make_destination(f"202-555-{n:04d}", campaign=("1", "Alpha")) for n in range(4)]


@pytest.fixture
def queued(settings):
    """Enqueued jobs wait for a worker (none runs), so a test sees them queued."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


class TestStart:
    def test_ticked_rows_become_a_job_and_htmx_goes_to_its_page(self, editor_client, rows):
        ids = [rows[0].remote_id, rows[1].remote_id]
        response = editor_client.post(BULK, {"action": "ignore", "ids": ids}, **HX)
        job = latest_job()
        assert response["HX-Redirect"] == job_url(job)
        assert (job.action, job.status, job.total, job.done) == ("ignore", "done", 2, 2)
        assert set(IgnoreRecord.objects.values_list("remote_id", flat=True)) == set(ids)

    def test_all_matching_stores_the_filter_and_ignores_every_match(self, editor_client):
        alpha = [make_destination(campaign=("1", "Alpha")) for _ in range(60)]
        make_destination(campaign=("2", "Beta"))
        response = editor_client.post(
            BULK + "?campaign=1", {"action": "ignore", "select_all": "1", "campaign": "1"}
        )
        job = latest_job()
        assert response["Location"] == job_url(job)
        assert (job.total, job.done) == (60, 60)
        assert Destination.objects.filter(status=Status.IGNORED).count() == len(alpha)

    def test_the_message_says_how_many_and_that_it_runs_in_the_background(
        self, editor_client, rows, queued
    ):
        response = editor_client.post(
            BULK, {"action": "unignore", "select_all": "1", "query": "202"}, follow=True
        )
        said = text(parse(response).select_one("#messages"))
        assert "Un-ignoring 4 destinations in the background." in said
        job = latest_job()
        assert job.status == "queued" and job.selection == {"filter": "query=202"}

    def test_the_confirmation_says_it_runs_in_the_background(self, editor_client, rows):
        body = editor_client.get("/destinations/").content.decode()
        buttons = parse(body).select("#bulk-form [data-bulk-action]")
        assert len(buttons) == 3
        for button in buttons:
            assert "{what}" in button["data-bulk-action"]
            assert "It runs in the background" in button["data-bulk-action"]

    def test_a_viewer_may_not_start_or_see_jobs(self, viewer_client, rows):
        job = bulk.bulk_job_create(action="ignore", user=None, ids=[rows[0].remote_id])
        assert viewer_client.post(BULK, {"action": "ignore", "ids": [1]}).status_code == 403
        assert viewer_client.get(job_url(job)).status_code == 403
        assert viewer_client.get("/destinations/jobs/").status_code == 403
        for verb in ("cancel", "retry", "undo"):
            assert viewer_client.post(f"{job_url(job)}{verb}/").status_code == 403

    def test_anonymous_users_log_in_first(self, client, rows):
        job = bulk.bulk_job_create(action="ignore", user=None, ids=[rows[0].remote_id])
        response = client.get(job_url(job))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    def test_an_unknown_job_is_404(self, editor_client):
        assert editor_client.get("/destinations/jobs/999999/").status_code == 404


class TestJobPage:
    def test_a_running_job_polls_its_progress(self, editor_client, rows, queued):
        editor_client.post(BULK, {"action": "ignore", "ids": [r.remote_id for r in rows]})
        job = latest_job()
        page = parse(editor_client.get(job_url(job)))
        progress = page.select_one(f"#job-{job.pk}")
        assert progress["hx-trigger"] == "every 1s"
        assert progress["hx-get"] == job_url(job) + "?poll=1"
        assert "0 of 4 rows" in text(progress)
        poll = editor_client.get(job_url(job) + "?poll=1", **HX)
        assert poll.content.decode().lstrip().startswith(f'<section id="job-{job.pk}"')

    def test_the_poll_that_sees_it_finish_reloads_the_page_with_a_summary_and_undo(
        self, editor_client, rows, queued
    ):
        editor_client.post(BULK, {"action": "ignore", "ids": [r.remote_id for r in rows]})
        job = latest_job()
        bulk.bulk_job_execute(job=bulk.bulk_job_claim(job_id=job.pk))
        poll = editor_client.get(job_url(job) + "?poll=1", **HX)
        assert poll["HX-Redirect"] == job_url(job)
        page = parse(editor_client.get(job_url(job)))
        assert "hx-trigger" not in page.select_one(f"#job-{job.pk}").attrs  # polling stops
        message = page.select("#messages .message")[-1]
        assert "Ignored 4 of 4 destinations." in text(message)
        undo = message.select_one(".message-undo")
        assert undo["hx-post"] == reverse("destinations:job_undo", args=[job.pk])
        assert undo["hx-target"] == f"#job-{job.pk}"

    def test_outcomes_are_listed_by_outcome_and_paged(self, editor_client, editor):
        tracked = make_destination(pool=("1", "Pool"))
        fresh = [make_destination() for _ in range(55)]
        job = bulk.bulk_job_create(
            action="ignore", user=editor, ids=[tracked.remote_id, *(d.remote_id for d in fresh)]
        )
        bulk.bulk_job_execute(job=bulk.bulk_job_claim(job_id=job.pk))
        page = parse(editor_client.get(job_url(job)))
        tabs = {
            text(a.contents[0]): text(a.select_one(".count")) for a in page.select("nav.tabs a")
        }
        assert tabs["All"] == "56" and tabs["Done"] == "55" and tabs["Unchanged"] == "1"
        assert len(page.select("table.job-rows tbody tr")) == 50
        unchanged = parse(editor_client.get(job_url(job) + "?outcome=unchanged", **HX))
        cells = [text(td) for td in unchanged.select("tbody tr td")]
        assert cells[:3] == [tracked.phone_number, "Unchanged", "Tracked by a ring pool."]
        assert editor_client.get(job_url(job) + "?outcome=bogus&page=x").status_code == 200

    def test_invoca_data_in_the_outcomes_is_escaped(self, editor_client, editor):
        d = make_destination("<script>alert(1)</script>")
        job = bulk.bulk_job_create(action="ignore", user=editor, ids=[d.remote_id])
        body = editor_client.get(job_url(job)).content.decode()
        assert "<script>alert(1)</script>" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body

    def test_recent_jobs_are_listed_with_links(self, editor_client, rows, queued):
        editor_client.post(BULK, {"action": "ignore", "ids": [rows[0].remote_id]})
        job = latest_job()
        page = parse(editor_client.get("/destinations/jobs/"))
        assert page.select_one(f'a[href="{job_url(job)}"]') is not None
        listing = parse(editor_client.get("/destinations/"))
        assert listing.select_one('a[href="/destinations/jobs/"]') is not None

    def test_a_job_whose_worker_died_stops_polling_and_can_be_retried(
        self, editor_client, rows, queued, settings
    ):
        editor_client.post(BULK, {"action": "ignore", "ids": [r.remote_id for r in rows]})
        job = bulk.bulk_job_claim(job_id=latest_job().pk)
        BulkJob.objects.filter(pk=job.pk).update(
            heartbeat_at=timezone.now() - timedelta(seconds=settings.INVOCA_SYNC_STALE_SECONDS + 1)
        )
        from django.tasks.base import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        from destinations.tasks import run_bulk_job

        queue_row = DBTaskResult.objects.create(
            status=TaskResultStatus.RUNNING,
            args_kwargs={"args": [job.pk], "kwargs": {}},
            task_path=run_bulk_job.module_path,
            backend_name="default",
            run_after=timezone.now(),
        )
        poll = editor_client.get(job_url(job) + "?poll=1", **HX)
        assert poll["HX-Redirect"] == job_url(job)
        queue_row.refresh_from_db()  # the task queue's row says so too, not RUNNING for ever
        assert queue_row.status == TaskResultStatus.FAILED
        progress = parse(editor_client.get(job_url(job))).select_one(f"#job-{job.pk}")
        assert "hx-trigger" not in progress.attrs
        assert "Its worker stopped responding" in text(progress)
        assert "Retry 4 failed rows" in text(progress)


class TestControls:
    def test_cancel_a_queued_job(self, editor_client, rows, queued):
        editor_client.post(BULK, {"action": "ignore", "ids": [rows[0].remote_id]})
        job = latest_job()
        response = editor_client.post(job_url(job) + "cancel/", follow=True)
        job.refresh_from_db()
        assert job.status == "cancelled"
        assert "Cancelled before it started" in text(parse(response).select_one("#messages"))
        assert Destination.objects.filter(status=Status.IGNORED).count() == 0

    def test_cancel_a_running_job_asks_it_to_stop(self, editor_client, rows, queued):
        editor_client.post(BULK, {"action": "ignore", "ids": [rows[0].remote_id]})
        job = bulk.bulk_job_claim(job_id=latest_job().pk)
        editor_client.post(job_url(job) + "cancel/")
        job.refresh_from_db()
        assert job.cancel_requested and job.status == "running"
        page = parse(editor_client.get(job_url(job)))
        assert "Cancelling…" in text(page.select_one(f"#job-{job.pk}"))
        assert bulk.bulk_job_execute(job=job).status == "cancelled"

    def test_undo_runs_as_a_job_of_its_own(self, editor_client, rows):
        before = rows[0]
        ignore_locally(before)
        editor_client.post(BULK, {"action": "ignore", "ids": [r.remote_id for r in rows]})
        job = latest_job()
        assert job.done == 3
        response = editor_client.post(job_url(job) + "undo/", **HX)
        undo = latest_job()
        assert response["HX-Redirect"] == job_url(undo)
        assert (undo.action, undo.source_id, undo.done) == ("unignore", job.pk, 3)
        assert Destination.objects.get(pk=before.pk).status == Status.IGNORED

    def test_retry_failed_needs_failed_rows(self, editor_client, rows):
        editor_client.post(BULK, {"action": "ignore", "ids": [rows[0].remote_id]})
        job = latest_job()
        response = editor_client.post(job_url(job) + "retry/", follow=True)
        assert "Nothing to retry" in text(parse(response).select_one("#messages"))
        assert latest_job() == job


class TestDeleteOverHttp:
    @pytest.fixture
    def synced(self, sandbox):
        call_command("sync_invoca")
        return sandbox

    def test_bulk_delete_against_the_sandbox_with_a_failure_and_retry(
        self, editor_client, synced, no_retry_wait
    ):
        victims = list(Destination.objects.order_by("remote_id")[:3])
        synced.state.fail_after = 1  # the first DELETE succeeds, the rest get 500s
        editor_client.post(BULK, {"action": "delete", "ids": [d.remote_id for d in victims]})
        job = latest_job()
        assert (job.status, job.done, job.failed) == ("done", 1, 2)
        failed = job.rows.filter(outcome=BulkJobRow.Outcome.FAILED)
        assert all(row.error_handle for row in failed)
        page = parse(editor_client.get(job_url(job) + "?outcome=failed"))
        assert failed[0].error_handle in text(page.select_one("table.job-rows"))
        assert "Retry 2 failed rows" in text(page.select_one(f"#job-{job.pk}"))

        synced.state.fail_after = None
        editor_client.post(job_url(job) + "retry/")
        retry = latest_job()
        assert (retry.source_id, retry.total, retry.done) == (job.pk, 2, 2)
        assert not Destination.objects.filter(remote_id__in=[d.remote_id for d in victims]).exists()
        assert AuditEntry.objects.filter(action="destination.delete", outcome="ok").count() == 3

    def test_a_single_delete_that_times_out_is_rechecked_in_the_background(
        self, editor_client, synced, settings
    ):
        d = Destination.objects.order_by("remote_id").first()
        synced.state.timeout_paths = f"customer_phone_numbers/{d.remote_id}"
        synced.state.hang_seconds = 1.5
        settings.INVOCA_WRITE_TIMEOUT = 0.5
        response = editor_client.post(f"/destinations/{d.remote_id}/delete/", follow=True)
        said = text(parse(response).select_one("#messages"))
        assert "may or may not have been made" in said and "being checked" in said
        # The re-check task ran (inline in tests) and found it deleted.
        assert not Destination.objects.filter(pk=d.pk).exists()
        entries = AuditEntry.objects.filter(target_id=str(d.remote_id)).order_by("pk")
        assert [e.outcome for e in entries] == ["failed", "ok"]
