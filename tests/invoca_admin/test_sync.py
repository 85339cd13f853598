"""Sync against the live sandbox over HTTP: paging, upserts, removals, failures, the guard."""

import logging
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from destinations.models import Destination, IgnoreRecord
from invoca_admin.invoca import get_client
from invoca_admin.models import SyncRun
from invoca_admin.sync import SyncAlreadyRunning, sync_claim, sync_execute
from ringpools.models import Advertiser, Campaign, RingPool

pytestmark = pytest.mark.django_db


def snapshot():
    return sorted(Destination.objects.values_list("remote_id", "status", "fingerprint"))


class TestFullSync:
    def test_fills_the_cache_with_every_destination(self, sandbox):
        call_command("sync_invoca")
        run = SyncRun.objects.get()
        assert run.status == "succeeded"
        with get_client() as client:
            remote = {d.id: d for d in client.iter_destinations(page_size=50)}
        assert Destination.objects.count() == len(remote) == 120 == run.destinations_total
        assert run.destinations_new == 120
        statuses = set(Destination.objects.values_list("status", flat=True))
        assert statuses == {"discovered", "tracked", "ignored"}
        for row in Destination.objects.all():
            assert row.phone_number == remote[row.remote_id].phone_number
            assert row.status == remote[row.remote_id].status
            assert row.phone_digits == "".join(c for c in row.phone_number if c.isdigit())

    def test_pages_by_rows_received_when_the_server_caps_the_page(self, sandbox_factory, settings):
        handle = sandbox_factory(destinations=230, seed=3, max_page_size=40)
        settings.INVOCA_SYNC_PAGE_SIZE = 500
        call_command("sync_invoca")
        run = SyncRun.objects.get()
        assert Destination.objects.count() == 230
        assert run.pages_total == run.pages_done == 6  # ceil(230 / 40)
        pages = [q for m, p, q in handle.request_log if p.endswith("customer_phone_numbers.json")]
        assert len(pages) == 6

    def test_caches_advertisers_campaigns_and_ring_pools(self, sandbox):
        call_command("sync_invoca")
        run = SyncRun.objects.get()
        assert Advertiser.objects.count() == run.advertisers_total > 0
        assert Campaign.objects.count() == run.campaigns_total > 0
        assert RingPool.objects.count() == run.ring_pools_total > 0
        tracked = Destination.objects.filter(status="tracked").first()
        assert RingPool.objects.filter(id_from_network=tracked.ring_pool_id_from_network).exists()

    def test_resync_counts_changes_and_removals(self, sandbox):
        call_command("sync_invoca")
        victim = Destination.objects.order_by("remote_id").first()
        with get_client() as client:
            client.delete_destination(victim.remote_id)
        call_command("sync_invoca")
        run = SyncRun.objects.first()
        assert run.destinations_removed == 1
        assert run.destinations_new == 0
        assert run.destinations_changed == 0
        assert not Destination.objects.filter(remote_id=victim.remote_id).exists()

    def test_resync_rewrites_a_changed_row_in_place(self, sandbox):
        call_command("sync_invoca")
        row = Destination.objects.filter(status="discovered").order_by("remote_id").first()
        others = snapshot()
        sandbox.state.set_ignored(row.remote_id)  # Invoca now reports it ignored
        call_command("sync_invoca")
        run = SyncRun.objects.first()
        assert (run.destinations_new, run.destinations_changed, run.destinations_removed) == (
            0,
            1,
            0,
        )
        changed = Destination.objects.get(pk=row.pk)  # the same row, updated in place
        assert changed.status == "ignored"
        assert changed.ignored_at is not None and changed.ignored_at.tzinfo is not None
        assert changed.raw.payload["ignored_at"] is not None
        assert changed.synced_at > row.synced_at
        assert [r for r in snapshot() if r[0] != row.remote_id] == [
            r for r in others if r[0] != row.remote_id
        ]

    def test_local_ignore_survives_a_resync(self, sandbox):
        call_command("sync_invoca")
        row = Destination.objects.filter(status="discovered").first()
        IgnoreRecord.objects.create(remote_id=row.remote_id, phone_number=row.phone_number)
        call_command("sync_invoca")
        row.refresh_from_db()
        assert row.status == "ignored"


