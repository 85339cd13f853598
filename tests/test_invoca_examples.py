"""Invoca's own example payloads (tests/fixtures/invoca/examples/) are the contract.

* every ``*.request.json`` is accepted by the sandbox over HTTP, and the ``bad-key``
  ones get exactly ``local-ringpool-bad-key.response.json`` with a 403;
* every ``*.response.json`` parses through the client with no documented field lost;
* the sandbox answers in these shapes (its keys are the examples' keys);
* a rename through the dashboard's Edit form leaves every other field at Invoca as
  it was, because a PUT carries only what the user changed.
"""

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from invoca_admin.invoca import InvocaClient
from invoca_admin.invoca.types import SECRET_KEYS, to_datetime, to_id, without_secrets

EXAMPLES = Path(__file__).parent / "fixtures" / "invoca" / "examples"
HOST = "https://acme.invoca.net"
API = f"{HOST}/api/2022-08-01/1234"


def example(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text())


def examples(pattern: str) -> list[str]:
    names = sorted(path.name for path in EXAMPLES.glob(pattern))
    assert names, f"no example matches {pattern}"
    return names


# --- the sandbox accepts every documented request ------------------------------------------------


@pytest.fixture
def network(sandbox_factory):
    """A fresh sandbox and the first advertiser/campaign to write ring pools into."""
    sb = sandbox_factory(destinations=20, seed=3)
    adv = next(iter(sb.state.advertisers.values()))
    camp = next(iter(adv.campaigns.values()))
    base = f"{sb.base_url}/advertisers/{adv.id_from_network}/advertiser_campaigns/"
    return sb, f"{base}{camp.id_from_network}/ring_pools"


def call(sb, method: str, url: str, body: Any = None) -> tuple[int, Any]:
    response = requests.request(
        method, url, json=body, headers={"Authorization": sb.token}, timeout=10
    )
    return response.status_code, response.json()


@pytest.mark.parametrize("name", [n for n in examples("*.request.json") if "bad-key" not in n])
def test_the_sandbox_accepts_every_documented_post(network, name):
    sb, pools = network
    body = example(name)
    if name == "ringpool-put.request.json":
        status, _ = call(sb, "POST", f"{pools}.json", example("ringpool-post.request.json"))
        assert status == 201
        status, answer = call(sb, "PUT", f"{pools}/{body['id_from_network']}.json", body)
        assert status == 200, answer
    else:
        status, answer = call(sb, "POST", f"{pools}.json", body)
        assert status in (200, 201), answer
    assert answer["id_from_network"] == str(body["id_from_network"])
    assert answer["name"] == body["name"]
    status, fetched = call(sb, "GET", f"{pools}/{body['id_from_network']}.json")
    assert status == 200 and fetched["name"] == body["name"]
    if "max_pool_size" in body:  # "3" (a string in the docs) is stored as the number 3
        assert fetched["max_pool_size"] == int(body["max_pool_size"])
    if "preferred" in body:
        assert fetched["preferred"] is (str(body["preferred"]).lower() == "true")
    if "destination_phone_number" in body:  # "888-111-2222" is linked, as digits
        digits = "".join(ch for ch in body["destination_phone_number"] if ch.isdigit())
        linked = [item["destination_phone_number"] for item in fetched["customer_phone_numbers"]]
        assert digits in linked
    if body.get("local_center"):
        given = {k: v for k, v in body["local_center"].items() if v != ""}
        assert {k: v for k, v in fetched["local_center"].items() if v != ""} == given
    if "tn_prefix_whitelist" in body:
        assert fetched["tn_prefix_whitelist"] == body["tn_prefix_whitelist"]


@pytest.mark.parametrize("name", examples("*bad-key*.request.json"))
def test_a_bad_local_center_key_gets_exactly_the_documented_403(network, name):
    sb, pools = network
    status, answer = call(sb, "POST", f"{pools}.json", example(name))
    assert status == 403
    assert answer == example("local-ringpool-bad-key.response.json")
    assert answer == example("local-ringpool-bad-key-2016.response.json")


