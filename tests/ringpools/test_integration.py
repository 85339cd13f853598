"""The ring pool pages against the live sandbox over real HTTP, through the real client."""

import pytest

from destinations.models import Destination, Status
from invoca_admin.models import AuditEntry
from ringpools.models import Campaign, RingPool

HTMX = {"HTTP_HX_REQUEST": "true"}


def activated_campaign() -> Campaign:
    return (
        Campaign.objects.select_related("advertiser")
        .filter(status="Activated", advertiser__id_from_network="1")
        .order_by("pk")
        .first()
    )


def create_data(campaign: Campaign, **changes) -> dict:
    data = {
        "advertiser": campaign.advertiser.id_from_network,
        "campaign": campaign.id_from_network,
        "id_from_network": "it-local-1",
        "name": "Integration Local SB",
        "pool_type": "Custom",
        "destination_type": "Advertiser",
        "max_pool_size": "3",
        "lifetime_seconds": "600",
        "allow_overflow": "on",
        "param1": "gclid",
        "search_radius_miles": "50",
        "allocation_fallback_strategy": "Wait",
    }
    data.update(changes)
    return data


def pool_with_destinations() -> RingPool:
    for pool in RingPool.objects.select_related("campaign__advertiser").order_by("pk"):
        if Destination.objects.filter(ring_pool_id_from_network=pool.id_from_network).count() >= 2:
            return pool
    raise AssertionError("the seeded sandbox has a pool with two destinations")


def test_create_a_local_pool_by_coordinates(editor_client, synced):
    campaign = activated_campaign()
    response = editor_client.post(
        "/ringpools/new/",
        create_data(
            campaign,
            centre_by="coords",
            latitude="34.4208",
            longitude="-119.6982",
            tn_prefix_whitelist="805, 213",
        ),
        **HTMX,
    )
    pool = RingPool.objects.get(id_from_network="it-local-1")
    assert response.headers["HX-Redirect"] == f"/ringpools/{pool.pk}/"
    assert pool.campaign == campaign
    assert pool.is_local and pool.remote_id and pool.object_url
    assert pool.payload["local_center"] == {
        "tn_prefix": "",
        "zipcode": "",
        "latitude": 34.4208,
        "longitude": -119.6982,
    }
    assert pool.payload["tn_prefix_whitelist"] == ["805", "213"]
    assert pool.payload["local_number_preferences"] == {
        "search_radius_miles": 50,
        "restrict_search_to_state": False,
        "allocation_fallback_strategy": "Wait",
    }
    remote = synced.state.ring_pools["it-local-1"]
    assert remote.attrs["max_pool_size"] == 3 and remote.attrs["param1"] == "gclid"
    body = editor_client.get(f"/ringpools/{pool.pk}/").content.decode()
    assert "local numbers; this takes about ten minutes" in body
    assert "allocates local numbers near the centre in about ten minutes" in body
    assert AuditEntry.objects.filter(action="ring_pool.create", outcome="ok").count() == 1


def test_track_a_discovered_destination(editor_client, synced):
    dest = Destination.objects.filter(status=Status.DISCOVERED).order_by("pk").first()
    campaign = Campaign.objects.get(id_from_network=dest.campaign_id_from_network)
    form = editor_client.get(f"/ringpools/new/?destination={dest.remote_id}").content.decode()
    assert f'value="{dest.phone_number}"' in form
    assert f'<option value="{campaign.id_from_network}" selected>' in form
    response = editor_client.post(
        f"/ringpools/new/?destination={dest.remote_id}",
        {
            "advertiser": campaign.advertiser.id_from_network,
            "campaign": campaign.id_from_network,
            "id_from_network": "it-track-1",
            "name": "Tracking pool",
            "pool_type": "Search",
            "destination_type": "Advertiser",
            "max_pool_size": "2",
            "allow_overflow": "on",
            "destination_phone_number": dest.phone_number,
        },
    )
    assert response.status_code == 302
    dest.refresh_from_db()
    assert dest.status == Status.TRACKED
    assert dest.ring_pool_id_from_network == "it-track-1"
    assert synced.state.destinations[dest.remote_id].pool.id_from_network == "it-track-1"
    pool = RingPool.objects.get(id_from_network="it-track-1")
    body = editor_client.get(f"/ringpools/{pool.pk}/").content.decode()
    assert dest.phone_number in body and "Tracked" in body