class TestFailures:
    def test_failure_mid_sync_leaves_the_cache_exactly_as_it_was(self, sandbox_factory, settings):
        handle = sandbox_factory(destinations=200, seed=5, max_page_size=25)
        settings.INVOCA_SYNC_CONCURRENCY = 1
        call_command("sync_invoca")
        before = snapshot()
        with get_client() as client:  # change the remote side so a full pass would differ
            client.delete_destination(before[0][0])
        handle.state.fail_after = 3  # the 4th request onwards answers 500
        with pytest.raises(CommandError, match="Sync failed"):
            call_command("sync_invoca")
        assert snapshot() == before
        run = SyncRun.objects.first()
        assert run.status == "failed"
        assert "error handle" in run.error
        assert "cache was left as it was" in run.error

    def test_unreachable_invoca_fails_with_a_one_line_reason(self, sandbox):
        sandbox.state.outage = True
        with pytest.raises(CommandError) as exc:
            call_command("sync_invoca")
        assert "\n" not in str(exc.value)
        assert SyncRun.objects.get().status == "failed"

    def test_a_campaign_that_vanished_is_reported_not_fatal(self, sandbox, monkeypatch):
        from invoca_admin.invoca import InvocaClient, InvocaNotFound

        real = InvocaClient.list_ring_pools
        calls = []

        def vanishing(self, adv, camp):
            calls.append(camp)
            if len(calls) == 1:  # deleted at Invoca between listing it and reading its pools
                raise InvocaNotFound("Could not find AdvertiserCampaign.", 404)
            return real(self, adv, camp)

        monkeypatch.setattr(InvocaClient, "list_ring_pools", vanishing)
        call_command("sync_invoca")
        run = SyncRun.objects.get()
        assert run.status == "partial"
        assert "did not load" in run.warnings
        assert Destination.objects.count() == 120

    def test_a_campaign_that_fails_fails_the_run(self, sandbox, monkeypatch):
        from invoca_admin.invoca import InvocaClient, InvocaServerError

        call_command("sync_invoca")
        pools = sorted(RingPool.objects.values_list("campaign_id", "id_from_network", "name"))
        real = InvocaClient.list_ring_pools
        calls = []

        def flaky(self, adv, camp):
            calls.append(camp)
            if len(calls) == 2:
                raise InvocaServerError("Invoca had an internal error (error handle 42).", 500)
            return real(self, adv, camp)

        for pool in sandbox.state.ring_pools.values():
            pool.attrs["name"] = "changed at Invoca"
        monkeypatch.setattr(InvocaClient, "list_ring_pools", flaky)
        with pytest.raises(CommandError):
            call_command("sync_invoca")
        assert SyncRun.objects.first().status == "failed"
        # Not a cache half from this pass and half from the last one.
        assert sorted(RingPool.objects.values_list("campaign_id", "id_from_network", "name")) == (
            pools
        )

    def test_destinations_failing_writes_nothing_at_all(self, sandbox, monkeypatch):
        from invoca_admin.invoca import InvocaClient, InvocaServerError

        call_command("sync_invoca")
        before = snapshot()
        pool = RingPool.objects.order_by("pk").first()
        sandbox.state.ring_pools[pool.id_from_network].attrs["name"] = "Renamed at Invoca"

        def down(self, **kwargs):
            raise InvocaServerError("Invoca had an internal error (error handle 7).", 500)

        monkeypatch.setattr(InvocaClient, "list_destinations", down)
        with pytest.raises(CommandError):
            call_command("sync_invoca")
        run = SyncRun.objects.first()
        assert run.status == "failed"
        assert run.error == (
            "Invoca had an internal error (error handle 7). The cache was left as it was."
        )
        assert snapshot() == before
        assert RingPool.objects.get(pk=pool.pk).name == pool.name

    def test_ring_pools_failing_fails_the_run_and_writes_nothing(self, sandbox, monkeypatch):
        from invoca_admin.invoca import InvocaClient, InvocaServerError

        call_command("sync_invoca")
        pools = sorted(RingPool.objects.values_list("id_from_network", "name"))
        victim = Destination.objects.order_by("remote_id").first()
        sandbox.state.delete_destination(victim.remote_id)

        def down(self):
            raise InvocaServerError("Invoca had an internal error (error handle 8).", 500)

        monkeypatch.setattr(InvocaClient, "list_advertisers", down)
        with pytest.raises(CommandError):
            call_command("sync_invoca")  # never exit 0
        run = SyncRun.objects.first()
        assert run.status == "failed"
        assert run.error == (
            "Invoca had an internal error (error handle 8). The cache was left as it was."
        )
        assert Destination.objects.filter(remote_id=victim.remote_id).exists()
        assert sorted(RingPool.objects.values_list("id_from_network", "name")) == pools

    def test_token_never_logged(self, sandbox, caplog):
        caplog.set_level(logging.DEBUG)
        sandbox.state.fail_rate = 1.0
        with pytest.raises(CommandError):
            call_command("sync_invoca")
        assert sandbox.token not in caplog.text
        assert sandbox.token not in SyncRun.objects.get().error


