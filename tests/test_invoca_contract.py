"""Contract tests: the real ``InvocaClient`` against a live sandbox over real HTTP.

Unit tests in ``test_invoca.py`` pin what the client sends and how it maps canned
replies; these check that the client and the sandbox (our stand-in for Invoca's
Network API) agree end to end: shapes, paging, filters, writes, errors, retries.
Retries never wait: every client here gets a ``_sleep`` that only records.
"""

from __future__ import annotations

import re
import time
from datetime import datetime

import pytest

from invoca_admin.invoca import (
    Advertiser,
    Campaign,
    CampaignRef,
    Destination,
    InvocaAuthError,
    InvocaClient,
    InvocaNotConfigured,
    InvocaNotFound,
    InvocaServerError,
    InvocaUnavailable,
    InvocaValidationError,
    LinkedDestination,
    PoolRef,
    RingPool,
    get_client,
)

TOTAL = 120  # destinations in the ``sandbox`` fixture (seed 7)
STATUSES = ("tracked", "ignored", "discovered")
TIMESTAMP_FIELDS = ("acknowledged_at", "created_at", "updated_at", "ignored_at", "notified_at")


def make_client(handle, **options) -> InvocaClient:
    """A client for ``handle`` whose retries record their waits instead of sleeping."""
    client = InvocaClient(
        api_url=handle.url, network_id=handle.network_id, token=handle.token, **options
    )
    client.sleeps = []  # type: ignore[attr-defined]
    client._sleep = client.sleeps.append  # type: ignore[attr-defined]
    return client


def api_calls(handle, method: str, suffix: str) -> list[tuple[str, str, dict[str, str]]]:
    """Logged API requests with this method whose path ends with ``suffix``."""
    return [
        entry for entry in handle.request_log if entry[0] == method and entry[1].endswith(suffix)
    ]


def digits_of(phone: str) -> str:
    return re.sub(r"\D", "", phone)


@pytest.fixture
def api(sandbox):
    """The client the project would use (``get_client()``), retries made instant."""
    client = get_client()
    client.sleeps = []
    client._sleep = client.sleeps.append
    yield client
    client.close()


@pytest.fixture
def campaign_with_pools(api) -> tuple[str, str, list[RingPool]]:
    """(advertiser id_from_network, campaign id_from_network, its ring pools), found by the API."""
    for advertiser in api.list_advertisers():
        for campaign in api.list_campaigns(advertiser.id_from_network):
            pools = api.list_ring_pools(advertiser.id_from_network, campaign.id_from_network)
            if pools:
                return advertiser.id_from_network, campaign.id_from_network, pools
    raise AssertionError("the seeded sandbox has no ring pools")


def new_pool_data(id_from_network: str, **extra) -> dict:
    return {
        "id_from_network": id_from_network,
        "name": f"Contract pool {id_from_network}",
        "pool_type": "Custom",
        "destination_type": "Advertiser",
        "destination_url": "https://www.example.com/landing",
        "lifetime_seconds": 600,
        "max_pool_size": 3,
        "preferred": True,
        "is_first_preference": False,
        "allow_overflow": True,
        **extra,
    }


def first_of_status(api: InvocaClient, status: str) -> Destination:
    page = api.list_destinations(status=status, limit=1)
    assert page.rows, f"the seeded sandbox has no {status} destination"
    return page.rows[0]


def destination_by_digits(api: InvocaClient, digits: str) -> Destination:
    """The one destination with this number (a pool lists its numbers by digits, no id)."""
    rows = [row for row in api.list_destinations(query=digits).rows]
    matches = [row for row in rows if row.phone_number.replace("-", "") == digits]
    assert len(matches) == 1, f"expected one destination {digits}, found {len(matches)}"
    return matches[0]


# --- configuration -----------------------------------------------------------------------------


def test_get_client_points_at_the_configured_sandbox(sandbox):
    with get_client() as client:
        assert client.api_url == sandbox.url
        assert client.network_id == sandbox.network_id
        assert client.list_advertisers()
    method, path, _query = sandbox.request_log[-1]
    assert (method, path) == (
        "GET",
        f"/api/{sandbox.api_version}/{sandbox.network_id}/advertisers.json",
    )


def test_get_client_without_a_token_is_not_configured(sandbox, settings):
    settings.INVOCA_API_TOKEN = ""
    with pytest.raises(InvocaNotConfigured) as info:
        get_client()
    assert "INVOCA_API_TOKEN" in info.value.message
    assert sandbox.request_log == []


