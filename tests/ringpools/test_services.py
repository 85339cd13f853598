"""Ring pool writes: what is sent to Invoca, what the cache and the audit log then hold."""

import pytest
import requests
from responses import matchers

from destinations.models import Destination, IgnoreRecord, Status
from invoca_admin.invoca import (
    InvocaAuthError,
    InvocaNotConfigured,
    InvocaServerError,
    InvocaUnavailable,
    InvocaValidationError,
)
from invoca_admin.models import AuditEntry
from ringpools.models import RingPool
from ringpools.services import (
    ring_pool_body,
    ring_pool_create,
    ring_pool_delete,
    ring_pool_update,
)

from .conftest import API, POOLS, load, make_destination

DESTINATIONS = f"{API}/customer_phone_numbers.json"


def form_data(**changes) -> dict:
    data = {
        "id_from_network": "gads-sb-01",
        "name": "Google Ads",
        "pool_type": "Custom",
        "destination_type": "Advertiser",
        "destination_url": "https://www.example.com/",
        "lifetime_seconds": 300,
        "max_pool_size": 3,
        "preferred": True,
        "is_first_preference": False,
        "fill_immediately": False,
        "allow_overflow": True,
        "destination_phone_number": "",
        "obfuscated_tag_id": "",
        "local": None,
    }
    data.update({f"param{n}": "" for n in range(1, 11)})
    data.update(changes)
    return data


LOCAL = {
    "local_center": {"latitude": 34.42, "longitude": -119.7},
    "local_number_preferences": {
        "search_radius_miles": 50,
        "restrict_search_to_state": False,
        "allocation_fallback_strategy": "Wait",
    },
    "tn_prefix_whitelist": ["805", "213"],
}


def pool_reply(**changes) -> dict:
    reply = {
        "id": 77,
        "id_from_network": "gads-sb-01",
        "name": "Google Ads",
        "object_url": "https://acme.invoca.net/a/ring_pools/77",
        "pool_type": "Custom",
        "destination_type": "Advertiser",
        "destination_url": "https://www.example.com/",
        "lifetime_seconds": 300,
        "max_pool_size": 3,
        "preferred": True,
        "is_first_preference": False,
        "fill_immediately": False,
        "allow_overflow": True,
        "customer_phone_numbers": [],
    }
    reply.update(changes)
    return reply


def destination_reply(remote_id=501, phone="805-555-0123", pool="gads-sb-01") -> dict:
    return {
        "id": remote_id,
        "country_code": "1",
        "phone_number": phone,
        "advertiser_campaign": {
            "id_from_network": "101",
            "name": "Brand Search",
            "status": "Activated",
        },
        "dynamic_number_pool": {
            "id_from_network": pool,
            "name": "Google Ads",
            "pool_type": "Custom",
        }
        if pool
        else dict.fromkeys(("id_from_network", "name", "pool_type")),
        "ignored_at": None,
    }


class TestBody:
    def test_create_sends_json_types_and_leaves_blanks_out(self):
        body = ring_pool_body(data=form_data())
        assert body == {
            "id_from_network": "gads-sb-01",
            "name": "Google Ads",
            "pool_type": "Custom",
            "destination_type": "Advertiser",
            "destination_url": "https://www.example.com/",
            "lifetime_seconds": 300,
            "max_pool_size": 3,
            "preferred": True,
            "is_first_preference": False,
            "fill_immediately": False,
            "allow_overflow": True,
        }

    def test_create_local(self):
        body = ring_pool_body(
            data=form_data(
                local=LOCAL,
                param1="gclid",
                destination_phone_number="805-555-0123",
                obfuscated_tag_id="abc",
            ),
        )
        assert body["local_center"] == {"latitude": 34.42, "longitude": -119.7}
        assert body["local_number_preferences"]["search_radius_miles"] == 50
        assert body["local_number_preferences"]["restrict_search_to_state"] is False
        assert body["tn_prefix_whitelist"] == ["805", "213"]
        assert body["param1"] == "gclid"
        assert body["destination_phone_number"] == "805-555-0123"
        assert body["obfuscated_tag_id"] == "abc"

    def test_update_sends_only_the_changed_fields(self):
        data = form_data(local=LOCAL, lifetime_seconds=None, name="Renamed")
        assert ring_pool_body(data=data, changed=["name"]) == {"name": "Renamed"}
        assert ring_pool_body(data=data, changed=[]) == {}

    def test_update_never_sends_allow_overflow_id_or_local(self):
        data = form_data(local=LOCAL, lifetime_seconds=None)
        body = ring_pool_body(
            data=data, changed=["allow_overflow", "id_from_network", "lifetime_seconds", "param5"]
        )
        assert body == {"lifetime_seconds": None, "param5": ""}  # cleared at Invoca too

    def test_create_leaves_out_the_optional_types(self):
        body = ring_pool_body(data=form_data(pool_type="", destination_type="", id_from_network=""))
        assert "pool_type" not in body and "destination_type" not in body
        assert "id_from_network" not in body


