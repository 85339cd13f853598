"""Bulk jobs (destinations/bulk.py): selection, batches, outcomes, claim, cancel, retry, undo,
and deletes whose reply never came."""

import json
from pathlib import Path

import pytest
import requests
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from destinations import bulk, services
from destinations.jobs import BulkJob, BulkJobRow
from destinations.models import Destination, IgnoreRecord, Status
from invoca_admin.invoca import InvocaUnavailable
from invoca_admin.models import AuditEntry

from .conftest import DELETE_URL, ignore_locally, make_destination

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "invoca"
Outcome = BulkJobRow.Outcome


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def run(job: BulkJob) -> BulkJob:
    claimed = bulk.bulk_job_claim(job_id=job.pk)
    assert claimed is not None
    return bulk.bulk_job_execute(job=claimed)


def outcomes(job: BulkJob) -> dict[int, tuple[str, str]]:
    return {r.remote_id: (r.outcome, r.detail) for r in job.rows.order_by("pk")}


class TestIgnoreJobs:
    def test_each_row_gets_its_outcome_and_each_ignore_its_audit_entry(self, editor):
        fresh = make_destination()
        tracked = make_destination(pool=("1", "Pool"))
        already = make_destination()
        ignore_locally(already)
        job = bulk.bulk_job_create(
            action="ignore",
            user=editor,
            ids=[fresh.remote_id, tracked.remote_id, already.remote_id, 999],
        )
        assert job.total == 4
        job = run(job)
        assert job.status == BulkJob.Status.DONE
        assert outcomes(job) == {
            fresh.remote_id: (Outcome.DONE, ""),
            tracked.remote_id: (Outcome.UNCHANGED, "Tracked by a ring pool."),
            already.remote_id: (Outcome.UNCHANGED, "Already ignored."),
            999: (Outcome.GONE, "No longer in the cache."),
        }
        assert (job.processed, job.done, job.unchanged, job.gone, job.failed) == (4, 1, 2, 1, 0)
        assert Destination.objects.get(pk=fresh.pk).status == Status.IGNORED
        assert IgnoreRecord.objects.get(remote_id=fresh.remote_id).ignored_by == editor
        entries = list(AuditEntry.objects.values_list("action", "target_id", "username", "outcome"))
        assert entries == [("destination.ignore", str(fresh.remote_id), "editor", "ok")]

    def test_all_matching_is_resolved_by_the_worker_in_batches(self, editor, monkeypatch):
        monkeypatch.setattr(bulk, "BATCH", 7)
        rows = [make_destination(f"303-555-{n:04d}", campaign=("9", "Nine")) for n in range(30)]
        make_destination("404-555-0001", campaign=("8", "Other"))
        job = bulk.bulk_job_create(
            action="ignore", user=editor, filter_query=QueryDict("campaign=9")
        )
        assert job.total == 0 and job.rows.count() == 0  # nothing resolved in the request
        job = run(job)
        assert (job.total, job.done) == (30, 30)
        assert set(IgnoreRecord.objects.values_list("remote_id", flat=True)) == {
            r.remote_id for r in rows
        }
        assert AuditEntry.objects.filter(action="destination.ignore").count() == 30
        assert Destination.objects.get(phone_number="404-555-0001").status == Status.DISCOVERED

    def test_a_batch_costs_the_same_queries_whatever_its_size(self, editor, monkeypatch):
        def queries(n: int) -> int:
            job = bulk.bulk_job_create(
                action="ignore", user=editor, ids=[make_destination().remote_id for _ in range(n)]
            )
            claimed = bulk.bulk_job_claim(job_id=job.pk)
            with CaptureQueriesContext(connection) as captured:
                bulk.bulk_job_execute(job=claimed)
            return len(captured)

        assert queries(3) == queries(60)

    def test_unignore_removes_only_the_dashboards_ignores(self, editor):
        mine = make_destination()
        ignore_locally(mine)
        theirs = make_destination(status=Status.IGNORED, ignored_at=timezone.now())
        plain = make_destination()
        job = run(
            bulk.bulk_job_create(
                action="unignore",
                user=editor,
                ids=[mine.remote_id, theirs.remote_id, plain.remote_id],
            )
        )
        assert outcomes(job) == {
            mine.remote_id: (Outcome.DONE, ""),
            theirs.remote_id: (Outcome.UNCHANGED, "Ignored in Invoca itself."),
            plain.remote_id: (Outcome.UNCHANGED, "Not ignored."),
        }
        assert Destination.objects.get(pk=mine.pk).status == Status.DISCOVERED
        assert Destination.objects.get(pk=theirs.pk).status == Status.IGNORED
        assert not IgnoreRecord.objects.exists()

    def test_undo_unignores_exactly_the_rows_the_job_ignored(self, editor):
        before = make_destination()
        ignore_locally(before)
        new = [make_destination() for _ in range(3)]
        job = run(
            bulk.bulk_job_create(
                action="ignore", user=editor, ids=[before.remote_id, *(d.remote_id for d in new)]
            )
        )
        undo = bulk.bulk_job_undo(job=job, user=editor)
        assert undo.action == "unignore" and undo.source == job
        undo = run(undo)
        assert (undo.total, undo.done) == (3, 3)
        assert Destination.objects.get(pk=before.pk).status == Status.IGNORED  # was not ours
        assert {d.status for d in Destination.objects.filter(pk__in=[d.pk for d in new])} == {
            Status.DISCOVERED
        }
        assert bulk.bulk_job_undo(job=undo, user=editor) is None  # only ignores are undone


