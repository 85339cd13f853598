"""Reads of the destinations cache: the list, its tab counts and the detail page.

Everything here reads the local database only; a GET never calls Invoca.
"""

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from invoca_admin.core.models import AuditEntry

from .jobs import BulkJob, BulkJobRow
from .models import (
    Destination,
    DestinationCampaign,
    DestinationCount,
    DestinationPayload,
    IgnoreRecord,
    Status,
)
from .sync import digits

# Public sort key (the query string's `sort_by`) -> ORM field. A "pk" tiebreaker is
# always appended so that pages are stable, and each pair has an index.
SORT_FIELDS: dict[str, str] = {
    "phone_number": "phone_digits",
    "campaign": "campaign_name",
    "ring_pool": "ring_pool_name",
    "created": "created_at",
    "updated": "updated_at",
    "status": "status",
}
DEFAULT_SORT_BY = "phone_number"
DEFAULT_SORT_DIR = "asc"
SORT_DIRS = ("asc", "desc")
AUDIT_TARGET_TYPE = "destination"
# A search matching at most this many rows is sorted without the sort index.
FEW_MATCHES = 1000
#: The columns a row of the list shows (``templatetags/destination_rows.py``): a page of
#: the list reads only these.
ROW_FIELDS = (
    "remote_id",
    "phone_number",
    "campaign_name",
    "ring_pool_id_from_network",
    "ring_pool_name",
    "status",
    "created_at",
    "updated_at",
    "ignored_at",
)


@dataclass(frozen=True, slots=True)
class DestinationFilters:
    """What the list shows; every field already checked (see `forms.DestinationFilterForm`)."""

    status: str = ""  # "" = every status
    query: str = ""
    campaign: str = ""  # a campaign's id_from_network
    sort_by: str = DEFAULT_SORT_BY
    sort_dir: str = DEFAULT_SORT_DIR
    advertiser: str = ""  # an advertiser's id_from_network
    ring_pool: str = ""  # a ring pool's id_from_network
    created_from: date | None = None  # discovered on or after this day
    created_to: date | None = None  # discovered on or before this day


def fold(text: str) -> str:
    """`text` without case or accents ("Campaña Señor" -> "campana senor"): how names are
    compared, in Python, so that SQLite and PostgreSQL find exactly the same rows."""
    if text.isascii():  # most names: nothing to decompose (casefold is lower for ASCII)
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


@dataclass(frozen=True, slots=True)
class NameMatches:
    """The campaigns and ring pools whose names contain a search (from the counts table)."""

    campaigns: tuple[str, ...] = ()
    ring_pools: tuple[str, ...] = ()


def _name_matches(query: str) -> NameMatches:
    """Campaign and ring pool names are few (a row of `DestinationCount` per status,
    campaign and pool), so they are folded and matched here rather than in every row."""
    needle = fold(query)
    campaigns: set[str] = set()
    pools: set[str] = set()
    names = DestinationCount.objects.values_list(
        "campaign_id_from_network", "campaign_name", "ring_pool_id_from_network", "ring_pool_name"
    ).distinct()
    for campaign_id, campaign_name, pool_id, pool_name in names:
        if campaign_id and needle in fold(campaign_name):
            campaigns.add(campaign_id)
        if pool_id and needle in fold(pool_name):
            pools.add(pool_id)
    return NameMatches(tuple(sorted(campaigns)), tuple(sorted(pools)))


def _search(query: str, names: NameMatches) -> Q:
    """A phone number whatever its punctuation, or a campaign or ring pool name.

    "(202) 555-0001", "202.555.0001" and "+1 202 555 0001" all find 202-555-0001:
    the query is reduced to digits and matched against `phone_digits` (a trigram index
    on PostgreSQL); eleven digits starting with the country code "1" also match the ten
    after it. Names match whatever their case and accents ("campana" finds "Campaña").
    """
    condition = Q(pk__in=[])
    if names.campaigns:
        condition |= Q(campaign_id_from_network__in=names.campaigns)
    if names.ring_pools:
        condition |= Q(ring_pool_id_from_network__in=names.ring_pools)
    number = digits(query)
    if number:
        condition |= Q(phone_digits__contains=number)
        if len(number) == 11 and number.startswith("1"):
            condition |= Q(phone_digits__contains=number[1:])
    return condition


