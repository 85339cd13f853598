"""Reads of the destinations cache: search, filters, sort, counts, campaign choices."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from destinations.models import Status
from destinations.selectors import (
    DestinationFilters,
    destination_audit_history,
    destination_campaign_name,
    destination_filter_choices,
    destination_list,
    destination_status_counts,
    destinations_with_ignores,
)
from invoca_admin.core.audit import audit_record
from ringpools.models import Advertiser, Campaign, RingPool
from ringpools.selectors import destination_ring_pool

from .conftest import ignore_locally, make_destination

pytestmark = pytest.mark.django_db


def numbers(qs) -> list[str]:
    return [d.phone_number for d in qs]


class TestSearch:
    @pytest.mark.parametrize(
        "typed",
        [
            "202-555-0101",
            "(202) 555-0101",
            "202.555.0101",
            "2025550101",
            "+1 202 555 0101",
            "1-202-555-0101",
            "555 01",
            "5550101",
        ],
    )
    def test_a_number_is_found_whatever_the_punctuation(self, typed):
        make_destination("202-555-0101")
        make_destination("303-444-9999")
        found = destination_list(filters=DestinationFilters(query=typed))
        assert numbers(found) == ["202-555-0101"]

    def test_any_query_also_matches_the_campaign_name(self):
        make_destination("202-555-0101", campaign=("1", "Spring Promo – Chicago"))
        make_destination("202-555-0102", campaign=("2", "Summer Sale"))
        assert numbers(destination_list(filters=DestinationFilters(query="promo"))) == [
            "202-555-0101"
        ]

    def test_a_number_query_can_match_a_campaign_name_with_digits(self):
        make_destination("303-444-0001", campaign=("1", "TV Spot Q3 2025"))
        make_destination("303-444-0002", campaign=("2", "Radio"))
        assert numbers(destination_list(filters=DestinationFilters(query="2025"))) == [
            "303-444-0001"
        ]

    def test_nothing_matches_an_unknown_number(self):
        make_destination("202-555-0101")
        assert not destination_list(filters=DestinationFilters(query="999 888")).exists()


class TestFilters:
    def test_status_and_campaign_narrow_the_list(self):
        make_destination("202-555-0001", campaign=("1", "A"))
        make_destination("202-555-0002", campaign=("1", "A"), status=Status.IGNORED)
        make_destination("202-555-0003", campaign=("2", "B"), status=Status.IGNORED)
        filters = DestinationFilters(status=Status.IGNORED, campaign="1")
        assert numbers(destination_list(filters=filters)) == ["202-555-0002"]


class TestSort:
    @pytest.mark.parametrize(
        ("sort_by", "expected"),
        [
            ("phone_number", ["202-555-0001", "303-555-0002", "404-555-0003"]),
            ("campaign", ["303-555-0002", "404-555-0003", "202-555-0001"]),
            ("ring_pool", ["202-555-0001", "404-555-0003", "303-555-0002"]),
        ],
    )
    def test_each_column_sorts_both_ways(self, sort_by, expected):
        make_destination("404-555-0003", campaign=("2", "Beta"), pool=("9", "Alpha pool"))
        make_destination("202-555-0001", campaign=("3", "Gamma"))
        make_destination("303-555-0002", campaign=("1", "Alpha"), pool=("8", "Zulu pool"))
        up = destination_list(filters=DestinationFilters(sort_by=sort_by, sort_dir="asc"))
        down = destination_list(filters=DestinationFilters(sort_by=sort_by, sort_dir="desc"))
        assert numbers(up) == expected
        assert numbers(down) == list(reversed(expected))

    def test_ties_are_broken_by_pk_so_pages_are_stable(self):
        rows = [make_destination(campaign=("1", "Same")) for _ in range(5)]
        ordered = destination_list(filters=DestinationFilters(sort_by="campaign"))
        assert [d.pk for d in ordered] == sorted(d.pk for d in rows)
        assert ordered.query.order_by == ("campaign_name", "pk")

    def test_created_and_updated_sort_by_time(self):
        older = make_destination()  # created one day ago, later rows further back
        oldest = make_destination()
        by_created = destination_list(filters=DestinationFilters(sort_by="created"))
        assert [d.pk for d in by_created] == [oldest.pk, older.pk]
        by_updated = destination_list(
            filters=DestinationFilters(sort_by="updated", sort_dir="desc")
        )
        assert [d.pk for d in by_updated] == [older.pk, oldest.pk]

    @pytest.mark.parametrize("sort_dir", ["asc", "desc"])
    @pytest.mark.parametrize("sort_by", ["phone_number", "campaign", "created", "status"])
    def test_a_rare_search_sorts_the_same_without_the_index(self, sort_by, sort_dir):
        for n in range(6):
            make_destination(
                f"202-555-{n:04d}",
                campaign=("1", f"C{n % 3}"),
                status=Status.DISCOVERED if n % 2 else Status.IGNORED,
            )
        make_destination("202-555-0009", created_at=None)
        filters = DestinationFilters(query="555", sort_by=sort_by, sort_dir=sort_dir)
        indexed = [d.pk for d in destination_list(filters=filters)]
        few = [d.pk for d in destination_list(filters=filters, match_count=7)]
        assert few == indexed


class TestStatusCounts:
    def test_counts_every_tab_in_one_query(self):
        make_destination()
        make_destination(status=Status.IGNORED)
        make_destination(pool=("1", "Pool"))
        make_destination(pool=("2", "Pool"))
        with CaptureQueriesContext(connection) as queries:
            counts = destination_status_counts()
        assert len(queries) == 1
        assert counts == {"all": 4, "discovered": 1, "tracked": 2, "ignored": 1}

    def test_counts_follow_the_search_and_campaign(self):
        make_destination("202-555-0001", campaign=("1", "A"))
        make_destination("202-555-0002", campaign=("1", "A"), status=Status.IGNORED)
        make_destination("303-555-0003", campaign=("2", "B"))
        assert destination_status_counts(query="202 555", campaign="1") == {
            "all": 2,
            "discovered": 1,
            "tracked": 0,
            "ignored": 1,
        }

    def test_an_empty_cache_counts_zero(self):
        assert destination_status_counts() == {
            "all": 0,
            "discovered": 0,
            "tracked": 0,
            "ignored": 0,
        }


class TestCampaigns:
    def test_choices_are_distinct_campaigns_by_name(self):
        make_destination(campaign=("2", "Beta"))
        make_destination(campaign=("1", "Alpha"))
        make_destination(campaign=("2", "Beta"))
        make_destination(campaign=("", ""))
        assert destination_filter_choices().campaigns == [("1", "Alpha"), ("2", "Beta")]

    def test_campaign_name_is_none_for_an_unknown_campaign(self):
        make_destination(campaign=("7", "Seven"))
        assert destination_campaign_name(campaign="7") == "Seven"
        assert destination_campaign_name(campaign="8") is None


class TestIgnoresAndDetail:
    def test_ignore_records_are_attached_in_one_query(self, editor):
        rows = [make_destination() for _ in range(3)]
        ignore_locally(rows[1], user=editor)
        with CaptureQueriesContext(connection) as queries:
            annotated = destinations_with_ignores(rows)
            names = [d.ignore_record.ignored_by.username for d in annotated if d.ignore_record]
        assert len(queries) == 1
        assert names == ["editor"]
        assert annotated[0].ignore_record is None

    def test_ring_pool_is_found_by_campaign_and_pool_id(self):
        advertiser = Advertiser.objects.create(
            id_from_network="1", name="Acme", synced_at="2025-01-01T00:00Z"
        )
        campaign = Campaign.objects.create(
            advertiser=advertiser, id_from_network="83", name="C", synced_at="2025-01-01T00:00Z"
        )
        pool = RingPool.objects.create(
            campaign=campaign, id_from_network="13", name="P", synced_at="2025-01-01T00:00Z"
        )
        tracked = make_destination(campaign=("83", "C"), pool=("13", "P"))
        assert destination_ring_pool(destination=tracked) == pool
        assert destination_ring_pool(destination=make_destination()) is None

    def test_audit_history_is_this_destinations_only(self, editor):
        mine = make_destination()
        other = make_destination()
        audit_record(
            user=editor,
            action="destination.ignore",
            target_type="destination",
            target_id=mine.remote_id,
        )
        audit_record(
            user=editor,
            action="destination.ignore",
            target_type="destination",
            target_id=other.remote_id,
        )
        audit_record(
            user=editor,
            action="ring_pool.delete",
            target_type="ring_pool",
            target_id=mine.remote_id,
        )
        history = destination_audit_history(remote_id=mine.remote_id)
        assert [(e.action, e.target_id) for e in history] == [
            ("destination.ignore", str(mine.remote_id))
        ]


@pytest.mark.parametrize("text", ["Miami Plumbing", "MIAMI", "Campaña Señor", "Straße", "ﬁle", ""])
def test_fold_drops_case_and_accents(text):
    import unicodedata

    from destinations.selectors import fold

    slow = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    ).casefold()
    assert fold(text) == slow