# --- destinations: shapes, filters, paging, sorting ----------------------------------------


def test_list_destinations_rows_are_typed(api):
    page = api.list_destinations(limit=100)
    assert page.total == TOTAL
    assert page.start == 0
    assert len(page.rows) == 100
    for row in page.rows:
        assert isinstance(row, Destination)
        assert isinstance(row.id, int)
        assert row.country_code == "1"
        assert re.fullmatch(r"\d{3}-\d{3}-\d{4}", row.phone_number)
        for name in TIMESTAMP_FIELDS:
            value = getattr(row, name)
            if row.raw[name] is None:
                assert value is None, name
            else:
                assert isinstance(value, datetime), name
                assert value.utcoffset() is not None, f"{name} must be an aware datetime"
        assert row.created_at is not None
        assert isinstance(row.advertiser_campaign, CampaignRef)
        assert row.advertiser_campaign.id_from_network
        if row.raw["dynamic_number_pool"]["id_from_network"] is None:
            assert row.dynamic_number_pool is None
        else:
            assert isinstance(row.dynamic_number_pool, PoolRef)
            assert isinstance(row.dynamic_number_pool.max_pool_size, int)
            assert isinstance(row.dynamic_number_pool.preferred, bool)


def test_untracked_destinations_have_no_pool(api):
    for status in ("discovered", "ignored"):
        rows = list(api.iter_destinations(status=status))
        assert rows
        assert all(row.dynamic_number_pool is None for row in rows)
        # Invoca sends the nested object with every field null, not a missing key.
        assert all(set(row.raw["dynamic_number_pool"].values()) == {None} for row in rows)


@pytest.mark.parametrize("status", STATUSES)
def test_status_filter_agrees_with_destination_status(api, status):
    rows = list(api.iter_destinations(status=status))
    assert rows, f"seed 7 has {status} destinations"
    assert {row.status for row in rows} == {status}
    assert api.list_destinations(status=status, limit=1).total == len(rows)
    if status == "ignored":
        assert all(row.ignored_at is not None for row in rows)


def test_status_filters_partition_the_network(api):
    totals = [api.list_destinations(status=status, limit=1).total for status in STATUSES]
    assert sum(totals) == TOTAL


def test_paging_with_a_capped_page_size_yields_every_row_once(sandbox_factory):
    handle = sandbox_factory(destinations=TOTAL, seed=7, max_page_size=40)
    with make_client(handle) as client:
        pages = list(client.iter_destination_pages(page_size=100))
        rows = [row for page in pages for row in page.rows]
    assert [len(page.rows) for page in pages] == [40, 40, 40]
    assert all(page.total == TOTAL for page in pages)
    assert len(rows) == TOTAL
    assert len({row.id for row in rows}) == TOTAL
    calls = api_calls(handle, "GET", "/customer_phone_numbers.json")
    assert [(query["start"], query["limit"]) for _m, _p, query in calls] == [
        ("0", "100"),
        ("40", "100"),
        ("80", "100"),
    ]


def test_iter_destinations_matches_records_total(api):
    rows = list(api.iter_destinations(page_size=25))
    assert len(rows) == TOTAL
    assert len({row.id for row in rows}) == TOTAL


@pytest.mark.parametrize(
    "variant",
    [
        lambda d: d,
        lambda d: f"{d[:3]}-{d[3:6]}-{d[6:]}",
        lambda d: f"({d[:3]}) {d[3:6]}-{d[6:]}",
        lambda d: f"{d[:3]}.{d[3:6]}.{d[6:]}",
        lambda d: f"+1 {d[:3]} {d[3:6]} {d[6:]}",
        lambda d: f"1-{d[:3]}-{d[3:6]}-{d[6:]}",
    ],
    ids=["digits", "dashes", "parens", "dots", "plus-one", "one-dashes"],
)
def test_query_by_phone_number_ignores_punctuation(api, variant):
    wanted = api.list_destinations(start=17, limit=1).rows[0]
    page = api.list_destinations(query=variant(digits_of(wanted.phone_number)))
    assert page.total == 1
    assert [row.id for row in page.rows] == [wanted.id]
    assert page.rows[0] == wanted


def test_query_by_partial_digits_matches_substrings(api):
    wanted = api.list_destinations(start=5, limit=1).rows[0]
    part = digits_of(wanted.phone_number)[3:9]
    rows = list(api.iter_destinations(query=part))
    assert wanted.id in {row.id for row in rows}
    assert all(part in digits_of(row.phone_number) for row in rows)