def _advertiser_campaigns(advertiser: str) -> list[str]:
    return list(
        DestinationCampaign.objects.filter(advertiser_id_from_network=advertiser).values_list(
            "id_from_network", flat=True
        )
    )


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _apply_filters(qs: QuerySet, filters: DestinationFilters, *, rows: bool) -> QuerySet:
    """`qs` (destinations, or their counts when `rows` is False) narrowed by every filter
    but the status tab and the search."""
    if filters.campaign:
        qs = qs.filter(campaign_id_from_network=filters.campaign)
    if filters.advertiser:
        qs = qs.filter(campaign_id_from_network__in=_advertiser_campaigns(filters.advertiser))
    if filters.ring_pool:
        qs = qs.filter(ring_pool_id_from_network=filters.ring_pool)
    if rows and filters.created_from:
        qs = qs.filter(created_at__gte=_day_start(filters.created_from))
    if rows and filters.created_to:
        qs = qs.filter(created_at__lt=_day_start(filters.created_to + timedelta(days=1)))
    return qs


def _filtered(filters: DestinationFilters) -> QuerySet[Destination]:
    qs = Destination.objects.all()
    if filters.query:
        qs = qs.filter(_search(filters.query, _name_matches(filters.query)))
    return _apply_filters(qs, filters, rows=True)


def destination_list(
    *, filters: DestinationFilters, match_count: int | None = None
) -> QuerySet[Destination]:
    """The destinations matching `filters`, sorted, with a stable tiebreaker.

    `match_count` (how many rows match, when the caller already counted them) lets a
    rare search skip the sort index: walking the index in order would visit nearly
    every row to find a handful of matches, while sorting a few hundred matches
    costs next to nothing.
    """
    qs = _filtered(filters)
    if filters.status:
        qs = qs.filter(status=filters.status)
    field = SORT_FIELDS.get(filters.sort_by, SORT_FIELDS[DEFAULT_SORT_BY])
    descending = filters.sort_dir == "desc"
    narrowed = filters.query or filters.ring_pool or filters.created_from or filters.created_to
    if narrowed and match_count is not None and match_count <= FEW_MATCHES:
        # COALESCE(x, x) is x (NULLs included), but no index serves it.
        key = Coalesce(F(field), F(field))
        return qs.order_by(key.desc() if descending else key.asc(), "-pk" if descending else "pk")
    prefix = "-" if descending else ""
    return qs.order_by(f"{prefix}{field}", f"{prefix}pk")


def destination_status_counts(
    *, query: str = "", campaign: str = "", filters: DestinationFilters | None = None
) -> dict[str, int]:
    """{"all": n, "discovered": n, "tracked": n, "ignored": n} in one query (plus one
    for a name search or an advertiser).

    From the trigger-kept `DestinationCount` rows (a few hundred, whatever the number
    of destinations) unless a number search or a date range asks which rows match:
    then one aggregate over the matching rows, through their indexes.
    """
    if filters is None:
        filters = DestinationFilters(query=query, campaign=campaign)
    by_rows = (
        (filters.query and digits(filters.query)) or filters.created_from or filters.created_to
    )
    if by_rows:
        counts = _filtered(filters).aggregate(
            all=Count("pk"),
            **{status.value: Count("pk", filter=Q(status=status)) for status in Status},
        )
        return {key: value or 0 for key, value in counts.items()}
    rows = _apply_filters(DestinationCount.objects.all(), filters, rows=False)
    if filters.query:
        rows = rows.filter(_search(filters.query, _name_matches(filters.query)))
    by_status = dict(rows.order_by().values_list("status").annotate(total=Sum("n")))
    counts = {status.value: by_status.get(status.value, 0) for status in Status}
    return {"all": sum(counts.values()), **counts}


