"""The trigger-kept counts per (status, campaign, ring pool) equal a real COUNT after
every kind of write, on SQLite and on PostgreSQL alike."""

import pytest
from django.db.models import Count

from destinations import services
from destinations.models import COUNT_KEY, Destination, DestinationCount
from destinations.selectors import destination_filter_choices, destination_status_counts
from destinations.sync import apply_destinations
from invoca_admin.invoca import Destination as RemoteDestination

pytestmark = pytest.mark.django_db


def record(remote_id: int, *, campaign: str = "1", pool: str | None = None, **extra) -> dict:
    return {
        "id": remote_id,
        "phone_number": f"202-555-{remote_id:04d}",
        "advertiser_campaign": {"id_from_network": campaign, "name": f"Campaign {campaign}"},
        "dynamic_number_pool": (
            {"id_from_network": pool, "name": f"Pool {pool}"} if pool else {"id_from_network": None}
        ),
        "ignored_at": None,
        **extra,
    }


def sync(records: list[dict]) -> None:
    apply_destinations([RemoteDestination.from_api(r) for r in records])


def real_counts() -> dict[tuple, int]:
    rows = Destination.objects.order_by().values(*COUNT_KEY).annotate(total=Count("pk"))
    return {tuple(row[k] for k in COUNT_KEY): row["total"] for row in rows}


def kept_counts() -> dict[tuple, int]:
    return {
        tuple(row[k] for k in COUNT_KEY): row["n"]
        for row in DestinationCount.objects.values(*COUNT_KEY, "n")
    }


def assert_exact() -> None:
    assert kept_counts() == real_counts()


class StubClient:
    def delete_destination(self, remote_id: int) -> None:
        pass


def test_counts_follow_sync_ignore_unignore_delete_and_moves(editor):
    sync([record(1), record(2), record(3, campaign="2"), record(4, pool="9")])
    assert_exact()
    assert destination_status_counts() == {"all": 4, "discovered": 3, "tracked": 1, "ignored": 0}

    one = Destination.objects.get(remote_id=1)
    assert services.destination_ignore(destination=one, user=editor) == services.Outcome.DONE
    assert_exact()
    assert destination_status_counts()["ignored"] == 1

    one.refresh_from_db()
    services.destination_unignore(destination=one, user=editor)
    assert_exact()
    assert destination_status_counts()["ignored"] == 0

    two = Destination.objects.get(remote_id=2)
    services.destination_delete(destination=two, user=editor, client=StubClient())
    assert_exact()
    assert destination_status_counts()["all"] == 3

    # A re-sync moves rows between campaigns and statuses, adds one and drops one.
    sync(
        [
            record(1, campaign="2"),
            record(3, campaign="2", pool="8"),
            record(4, campaign="3", ignored_at="2026-01-01 00:00:00 -0700"),
            record(5, campaign="3"),
        ]
    )
    assert_exact()
    assert destination_status_counts() == {"all": 4, "discovered": 2, "tracked": 1, "ignored": 1}
    assert destination_status_counts(campaign="2") == {
        "all": 2,
        "discovered": 1,
        "tracked": 1,
        "ignored": 0,
    }
    # Counts that fell to zero are gone: campaign 1 no longer has a destination.
    assert [c for c, _ in destination_filter_choices().campaigns] == ["2", "3"]

    sync([])
    assert_exact()
    assert not DestinationCount.objects.exists()


def test_bulk_updates_and_deletes_keep_the_counts(editor):
    sync([record(i, campaign=str(i % 3)) for i in range(1, 31)])
    Destination.objects.filter(campaign_id_from_network="1").update(status="ignored")
    assert_exact()
    Destination.objects.filter(campaign_id_from_network="2").update(campaign_name="Renamed")
    assert_exact()
    Destination.objects.filter(remote_id__lt=10).delete()
    assert_exact()
    assert destination_status_counts()["all"] == Destination.objects.count() == 21