def test_query_combines_with_status(api):
    tracked = first_of_status(api, "tracked")
    digits = digits_of(tracked.phone_number)
    assert api.list_destinations(query=digits, status="tracked").total == 1
    assert api.list_destinations(query=digits, status="discovered").total == 0


@pytest.mark.parametrize("sort_by", ["phone_number", "created_at", "id"])
def test_sort_by_and_sort_dir(api, sort_by):
    ascending = list(api.iter_destinations(sort_by=sort_by, sort_dir="asc"))
    descending = list(api.iter_destinations(sort_by=sort_by, sort_dir="desc"))
    keys = [getattr(row, sort_by) for row in ascending]
    assert keys == sorted(keys)
    assert [getattr(row, sort_by) for row in descending] == sorted(keys, reverse=True)
    assert len(ascending) == len(descending) == TOTAL


def test_get_destination_equals_the_listed_row(api):
    for status in STATUSES:
        listed = first_of_status(api, status)
        fetched = api.get_destination(listed.id)
        assert fetched == listed
        assert fetched.status == status


def test_get_unknown_destination_is_not_found(api, sandbox):
    with pytest.raises(InvocaNotFound) as info:
        api.get_destination(999)
    assert info.value.status == 404
    assert "999" in info.value.message
    assert len(api_calls(sandbox, "GET", "/customer_phone_numbers/999.json")) == 1


def test_delete_destination_then_get_and_delete_again_are_not_found(api, sandbox):
    victim = first_of_status(api, "discovered")
    assert api.delete_destination(victim.id) is None
    with pytest.raises(InvocaNotFound):
        api.get_destination(victim.id)
    assert api.list_destinations(limit=1).total == TOTAL - 1

    before = len(sandbox.request_log)
    with pytest.raises(InvocaNotFound):
        api.delete_destination(victim.id)
    # A 404 on the first attempt is an answer, not something to retry.
    assert sandbox.request_log[before:] == [
        (
            "DELETE",
            f"{sandbox.base_url.removeprefix(sandbox.url)}/customer_phone_numbers/{victim.id}.json",
            {},
        )
    ]


# --- advertisers, campaigns, ring pools ------------------------------------------------------


def test_list_advertisers(api):
    advertisers = api.list_advertisers()
    assert len(advertisers) == 8
    assert all(isinstance(adv, Advertiser) for adv in advertisers)
    assert all(
        isinstance(adv.id, int) and isinstance(adv.id_from_network, str) for adv in advertisers
    )
    by_id = {adv.id_from_network: adv for adv in advertisers}
    assert by_id["lakeside-legal"].approval_status == "Applied"
    # Names arrive byte for byte: escaping is the templates' job, not the client's.
    assert by_id["2"].name == '<script>alert("x")</script> & "Sons" Plumbing'
    assert by_id["3"].name == "Café Ünïcode — 東京 Relocation"


def test_list_campaigns(api):
    for advertiser_id in ("1", "lakeside-legal"):
        campaigns = api.list_campaigns(advertiser_id)
        assert campaigns
        for campaign in campaigns:
            assert isinstance(campaign, Campaign)
            assert isinstance(campaign.id, int)
            assert campaign.id_from_network and campaign.name
            assert campaign.raw["advertiser_id_from_network"] == advertiser_id
            assert campaign.status in ("Activated", "Paused", "Deactivated")


def test_list_campaigns_of_unknown_advertiser_is_not_found(api):
    with pytest.raises(InvocaNotFound) as info:
        api.list_campaigns("no-such-advertiser")
    assert "no-such-advertiser" in info.value.message


def test_list_ring_pools_and_get_ring_pool(api, campaign_with_pools):
    advertiser_id, campaign_id, pools = campaign_with_pools
    for pool in pools:
        assert isinstance(pool, RingPool)
        assert isinstance(pool.id, int)
        assert pool.object_url
        assert len(pool.params) == 10
        assert all(isinstance(item, LinkedDestination) for item in pool.customer_phone_numbers)
        fetched = api.get_ring_pool(advertiser_id, campaign_id, pool.id_from_network)
        assert fetched == pool
    linked = [item for pool in pools for item in pool.customer_phone_numbers]
    assert linked, "seeded pools have linked destinations"
    assert all(item.obfuscated_tag_id for item in linked)
    # A linked destination is tracked by that very pool.
    owner = next(pool for pool in pools if pool.customer_phone_numbers)
    destination = destination_by_digits(api, owner.customer_phone_numbers[0].digits)
    assert destination.status == "tracked"
    assert destination.dynamic_number_pool.id_from_network == owner.id_from_network
    assert owner.default_customer_phone_number is not None


