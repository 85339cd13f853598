"""Faults end in a true state: against the sandbox over HTTP, with injected failures.

A sync either completes with the cache exactly equal to Invoca, or fails (never exit
0) with the cache exactly as it was, and its message says so.
"""

import pytest
from django.core.management import CommandError, call_command

from destinations.models import Destination, IgnoreRecord, Status
from destinations.services import destination_ignore
from invoca_admin.models import SyncRun
from ringpools.models import RingPool

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    monkeypatch.setattr("invoca_admin.invoca.transport.time.sleep", lambda seconds: None)


def cache_state() -> tuple:
    return (
        sorted(Destination.objects.values_list("remote_id", "phone_number", "status")),
        sorted(RingPool.objects.values_list("id_from_network", "name", "max_pool_size")),
    )


def remote_state(sandbox) -> tuple:
    state = sandbox.state
    destinations = sorted((d.id, d.phone_number, d.status) for d in state.destinations.values())
    pools = sorted(
        (p.id_from_network, p.attrs["name"], p.attrs["max_pool_size"])
        for p in state.ring_pools.values()
    )
    return destinations, pools


def change_invoca(sandbox, n: int) -> None:
    """Something different at Invoca before each pass, so a pass that applied shows."""
    state = sandbox.state
    victim = sorted(state.destinations)[n]
    state.delete_destination(victim)
    pool = sorted(state.ring_pools.values(), key=lambda p: p.id_from_network)[n]
    pool.attrs["name"] = f"renamed in pass {n}"
    state.invalidate()


def sync() -> SyncRun:
    try:
        call_command("sync_invoca")
    except CommandError:
        pass
    return SyncRun.objects.first()


def test_30_percent_of_answers_are_500s(sandbox_factory, settings):
    """Each pass completes with exact totals, or fails saying the cache was kept, and
    then the cache is exactly what it was."""
    sandbox = sandbox_factory(destinations=300, seed=21, max_page_size=25)
    settings.INVOCA_SYNC_CONCURRENCY = 2
    call_command("sync_invoca")
    outcomes = []
    deleted_since_last_success = 0
    for n in range(8):
        before = cache_state()
        change_invoca(sandbox, n)
        deleted_since_last_success += 1
        sandbox.state.fail_rate = 0.3
        run = sync()
        sandbox.state.fail_rate = 0.0
        outcomes.append(run.status)
        if run.status == SyncRun.Status.FAILED:
            assert run.error.endswith("The cache was left as it was.")
            assert cache_state() == before
        else:
            assert run.status == SyncRun.Status.SUCCEEDED, run.warnings
            assert cache_state() == remote_state(sandbox)
            assert run.destinations_total == len(sandbox.state.destinations)
            assert run.destinations_removed == deleted_since_last_success
            deleted_since_last_success = 0
    assert "succeeded" in outcomes, outcomes  # retries carry most passes through


# Requests of a sync of 120 destinations with 25 a page: 5 pages, advertisers, then
# campaigns and ring pools. Invoca dies after this many answers.
@pytest.mark.parametrize("answers", [0, 2, 4, 5, 6, 8, 12, 20])
def test_invoca_gone_at_any_stage(sandbox_factory, settings, answers):
    sandbox = sandbox_factory(destinations=120, seed=7, max_page_size=25)
    settings.INVOCA_SYNC_CONCURRENCY = 1
    call_command("sync_invoca")
    change_invoca(sandbox, 0)
    before = cache_state()
    sandbox.state.fail_after = answers
    with pytest.raises(CommandError, match="Sync failed"):
        call_command("sync_invoca")
    run = SyncRun.objects.first()
    assert run.status == SyncRun.Status.FAILED
    assert run.error.endswith("The cache was left as it was.")
    assert cache_state() == before


def test_invoca_unreachable_mid_sync(sandbox_factory, settings, monkeypatch):
    sandbox = sandbox_factory(destinations=120, seed=7, max_page_size=25)
    call_command("sync_invoca")
    change_invoca(sandbox, 0)
    before = cache_state()
    from invoca_admin.invoca import InvocaClient

    real = InvocaClient.list_campaigns

    def outage_then(self, adv):
        sandbox.state.outage = True  # connections now close with no answer
        return real(self, adv)

    monkeypatch.setattr(InvocaClient, "list_campaigns", outage_then)
    with pytest.raises(CommandError):
        call_command("sync_invoca")
    assert "Could not reach Invoca" in SyncRun.objects.first().error
    assert cache_state() == before


def test_an_ignore_made_while_a_sync_writes_shows_at_once(sandbox, editor, monkeypatch):
    call_command("sync_invoca")
    row = Destination.objects.filter(status=Status.DISCOVERED).order_by("remote_id").first()
    sandbox.state.destinations[row.remote_id].primary_url = "https://changed.example/"
    sandbox.state.invalidate()
    import destinations.sync as dsync

    real = dsync.destination_fields
    done = []

    def ignore_meanwhile(remote, *, locally_ignored):
        # The sync has read the ignore records; now someone ignores this very row.
        if remote.id == row.remote_id and not done:
            destination_ignore(destination=Destination.objects.get(pk=row.pk), user=editor)
            done.append(True)
        return real(remote, locally_ignored=locally_ignored)

    monkeypatch.setattr(dsync, "destination_fields", ignore_meanwhile)
    call_command("sync_invoca")
    assert done and IgnoreRecord.objects.filter(remote_id=row.remote_id).exists()
    assert Destination.objects.get(remote_id=row.remote_id).status == Status.IGNORED
    monkeypatch.setattr(dsync, "destination_fields", real)
    call_command("sync_invoca")  # and the next sync agrees
    refreshed = Destination.objects.get(remote_id=row.remote_id)
    assert (refreshed.status, refreshed.primary_url) == (Status.IGNORED, "https://changed.example/")