class TestClaimAndCancel:
    def test_a_job_is_claimed_once(self, editor):
        job = bulk.bulk_job_create(action="ignore", user=editor, ids=[make_destination().remote_id])
        assert bulk.bulk_job_claim(job_id=job.pk) is not None
        assert bulk.bulk_job_claim(job_id=job.pk) is None

    def test_a_queued_job_cancelled_never_runs(self, editor):
        d = make_destination()
        job = bulk.bulk_job_create(action="ignore", user=editor, ids=[d.remote_id])
        assert bulk.bulk_job_cancel(job=job).status == BulkJob.Status.CANCELLED
        assert bulk.bulk_job_claim(job_id=job.pk) is None
        assert Destination.objects.get(pk=d.pk).status == Status.DISCOVERED

    def test_a_running_job_stops_after_its_batch_and_the_rest_can_be_retried(
        self, editor, monkeypatch
    ):
        monkeypatch.setattr(bulk, "BATCH", 5)
        ids = [make_destination().remote_id for _ in range(12)]
        job = bulk.bulk_job_create(action="ignore", user=editor, ids=ids)
        first_batch = bulk._ignore_batch

        def batch_then_cancel(job, rows):
            first_batch(job, rows)
            bulk.bulk_job_cancel(job=job)

        monkeypatch.setattr(bulk, "_ignore_batch", batch_then_cancel)
        job = run(job)
        assert job.status == BulkJob.Status.CANCELLED
        assert (job.processed, job.done, job.pending) == (5, 5, 7)
        assert job.rows.filter(outcome=Outcome.PENDING).count() == 7
        monkeypatch.setattr(bulk, "_ignore_batch", first_batch)
        retry = run(bulk.bulk_job_retry(job=job, user=editor))
        assert (retry.total, retry.done) == (7, 7)
        assert Destination.objects.filter(status=Status.IGNORED).count() == 12