def test_seeded_local_ring_pool_has_local_fields(api):
    local = [pool for pool in api.list_ring_pools("2", "104") if pool.local_center]
    assert local
    for pool in local:
        assert isinstance(pool.local_number_preferences, dict)
        assert isinstance(pool.tn_prefix_whitelist, tuple)


def test_get_unknown_ring_pool_is_not_found(api, campaign_with_pools):
    advertiser_id, campaign_id, _pools = campaign_with_pools
    with pytest.raises(InvocaNotFound) as info:
        api.get_ring_pool(advertiser_id, campaign_id, "no-such-pool")
    assert info.value.message.startswith("Could not find RingPool no-such-pool")


# --- ring pool writes --------------------------------------------------------------------------


def test_create_ring_pool(api, sandbox, campaign_with_pools):
    advertiser_id, campaign_id, pools = campaign_with_pools
    data = new_pool_data("contract-plain")
    created = api.create_ring_pool(advertiser_id, campaign_id, data=data)
    assert isinstance(created, RingPool)
    assert isinstance(created.id, int)  # only Invoca knows it: it came from the reply
    assert created.object_url
    assert created.id_from_network == "contract-plain"
    assert created.name == data["name"]
    assert created.pool_type == "Custom"
    assert created.max_pool_size == 3
    assert created.preferred is True
    assert created.allow_overflow is True
    assert created.local_center is None
    assert api.get_ring_pool(advertiser_id, campaign_id, "contract-plain") == created
    listed = api.list_ring_pools(advertiser_id, campaign_id)
    assert len(listed) == len(pools) + 1
    assert len(api_calls(sandbox, "POST", "/ring_pools.json")) == 1


def test_create_local_ring_pool(api, campaign_with_pools):
    advertiser_id, campaign_id, _pools = campaign_with_pools
    data = new_pool_data(
        "contract-local",
        local_center={"latitude": 34.4208, "longitude": -119.6982},
        tn_prefix_whitelist=["805", "212"],
        local_number_preferences={
            "search_radius_miles": 50,
            "restrict_search_to_state": False,
            "allocation_fallback_strategy": "Wait",
        },
    )
    created = api.create_ring_pool(advertiser_id, campaign_id, data=data)
    # Invoca answers with all four centre keys, the unused ones empty.
    expected_center = {"tn_prefix": "", "zipcode": "", "latitude": 34.4208, "longitude": -119.6982}
    expected_prefs = {
        "search_radius_miles": 50,
        "restrict_search_to_state": False,
        "allocation_fallback_strategy": "Wait",
    }
    assert created.is_local
    assert created.local_center == expected_center
    assert created.tn_prefix_whitelist == ("805", "212")
    assert created.local_number_preferences == expected_prefs
    fetched = api.get_ring_pool(advertiser_id, campaign_id, "contract-local")
    assert fetched.local_center == expected_center
    assert fetched.tn_prefix_whitelist == ("805", "212")
    assert fetched.local_number_preferences == expected_prefs


def test_create_ring_pool_with_a_discovered_number_tracks_that_destination(
    api, campaign_with_pools
):
    advertiser_id, campaign_id, _pools = campaign_with_pools
    discovered = first_of_status(api, "discovered")
    punctuated = "(" + discovered.phone_number.replace("-", ") ", 1)  # "(202) 555-0001"
    data = new_pool_data("contract-attach", destination_phone_number=punctuated)
    created = api.create_ring_pool(advertiser_id, campaign_id, data=data)

    digits = discovered.phone_number.replace("-", "")
    assert [item.digits for item in created.customer_phone_numbers] == [digits]
    assert created.default_customer_phone_number.digits == digits
    after = api.get_destination(discovered.id)
    assert after.status == "tracked"
    assert after.dynamic_number_pool.id_from_network == "contract-attach"
    assert after.advertiser_campaign.id_from_network == campaign_id
    # Attached, not duplicated.
    assert api.list_destinations(limit=1).total == TOTAL
    assert api.list_destinations(query=discovered.phone_number).total == 1