def test_the_documented_put_changes_only_what_it_carries(network):
    sb, pools = network
    call(sb, "POST", f"{pools}.json", example("ringpool-post.request.json"))
    _, before = call(sb, "GET", f"{pools}/12.json")
    put = example("ringpool-put.request.json")
    call(sb, "PUT", f"{pools}/12.json", put)
    _, after = call(sb, "GET", f"{pools}/12.json")
    changed = {key for key in after if after[key] != before[key]}
    assert changed == {"name"}  # the other four fields were sent with their current values
    assert after["name"] == put["name"]


# --- the client parses every documented response ---------------------------------------------


def _same(parsed: Any, documented: Any) -> bool:
    """Does ``parsed`` (what the client made of it) carry the ``documented`` value?"""
    if isinstance(parsed, datetime):
        return parsed == to_datetime(documented)
    if isinstance(documented, dict):
        return isinstance(parsed, dict) and parsed == without_secrets(documented)
    if isinstance(documented, list):
        return list(parsed) == without_secrets(documented)
    if parsed is None or documented is None:
        return parsed is None and documented is None
    return parsed == documented or str(parsed) == str(documented)


def assert_nothing_lost(parsed: Any, documented: dict, *, where: str) -> None:
    """Every documented key is on the parsed object with its value (credentials excepted:
    they are dropped on purpose, everywhere, raw included)."""
    for key, value in documented.items():
        label = f"{where}.{key}"
        if key in SECRET_KEYS:
            assert key not in parsed.raw, f"{label}: a credential was kept"
            continue
        if key.startswith("param") and key[5:].isdigit():
            assert _same(parsed.params[int(key[5:]) - 1], value or None) or value == "", label
        elif key == "id":
            assert parsed.id == to_id(value), label
        elif key in ("customer_phone_numbers", "default_customer_phone_number"):
            items = value if isinstance(value, list) else [value]
            got = getattr(parsed, key)
            got = list(got) if isinstance(got, tuple) else [got]
            assert [(g.phone_number, g.obfuscated_tag_id) for g in got] == [
                (item["destination_phone_number"], item["js_tag"]["obfuscated_tag_id"])
                for item in items
            ], label
        elif key == "local_number_preferences":
            prefs = parsed.local_number_preferences
            for name, setting in value.items():
                name = {"restrict_to_state": "restrict_search_to_state"}.get(name, name)
                assert prefs[name] == setting, f"{label}.{name}"
        elif key in ("advertiser_campaign", "dynamic_number_pool"):
            nested = getattr(parsed, key)
            if all(item is None for item in value.values()):
                assert nested is None, label  # an untracked destination has no pool
            else:
                assert_nothing_lost(nested, value, where=label)
        elif key == "tn_prefix_whitelist":
            assert parsed.tn_prefix_whitelist == tuple(value), label
        else:
            assert hasattr(parsed, key), f"{label}: not parsed"
            assert _same(getattr(parsed, key), value), f"{label}: {getattr(parsed, key)!r}"


@pytest.fixture
def api():
    with InvocaClient(api_url=HOST, network_id="1234", token="test-token-not-real") as api:
        yield api


@pytest.mark.parametrize(
    "name",
    [
        "ringpools-list.response.json",
        "ringpools-list-2016.response.json",
        "ringpools-list-2019.response.json",
    ],
)
def test_ring_pool_lists_parse_with_nothing_lost(api, invoca_mock, name):
    invoca_mock.get(
        f"{API}/advertisers/1/advertiser_campaigns/2/ring_pools.json", json=example(name)
    )
    pools = api.list_ring_pools("1", "2")
    for pool, documented in zip(pools, example(name), strict=True):
        assert_nothing_lost(pool, documented, where=name)


def test_one_ring_pool_parses_with_nothing_lost(api, invoca_mock):
    documented = example("ringpool-get.response.json")
    invoca_mock.get(
        f"{API}/advertisers/1/advertiser_campaigns/2/ring_pools/5432.json", json=documented
    )
    pool = api.get_ring_pool("1", "2", "5432")
    assert_nothing_lost(pool, documented, where="ringpool-get")
    assert pool.is_local
    assert pool.default_customer_phone_number.digits == "8005551216"


