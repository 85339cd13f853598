"""The audit log keys a ring pool's history by campaign and id, not by the id alone."""

import pytest

from ringpools.selectors import ring_pool_audit_history
from ringpools.services import ring_pool_delete
from tests.ringpools.conftest import POOLS, make_advertiser, make_campaign, make_pool

pytestmark = pytest.mark.django_db


@pytest.fixture
def configured(settings):
    """Point the client at the fake Invoca that `invoca_mock` answers."""
    settings.INVOCA_API_URL = "https://acme.invoca.net"
    settings.INVOCA_NETWORK_ID = "1234"
    settings.INVOCA_API_TOKEN = "test-token-not-real"


@pytest.fixture
def namesakes():
    """Two pools with the same id_from_network, in two campaigns of one advertiser."""
    advertiser = make_advertiser("1", "Acme")
    brand = make_campaign(advertiser, "101", "Brand")
    promo = make_campaign(advertiser, "102", "Promo")
    return make_pool(brand, "1001", "Brand pool"), make_pool(promo, "1001", "Promo pool")


def test_a_pool_keeps_its_own_history_apart_from_a_namesake(
    configured, namesakes, editor, invoca_mock
):
    brand_pool, promo_pool = namesakes
    invoca_mock.delete(f"{POOLS}/1001.json", json={})
    ring_pool_delete(user=editor, ring_pool=brand_pool)
    assert [e.action for e in ring_pool_audit_history(ring_pool=promo_pool)] == []


def test_the_detail_page_shows_only_this_pools_history(
    configured, namesakes, editor, editor_client, invoca_mock
):
    brand_pool, promo_pool = namesakes
    invoca_mock.delete(f"{POOLS}/1001.json", json={})
    ring_pool_delete(user=editor, ring_pool=brand_pool)
    body = editor_client.get(f"/ringpools/{promo_pool.pk}/").content.decode()
    assert "Promo pool" in body
    assert "ring_pool.delete" not in body