@dataclass(frozen=True, slots=True)
class FilterChoices:
    """The list filters' choices, each (id_from_network, label) sorted by label."""

    campaigns: list[tuple[str, str]]  # "Spring sale — Acme" when the directory knows it
    advertisers: list[tuple[str, str]]
    ring_pools: list[tuple[str, str]]


def destination_filter_choices() -> FilterChoices:
    """Every campaign and ring pool that has a cached destination, and every advertiser in
    the campaigns directory, in two queries of small tables: the trigger-kept counts (a
    row per status, campaign and pool) and the directory, never the destinations.
    Where rows of one id disagree on its name, the greatest (by code point) wins."""
    campaigns: dict[str, str] = {}
    pools: dict[str, str] = {}
    names = DestinationCount.objects.values_list(
        "campaign_id_from_network", "campaign_name", "ring_pool_id_from_network", "ring_pool_name"
    ).distinct()
    for campaign_id, campaign_name, pool_id, pool_name in names:
        if campaign_id:
            campaigns[campaign_id] = max(campaigns.get(campaign_id, ""), campaign_name)
        if pool_id:
            pools[pool_id] = max(pools.get(pool_id, ""), pool_name)
    advertisers: dict[str, str] = {}
    owner: dict[str, str] = {}  # campaign id -> its advertiser's name
    directory = DestinationCampaign.objects.order_by("pk").values_list(
        "id_from_network", "advertiser_id_from_network", "advertiser_name"
    )
    for campaign_id, advertiser_id, advertiser_name in directory:
        advertisers[advertiser_id] = max(advertisers.get(advertiser_id, ""), advertiser_name)
        owner[campaign_id] = advertiser_name
    labelled = sorted(
        (fold(name or key), fold(owner.get(key, "")), key, name, owner.get(key, ""))
        for key, name in campaigns.items()
    )
    return FilterChoices(
        campaigns=[
            (key, f"{name or key} — {advertiser}" if advertiser else name or key)
            for _, _, key, name, advertiser in labelled
        ],
        advertisers=_by_label(advertisers),
        ring_pools=_by_label(pools),
    )


def _by_label(names: dict[str, str]) -> list[tuple[str, str]]:
    """(id, name or id) pairs sorted by name, whatever its case and accents, then id."""
    return sorted(((key, name or key) for key, name in names.items()), key=_label_order)


def _label_order(choice: tuple[str, str]) -> tuple[str, str]:
    return fold(choice[1]), choice[0]


def _counted_name(id_column: str, name_column: str, value: str) -> str | None:
    """The name the most destinations give an id (a campaign's or a ring pool's), the id
    itself when they give none, or None when no cached destination has it."""
    if not value:
        return None
    row = (
        DestinationCount.objects.filter(**{id_column: value})
        .values_list(name_column, flat=True)
        .order_by("-n")
        .first()
    )
    if row is None:
        return None
    return row or value


def destination_campaign_name(*, campaign: str) -> str | None:
    """The name of a campaign that has cached destinations, or None if it has none."""
    return _counted_name("campaign_id_from_network", "campaign_name", campaign)


def destination_ring_pool_name(*, ring_pool: str) -> str | None:
    """The name of a ring pool that tracks cached destinations, or None."""
    return _counted_name("ring_pool_id_from_network", "ring_pool_name", ring_pool)


def destination_advertiser_name(*, advertiser: str) -> str | None:
    """The name of an advertiser in the campaigns directory, or None."""
    row = (
        DestinationCampaign.objects.filter(advertiser_id_from_network=advertiser)
        .values_list("advertiser_name", flat=True)
        .first()
    )
    if row is None:
        return None
    return row or advertiser