def test_create_ring_pool_with_a_bad_local_center_key(api, sandbox, campaign_with_pools):
    advertiser_id, campaign_id, pools = campaign_with_pools
    data = new_pool_data("contract-bad-center", local_center={"city": "Santa Barbara"})
    with pytest.raises(InvocaValidationError) as info:
        api.create_ring_pool(advertiser_id, campaign_id, data=data)
    error = info.value
    assert error.status == 403
    assert error.non_field_message == "Invalid Key in Local Center."
    assert error.message == "Invalid Key in Local Center."
    assert error.field_errors == {}
    assert len(api_calls(sandbox, "POST", "/ring_pools.json")) == 1  # 403 is never retried
    assert len(api.list_ring_pools(advertiser_id, campaign_id)) == len(pools)


def test_create_ring_pool_with_missing_fields(api, campaign_with_pools):
    advertiser_id, campaign_id, pools = campaign_with_pools
    with pytest.raises(InvocaValidationError) as info:
        api.create_ring_pool(advertiser_id, campaign_id, data={"id_from_network": "contract-x"})
    error = info.value
    assert error.non_field_message is None
    assert error.field_errors == {"name": ["can't be blank"]}
    assert "name: can't be blank" in error.message
    assert len(api.list_ring_pools(advertiser_id, campaign_id)) == len(pools)


def test_update_ring_pool_persists_a_new_name(api, campaign_with_pools):
    advertiser_id, campaign_id, pools = campaign_with_pools
    pool = pools[0]
    updated = api.update_ring_pool(
        advertiser_id, campaign_id, pool.id_from_network, data={"name": "Renamed by contract"}
    )
    assert updated.name == "Renamed by contract"
    assert updated.id == pool.id
    fetched = api.get_ring_pool(advertiser_id, campaign_id, pool.id_from_network)
    assert fetched.name == "Renamed by contract"
    assert fetched.pool_type == pool.pool_type
    assert fetched.allow_overflow == pool.allow_overflow


def test_update_ring_pool_may_not_change_allow_overflow(api, sandbox, campaign_with_pools):
    advertiser_id, campaign_id, pools = campaign_with_pools
    pool = pools[0]
    with pytest.raises(InvocaValidationError) as info:
        api.update_ring_pool(
            advertiser_id,
            campaign_id,
            pool.id_from_network,
            data={"name": "Should not stick", "allow_overflow": not pool.allow_overflow},
        )
    assert info.value.field_errors["allow_overflow"]
    assert isinstance(info.value.field_errors["allow_overflow"], list)
    assert len(api_calls(sandbox, "PUT", f"/{pool.id_from_network}.json")) == 1
    fetched = api.get_ring_pool(advertiser_id, campaign_id, pool.id_from_network)
    assert fetched == pool  # nothing changed


def test_delete_ring_pool_keeps_its_destinations_as_discovered(api, campaign_with_pools):
    advertiser_id, campaign_id, pools = campaign_with_pools
    pool = next(pool for pool in pools if pool.customer_phone_numbers)
    linked = [destination_by_digits(api, item.digits).id for item in pool.customer_phone_numbers]
    assert api.delete_ring_pool(advertiser_id, campaign_id, pool.id_from_network) is None
    with pytest.raises(InvocaNotFound):
        api.get_ring_pool(advertiser_id, campaign_id, pool.id_from_network)
    for destination_id in linked:
        destination = api.get_destination(destination_id)
        assert destination.status == "discovered"
        assert destination.dynamic_number_pool is None
    assert api.list_destinations(limit=1).total == TOTAL
    with pytest.raises(InvocaNotFound):
        api.delete_ring_pool(advertiser_id, campaign_id, pool.id_from_network)


def test_delete_ring_pool_with_its_detected_numbers(api, sandbox, campaign_with_pools):
    advertiser_id, campaign_id, pools = campaign_with_pools
    pool = next(pool for pool in pools if pool.customer_phone_numbers)
    linked = [destination_by_digits(api, item.digits).id for item in pool.customer_phone_numbers]
    api.delete_ring_pool(
        advertiser_id, campaign_id, pool.id_from_network, delete_detected_phone_number=True
    )
    assert api_calls(sandbox, "DELETE", f"/{pool.id_from_network}.json")[-1][2] == {
        "delete_detected_phone_number": "true"
    }
    with pytest.raises(InvocaNotFound):
        api.get_ring_pool(advertiser_id, campaign_id, pool.id_from_network)
    for destination_id in linked:
        with pytest.raises(InvocaNotFound):
            api.get_destination(destination_id)
    assert api.list_destinations(limit=1).total == TOTAL - len(linked)


