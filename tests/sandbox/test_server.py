"""The sandbox over real HTTP (stdlib client): transport, destinations, ring pools, faults."""

from __future__ import annotations

import http.client
import json
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest

from sandbox.testing import running_sandbox

SEED = 11
TOTAL = 400
PAGE_CAP = 50


@pytest.fixture(scope="module")
def sb():
    """One sandbox for the read-mostly tests of this module."""
    with running_sandbox(destinations=TOTAL, seed=SEED, max_page_size=PAGE_CAP) as handle:
        yield handle


@pytest.fixture
def fresh():
    """A sandbox of its own for tests that change data."""
    with running_sandbox(destinations=120, seed=3) as handle:
        yield handle


@pytest.fixture(autouse=True)
def _reset_faults(request):
    yield
    if "sb" in request.fixturenames:
        request.getfixturevalue("sb").state.reset_faults()


def call(
    handle,
    method: str,
    path: str,
    *,
    query: dict[str, Any] | None = None,
    body: Any = None,
    raw: bytes | None = None,
    token: str | None = "default",
    timeout: float = 10.0,
) -> tuple[int, Any]:
    """One request; ``path`` is relative to the API base unless it starts with '/'."""
    url = handle.url + path if path.startswith("/") else f"{handle.base_url}/{path}"
    if query:
        url += "?" + urllib.parse.urlencode(query)
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token is not None:
        request.add_header("Authorization", handle.token if token == "default" else token)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            assert response.headers["Content-Type"].startswith("application/json")
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        assert exc.headers["Content-Type"].startswith("application/json")
        return exc.code, json.loads(exc.read())


def page_all(handle, **params) -> list[dict]:
    rows: list[dict] = []
    while True:
        status, body = call(
            handle, "GET", "customer_phone_numbers.json", query={**params, "start": len(rows)}
        )
        assert status == 200
        rows.extend(body["data"])
        if not body["data"] or len(rows) >= body["recordsTotal"]:
            return rows


def pool_path(adv: str, camp: str, pool: str | None = None) -> str:
    base = f"advertisers/{adv}/advertiser_campaigns/{camp}/ring_pools"
    return f"{base}/{pool}.json" if pool else f"{base}.json"


def active_campaign(handle) -> tuple[str, str]:
    """(advertiser id_from_network, campaign id_from_network) of an activated campaign."""
    _, advertisers = call(handle, "GET", "advertisers.json")
    for adv in advertisers:
        _, campaigns = call(
            handle, "GET", f"advertisers/{adv['id_from_network']}/advertiser_campaigns.json"
        )
        for camp in campaigns:
            if camp["status"] == "Activated":
                return adv["id_from_network"], camp["id_from_network"]
    raise AssertionError("no activated campaign")


def new_pool(**overrides: Any) -> dict[str, Any]:
    body = {
        "id_from_network": "test-pool-1",
        "name": "Test pool",
        "pool_type": "Custom",
        "destination_type": "Advertiser",
        "destination_url": "https://www.invoca.com",
        "lifetime_seconds": 300,
        "max_pool_size": 3,
        "preferred": True,
        "allow_overflow": True,
    }
    body.update(overrides)
    return body


class TestTransport:
    def test_missing_or_wrong_token_is_401_without_echoing_it(self, sb):
        for token in (None, "wrong-token", f"Bearer {sb.token}"):
            status, body = call(sb, "GET", "advertisers.json", token=token)
            assert status == 401
            assert body == {"errors": {"class": "NotAuthorized", "invalid_data": "Not authorized"}}
            assert sb.token not in json.dumps(body)

    def test_health_needs_no_token(self, sb):
        assert call(sb, "GET", "/_sandbox/health", token=None) == (
            200,
            {"ok": True, "destinations": TOTAL},
        )

    @pytest.mark.parametrize(
        "path",
        [
            "/api/2022-08-01/9999/advertisers.json",  # unknown network
            "/api/2022-08-01/1234/nothing_here.json",  # unknown path
            "/api/latest/1234/advertisers.json",  # version not a date
            "/api/2022-08-01/1234/advertisers",  # no .json
            "/api/2022-08-01/1234/customer_phone_numbers/999.json",  # unknown id
            "/api/2022-08-01/1234/customer_phone_numbers/abc.json",
        ],
    )
    def test_unknown_things_are_404_record_not_found(self, sb, path):
        status, body = call(sb, "GET", path)
        assert status == 404
        assert body["errors"]["class"] == "RecordNotFound"

    def test_any_dated_version_is_accepted(self, sb):
        status, _ = call(sb, "GET", f"/api/2024-01-31/{sb.network_id}/advertisers.json")
        assert status == 200

    def test_invalid_json_body_is_403_record_invalid(self, sb):
        adv, camp = active_campaign(sb)
        status, body = call(sb, "POST", pool_path(adv, camp), raw=b"{not json")
        assert status == 403
        assert body["errors"]["class"] == "RecordInvalid"

    def test_request_log_records_method_path_and_query(self, sb):
        call(sb, "GET", "customer_phone_numbers.json", query={"limit": 5, "status": "tracked"})
        method, path, query = sb.request_log[-1]
        assert method == "GET"
        assert path == f"/api/2022-08-01/{sb.network_id}/customer_phone_numbers.json"
        assert query == {"limit": "5", "status": "tracked"}


