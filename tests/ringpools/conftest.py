"""Cache rows and a mocked Invoca for the ring pools tests."""

import json
from pathlib import Path

import pytest
from django.utils import timezone

from destinations.models import Destination, DestinationPayload, Status
from ringpools.models import Advertiser, Campaign, RingPool

FIXTURES = Path(__file__).parent.parent / "fixtures" / "invoca"
HOST = "https://acme.invoca.net"
API = f"{HOST}/api/2022-08-01/1234"
POOLS = f"{API}/advertisers/1/advertiser_campaigns/101/ring_pools"


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def configured(settings, monkeypatch):
    """Point the client at a fake Invoca that `invoca_mock` answers; retries do not wait."""
    settings.INVOCA_API_URL = HOST
    settings.INVOCA_NETWORK_ID = "1234"
    settings.INVOCA_API_TOKEN = "test-token-not-real"
    monkeypatch.setattr("invoca_admin.invoca.transport.time.sleep", lambda seconds: None)


def make_advertiser(idfn="1", name="Acme Home Services", **extra) -> Advertiser:
    return Advertiser.objects.create(
        id_from_network=idfn, name=name, synced_at=timezone.now(), **extra
    )


def make_campaign(advertiser, idfn="101", name="Brand Search", status="Activated") -> Campaign:
    return Campaign.objects.create(
        advertiser=advertiser,
        id_from_network=idfn,
        name=name,
        status=status,
        synced_at=timezone.now(),
    )


def make_pool(campaign, idfn="1001", name="Google Ads", payload=None, **extra) -> RingPool:
    fields = {
        "pool_type": "Custom",
        "destination_type": "Advertiser",
        "lifetime_seconds": 300,
        "max_pool_size": 2,
        "preferred": False,
        "is_first_preference": False,
        "fill_immediately": False,
        "allow_overflow": True,
    }
    fields.update(extra)
    return RingPool.objects.create(
        campaign=campaign,
        id_from_network=idfn,
        name=name,
        payload=payload if payload is not None else {"id_from_network": idfn, "name": name},
        synced_at=timezone.now(),
        **fields,
    )


def make_destination(remote_id, phone="805-555-0123", campaign=None, pool=None, **extra):
    fields = {
        "remote_id": remote_id,
        "phone_number": phone,
        "phone_digits": "".join(ch for ch in phone if ch.isdigit()),
        "campaign_id_from_network": campaign.id_from_network if campaign else "",
        "campaign_name": campaign.name if campaign else "",
        "status": Status.TRACKED if pool else Status.DISCOVERED,
        "synced_at": timezone.now(),
        "payload": {"id": remote_id, "phone_number": phone},
    }
    if pool is not None:
        fields.update(
            ring_pool_id_from_network=pool.id_from_network,
            ring_pool_name=pool.name,
            pool_type=pool.pool_type,
            max_pool_size=pool.max_pool_size,
        )
    fields.update(extra)
    payload = fields.pop("payload")  # kept beside the row
    destination = Destination.objects.create(**fields)
    DestinationPayload.objects.create(remote=destination, payload=payload)
    return destination


@pytest.fixture
def advertiser(db):
    return make_advertiser()


@pytest.fixture
def campaign(advertiser):
    return make_campaign(advertiser)


@pytest.fixture
def pool(campaign):
    return make_pool(campaign)


@pytest.fixture
def synced(sandbox, db):
    """A sandbox, and the cache filled from it."""
    from django.core.management import call_command

    call_command("sync_invoca")
    return sandbox