class TestOneSyncAtATime:
    def test_second_claim_is_refused(self, db):
        first = sync_claim(trigger="manual")
        with pytest.raises(SyncAlreadyRunning) as exc:
            sync_claim(trigger="manual")
        assert exc.value.run == first

    def test_command_refuses_while_one_runs(self, sandbox):
        sync_claim(trigger="manual")
        with pytest.raises(CommandError, match="already running"):
            call_command("sync_invoca")

    def test_a_dead_workers_claim_expires(self, db, settings):
        stale = sync_claim(trigger="manual")
        SyncRun.objects.filter(pk=stale.pk).update(
            heartbeat_at=timezone.now() - timedelta(seconds=settings.INVOCA_SYNC_STALE_SECONDS + 1)
        )
        fresh = sync_claim(trigger="manual")
        stale.refresh_from_db()
        assert stale.status == "failed"
        assert fresh.is_running

    def test_execute_always_finishes_the_run(self, sandbox):
        run = sync_execute(sync_claim(trigger="manual"))
        assert run.status == "succeeded"
        assert run.finished_at is not None
        assert not SyncRun.objects.filter(status="running").exists()


class TestAutoSync:
    def test_page_views_never_start_a_sync(self, editor_client, sandbox, settings):
        settings.INVOCA_AUTO_SYNC = True
        for url in ("/", "/destinations/", "/ringpools/", "/sync/status/"):
            assert editor_client.get(url).status_code == 200
        assert not SyncRun.objects.exists()

    def test_the_scheduler_syncs_a_stale_cache_with_nobody_browsing(self, sandbox, settings):
        settings.INVOCA_AUTO_SYNC = True
        call_command("sync_scheduler", "--once")
        run = SyncRun.objects.get()
        assert (run.trigger, run.status) == ("auto", "succeeded")
        assert Destination.objects.count() == 120
        call_command("sync_scheduler", "--once")  # fresh now: nothing more
        assert SyncRun.objects.count() == 1
        SyncRun.objects.update(
            started_at=timezone.now() - timedelta(hours=2),
            finished_at=timezone.now() - timedelta(hours=2),
        )
        call_command("sync_scheduler", "--once")  # stale again
        assert SyncRun.objects.count() == 2

    def test_the_scheduler_marks_a_dead_workers_run_failed(self, db, settings):
        run = SyncRun.objects.create(status="running", stage="destinations")
        SyncRun.objects.filter(pk=run.pk).update(
            heartbeat_at=timezone.now() - timedelta(seconds=settings.INVOCA_SYNC_STALE_SECONDS + 1)
        )
        call_command("sync_scheduler", "--once")
        run.refresh_from_db()
        assert run.status == "failed" and "stopped responding" in run.error

    def test_the_scheduler_marks_a_dead_workers_bulk_job_failed(self, db, settings):
        """With nobody on the job's page, the scheduler stops it; a live job is left."""
        from destinations.jobs import BulkJob

        silent = timezone.now() - timedelta(seconds=settings.INVOCA_SYNC_STALE_SECONDS + 1)
        dead, alive = (
            BulkJob.objects.create(action="ignore", status="running", total=10) for _ in range(2)
        )
        BulkJob.objects.filter(pk=dead.pk).update(heartbeat_at=silent)
        call_command("sync_scheduler", "--once")
        dead.refresh_from_db()
        alive.refresh_from_db()
        assert dead.status == "failed" and "stopped responding" in dead.error
        assert alive.status == "running"

    def test_a_dead_workers_queue_row_is_marked_failed_with_its_run(self, db, settings):
        """The task queue's row of a dead run says FAILED too, not RUNNING for ever; the
        row of a run that is still alive is left alone."""
        from django.tasks.base import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        from invoca_admin.tasks import run_sync

        dead = SyncRun.objects.create(status="running", stage="destinations")
        SyncRun.objects.filter(pk=dead.pk).update(
            heartbeat_at=timezone.now() - timedelta(seconds=settings.INVOCA_SYNC_STALE_SECONDS + 1)
        )
        rows = {
            run_id: DBTaskResult.objects.create(
                status=TaskResultStatus.RUNNING,
                args_kwargs={"args": [run_id], "kwargs": {}},
                task_path=run_sync.module_path,
                backend_name="default",
                run_after=timezone.now(),
                started_at=timezone.now(),
            )
            for run_id in (dead.pk, dead.pk + 1)
        }
        call_command("sync_scheduler", "--once")
        dead_row, live_row = (DBTaskResult.objects.get(pk=rows[i].pk) for i in sorted(rows))
        assert dead_row.status == TaskResultStatus.FAILED
        assert "stopped responding" in dead_row.traceback and dead_row.finished_at
        assert live_row.status == TaskResultStatus.RUNNING

    def test_the_status_poll_stops_on_a_dead_workers_run(self, editor_client, settings):
        run = SyncRun.objects.create(status="running", stage="destinations")
        SyncRun.objects.filter(pk=run.pk).update(
            heartbeat_at=timezone.now() - timedelta(seconds=settings.INVOCA_SYNC_STALE_SECONDS + 1)
        )
        from bs4 import BeautifulSoup

        body = editor_client.get("/sync/status/?was_running=1").content
        slot = BeautifulSoup(body, "html.parser").find(id="sync-status")
        assert slot is not None and not slot.has_attr("hx-trigger")  # no more polling
        assert SyncRun.objects.get(pk=run.pk).status == "failed"


