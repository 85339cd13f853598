"""Reads that cut across apps."""

from django.db.models import Count, Q

from destinations.models import Destination, Status
from ringpools.models import Advertiser, Campaign, RingPool

from .core.models import AuditEntry


def cache_overview() -> dict:
    """What the local cache holds, in four queries."""
    destinations = Destination.objects.aggregate(
        total=Count("pk"),
        **{status: Count("pk", filter=Q(status=status)) for status in Status.values},
    )
    return {
        "destinations": destinations,
        "advertisers": Advertiser.objects.count(),
        "campaigns": Campaign.objects.count(),
        "ring_pools": RingPool.objects.count(),
        "recent": AuditEntry.objects.select_related("user")[:5],
    }
