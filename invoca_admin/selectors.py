"""Reads that cut across apps."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from destinations.models import Destination, Status
from ringpools.models import Advertiser, Campaign, RingPool

from .models import AuditEntry


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


@dataclass(frozen=True)
class WeekBar:
    """One bar of the overview's chart: the destinations first seen in one week."""

    start: datetime
    count: int
    height: float  # 0..1 of the tallest bar


def destinations_discovered_per_week(*, weeks: int = 12, now: datetime | None = None):
    """Destinations Invoca created (first discovered) in each of the last ``weeks`` weeks,
    oldest first, weeks starting on Monday in the dashboard's time zone. One query on
    the ``created_at`` index, grouped by day, folded into weeks here (portable)."""
    today = timezone.localdate(now or timezone.now())
    first = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    start = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    days = (
        Destination.objects.filter(created_at__gte=start)
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    counts = [0] * weeks
    for day, n in days:
        index = (day - first).days // 7
        if 0 <= index < weeks:
            counts[index] += n
    tallest = max(counts) or 1
    return [
        WeekBar(start=start + timedelta(weeks=i), count=count, height=count / tallest)
        for i, count in enumerate(counts)
    ]
