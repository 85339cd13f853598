"""Applying Invoca's destinations to the cache: every column the model has is written."""

import pytest

from destinations.models import Destination, DestinationPayload
from destinations.sync import apply_destinations, destination_fields
from invoca_admin.invoca import Destination as RemoteDestination

pytestmark = pytest.mark.django_db

RECORD = {
    "id": 77,
    "country_code": "1",
    "phone_number": "202-555-0177",
    "primary_url": "https://example.com/",
    "requested_destination_name": "Front desk",
    "created_at": "2023-10-19 03:34:42 -0700",
    "updated_at": "2023-10-19 03:54:56 -0700",
    "advertiser_campaign": {"id_from_network": "83", "name": "Spring", "status": "Activated"},
    "dynamic_number_pool": {"id_from_network": "13", "name": "tag 1.83", "max_pool_size": 2},
    "ignored_at": None,
}


def test_the_upsert_writes_every_column_of_the_model():
    remote = RemoteDestination.from_api(RECORD)
    apply_destinations([remote])
    row = Destination.objects.get(remote_id=77)
    expected = destination_fields(remote, locally_ignored=False)
    columns = {f.attname for f in Destination._meta.concrete_fields if not f.primary_key}
    # The sync fills every column but the key and the time of the sync.
    # (the raw record goes beside the row, into DestinationPayload).
    assert set(expected) == (columns - {"remote_id", "synced_at"}) | {"payload"}
    assert row.raw.payload == expected.pop("payload")
    for name, value in expected.items():
        assert getattr(row, name) == value, name
    assert row.synced_at is not None


def test_a_second_pass_updates_the_row_in_place():
    apply_destinations([RemoteDestination.from_api(RECORD)])
    first = Destination.objects.get(remote_id=77)
    changed = {**RECORD, "dynamic_number_pool": {"id_from_network": None}}
    counts = apply_destinations([RemoteDestination.from_api(changed)])
    row = Destination.objects.get(remote_id=77)
    assert (counts.new, counts.changed) == (0, 1)
    assert row.pk == first.pk
    assert (row.ring_pool_id_from_network, row.max_pool_size, row.status) == (
        "",
        None,
        "discovered",
    )


def test_a_removed_destination_takes_its_raw_record_with_it():
    apply_destinations([RemoteDestination.from_api(RECORD)])
    assert DestinationPayload.objects.filter(remote_id=77).exists()
    apply_destinations([])
    assert not DestinationPayload.objects.exists()


def test_a_row_read_twice_keeps_its_later_version():
    """When Invoca's list moves under the last pass, a row may come twice: once written."""
    later = {**RECORD, "phone_number": "202-555-0178", "dynamic_number_pool": None}
    counts = apply_destinations(
        [RemoteDestination.from_api(RECORD), RemoteDestination.from_api(later)]
    )
    assert (counts.total, counts.new, counts.changed) == (1, 1, 0)
    row = Destination.objects.get(remote_id=77)
    assert (row.phone_number, row.status) == ("202-555-0178", "discovered")
    assert row.raw.payload["phone_number"] == "202-555-0178"
