"""The campaigns-and-advertisers directory the destinations list filters by.

Written by the ringpools sync (which owns the advertisers and campaigns cache) inside
its own transaction, so this app never imports the layer above it.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from .models import DestinationCampaign


@dataclass(frozen=True, slots=True)
class CampaignEntry:
    id_from_network: str
    name: str
    advertiser_id_from_network: str
    advertiser_name: str


def destination_campaigns_replace(*, campaigns: Iterable[CampaignEntry]) -> int:
    """Make the directory equal to `campaigns` (call inside the sync's transaction)."""
    entries = {entry.id_from_network: entry for entry in campaigns if entry.id_from_network}
    DestinationCampaign.objects.exclude(id_from_network__in=list(entries)).delete()
    DestinationCampaign.objects.bulk_create(
        [
            DestinationCampaign(
                id_from_network=entry.id_from_network,
                name=entry.name[:255],
                advertiser_id_from_network=entry.advertiser_id_from_network,
                advertiser_name=entry.advertiser_name[:255],
            )
            for entry in entries.values()
        ],
        update_conflicts=True,
        unique_fields=["id_from_network"],
        update_fields=["name", "advertiser_id_from_network", "advertiser_name"],
    )
    return len(entries)