class TestDeleteJobs:
    def test_outcomes_with_invocas_error_handle_and_retry_of_the_failed(
        self, editor, invoca_settings, invoca_mock, no_retry_wait
    ):
        rows = [make_destination() for _ in range(3)]
        invoca_mock.delete(DELETE_URL.format(id=rows[0].remote_id), json={})
        invoca_mock.delete(
            DELETE_URL.format(id=rows[1].remote_id), status=500, json=fixture("error_500.json")
        )
        invoca_mock.delete(
            DELETE_URL.format(id=rows[2].remote_id), status=404, json=fixture("error_404.json")
        )
        job = run(
            bulk.bulk_job_create(action="delete", user=editor, ids=[r.remote_id for r in rows])
        )
        assert job.status == BulkJob.Status.DONE
        assert (job.done, job.failed, job.gone) == (1, 1, 1)
        failed = job.rows.get(outcome=Outcome.FAILED)
        assert failed.remote_id == rows[1].remote_id
        assert failed.error_handle == "1228118400"
        assert list(Destination.objects.values_list("pk", flat=True)) == [rows[1].pk]
        assert AuditEntry.objects.filter(action="destination.delete").count() == 3

        invoca_mock.delete(DELETE_URL.format(id=rows[1].remote_id), json={})
        retry = run(bulk.bulk_job_retry(job=job, user=editor))
        assert (retry.total, retry.done) == (1, 1)
        assert not Destination.objects.exists()

    def test_invoca_unreachable_stops_the_job_and_leaves_the_rest(
        self, editor, invoca_settings, invoca_mock, no_retry_wait
    ):
        rows = [make_destination() for _ in range(3)]
        for _ in range(4):  # the first call and its retries
            invoca_mock.delete(
                DELETE_URL.format(id=rows[0].remote_id),
                body=requests.ConnectionError("Connection refused"),
            )
        job = run(
            bulk.bulk_job_create(action="delete", user=editor, ids=[r.remote_id for r in rows])
        )
        assert job.status == BulkJob.Status.FAILED
        assert "Could not reach Invoca" in job.error
        assert (job.failed, job.pending) == (1, 2)
        assert Destination.objects.count() == 3

    def test_not_configured_fails_the_job_with_the_reason(self, editor):
        job = run(
            bulk.bulk_job_create(action="delete", user=editor, ids=[make_destination().remote_id])
        )
        assert job.status == BulkJob.Status.FAILED
        assert "Invoca is not configured" in job.error
        assert Destination.objects.count() == 1

    @pytest.mark.parametrize(
        ("recheck_status", "outcome", "cached"), [(404, Outcome.DONE, 0), (200, Outcome.FAILED, 1)]
    )
    def test_a_reply_that_never_came_is_audited_as_unknown_and_rechecked(
        self, editor, invoca_settings, invoca_mock, no_retry_wait, recheck_status, outcome, cached
    ):
        d = make_destination()
        url = DELETE_URL.format(id=d.remote_id)
        invoca_mock.delete(url, body=requests.ReadTimeout("read timed out"))
        if recheck_status == 404:
            invoca_mock.get(url, status=404, json=fixture("error_404.json"))
        else:
            invoca_mock.get(url, json=d.raw.payload)
        job = run(bulk.bulk_job_create(action="delete", user=editor, ids=[d.remote_id]))
        row = job.rows.get()
        assert row.outcome == outcome
        assert Destination.objects.count() == cached
        entries = list(AuditEntry.objects.order_by("pk").values_list("outcome", "detail"))
        assert entries[0][0] == "failed" and "may or may not have been made" in entries[0][1]
        assert entries[1] == (
            ("ok", "Re-checked after Invoca's reply never came: it is gone, so it was deleted.")
            if recheck_status == 404
            else (
                "failed",
                "Re-checked after Invoca's reply never came: it is still there, not deleted.",
            )
        )
        # The DELETE is idempotent: retried within the write budget, then re-checked.
        assert [call.request.method for call in invoca_mock.calls][-1] == "GET"


class TestSlowInvoca:
    def test_a_slow_delete_is_cut_by_the_write_timeout_and_settled_by_a_recheck(
        self, editor, sandbox_factory, settings
    ):
        """The sandbox deletes after hanging 1.5 s; the write timeout is 0.5 s. The job
        records the unknown outcome, and its re-check (a GET, under the read timeout)
        finds the destination gone."""
        handle = sandbox_factory(destinations=5, seed=3)
        first = handle.state.list_destinations(start=0, limit=1)["data"][0]
        d = make_destination(remote_id=first["id"])
        handle.state.timeout_paths = f"customer_phone_numbers/{d.remote_id}"
        handle.state.hang_seconds = 1.5
        settings.INVOCA_WRITE_TIMEOUT = 0.5
        job = run(bulk.bulk_job_create(action="delete", user=editor, ids=[d.remote_id]))
        assert job.rows.get().outcome == Outcome.DONE
        assert not Destination.objects.filter(remote_id=d.remote_id).exists()
        methods = [m for m, path, *_ in handle.request_log if str(d.remote_id) in path]
        assert methods == ["DELETE", "GET"]
        details = list(AuditEntry.objects.order_by("pk").values_list("detail", flat=True))
        assert "Invoca did not answer within 0.5 seconds" in details[0]
        assert "it is gone, so it was deleted" in details[1]


def test_single_delete_with_a_lost_reply_is_audited_and_left_for_the_recheck(
    editor, invoca_settings, invoca_mock, no_retry_wait
):
    d = make_destination()
    invoca_mock.delete(DELETE_URL.format(id=d.remote_id), body=requests.ReadTimeout("slow"))
    with pytest.raises(InvocaUnavailable) as caught:
        services.destination_delete(destination=d, user=editor)
    assert caught.value.outcome_unknown
    assert Destination.objects.filter(pk=d.pk).exists()  # the cache waits for the re-check
    assert AuditEntry.objects.get().outcome == "failed"
