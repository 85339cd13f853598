"""A sync while Invoca's list changes under it, and the run's heartbeat, over real HTTP.

The sandbox's `after_list_page` hook adds and deletes rows between two pages of the
sync's paging: offset paging then shifts rows from one page to another, which must
neither keep a deleted row nor drop a live one.
"""

import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

import invoca_admin.sync as orchestration
from destinations.models import Destination
from invoca_admin.models import SyncRun
from invoca_admin.sync import expire_stale_claims, sync_claim, sync_execute

pytestmark = pytest.mark.django_db


def cached() -> dict[int, str]:
    return dict(Destination.objects.values_list("remote_id", "phone_number"))


def at_invoca(state) -> dict[int, str]:
    return {dest.id: dest.phone_number for dest in state.destinations.values()}


def list_pages(handle) -> int:
    return sum(1 for _m, path, _q in handle.request_log if path.endswith("phone_numbers.json"))


@pytest.fixture
def paged(sandbox_factory, settings):
    """230 destinations served 25 a page, read one page at a time (a known order)."""
    settings.INVOCA_SYNC_CONCURRENCY = 1
    return sandbox_factory(destinations=230, seed=11, max_page_size=25)


def churn_once(after_page: int, change):
    def hook(state, answered):
        if answered == after_page:
            change(state)

    return hook


def test_rows_deleted_and_added_mid_sync_leave_the_cache_equal_to_invoca(paged):
    call_command("sync_invoca")
    ids = sorted(paged.state.destinations)
    deleted = [ids[3], ids[30], ids[200]]  # on pages already read, and on one still to come

    def change(state):
        for dest_id in deleted:
            state.delete_destination(dest_id)
        state.add_destination()
        state.add_destination()

    paged.state.list_pages_answered = 0
    paged.state.after_list_page = churn_once(4, change)
    before = list_pages(paged)
    call_command("sync_invoca")
    run = SyncRun.objects.first()
    assert run.status == "succeeded", run.warnings
    assert cached() == at_invoca(paged.state)
    assert not Destination.objects.filter(remote_id__in=deleted).exists()
    assert (run.destinations_new, run.destinations_removed) == (2, 3)
    assert run.destinations_total == 229
    assert list_pages(paged) - before > 10  # the moved pass was read again


def test_a_delete_and_an_add_that_keep_the_count_are_caught_at_a_page_boundary(paged):
    """recordsTotal stays 230: only the row shared by two pages shows the shift."""
    call_command("sync_invoca")
    ids = sorted(paged.state.destinations)

    def change(state):
        state.delete_destination(ids[5])  # page 1 shifts every later row one place up
        state.add_destination()

    paged.state.list_pages_answered = 0
    paged.state.after_list_page = churn_once(3, change)
    call_command("sync_invoca")
    run = SyncRun.objects.first()
    assert run.status == "succeeded", run.warnings
    assert cached() == at_invoca(paged.state)
    assert len(cached()) == 230
    assert (run.destinations_new, run.destinations_removed) == (1, 1)


def test_a_list_that_never_holds_still_drops_no_live_row(paged):
    call_command("sync_invoca")

    def hook(state, answered):
        if answered % 4 == 0:  # a row at the front goes away every few pages, forever
            state.delete_destination(min(state.destinations))

    paged.state.list_pages_answered = 0
    paged.state.after_list_page = hook
    call_command("sync_invoca")
    run = SyncRun.objects.first()
    assert run.status == "partial"
    assert "kept changing while they were read" in run.warnings
    assert run.destinations_removed == 0
    live = at_invoca(paged.state)
    rows = cached()
    assert all(rows.get(dest_id) == number for dest_id, number in live.items())

    paged.state.after_list_page = None  # calm again: the next sync removes what went
    call_command("sync_invoca")
    assert SyncRun.objects.first().status == "succeeded"
    assert cached() == live


def test_a_run_judged_dead_meanwhile_publishes_nothing(sandbox, settings, monkeypatch):
    call_command("sync_invoca")
    before = sorted(Destination.objects.values_list("remote_id", "fingerprint"))
    sandbox.state.delete_destination(min(sandbox.state.destinations))
    real = orchestration.ringpools_fetch

    def judged_dead(**kwargs):  # another process saw no heartbeat and expired the run
        stale = timezone.now() - timedelta(seconds=settings.INVOCA_SYNC_STALE_SECONDS + 1)
        SyncRun.objects.filter(status="running").update(heartbeat_at=stale)
        assert expire_stale_claims() == 1
        return real(**kwargs)

    monkeypatch.setattr(orchestration, "ringpools_fetch", judged_dead)
    run = sync_execute(sync_claim(trigger="manual"))
    assert run.status == "failed" and "stopped responding" in run.error
    assert sorted(Destination.objects.values_list("remote_id", "fingerprint")) == before


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_goes_on_during_a_phase_without_progress(sandbox, settings, monkeypatch):
    """No page arrives while ring pools are read: the heartbeat thread still beats."""
    settings.INVOCA_SYNC_STALE_SECONDS = 1.2  # a beat every 0.1 s
    real = orchestration.ringpools_fetch
    seen = []

    def slow(**kwargs):
        runs = SyncRun.objects.filter(status="running")
        old = timezone.now() - timedelta(hours=1)
        runs.update(heartbeat_at=old)
        deadline = time.monotonic() + 10
        while runs.get().heartbeat_at == old and time.monotonic() < deadline:
            time.sleep(0.05)
        seen.append(runs.get().heartbeat_at)
        return real(**kwargs)

    monkeypatch.setattr(orchestration, "ringpools_fetch", slow)
    run = sync_execute(sync_claim(trigger="manual"))
    assert run.status == "succeeded"
    assert seen and seen[0] > timezone.now() - timedelta(minutes=1)