def test_edit(editor_client, synced):
    pool = RingPool.objects.filter(allow_overflow=False).order_by("pk").first()
    assert pool is not None
    response = editor_client.post(
        f"/ringpools/{pool.pk}/edit/",
        {
            "name": "Edited over HTTP",
            "pool_type": "SearchKeyword",
            "destination_type": "API",
            "max_pool_size": "7",
            "lifetime_seconds": "900",
            "preferred": "on",
            "allow_overflow": "on",  # disabled field: ignored, never sent as a change
            "param2": "utm_campaign",
        },
        **HTMX,
    )
    assert response.headers["HX-Redirect"] == f"/ringpools/{pool.pk}/"
    pool.refresh_from_db()
    assert (pool.name, pool.max_pool_size, pool.lifetime_seconds) == ("Edited over HTTP", 7, 900)
    assert pool.allow_overflow is False
    remote = synced.state.ring_pools[pool.id_from_network]
    assert remote.attrs["pool_type"] == "SearchKeyword" and remote.attrs["param2"] == "utm_campaign"
    assert remote.attrs["allow_overflow"] is False


@pytest.mark.parametrize("also_destinations", [False, True])
def test_delete(editor_client, synced, also_destinations):
    pool = pool_with_destinations()
    linked = list(
        Destination.objects.filter(ring_pool_id_from_network=pool.id_from_network).values_list(
            "remote_id", flat=True
        )
    )
    page = editor_client.get(f"/ringpools/{pool.pk}/delete/").content.decode()
    for dest in Destination.objects.filter(remote_id__in=linked):
        assert dest.phone_number in page
    data = {"delete_detected_phone_number": "on"} if also_destinations else {}
    response = editor_client.post(f"/ringpools/{pool.pk}/delete/", data)
    assert response.status_code == 302
    assert not RingPool.objects.filter(pk=pool.pk).exists()
    assert pool.id_from_network not in synced.state.ring_pools
    remaining = Destination.objects.filter(remote_id__in=linked)
    if also_destinations:
        assert not remaining.exists()
        assert not any(rid in synced.state.destinations for rid in linked)
    else:
        assert remaining.count() == len(linked)
        assert {d.status for d in remaining} <= {Status.DISCOVERED, Status.IGNORED}
        assert not remaining.exclude(ring_pool_id_from_network="").exists()
        assert all(synced.state.destinations[rid].pool is None for rid in linked)


def test_server_error_is_shown_with_its_handle(editor_client, synced):
    campaign = activated_campaign()
    response = editor_client.post(
        "/ringpools/new/",
        create_data(campaign, id_from_network="it-500", name="Pool SERVER-ERROR please"),
        **HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Invoca had an internal error (error handle" in body
    assert 'value="Pool SERVER-ERROR please"' in body
    assert not RingPool.objects.filter(id_from_network="it-500").exists()
    entry = AuditEntry.objects.get(action="ring_pool.create")
    assert entry.outcome == "failed" and entry.error_handle


def test_an_id_taken_in_another_campaign_is_refused_on_its_field(editor_client, synced):
    campaign = activated_campaign()
    taken = RingPool.objects.exclude(campaign=campaign).order_by("pk").first()
    response = editor_client.post(
        "/ringpools/new/", create_data(campaign, id_from_network=taken.id_from_network), **HTMX
    )
    body = response.content.decode()
    error = body[body.index('id="id_id_from_network_error"') :]
    assert "Invoca says: Has already been taken" in error[:200]


@pytest.mark.django_db
def test_create_where_the_network_generates_the_id(editor_client, sandbox_factory, settings):
    from django.core.management import call_command

    sandbox = sandbox_factory(destinations=60, seed=7, generate_ids=True)
    settings.INVOCA_GENERATES_RING_POOL_IDS = True
    call_command("sync_invoca")
    campaign = activated_campaign()
    response = editor_client.post(
        "/ringpools/new/",
        create_data(campaign, id_from_network="", name="Id made by Invoca", pool_type=""),
    )
    pool = RingPool.objects.get(name="Id made by Invoca")
    assert response.status_code == 302 and response.url == f"/ringpools/{pool.pk}/"
    assert pool.id_from_network.startswith("auto-") and pool.remote_id
    posted = [entry for entry in sandbox.request_log if entry[0] == "POST"]
    assert len(posted) == 1
    remote = sandbox.state.ring_pools[pool.id_from_network]
    assert remote.attrs["name"] == "Id made by Invoca"
    entry = AuditEntry.objects.get(action="ring_pool.create")
    assert (entry.outcome, entry.target_id) == ("ok", pool.id_from_network)