class TestCreate:
    def test_creates_caches_tracks_and_audits(self, configured, campaign, editor, invoca_mock):
        make_destination(501, campaign=campaign)  # a discovered destination
        invoca_mock.post(
            f"{POOLS}.json",
            status=201,
            json=pool_reply(customer_phone_numbers=[{"id": 501, "phone_number": "805-555-0123"}]),
            match=[
                matchers.json_params_matcher(
                    ring_pool_body(data=form_data(destination_phone_number="805-555-0123"))
                )
            ],
        )
        invoca_mock.get(
            DESTINATIONS,
            json={"data": [destination_reply()], "recordsTotal": 1},
            match=[
                matchers.query_param_matcher({"query": "8055550123", "limit": "5", "start": "0"})
            ],
        )
        pool = ring_pool_create(
            user=editor, campaign=campaign, data=form_data(destination_phone_number="805-555-0123")
        )
        assert pool.remote_id == 77
        assert pool.object_url == "https://acme.invoca.net/a/ring_pools/77"
        assert RingPool.objects.get(id_from_network="gads-sb-01").campaign == campaign
        dest = Destination.objects.get(remote_id=501)
        assert dest.status == Status.TRACKED
        assert dest.ring_pool_id_from_network == "gads-sb-01"
        entry = AuditEntry.objects.get()
        assert (entry.action, entry.outcome, entry.target_type, entry.target_id) == (
            "ring_pool.create",
            "ok",
            "ring_pool",
            "gads-sb-01",
        )
        assert "tracks 805-555-0123" in entry.detail

    def test_local_pool_and_an_empty_reply_fetch_the_pool(
        self, configured, campaign, editor, invoca_mock
    ):
        invoca_mock.post(f"{POOLS}.json", status=200, json={})
        invoca_mock.get(
            f"{POOLS}/gads-sb-01.json",
            json=pool_reply(
                local_center=LOCAL["local_center"],
                tn_prefix_whitelist=["805"],
            ),
        )
        pool = ring_pool_create(user=editor, campaign=campaign, data=form_data(local=LOCAL))
        assert pool.is_local
        assert pool.remote_id == 77
        assert pool.payload["tn_prefix_whitelist"] == ["805"]
        assert "Local RingPool centred on 34.42, -119.7" in AuditEntry.objects.get().detail

    def test_rejected_is_audited_and_raised_and_nothing_cached(
        self, configured, campaign, editor, invoca_mock
    ):
        invoca_mock.post(f"{POOLS}.json", status=403, json=load("error_403_fields.json"))
        with pytest.raises(InvocaValidationError) as caught:
            ring_pool_create(user=editor, campaign=campaign, data=form_data())
        assert caught.value.field_errors == {
            "pool_type": ["can't be blank"],
            "name": ["can't be blank"],
        }
        assert not RingPool.objects.exists()
        entry = AuditEntry.objects.get()
        assert entry.outcome == "failed"
        assert "can't be blank" in entry.detail

    def test_server_error_keeps_the_error_handle(self, configured, campaign, editor, invoca_mock):
        for _ in range(4):  # retried: the POST carries an id_from_network (an upsert)
            invoca_mock.post(f"{POOLS}.json", status=500, json=load("error_500.json"))
        with pytest.raises(InvocaServerError):
            ring_pool_create(user=editor, campaign=campaign, data=form_data())
        entry = AuditEntry.objects.get()
        assert (entry.outcome, entry.error_handle) == ("failed", "1228118400")

    def test_reading_the_destination_back_may_fail(self, configured, campaign, editor, invoca_mock):
        invoca_mock.post(f"{POOLS}.json", status=201, json=pool_reply())
        invoca_mock.get(DESTINATIONS, body=requests.ConnectionError("gone"))
        pool = ring_pool_create(
            user=editor, campaign=campaign, data=form_data(destination_phone_number="805-555-0123")
        )
        assert pool.pk
        assert AuditEntry.objects.get().outcome == "ok"


