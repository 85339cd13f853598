"""Cache rows and a synced sandbox for the destinations tests."""

import itertools
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from destinations.models import Destination, DestinationPayload, IgnoreRecord, Status
from destinations.sync import digits

_ids = itertools.count(1)
INVOCA_URL = "https://invoca.test"
NETWORK = "2041"
DELETE_URL = f"{INVOCA_URL}/api/2022-08-01/{NETWORK}/customer_phone_numbers/{{id}}.json"


def make_destination(
    phone: str | None = None,
    *,
    status: str = Status.DISCOVERED,
    campaign: tuple[str, str] = ("83", "Spring promo"),
    pool: tuple[str, str] | None = None,
    ignored_at=None,
    **extra,
) -> Destination:
    """One cached destination; `pool` makes it tracked, `status` otherwise as given."""
    n = next(_ids)
    phone = phone or f"202-555-{n:04d}"
    remote_id = extra.pop("remote_id", 10_000 + n)
    created = timezone.now() - timedelta(days=n)
    payload = {
        "id": remote_id,
        "phone_number": phone,
        "country_code": "1",
        "advertiser_campaign": {"id_from_network": campaign[0], "name": campaign[1]},
        "dynamic_number_pool": (
            {"id_from_network": pool[0], "name": pool[1]} if pool else {"id_from_network": None}
        ),
        "ignored_at": ignored_at.isoformat() if ignored_at else None,
    }
    fields = {
        "remote_id": remote_id,
        "country_code": "1",
        "phone_number": phone,
        "phone_digits": digits(phone),
        "campaign_id_from_network": campaign[0],
        "campaign_name": campaign[1],
        "ring_pool_id_from_network": pool[0] if pool else "",
        "ring_pool_name": pool[1] if pool else "",
        "status": Status.TRACKED if pool else status,
        "ignored_at": ignored_at,
        "created_at": created,
        "updated_at": created + timedelta(hours=1),
        "synced_at": timezone.now(),
    }
    fields.update(extra)
    payload = fields.pop("payload", payload)
    destination = Destination.objects.create(**fields)
    DestinationPayload.objects.create(remote=destination, payload=payload)
    return destination


def ignore_locally(destination: Destination, user=None) -> IgnoreRecord:
    record = IgnoreRecord.objects.create(
        remote_id=destination.remote_id, phone_number=destination.phone_number, ignored_by=user
    )
    destination.status = Status.IGNORED
    destination.save(update_fields=["status"])
    return record


@pytest.fixture
def invoca_settings(settings):
    """Point the client at a fake Invoca that `invoca_mock` answers, with no retry waits."""
    settings.INVOCA_API_URL = INVOCA_URL
    settings.INVOCA_NETWORK_ID = NETWORK
    settings.INVOCA_API_TOKEN = "test-token"
    return settings


@pytest.fixture
def no_retry_wait(monkeypatch):
    """Retries of 5xx still happen, without the backoff sleeps."""
    monkeypatch.setattr("invoca_admin.invoca.transport.time.sleep", lambda seconds: None)


@pytest.fixture
def synced(sandbox, db):
    """The sandbox's 120 destinations in the cache."""
    call_command("sync_invoca")
    return sandbox
