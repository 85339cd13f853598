"""Browsing at any size: what the list reads, how many queries it makes, per-page sizes,
the filters of the list and their fallbacks."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .conftest import make_destination

pytestmark = pytest.mark.django_db


def list_sql(client, params: dict, **headers) -> tuple[object, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/destinations/", params, **headers)
    assert response.status_code == 200
    return response, [q["sql"] for q in queries.captured_queries]


class TestWhatTheListReads:
    def test_the_list_never_reads_the_raw_records(self, editor_client):
        for i in range(3):
            make_destination(campaign=(str(i), f"Campaign {i}"))
        for params, headers in [({}, {}), ({"query": "202"}, {"HTTP_HX_REQUEST": "true"})]:
            response, sql = list_sql(editor_client, params, **headers)
            assert b"202-555-" in response.content
            assert not [s for s in sql if "payload" in s.lower()]

    def test_the_detail_page_shows_the_raw_record(self, editor_client):
        d = make_destination(payload={"id": 1, "carrier_hint": "Verizon"})
        response = editor_client.get(f"/destinations/{d.remote_id}/")
        assert b"carrier_hint" in response.content and b"Verizon" in response.content


# --- search -------------------------------------------------------------------------------


def found(**params) -> set[str]:
    from destinations.forms import DestinationFilterForm
    from destinations.selectors import destination_list

    return {d.phone_number for d in destination_list(filters=DestinationFilterForm(params).filters)}


class TestSearch:
    @pytest.fixture
    def named(self):
        return {
            "spa": make_destination("202-555-0001", campaign=("1", "Campaña Señor Niño")),
            "cafe": make_destination(
                "202-555-0002", campaign=("2", "Plain"), pool=("7", "CAFÉ Zürich")
            ),
            "other": make_destination("303-444-0003", campaign=("3", "Other")),
        }

    def test_campaign_names_match_whatever_their_case_and_accents(self, named):
        assert found(query="campana senor") == {"202-555-0001"}
        assert found(query="NIÑO") == {"202-555-0001"}

    def test_ring_pool_names_match_too(self, named):
        assert found(query="cafe zurich") == {"202-555-0002"}

    def test_a_number_fragment_matches_anywhere_in_the_number(self, named):
        assert found(query="4440") == {"303-444-0003"}
        assert found(query="(202) 555") == {"202-555-0001", "202-555-0002"}

    def test_the_counts_agree_with_the_rows_found(self, named):
        from destinations.selectors import DestinationFilters, destination_status_counts

        for query in ["campana", "zurich", "555", "nothing at all"]:
            counts = destination_status_counts(filters=DestinationFilters(query=query))
            assert counts["all"] == len(found(query=query)), query


# --- filters ------------------------------------------------------------------------------


@pytest.fixture
def directory():
    from destinations.directory import CampaignEntry, destination_campaigns_replace

    destination_campaigns_replace(
        campaigns=[
            CampaignEntry("1", "Spring sale", "A1", "Acme"),
            CampaignEntry("2", "Spring sale", "B2", "Bolt"),
            CampaignEntry("3", "Winter", "A1", "Acme"),
        ]
    )
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    return {
        "old": make_destination(
            "202-555-0001", campaign=("1", "Spring sale"), created_at=now - timedelta(days=40)
        ),
        "acme_pool": make_destination(
            "202-555-0002",
            campaign=("3", "Winter"),
            pool=("9", "Winter pool"),
            created_at=now - timedelta(days=2),
        ),
        "bolt": make_destination(
            "202-555-0003", campaign=("2", "Spring sale"), created_at=now - timedelta(days=2)
        ),
    }


class TestFilters:
    def test_campaign_choices_name_their_advertiser(self, directory):
        from destinations.selectors import destination_filter_choices

        assert destination_filter_choices().campaigns == [
            ("1", "Spring sale — Acme"),
            ("2", "Spring sale — Bolt"),
            ("3", "Winter — Acme"),
        ]

    def test_advertiser_ring_pool_and_days(self, directory):
        from django.utils import timezone

        today = timezone.localdate()
        assert found(advertiser="A1") == {"202-555-0001", "202-555-0002"}
        assert found(ring_pool="9") == {"202-555-0002"}
        week_ago = str(today - timezone.timedelta(days=7))
        assert found(created_from=week_ago) == {"202-555-0002", "202-555-0003"}
        assert found(created_to=week_ago) == {"202-555-0001"}
        assert found(advertiser="A1", created_from=week_ago, created_to=str(today)) == {
            "202-555-0002"
        }

    @pytest.mark.parametrize(
        "params",
        [
            {"advertiser": "nope"},
            {"ring_pool": "nope"},
            {"created_from": "yesterday"},
            {"created_to": "0001-01-01"},
            {"created_from": "9999-12-31"},
            {"campaign": "x" * 500},
        ],
    )
    def test_a_bad_filter_value_falls_back_to_everything(self, editor_client, directory, params):
        response = editor_client.get("/destinations/", params)
        assert response.status_code == 200
        assert response.content.count(b'class="phone"') == 3

    def test_the_page_counts_and_export_follow_the_filters(self, editor_client, directory):
        import csv

        params = {"advertiser": "A1", "ring_pool": "9"}
        response = editor_client.get("/destinations/", params, HTTP_HX_REQUEST="true")
        assert response.content.count(b'class="phone"') == 1
        export = editor_client.get("/destinations/export.csv", params)
        lines = list(csv.reader(b"".join(export.streaming_content).decode().splitlines()))
        assert [line[0] for line in lines[1:]] == ["202-555-0002"]

    def test_the_full_page_offers_the_choices_of_the_small_tables(self, editor_client, directory):
        response = editor_client.get("/destinations/")
        body = response.content.decode()
        assert '<option value="A1">Acme</option>' in body
        assert '<option value="9">Winter pool</option>' in body
        assert "Spring sale — Bolt" in body


# --- page sizes and deep pages -------------------------------------------------------------


@pytest.fixture
def many():
    from destinations.models import Destination, DestinationPayload

    made = Destination.objects.bulk_create(
        [
            Destination(
                remote_id=50_000 + i,
                phone_number=f"202-555-{i:04d}",
                phone_digits=f"202555{i:04d}",
                campaign_id_from_network=str(i % 4),
                campaign_name=f"Campaign {i % 4}",
                synced_at="2026-01-01T00:00:00Z",
            )
            for i in range(1200)
        ]
    )
    DestinationPayload.objects.bulk_create(
        [DestinationPayload(remote_id=d.remote_id, payload={}) for d in made]
    )
    return made


def shown(response) -> int:
    return response.content.count(b'class="phone"')


class TestPageSizes:
    @pytest.mark.parametrize("per_page", [10, 25, 200, 1000])
    def test_any_size_up_to_the_maximum_is_honoured(self, editor_client, many, per_page):
        response = editor_client.get("/destinations/", {"per_page": per_page})
        assert shown(response) == per_page
        assert f'<option value="{per_page}" selected>' in response.content.decode()

    def test_a_bigger_size_is_clamped_and_says_so(self, editor_client, many):
        response = editor_client.get("/destinations/", {"per_page": 5000})
        assert response.status_code == 302
        assert response["Location"] == "/destinations/?per_page=1000"
        page = editor_client.get(response["Location"])
        assert shown(page) == 1000
        assert "At most 1,000 rows a page." in page.content.decode()
        partial = editor_client.get(
            "/destinations/", {"per_page": 5000, "query": "202"}, HTTP_HX_REQUEST="true"
        )
        assert shown(partial) == 1000
        assert partial["HX-Push-Url"] == "/destinations/?query=202&per_page=1000"

    @pytest.mark.parametrize("per_page", ["0", "-3", "many", "1e3"])
    def test_a_senseless_size_gives_the_default(self, editor_client, many, per_page):
        assert shown(editor_client.get("/destinations/", {"per_page": per_page})) == 50

    def test_the_same_number_of_queries_at_every_size_and_depth(self, editor_client, many):
        counted = set()
        for params in [
            {"per_page": 25},
            {"per_page": 1000},
            {"per_page": 25, "page": 40},
            {"per_page": 1000, "page": 2, "sort_by": "campaign", "sort_dir": "desc"},
        ]:
            for headers in [{}, {"HTTP_HX_REQUEST": "true"}]:
                with CaptureQueriesContext(connection) as queries:
                    assert editor_client.get("/destinations/", params, **headers).status_code == 200
                counted.add((bool(headers), len(queries)))
        assert len({n for partial, n in counted if partial}) == 1
        assert len({n for partial, n in counted if not partial}) == 1

    def test_a_deep_page_shows_the_rows_of_that_depth_in_order(self, editor_client, many):
        response = editor_client.get(
            "/destinations/", {"per_page": 25, "page": 40, "sort_dir": "desc"}
        )
        numbers = re.findall(rb'class="phone"[^>]*>([^<]+)<', response.content)
        expected = [f"202-555-{i:04d}".encode() for i in range(1199 - 975, 1199 - 1000, -1)]
        assert numbers == expected