def test_restrict_to_state_of_2019_reads_as_restrict_search_to_state(api, invoca_mock):
    invoca_mock.get(
        f"{API}/advertisers/1/advertiser_campaigns/2/ring_pools.json",
        json=example("ringpools-list-2019.response.json"),
    )
    (pool,) = api.list_ring_pools("1", "2")
    assert pool.local_number_preferences["restrict_search_to_state"] is True
    assert pool.raw["local_number_preferences"]["restrict_to_state"] is True  # kept as sent


def test_a_pool_with_only_empty_centre_values_is_not_local(api, invoca_mock):
    documented = example("ringpool-get.response.json")
    documented["local_center"] = {"tn_prefix": "", "zipcode": "", "latitude": "", "longitude": ""}
    invoca_mock.get(
        f"{API}/advertisers/1/advertiser_campaigns/2/ring_pools/1.json", json=documented
    )
    assert not api.get_ring_pool("1", "2", "1").is_local


def test_destinations_parse_with_nothing_lost(api, invoca_mock):
    listed = example("destinations-list.response.json")
    invoca_mock.get(f"{API}/customer_phone_numbers.json", json=listed)
    page = api.list_destinations()
    assert page.total == listed["recordsTotal"]
    for row, documented in zip(page.rows, listed["data"], strict=True):
        assert_nothing_lost(row, documented, where="destinations-list")
    assert [row.status for row in page.rows] == ["tracked", "discovered"]

    one = example("destination-get.response.json")
    invoca_mock.get(f"{API}/customer_phone_numbers/1.json", json=one)
    assert_nothing_lost(api.get_destination(1), one, where="destination-get")


def test_advertisers_parse_with_nothing_lost_but_their_tokens(api, invoca_mock):
    documented = example("advertisers-list.response.json")
    invoca_mock.get(f"{API}/advertisers.json", json=documented)
    (advertiser,) = api.list_advertisers()
    assert_nothing_lost(advertiser, documented[0], where="advertisers-list")
    assert advertiser.users[0]["first_name"] == "Chris"
    assert "oauth_refresh_token" not in json.dumps(advertiser.raw)
    assert "oauth_refresh_token" not in json.dumps(advertiser.users)


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("error-404.response.json", 404),
        ("error-403-fields.response.json", 403),
        ("error-500.response.json", 500),
        ("local-ringpool-bad-key.response.json", 403),
    ],
)
def test_error_bodies_keep_what_they_say(api, invoca_mock, name, status, monkeypatch):
    from invoca_admin.invoca import InvocaError

    monkeypatch.setattr(api, "_sleep", lambda seconds: None)
    for _ in range(4):
        invoca_mock.get(f"{API}/advertisers.json", status=status, json=example(name))
    invoca_mock.assert_all_requests_are_fired = False
    with pytest.raises(InvocaError) as info:
        api.list_advertisers()
    error = info.value
    assert error.status == status and error.payload == example(name)
    errors = example(name)["errors"]
    if "invalid_data" in errors and status != 500:
        assert errors["invalid_data"] in error.message
    if status == 500:
        assert error.error_handle == "1228118400"
    if name == "error-403-fields.response.json":
        assert error.field_errors == errors


# --- the sandbox answers in the documented shapes --------------------------------------------

#: Ring pool keys documented across the editions, plus the fields INVOCA_API.md lists.
RING_POOL_KEYS = (
    set().union(*(example(n)[0].keys() for n in examples("ringpools-list*.response.json")))
    | set(example("ringpool-get.response.json"))
    | {"pool_type", "destination_type", "destination_url", "is_first_preference"}
    | {"test_click_url", "sample_api_url", "tn_prefix_whitelist"}
    | {f"param{n}" for n in range(1, 11)}
)