class TestDestinationList:
    def test_default_page_and_shape(self, sb):
        status, body = call(sb, "GET", "customer_phone_numbers.json")
        assert status == 200
        assert set(body) == {"data", "requestId", "recordsTotal"}
        assert body["requestId"] is None
        assert body["recordsTotal"] == TOTAL
        assert len(body["data"]) == PAGE_CAP  # default 100, capped at 50
        row = body["data"][0]
        assert list(row) == [
            "id",
            "country_code",
            "phone_number",
            "primary_url",
            "requested_destination_name",
            "acknowledged_at",
            "created_at",
            "updated_at",
            "advertiser_campaign",
            "dynamic_number_pool",
            "ignored_at",
            "notified_at",
        ]
        assert isinstance(row["id"], int)
        assert row["country_code"] == "1"
        assert re.fullmatch(r"[2-9]\d\d-[2-9]\d\d-\d{4}", row["phone_number"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d -0700", row["created_at"])
        assert set(row["advertiser_campaign"]) == {"id_from_network", "name", "status"}
        assert set(row["dynamic_number_pool"]) == {
            "id_from_network",
            "name",
            "pool_type",
            "destination_type",
            "lifetime_seconds",
            "max_pool_size",
            "preferred",
            "is_first_preference",
            "use_custom_data",
        }

    def test_capped_limit_returns_fewer_rows_and_paging_covers_everything(self, sb):
        status, body = call(sb, "GET", "customer_phone_numbers.json", query={"limit": 200})
        assert status == 200
        assert len(body["data"]) == PAGE_CAP < 200
        assert body["recordsTotal"] == TOTAL
        rows = page_all(sb, limit=200)
        assert len(rows) == TOTAL
        assert len({row["id"] for row in rows}) == TOTAL
        _, tail = call(sb, "GET", "customer_phone_numbers.json", query={"start": TOTAL})
        assert tail["data"] == [] and tail["recordsTotal"] == TOTAL

    def test_small_limit_and_start(self, sb):
        _, first = call(sb, "GET", "customer_phone_numbers.json", query={"limit": 3})
        _, second = call(sb, "GET", "customer_phone_numbers.json", query={"limit": 3, "start": 2})
        assert len(first["data"]) == 3
        assert first["data"][2] == second["data"][0]

    def test_query_matches_digits_regardless_of_punctuation(self, sb):
        _, body = call(sb, "GET", "customer_phone_numbers.json", query={"limit": 1, "start": 7})
        phone = body["data"][0]["phone_number"]  # "NPA-NXX-XXXX"
        digits = phone.replace("-", "")
        for query in (
            digits,
            phone,
            phone[4:],
            f"({digits[:3]}) {digits[3:6]}-{digits[6:]}",
            f"+1 {phone}",
            digits[3:],
        ):
            rows = page_all(sb, query=query)
            assert phone in [row["phone_number"] for row in rows], query
            wanted = re.sub(r"\D", "", query)
            wanted = wanted[1:] if len(wanted) == 11 else wanted
            assert all(wanted in row["phone_number"].replace("-", "") for row in rows)

    def test_query_without_digits_matches_nothing(self, sb):
        _, body = call(sb, "GET", "customer_phone_numbers.json", query={"query": "abc"})
        assert body == {"data": [], "requestId": None, "recordsTotal": 0}

    def test_status_filters_partition_the_data(self, sb):
        ids: dict[str, set[int]] = {}
        for status in ("tracked", "discovered", "ignored"):
            rows = page_all(sb, status=status)
            ids[status] = {row["id"] for row in rows}
            for row in rows:
                pool_ifn = row["dynamic_number_pool"]["id_from_network"]
                if status == "tracked":
                    assert pool_ifn is not None
                else:
                    assert all(v is None for v in row["dynamic_number_pool"].values())
                    assert (row["ignored_at"] is not None) == (status == "ignored")
        assert sum(len(group) for group in ids.values()) == TOTAL
        assert ids["tracked"] | ids["discovered"] | ids["ignored"] == {
            row["id"] for row in page_all(sb)
        }
        # roughly 45 / 40 / 15 %
        assert 0.35 < len(ids["tracked"]) / TOTAL < 0.55
        assert 0.30 < len(ids["discovered"]) / TOTAL < 0.50
        assert 0.07 < len(ids["ignored"]) / TOTAL < 0.23

    @pytest.mark.parametrize("field", ["id", "phone_number", "created_at", "primary_url"])
    def test_sort_asc_and_desc(self, sb, field):
        asc = page_all(sb, sort_by=field, sort_dir="asc")
        desc = page_all(sb, sort_by=field, sort_dir="desc")
        assert [row["id"] for row in desc] == [row["id"] for row in reversed(asc)]
        values = [row[field] for row in asc]
        assert values == sorted(values)

    def test_default_sort_is_id_ascending(self, sb):
        ids = [row["id"] for row in page_all(sb)]
        assert ids == sorted(ids)

    @pytest.mark.parametrize(
        ("param", "value"),
        [("status", "all"), ("sort_by", "password"), ("sort_dir", "up"), ("limit", "ten")],
    )
    def test_bad_list_parameters_are_403_per_field(self, sb, param, value):
        status, body = call(sb, "GET", "customer_phone_numbers.json", query={param: value})
        assert status == 403
        assert list(body["errors"]) == [param]
        if param != "limit":
            assert body == {"errors": {param: ["is not included in the list"]}}

    def test_get_one(self, sb):
        _, body = call(sb, "GET", "customer_phone_numbers.json", query={"limit": 1})
        row = body["data"][0]
        assert call(sb, "GET", f"customer_phone_numbers/{row['id']}.json") == (200, row)


class TestAdvertisersAndCampaigns:
    def test_advertisers_with_all_statuses_and_hostile_names(self, sb):
        status, advertisers = call(sb, "GET", "advertisers.json")
        assert status == 200 and isinstance(advertisers, list)
        assert 6 <= len(advertisers) <= 10
        statuses = {adv["approval_status"] for adv in advertisers}
        assert {"Approved", "Archived", "Declined"} <= statuses
        assert statuses <= {"Applied", "Approved", "Declined", "Suspended", "Archived"}
        names = [adv["name"] for adv in advertisers]
        assert any("<script>" in name and '"' in name for name in names)
        assert any(not name.isascii() for name in names)
        assert any(len(name) >= 120 for name in names)
        for adv in advertisers:
            assert {"id", "id_from_network", "name", "approval_status"} <= set(adv)

    def test_campaigns_and_ring_pools_carry_hostile_names(self, sb):
        _, advertisers = call(sb, "GET", "advertisers.json")
        campaign_names, pool_names = [], []
        for adv in advertisers:
            a = adv["id_from_network"]
            status, campaigns = call(sb, "GET", f"advertisers/{a}/advertiser_campaigns.json")
            assert status == 200 and 2 <= len(campaigns) <= 5
            for camp in campaigns:
                assert camp["status"] in ("Activated", "Paused", "Deactivated")
                campaign_names.append(camp["name"])
                status, pools = call(sb, "GET", pool_path(a, camp["id_from_network"]))
                assert status == 200 and isinstance(pools, list)
                if camp["status"] == "Activated":
                    assert 1 <= len(pools) <= 4
                pool_names += [pool["name"] for pool in pools]
        for names in (campaign_names, pool_names):
            assert any("<" in name and ("'" in name or '"' in name) for name in names)
            assert any(not name.isascii() for name in names)
            assert any(len(name) >= 120 for name in names)

    def test_unknown_advertiser_or_campaign_is_404(self, sb):
        status, body = call(sb, "GET", "advertisers/nope/advertiser_campaigns.json")
        assert status == 404 and body["errors"]["class"] == "RecordNotFound"
        status, body = call(sb, "GET", pool_path("1", "nope"))
        assert status == 404 and body["errors"]["class"] == "RecordNotFound"

    def test_tracked_destination_points_at_a_pool_of_its_campaign(self, sb):
        row = page_all(sb, status="tracked")[0]
        camp_ifn = row["advertiser_campaign"]["id_from_network"]
        pool_ifn = row["dynamic_number_pool"]["id_from_network"]
        _, advertisers = call(sb, "GET", "advertisers.json")
        for adv in advertisers:
            status, pool = call(sb, "GET", pool_path(adv["id_from_network"], camp_ifn, pool_ifn))
            if status == 200:
                digits = row["phone_number"].replace("-", "")
                linked = [d["destination_phone_number"] for d in pool["customer_phone_numbers"]]
                assert digits in linked
                assert pool["name"] == row["dynamic_number_pool"]["name"]
                return
        raise AssertionError("pool not found under any advertiser")


class TestRingPools:
    def test_create_get_update_list_delete(self, fresh):
        adv, camp = active_campaign(fresh)
        status, created = call(fresh, "POST", pool_path(adv, camp), body=new_pool())
        assert status == 201
        assert created["id_from_network"] == "test-pool-1"
        assert created["name"] == "Test pool"
        assert created["max_pool_size"] == 3 and created["preferred"] is True
        assert created["object_url"] == f"https://sandbox.invoca.net/a/ring_pools/{created['id']}"
        for key in [
            "param1",
            "param10",
            "test_click_url",
            "sample_api_url",
            "fill_immediately",
            "allow_overflow",
            "api_key",
            "customer_phone_numbers",
            "default_customer_phone_number",
            "is_first_preference",
            "lifetime_seconds",
            "destination_url",
            "destination_type",
            "pool_type",
        ]:
            assert key in created
        assert "local_center" not in created
        assert call(fresh, "GET", pool_path(adv, camp, "test-pool-1")) == (200, created)

        status, updated = call(
            fresh, "PUT", pool_path(adv, camp, "test-pool-1"), body={"max_pool_size": "7"}
        )
        assert status == 200
        assert updated["max_pool_size"] == 7 and updated["name"] == "Test pool"
        _, pools = call(fresh, "GET", pool_path(adv, camp))
        assert updated in pools

        assert call(fresh, "DELETE", pool_path(adv, camp, "test-pool-1")) == (200, {})
        status, body = call(fresh, "GET", pool_path(adv, camp, "test-pool-1"))
        assert status == 404
        assert body == {
            "errors": {
                "class": "RecordNotFound",
                "invalid_data": f"Could not find RingPool test-pool-1 for advertiser campaign "
                f"{camp} and advertiser {adv}",
            }
        }
        status, _ = call(fresh, "DELETE", pool_path(adv, camp, "test-pool-1"))
        assert status == 404

    def test_stringified_values_are_accepted(self, fresh):
        adv, camp = active_campaign(fresh)
        body = new_pool(
            preferred="true",
            max_pool_size="3",
            lifetime_seconds="600",
            fill_immediately="false",
            param1="gclid",
            tracking_url="ignored",
        )
        status, created = call(fresh, "POST", pool_path(adv, camp), body=body)
        assert status == 201
        assert created["preferred"] is True and created["fill_immediately"] is False
        assert created["max_pool_size"] == 3 and created["lifetime_seconds"] == 600
        assert created["param1"] == "gclid"

    def test_missing_required_fields_are_403_per_field(self, fresh):
        adv, camp = active_campaign(fresh)
        status, body = call(fresh, "POST", pool_path(adv, camp), body={"id_from_network": "x"})
        assert status == 403
        # pool_type and destination_type are optional in the 2022-08-01 docs.
        assert body == {"errors": {"name": ["can't be blank"]}}
        status, body = call(fresh, "POST", pool_path(adv, camp), body=new_pool(id_from_network=""))
        assert body == {"errors": {"id_from_network": ["can't be blank"]}}

    @pytest.mark.parametrize(
        ("overrides", "errors"),
        [
            ({"pool_type": "Local"}, {"pool_type": ["is not included in the list"]}),
            ({"destination_type": "Other"}, {"destination_type": ["is not included in the list"]}),
            ({"max_pool_size": 0}, {"max_pool_size": ["must be greater than or equal to 1"]}),
            ({"max_pool_size": "lots"}, {"max_pool_size": ["is not a number"]}),
            (
                {"lifetime_seconds": -1},
                {"lifetime_seconds": ["must be greater than or equal to 0"]},
            ),
            ({"preferred": "maybe"}, {"preferred": ["must be true or false"]}),
            ({"name": "   "}, {"name": ["can't be blank"]}),
            (
                {"destination_phone_number": "555-CALL-NOW"},
                {"destination_phone_number": ["is invalid"]},
            ),
            ({"destination_phone_number": "12345"}, {"destination_phone_number": ["is invalid"]}),
            (
                {"local_number_preferences": {"search_radius_miles": 5}},
                {"local_center": ["can't be blank"]},
            ),
        ],
    )
    def test_invalid_values_are_403_per_field(self, fresh, overrides, errors):
        adv, camp = active_campaign(fresh)
        status, body = call(fresh, "POST", pool_path(adv, camp), body=new_pool(**overrides))
        assert (status, body) == (403, {"errors": errors})

    def test_local_center_documented_bad_key_example(self, fresh):
        adv, camp = active_campaign(fresh)
        body = {
            "param1": "gclid",
            "pool_type": "Custom",
            "preferred": "true",
            "name": "India DNP",
            "id_from_network": "india-dnp",
            "destination_url": "https://www.invoca.com",
            "tracking_url": "https://www.invoca.com",
            "max_pool_size": "3",
            "destination_type": "Advertiser",
            "local_center": {"bad_key": ""},
            "tn_prefix_whitelist": ["455"],
        }
        status, answer = call(fresh, "POST", pool_path(adv, camp), body=body)
        assert status == 403
        assert answer == {
            "errors": {"class": "RecordInvalid", "invalid_data": "Invalid Key in Local Center."}
        }
        body["local_center"] = {"latitude": 45, "longitude": 45}
        status, created = call(fresh, "POST", pool_path(adv, camp), body=body)
        assert status == 201
        # As Invoca answers: all four keys, the unused ones empty.
        assert created["local_center"] == {
            "tn_prefix": "",
            "zipcode": "",
            "latitude": 45,
            "longitude": 45,
        }
        assert created["tn_prefix_whitelist"] == ["455"]
        assert "local_allocation_status" not in created
        assert created["local_number_preferences"] == {
            "search_radius_miles": 240,
            "restrict_search_to_state": True,
            "allocation_fallback_strategy": "UseTollFree",
        }

    @pytest.mark.parametrize(
        ("center", "message"),
        [
            ({"zipcode": "9410"}, "Invalid zipcode in Local Center."),
            ({"tn_prefix": "123"}, "Invalid tn_prefix in Local Center."),
            ({"latitude": 95, "longitude": 10}, "Invalid latitude in Local Center."),
            ({"latitude": 45}, "Latitude and longitude are required together in Local Center."),
            (
                {"zipcode": "90210", "latitude": 30},
                "Latitude and longitude are required together in Local Center.",
            ),
            (
                {"tn_prefix": "", "zipcode": ""},
                "Local Center requires one of tn_prefix, zipcode, or latitude and longitude.",
            ),
            ({}, "Local Center requires one of tn_prefix, zipcode, or latitude and longitude."),
        ],
    )
    def test_local_center_bad_values(self, fresh, center, message):
        adv, camp = active_campaign(fresh)
        status, body = call(fresh, "POST", pool_path(adv, camp), body=new_pool(local_center=center))
        assert (status, body) == (
            403,
            {"errors": {"class": "RecordInvalid", "invalid_data": message}},
        )

    def test_local_preferences_and_whitelist_validation(self, fresh):
        adv, camp = active_campaign(fresh)
        body = new_pool(
            local_center={"tn_prefix": "805"},
            local_number_preferences={
                "search_radius_miles": -5,
                "allocation_fallback_strategy": "Never",
                "colour": "red",
            },
            tn_prefix_whitelist=["80"],
        )
        status, answer = call(fresh, "POST", pool_path(adv, camp), body=body)
        assert status == 403
        assert set(answer["errors"]) == {
            "search_radius_miles",
            "allocation_fallback_strategy",
            "local_number_preferences",
            "tn_prefix_whitelist",
        }
        body = new_pool(
            local_center={"zipcode": "93101"},
            local_number_preferences={
                "search_radius_miles": "50",
                "restrict_search_to_state": "false",
                "allocation_fallback_strategy": "Wait",
            },
            tn_prefix_whitelist=["805", "212"],
        )
        status, created = call(fresh, "POST", pool_path(adv, camp), body=body)
        assert status == 201
        assert created["local_number_preferences"] == {
            "search_radius_miles": 50,
            "restrict_search_to_state": False,
            "allocation_fallback_strategy": "Wait",
        }

    def test_allow_overflow_cannot_change_and_missing_pool_put_is_404(self, fresh):
        adv, camp = active_campaign(fresh)
        call(fresh, "POST", pool_path(adv, camp), body=new_pool(allow_overflow=False))
        path = pool_path(adv, camp, "test-pool-1")
        status, body = call(fresh, "PUT", path, body={"allow_overflow": True})
        assert (status, body) == (
            403,
            {"errors": {"allow_overflow": ["can't be changed after creation"]}},
        )
        status, body = call(fresh, "PUT", path, body={"allow_overflow": "false", "name": "Same"})
        assert status == 200 and body["name"] == "Same" and body["allow_overflow"] is False
        status, body = call(fresh, "PUT", pool_path(adv, camp, "missing"), body={"name": "x"})
        assert status == 404
        assert body["errors"]["invalid_data"] == (
            f"Could not find RingPool missing for advertiser campaign {camp} and advertiser {adv}"
        )

    def test_post_is_create_or_update_and_ids_are_unique_in_the_network(self, fresh):
        adv, camp = active_campaign(fresh)
        first = call(fresh, "POST", pool_path(adv, camp), body=new_pool())
        again = call(fresh, "POST", pool_path(adv, camp), body=new_pool())
        assert first[0] == 201 and again[0] in (200, 201)
        assert again[1] == first[1]
        _, pools = call(fresh, "GET", pool_path(adv, camp))
        assert [p["id_from_network"] for p in pools].count("test-pool-1") == 1
        # the same id under another campaign is taken
        other = next(c for c in fresh.state.campaigns.values() if c.id_from_network != camp)
        status, body = call(
            fresh,
            "POST",
            pool_path(other.advertiser.id_from_network, other.id_from_network),
            body=new_pool(),
        )
        assert (status, body) == (403, {"errors": {"id_from_network": ["has already been taken"]}})

    def test_post_with_a_new_number_creates_a_tracked_destination(self, fresh):
        adv, camp = active_campaign(fresh)
        body = new_pool(destination_phone_number="1-805-555-0199")
        status, pool = call(fresh, "POST", pool_path(adv, camp), body=body)
        assert status == 201
        assert pool["default_customer_phone_number"]["destination_phone_number"] == "8055550199"
        rows = page_all(fresh, query="8055550199", status="tracked")
        assert [row["phone_number"] for row in rows] == ["805-555-0199"]

    @pytest.mark.parametrize("how", ["query", "body"])
    def test_delete_with_delete_detected_phone_number(self, fresh, how):
        adv, camp = active_campaign(fresh)
        call(
            fresh,
            "POST",
            pool_path(adv, camp),
            body=new_pool(destination_phone_number="805-555-0102"),
        )
        dest = page_all(fresh, query="8055550102")[0]
        path = pool_path(adv, camp, "test-pool-1")
        if how == "query":
            result = call(fresh, "DELETE", path, query={"delete_detected_phone_number": "true"})
        else:
            result = call(fresh, "DELETE", path, body={"delete_detected_phone_number": True})
        assert result == (200, {})
        status, _ = call(fresh, "GET", f"customer_phone_numbers/{dest['id']}.json")
        assert status == 404

    def test_delete_destination(self, fresh):
        row = page_all(fresh, status="tracked")[0]
        path = f"customer_phone_numbers/{row['id']}.json"
        assert call(fresh, "DELETE", path) == (200, {})
        assert call(fresh, "GET", path)[0] == 404
        assert call(fresh, "DELETE", path)[0] == 404
        _, body = call(fresh, "GET", "customer_phone_numbers.json", query={"limit": 1})
        assert body["recordsTotal"] == 119

    def test_server_error_name_gives_500_with_handle(self, fresh):
        adv, camp = active_campaign(fresh)
        status, body = call(
            fresh, "POST", pool_path(adv, camp), body=new_pool(name="boom SERVER-ERROR")
        )
        assert status == 500
        assert body["errors"]["class"] == "InternalServiceError"
        assert re.fullmatch(r"refer to error handle \d+", body["errors"]["invalid_data"])
        assert call(fresh, "GET", pool_path(adv, camp, "test-pool-1"))[0] == 404


class TestFaults:
    def test_fail_rate_one_answers_500_with_a_handle(self, sb):
        sb.state.fail_rate = 1.0
        status, body = call(sb, "GET", "advertisers.json")
        assert status == 500
        assert body["errors"]["class"] == "InternalServiceError"
        assert re.fullmatch(r"refer to error handle \d+", body["errors"]["invalid_data"])

    def test_outage_closes_the_connection_without_a_reply(self, sb):
        sb.state.outage = True
        with pytest.raises((OSError, http.client.HTTPException)):
            call(sb, "GET", "advertisers.json")
        assert call(sb, "GET", "/_sandbox/health", token=None)[0] == 200
        sb.state.outage = False
        assert call(sb, "GET", "advertisers.json")[0] == 200

    def test_fail_after_lets_some_requests_through_then_fails(self, sb):
        sb.state.fail_after = 2
        results = [call(sb, "GET", "advertisers.json")[0] for _ in range(4)]
        assert results == [200, 200, 500, 500]
        sb.state.fail_after = None
        assert call(sb, "GET", "advertisers.json")[0] == 200

    def test_timeout_paths_hang_until_the_client_gives_up(self, sb):
        sb.state.set_faults(timeout_paths="advertiser_campaigns", hang_seconds=3)
        with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
            call(sb, "GET", "advertisers/1/advertiser_campaigns.json", timeout=0.3)
        assert call(sb, "GET", "advertisers.json", timeout=2)[0] == 200

    def test_control_endpoint_sets_faults_and_needs_the_token(self, sb):
        status, _ = call(sb, "POST", "/_sandbox/faults", body={"fail_rate": 1}, token="nope")
        assert status == 401
        status, body = call(sb, "POST", "/_sandbox/faults", body={"fail_rate": 1, "latency_ms": 5})
        assert status == 200
        assert body["faults"]["fail_rate"] == 1.0 and body["faults"]["latency_ms"] == 5
        assert call(sb, "GET", "advertisers.json")[0] == 500
        status, body = call(sb, "POST", "/_sandbox/faults", body={"reset": True})
        assert body["faults"]["fail_rate"] == 0.0 and body["faults"]["outage"] is False
        assert call(sb, "GET", "advertisers.json")[0] == 200
        status, body = call(sb, "POST", "/_sandbox/faults", body={"bogus": 1})
        assert status == 403 and "bogus" in body["errors"]
        status, body = call(sb, "POST", "/_sandbox/faults", body={"fail_rate": 2})
        assert status == 403 and "fail_rate" in body["errors"]


def test_server_stops_promptly_and_refuses_connections_after():
    errors: list[BaseException] = []

    def hang(handle) -> None:
        try:
            call(handle, "GET", "advertisers.json", timeout=30)
        except BaseException as exc:  # the connection is cut when the server stops
            errors.append(exc)

    with running_sandbox(destinations=10, timeout_paths="advertisers", hang_seconds=60) as handle:
        url = handle.url
        # an idle keep-alive connection and a hanging request must not keep it alive
        conn = http.client.HTTPConnection(url.removeprefix("http://"), timeout=5)
        conn.request("GET", "/_sandbox/health")
        assert conn.getresponse().read()
        hanging = threading.Thread(target=hang, args=(handle,), daemon=True)
        hanging.start()
        deadline = time.monotonic() + 5
        while not handle.request_log and time.monotonic() < deadline:
            time.sleep(0.01)
    hanging.join(timeout=5)
    assert not hanging.is_alive()
    assert errors and isinstance(errors[0], OSError | http.client.HTTPException)
    with pytest.raises(OSError):
        urllib.request.urlopen(url + "/_sandbox/health", timeout=2)
    conn.close()