# --- errors, retries and transport failures ----------------------------------------------------


def test_wrong_token_is_an_auth_error_without_the_token(sandbox):
    wrong = "wrong-token-Zq81xT5"
    client = InvocaClient(api_url=sandbox.url, network_id=sandbox.network_id, token=wrong)
    client._sleep = lambda seconds: pytest.fail("a 401 must not be retried")
    with client, pytest.raises(InvocaAuthError) as info:
        client.list_destinations()
    error = info.value
    assert error.status == 401
    for secret in (wrong, sandbox.token):
        assert secret not in error.message
        assert secret not in str(error)
        assert secret not in repr(error)
        assert secret not in repr(client)
    assert len(sandbox.request_log) == 1


def test_server_errors_are_retried_then_keep_the_error_handle(sandbox_factory):
    handle = sandbox_factory(destinations=10, seed=7, fail_rate=1.0)
    with make_client(handle, max_retries=3) as client, pytest.raises(InvocaServerError) as info:
        client.list_advertisers()
    error = info.value
    assert error.status == 500
    assert error.error_handle is not None and error.error_handle.isdigit()
    assert error.error_handle in error.message
    assert len(api_calls(handle, "GET", "/advertisers.json")) == 4  # 1 + 3 retries
    assert len(client.sleeps) == 3


def test_a_server_error_then_success_is_invisible_to_the_caller(sandbox_factory):
    handle = sandbox_factory(destinations=10, seed=7)
    with make_client(handle) as client:
        handle.state.fail_after = 0  # every request fails ...
        client._sleep = lambda seconds: setattr(handle.state, "fail_after", None)  # ... until now
        assert client.list_destinations().total == 10
    assert len(api_calls(handle, "GET", "/customer_phone_numbers.json")) == 2


def test_post_without_id_from_network_is_not_retried(sandbox_factory):
    handle = sandbox_factory(destinations=10, seed=7, fail_rate=1.0)
    data = new_pool_data("ignored")
    del data["id_from_network"]
    with make_client(handle) as client, pytest.raises(InvocaServerError) as info:
        client.create_ring_pool("1", "101", data=data)
    assert info.value.error_handle
    assert len(api_calls(handle, "POST", "/ring_pools.json")) == 1
    assert client.sleeps == []


def test_post_with_id_from_network_is_retried_on_a_server_error(api, sandbox, campaign_with_pools):
    advertiser_id, campaign_id, pools = campaign_with_pools
    data = new_pool_data("contract-upsert", name="Pool SERVER-ERROR please")
    with pytest.raises(InvocaServerError) as info:
        api.create_ring_pool(advertiser_id, campaign_id, data=data)
    assert info.value.error_handle
    assert len(api_calls(sandbox, "POST", "/ring_pools.json")) == 4
    assert len(api.list_ring_pools(advertiser_id, campaign_id)) == len(pools)


def test_outage_is_unavailable(sandbox_factory):
    handle = sandbox_factory(destinations=10, seed=7, outage=True)
    with make_client(handle, max_retries=2) as client, pytest.raises(InvocaUnavailable) as info:
        client.list_destinations()
    error = info.value
    assert error.timed_out is False
    assert error.status is None
    assert isinstance(error.__cause__, Exception)  # raised ``from`` the transport error
    assert handle.token not in error.message
    assert len(api_calls(handle, "GET", "/customer_phone_numbers.json")) == 3
    assert len(client.sleeps) == 2


def test_read_timeout_is_unavailable_and_bounded(sandbox_factory):
    handle = sandbox_factory(
        destinations=10, seed=7, timeout_paths="advertisers.json", hang_seconds=1.5
    )
    with make_client(handle, read_timeout=0.3, max_retries=1) as client:
        started = time.monotonic()
        with pytest.raises(InvocaUnavailable) as info:
            client.list_advertisers()
        elapsed = time.monotonic() - started
        # Other paths are not slowed down.
        assert client.list_destinations().total == 10
    error = info.value
    assert error.timed_out is True
    assert "0.3 seconds" in error.message
    assert elapsed < 1.5, "the client waited for the hang instead of its read timeout"
    assert len(api_calls(handle, "GET", "/advertisers.json")) == 2