def test_the_sandbox_answers_in_the_documented_shapes(sandbox):
    def get(path: str) -> Any:
        response = requests.get(
            f"{sandbox.base_url}/{path}", headers={"Authorization": sandbox.token}, timeout=10
        )
        assert response.status_code == 200, path
        return response.json()

    documented = example("destinations-list.response.json")
    listed = get("customer_phone_numbers.json")
    assert set(listed) == set(documented)
    for row in listed["data"]:
        assert set(row) == set(documented["data"][0])
        assert set(row["advertiser_campaign"]) == set(documented["data"][0]["advertiser_campaign"])
        assert set(row["dynamic_number_pool"]) == set(documented["data"][0]["dynamic_number_pool"])
    assert set(get(f"customer_phone_numbers/{listed['data'][0]['id']}.json")) == set(
        example("destination-get.response.json")
    )

    advertisers = get("advertisers.json")
    assert {frozenset(adv) for adv in advertisers} == {
        frozenset(example("advertisers-list.response.json")[0])
    }

    current = set(example("ringpool-get.response.json"))
    link_keys = set(example("ringpool-get.response.json")["customer_phone_numbers"][0])
    center_keys = set(example("ringpool-get.response.json")["local_center"])
    seen_local = seen_linked = False
    for adv in advertisers:
        for camp in get(f"advertisers/{adv['id_from_network']}/advertiser_campaigns.json"):
            path = f"advertisers/{adv['id_from_network']}/advertiser_campaigns/"
            for pool in get(f"{path}{camp['id_from_network']}/ring_pools.json"):
                keys = set(pool)
                assert keys <= RING_POOL_KEYS, keys - RING_POOL_KEYS
                assert current - {"local_center", "local_number_preferences"} <= keys
                for item in pool["customer_phone_numbers"]:
                    assert set(item) == link_keys
                    seen_linked = True
                if pool.get("local_center"):
                    assert set(pool["local_center"]) == center_keys
                    seen_local = True
    assert seen_local and seen_linked, "the seeded sandbox has Local pools and linked numbers"


# --- the dashboard's own PUT -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_rename_through_the_edit_form_leaves_every_other_field_at_invoca(sandbox, editor_client):
    from django.core.management import call_command

    from ringpools.models import RingPool

    call_command("sync_invoca")
    pool = RingPool.objects.select_related("campaign__advertiser").order_by("pk").first()
    path = (
        f"advertisers/{pool.campaign.advertiser.id_from_network}/advertiser_campaigns/"
        f"{pool.campaign.id_from_network}/ring_pools/{pool.id_from_network}.json"
    )

    def remote() -> dict:
        response = requests.get(
            f"{sandbox.base_url}/{path}", headers={"Authorization": sandbox.token}, timeout=10
        )
        return response.json()

    # Something changed at Invoca since the last sync, and fields the form never shows.
    state = sandbox.state.ring_pools[pool.id_from_network]
    state.attrs.update(param2=None, param3="set at Invoca", api_key="kept-key")
    state.attrs["max_pool_size"] = 7
    before = remote()

    form = editor_client.get(f"/ringpools/{pool.pk}/edit/")
    assert form.status_code == 200
    data = {
        "name": "Renamed from the dashboard",
        "pool_type": pool.pool_type,
        "destination_type": pool.destination_type,
        "destination_url": pool.destination_url,
        "max_pool_size": str(pool.max_pool_size),
        "lifetime_seconds": "" if pool.lifetime_seconds is None else str(pool.lifetime_seconds),
        **{f"param{n}": (pool.payload.get(f"param{n}") or "") for n in range(1, 11)},
    }
    for flag in ("preferred", "is_first_preference", "fill_immediately"):
        if getattr(pool, flag):
            data[flag] = "on"
    response = editor_client.post(f"/ringpools/{pool.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]

    puts = [entry for entry in sandbox.request_log if entry[0] == "PUT"]
    assert len(puts) == 1
    after = remote()
    assert after["name"] == "Renamed from the dashboard"
    assert {key for key in after if after[key] != before[key]} == {"name"}
    assert after["param2"] is None and after["param3"] == "set at Invoca"
    assert after["max_pool_size"] == 7  # the stale cached 2 was not sent back