def destination_ignore_records(*, remote_ids: Iterable[int]) -> dict[int, IgnoreRecord]:
    """The dashboard's ignore records for these destinations, in one query."""
    ids = list(remote_ids)
    if not ids:
        return {}
    records = IgnoreRecord.objects.filter(remote_id__in=ids).select_related("ignored_by")
    return {record.remote_id: record for record in records}


def destinations_with_ignores(rows: Iterable[Destination]) -> list[Destination]:
    """`rows` with `.ignore_record` set (an IgnoreRecord or None) on each: no N+1."""
    rows = list(rows)
    records = destination_ignore_records(remote_ids=[row.remote_id for row in rows])
    for row in rows:
        row.ignore_record = records.get(row.remote_id)
    return rows


def destination_payload(*, remote_id: int) -> dict:
    """Invoca's raw record of one destination (the detail page's; no list reads it)."""
    payload = (
        DestinationPayload.objects.filter(remote_id=remote_id)
        .values_list("payload", flat=True)
        .first()
    )
    return payload if isinstance(payload, dict) else {}


def destination_get(*, remote_id: int) -> Destination | None:
    row = Destination.objects.filter(remote_id=remote_id).first()
    if row is not None:
        destinations_with_ignores([row])
    return row


# --- the ring pool a destination names ----------------------------------------------------
# A destination knows its pool from Invoca's own payload (`dynamic_number_pool`, kept in the
# ring_pool_* columns). Ring pool pages belong to the ringpools app, which stands above this
# one: it registers how to find a pool's page (see ringpools.apps), so this app never
# imports it.


@dataclass(frozen=True, slots=True)
class PoolPage:
    """Where a destination's ring pool is shown: its page here, and in Invoca's UI."""

    url: str
    name: str = ""
    invoca_url: str = ""  # only ever an http(s) URL


PoolPageFinder = Callable[[Destination], PoolPage | None]
_pool_page_finders: list[PoolPageFinder] = []


def destination_pool_page_finder(finder: PoolPageFinder) -> PoolPageFinder:
    """Register `finder` (idempotent); the first finder that knows the pool wins."""
    if finder not in _pool_page_finders:
        _pool_page_finders.append(finder)
    return finder


def destination_pool_page(*, destination: Destination) -> PoolPage | None:
    """The page of the ring pool a tracked destination names, if any app has one."""
    if not destination.ring_pool_id_from_network:
        return None
    for finder in _pool_page_finders:
        page = finder(destination)
        if page is not None:
            return page
    return None


def destination_audit_history(*, remote_id: int, limit: int = 50) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(target_type=AUDIT_TARGET_TYPE, target_id=str(remote_id))
        .select_related("user")
        .order_by("-at", "-pk")[:limit]
    )


# --- bulk jobs (models in jobs.py, services in bulk.py) ----------------------------------


def bulk_job_get(*, job_id: int) -> BulkJob | None:
    return BulkJob.objects.filter(pk=job_id).first()


def bulk_job_list() -> QuerySet[BulkJob]:
    """Every job, newest first."""
    return BulkJob.objects.order_by("-created_at", "-pk")


def bulk_job_rows(*, job: BulkJob, outcome: str = "") -> QuerySet[BulkJobRow]:
    """A job's rows in selection order, of one outcome or all."""
    rows = BulkJobRow.objects.filter(job=job)
    if outcome:
        rows = rows.filter(outcome=outcome)
    return rows.order_by("pk")


def bulk_job_outcome_counts(*, job: BulkJob) -> dict[str, int]:
    """{"all": n, "done": n, "gone": n, ...} for a job's rows, in one aggregate query."""
    counts = BulkJobRow.objects.filter(job=job).aggregate(
        all=Count("pk"),
        **{value: Count("pk", filter=Q(outcome=value)) for value in BulkJobRow.Outcome.values},
    )
    return {key: value or 0 for key, value in counts.items()}
