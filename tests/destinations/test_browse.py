"""Browsing at any size: what the list reads, how many queries it makes, per-page sizes,
the filters of the list and their fallbacks."""

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
