"""Reads that cut across apps."""

from destinations.selectors import destination_status_counts
from ringpools.models import Advertiser, Campaign, RingPool

from .core.models import AuditEntry


def cache_overview() -> dict:
    """What the local cache holds, in four queries."""
    return {
        "destinations": destination_status_counts(),
        "advertisers": Advertiser.objects.count(),
        "campaigns": Campaign.objects.count(),
        "ring_pools": RingPool.objects.count(),
        "recent": AuditEntry.objects.select_related("user")[:5],
    }
