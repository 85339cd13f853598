"""Ring pool reads: database rows only."""

import pytest

from invoca_admin.models import AuditEntry
from ringpools.selectors import (
    campaign_choices,
    destination_for_tracking,
    ring_pool_audit_history,
    ring_pool_linked_counts,
    ring_pool_linked_destinations,
    ring_pool_list,
)

from .conftest import make_advertiser, make_campaign, make_destination, make_pool

pytestmark = pytest.mark.django_db


@pytest.fixture
def network():
    acme = make_advertiser("1", "Acme")
    zeta = make_advertiser("2", "Zeta")
    brand = make_campaign(acme, "101", "Brand")
    promo = make_campaign(acme, "102", "Promo")
    travel = make_campaign(zeta, "201", "Travel")
    pools = {
        "b1": make_pool(
            brand, "b1", "Bravo", max_pool_size=5, lifetime_seconds=600, preferred=True
        ),
        "b2": make_pool(brand, "b2", "Alpha", max_pool_size=5, lifetime_seconds=None),
        "p1": make_pool(promo, "p1", "Charlie", max_pool_size=1, preferred=False),
        "t1": make_pool(travel, "t1", "Delta", max_pool_size=9, preferred=None),
    }
    return acme, zeta, brand, promo, travel, pools


def names(pools) -> list[str]:
    return [pool.name for pool in pools]


def test_filters(network):
    acme, zeta, brand, promo, travel, pools = network
    assert names(ring_pool_list()) == ["Alpha", "Bravo", "Charlie", "Delta"]
    assert names(ring_pool_list(advertiser=acme)) == ["Alpha", "Bravo", "Charlie"]
    assert names(ring_pool_list(campaign=promo)) == ["Charlie"]
    assert names(ring_pool_list(query="alp")) == ["Alpha"]
    assert names(ring_pool_list(query="T1")) == ["Delta"]  # id_from_network, any case


def test_sort_with_pk_tiebreaker_and_nulls_last(network):
    *_, pools = network
    assert names(ring_pool_list(sort_by="max_pool_size")) == ["Charlie", "Bravo", "Alpha", "Delta"]
    assert names(ring_pool_list(sort_by="max_pool_size", sort_dir="desc")) == [
        "Delta",
        "Alpha",
        "Bravo",
        "Charlie",
    ]
    assert names(ring_pool_list(sort_by="lifetime_seconds"))[-1] == "Alpha"
    assert names(ring_pool_list(sort_by="lifetime_seconds", sort_dir="desc"))[-1] == "Alpha"
    assert names(ring_pool_list(sort_by="campaign")) == ["Bravo", "Alpha", "Charlie", "Delta"]
    assert names(ring_pool_list(sort_by="preferred", sort_dir="desc"))[:1] == ["Bravo"]
    assert names(ring_pool_list(sort_by="no-such-column")) == ["Alpha", "Bravo", "Charlie", "Delta"]


def test_list_loads_campaign_and_advertiser_in_one_query(network, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = [(p.campaign.name, p.campaign.advertiser.name) for p in ring_pool_list()]
    assert len(rows) == 4


def test_linked_counts_merge_invoca_and_cache(network, django_assert_num_queries):
    acme, zeta, brand, promo, travel, pools = network
    bravo = pools["b1"]
    bravo.payload = {
        "customer_phone_numbers": [
            {"destination_phone_number": "8055550001"},
            {"destination_phone_number": "8055550002"},
            {"destination_phone_number": "junk"},
        ]
    }
    bravo.save()
    make_destination(2, "805-555-0002", campaign=brand, pool=bravo)
    make_destination(3, "805-555-0003", campaign=brand, pool=bravo)
    make_destination(4, "805-555-0004", campaign=travel, pool=pools["t1"])
    # Same pool id in another campaign is another pool.
    make_destination(5, "805-555-0005", campaign=promo, ring_pool_id_from_network="b1")
    listed = list(ring_pool_list().select_related(None).select_related("campaign"))
    with django_assert_num_queries(1):
        counts = ring_pool_linked_counts(pools=listed)
    assert counts == {bravo.pk: 3, pools["b2"].pk: 0, pools["p1"].pk: 0, pools["t1"].pk: 1}
    assert ring_pool_linked_counts(pools=[]) == {}


def test_linked_destinations(network):
    acme, zeta, brand, promo, travel, pools = network
    bravo = pools["b1"]
    bravo.payload = {
        "customer_phone_numbers": [
            {"destination_phone_number": "8055550001", "js_tag": {"obfuscated_tag_id": "t1"}},
            {"destination_phone_number": "8055550002", "js_tag": {"obfuscated_tag_id": "t2"}},
        ],
        "default_customer_phone_number": {
            "destination_phone_number": "8055550002",
            "js_tag": {"obfuscated_tag_id": "t2"},
        },
    }
    bravo.save()
    make_destination(
        2, "805-555-0002", campaign=brand, pool=bravo, requested_destination_name="Front desk"
    )
    make_destination(3, "805-555-0003", campaign=brand, pool=bravo)
    linked = ring_pool_linked_destinations(ring_pool=bravo)
    # Matched to cached destinations by digits; a listed number not cached yet has no id.
    assert [
        (d.remote_id, d.phone_number, d.status, d.is_default, d.obfuscated_tag_id) for d in linked
    ] == [
        (None, "805-555-0001", "", False, "t1"),
        (2, "805-555-0002", "tracked", True, "t2"),
        (3, "805-555-0003", "tracked", False, ""),
    ]
    assert linked[0].obfuscated_tag_id == "t1"
    assert linked[1].name == "Front desk"


def test_campaign_choices(network):
    acme, zeta, brand, promo, travel, pools = network
    assert list(campaign_choices(advertiser=acme)) == [brand, promo]
    assert list(campaign_choices(advertiser=None)) == [brand, promo, travel]


def test_audit_history(network):
    *_, pools = network
    AuditEntry.objects.create(
        action="ring_pool.update", target_type="ring_pool", target_id="b1", target_scope="101"
    )
    AuditEntry.objects.create(
        action="destination.ignore", target_type="destination", target_id="b1"
    )
    AuditEntry.objects.create(
        action="ring_pool.update", target_type="ring_pool", target_id="b2", target_scope="101"
    )
    assert [e.target_id for e in ring_pool_audit_history(ring_pool=pools["b1"])] == ["b1"]


@pytest.mark.parametrize("value", ["", "abc", "1e3", str(2**70), "-"])
def test_destination_for_tracking_bad_ids(db, value):
    assert destination_for_tracking(remote_id=value) is None


def test_destination_for_tracking(network):
    dest = make_destination(42)
    assert destination_for_tracking(remote_id="42") == dest