class TestRowsThatDoNotFit:
    """A row the cache's columns cannot hold is skipped and reported; the sync goes on."""

    def test_bad_rows_are_skipped_reported_and_keep_their_cached_version(self, sandbox):
        call_command("sync_invoca")
        dest = Destination.objects.filter(status="discovered").order_by("remote_id").first()
        pool = RingPool.objects.order_by("pk").first()
        remote_dest = sandbox.state.destinations[dest.remote_id]
        remote_dest.phone_number = "8" * 40
        sandbox.state.ring_pools[pool.id_from_network].attrs["max_pool_size"] = 2**40
        sandbox.state.invalidate()

        call_command("sync_invoca")  # does not raise
        run = SyncRun.objects.first()
        assert run.status == "partial"
        assert f"Skipped destination {'8' * 40}: phone_number is 40 characters long" in (
            run.warnings
        )
        assert f"Skipped ring pool {pool.name}: max_pool_size {2**40} is out of range" in (
            run.warnings
        )
        assert Destination.objects.get(remote_id=dest.remote_id).phone_number == dest.phone_number
        assert RingPool.objects.get(pk=pool.pk).max_pool_size == pool.max_pool_size
        assert Destination.objects.count() == 120
        assert run.destinations_removed == 0

        remote_dest.phone_number = dest.phone_number  # fixed at Invoca: the next sync is clean
        sandbox.state.ring_pools[pool.id_from_network].attrs["max_pool_size"] = 3
        sandbox.state.invalidate()
        call_command("sync_invoca")
        assert SyncRun.objects.first().status == "succeeded"
        assert RingPool.objects.get(pk=pool.pk).max_pool_size == 3

    def test_a_first_sync_with_a_bad_row_still_fills_the_rest(self, sandbox):
        next(iter(sandbox.state.destinations.values())).phone_number = "1" * 33
        sandbox.state.invalidate()
        call_command("sync_invoca")
        run = SyncRun.objects.get()
        assert run.status == "partial" and "Skipped destination" in run.warnings
        assert Destination.objects.count() == 119