class TestUpdate:
    def test_puts_caches_and_audits(self, configured, pool, editor, invoca_mock):
        data = form_data(name="Renamed", max_pool_size=9)
        invoca_mock.put(
            f"{POOLS}/1001.json",
            json=pool_reply(id=5, id_from_network="1001", name="Renamed", max_pool_size=9),
            match=[matchers.json_params_matcher({"name": "Renamed", "max_pool_size": 9})],
        )
        updated = ring_pool_update(
            user=editor, ring_pool=pool, data=data, changed=["name", "max_pool_size"]
        )
        assert updated.pk == pool.pk
        assert (updated.name, updated.max_pool_size) == ("Renamed", 9)
        entry = AuditEntry.objects.get()
        assert (entry.action, entry.outcome, entry.target_id) == ("ring_pool.update", "ok", "1001")

    def test_timeout_is_audited(self, configured, pool, editor, invoca_mock):
        for _ in range(4):
            invoca_mock.put(f"{POOLS}/1001.json", body=requests.Timeout())
        with pytest.raises(InvocaUnavailable):
            ring_pool_update(
                user=editor, ring_pool=pool, data=form_data(name="Renamed"), changed=["name"]
            )
        assert RingPool.objects.get().name == "Google Ads"
        assert AuditEntry.objects.get().outcome == "failed"


class TestDelete:
    @pytest.fixture
    def linked(self, pool, campaign):
        pool.payload = {"customer_phone_numbers": [{"id": 601, "phone_number": "805-555-0601"}]}
        pool.save()
        first = make_destination(601, "805-555-0601", campaign=campaign, pool=pool)
        second = make_destination(602, "805-555-0602", campaign=campaign, pool=pool)
        ignored = make_destination(603, "805-555-0603", campaign=campaign, pool=pool)
        IgnoreRecord.objects.create(remote_id=603, phone_number="805-555-0603")
        other = make_destination(604, "805-555-0604", campaign=campaign)
        return first, second, ignored, other

    def test_keeps_destinations_as_discovered(self, configured, pool, linked, editor, invoca_mock):
        invoca_mock.delete(f"{POOLS}/1001.json", json={}, match=[matchers.query_param_matcher({})])
        assert ring_pool_delete(user=editor, ring_pool=pool) == 3
        assert not RingPool.objects.exists()
        statuses = dict(Destination.objects.values_list("remote_id", "status"))
        assert statuses == {601: "discovered", 602: "discovered", 603: "ignored", 604: "discovered"}
        first = Destination.objects.get(remote_id=601)
        assert first.ring_pool_id_from_network == ""
        assert first.raw.payload["dynamic_number_pool"]["id_from_network"] is None
        entry = AuditEntry.objects.get()
        assert (entry.action, entry.outcome) == ("ring_pool.delete", "ok")
        assert "3 linked destinations kept" in entry.detail

    def test_deletes_destinations_too(self, configured, pool, linked, editor, invoca_mock):
        invoca_mock.delete(
            f"{POOLS}/1001.json",
            json={},
            match=[matchers.query_param_matcher({"delete_detected_phone_number": "true"})],
        )
        ring_pool_delete(user=editor, ring_pool=pool, delete_destinations=True)
        assert list(Destination.objects.values_list("remote_id", flat=True)) == [604]

    def test_404_counts_as_already_deleted(self, configured, pool, linked, editor, invoca_mock):
        invoca_mock.delete(f"{POOLS}/1001.json", status=404, json=load("error_404.json"))
        ring_pool_delete(user=editor, ring_pool=pool, delete_destinations=True)
        assert not RingPool.objects.exists()
        # Nobody knows what became of its destinations: kept, untracked, until the next sync.
        assert Destination.objects.count() == 4
        assert "404" in AuditEntry.objects.get().detail

    def test_failure_changes_nothing(self, configured, pool, linked, editor, invoca_mock):
        invoca_mock.delete(
            f"{POOLS}/1001.json", status=401, json={"errors": {"class": "NotAuthorized"}}
        )
        with pytest.raises(InvocaAuthError):
            ring_pool_delete(user=editor, ring_pool=pool)
        assert RingPool.objects.exists()
        assert Destination.objects.filter(status="tracked").count() == 3
        assert AuditEntry.objects.get().outcome == "failed"


def test_unconfigured_is_an_audited_failure(campaign, editor):
    with pytest.raises(InvocaNotConfigured):
        ring_pool_create(user=editor, campaign=campaign, data=form_data())
    assert AuditEntry.objects.get().outcome == "failed"
