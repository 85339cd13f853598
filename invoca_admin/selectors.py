"""Reads that cut across apps."""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, Max
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from destinations.models import Destination
from destinations.selectors import DestinationFilters, destination_status_counts
from ringpools.models import Advertiser, Campaign, RingPool

from .core.models import AuditEntry, SyncRun

logger = logging.getLogger(__name__)


def cache_overview() -> dict:
    """What the local cache holds, in four queries."""
    return {
        "destinations": destination_status_counts(),
        "advertisers": Advertiser.objects.count(),
        "campaigns": Campaign.objects.count(),
        "ring_pools": RingPool.objects.count(),
        "recent": AuditEntry.objects.select_related("user")[:5],
    }


@dataclass(frozen=True)
class NewSince:
    """The overview's "new since your last visit": destinations first seen at Invoca from the
    day of the user's last visit on, and the destinations list filtered to exactly those."""

    last_visit: datetime
    day: date
    count: int
    href: str


def destinations_new_since(*, since: datetime) -> NewSince:
    """Counted with the list's own filter (``created_from``, a day), so the number equals
    the list the link opens."""
    day = timezone.localdate(since)
    count = destination_status_counts(filters=DestinationFilters(created_from=day))["all"]
    href = f"{reverse('destinations:list')}?created_from={day.isoformat()}"
    return NewSince(last_visit=since, day=day, count=count, href=href)


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


def health_report() -> dict:
    """What /healthz tells: whether the database answers, how old the last good sync
    is, and when a task worker was last seen at work. Ages are whole seconds.

    django-tasks-db keeps no worker heartbeat, so "seen" means the latest time any
    task was started or finished; an idle worker with nothing queued is not seen.
    """
    report: dict = {
        "status": "unavailable",
        "database": "unavailable",
        "last_sync_age_seconds": None,
        "worker_last_seen_age_seconds": None,
        "worker_recent": False,
    }
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        report["database"] = "ok"
        now = timezone.now()
        last_sync = SyncRun.objects.filter(
            status__in=[SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL]
        ).aggregate(at=Max("finished_at"))["at"]
        worker_seen = _worker_last_seen()
    except DatabaseError as exc:
        logger.error("Health check: the database does not answer (%s).", type(exc).__name__)
        return report
    report["status"] = "ok"
    if last_sync is not None:
        report["last_sync_age_seconds"] = max(0, int((now - last_sync).total_seconds()))
    if worker_seen is not None:
        age = max(0, int((now - worker_seen).total_seconds()))
        report["worker_last_seen_age_seconds"] = age
        report["worker_recent"] = age <= settings.HEALTHZ_WORKER_MAX_AGE
    return report


def _worker_last_seen():
    from django_tasks_db.models import DBTaskResult

    seen = DBTaskResult.objects.aggregate(started=Max("started_at"), finished=Max("finished_at"))
    times = [t for t in seen.values() if t is not None]
    return max(times) if times else None
