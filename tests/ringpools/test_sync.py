"""What the ring pool sync writes into the cache."""

import pytest

from invoca_admin.invoca import RingPool as RemoteRingPool
from ringpools.sync import ring_pool_fields


@pytest.mark.parametrize(
    ("object_url", "cached"),
    [
        ("https://acme.invoca.net/a/ring_pools/7", "https://acme.invoca.net/a/ring_pools/7"),
        ("javascript:alert(document.cookie)", ""),
        (" JavaScript:alert(1)", ""),
        ("data:text/html,<script>alert(1)</script>", ""),
        (None, ""),
    ],
)
def test_only_http_links_into_invocas_ui_are_kept(object_url, cached):
    remote = RemoteRingPool.from_api({"id_from_network": "7", "object_url": object_url})
    assert ring_pool_fields(remote)["object_url"] == cached


def test_local_pools_are_recognised():
    local = RemoteRingPool.from_api(
        {"id_from_network": "8", "local_center": {"tn_prefix": "805"}, "tn_prefix_whitelist": []}
    )
    plain = RemoteRingPool.from_api({"id_from_network": "9"})
    assert ring_pool_fields(local)["is_local"] is True
    assert ring_pool_fields(plain)["is_local"] is False


@pytest.mark.django_db
def test_the_sync_gives_the_destinations_list_each_campaigns_advertiser(sandbox):
    from django.core.management import call_command

    from destinations.models import DestinationCampaign
    from ringpools.models import Campaign

    call_command("sync_invoca")
    cached = {
        (c.id_from_network, c.name, c.advertiser.id_from_network, c.advertiser.name)
        for c in Campaign.objects.select_related("advertiser")
    }
    directory = set(
        DestinationCampaign.objects.values_list(
            "id_from_network", "name", "advertiser_id_from_network", "advertiser_name"
        )
    )
    assert cached and directory == cached
