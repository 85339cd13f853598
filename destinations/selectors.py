"""Reads of the destinations cache: the list, its tab counts and the detail page.

Everything here reads the local database only; a GET never calls Invoca.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from invoca_admin.core.models import AuditEntry

from .models import Destination, DestinationCount, DestinationPayload, IgnoreRecord, Status
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


@dataclass(frozen=True, slots=True)
class DestinationFilters:
    """What the list shows; every field already checked (see `forms.DestinationFilterForm`)."""

    status: str = ""  # "" = every status
    query: str = ""
    campaign: str = ""  # a campaign's id_from_network
    sort_by: str = DEFAULT_SORT_BY
    sort_dir: str = DEFAULT_SORT_DIR


def _search(query: str) -> Q:
    """A phone number whatever its punctuation, or a campaign name.

    "(202) 555-0001", "202.555.0001" and "+1 202 555 0001" all find 202-555-0001:
    the query is reduced to digits and matched against `phone_digits`; eleven
    digits starting with the country code "1" also match the ten after it.
    """
    condition = Q(campaign_name__icontains=query)
    number = digits(query)
    if number:
        condition |= Q(phone_digits__contains=number)
        if len(number) == 11 and number.startswith("1"):
            condition |= Q(phone_digits__contains=number[1:])
    return condition


def _filtered(*, query: str, campaign: str) -> QuerySet[Destination]:
    qs = Destination.objects.all()
    if query:
        qs = qs.filter(_search(query))
    if campaign:
        qs = qs.filter(campaign_id_from_network=campaign)
    return qs


def destination_list(
    *, filters: DestinationFilters, match_count: int | None = None
) -> QuerySet[Destination]:
    """The destinations matching `filters`, sorted, with a stable tiebreaker.

    `match_count` (how many rows match, when the caller already counted them) lets a
    rare search skip the sort index: walking the index in order would visit nearly
    every row to find a handful of matches, while sorting a few hundred matches
    costs next to nothing.
    """
    qs = _filtered(query=filters.query, campaign=filters.campaign)
    if filters.status:
        qs = qs.filter(status=filters.status)
    field = SORT_FIELDS.get(filters.sort_by, SORT_FIELDS[DEFAULT_SORT_BY])
    descending = filters.sort_dir == "desc"
    if filters.query and match_count is not None and match_count <= FEW_MATCHES:
        # COALESCE(x, x) is x (NULLs included), but no index serves it.
        key = Coalesce(F(field), F(field))
        return qs.order_by(key.desc() if descending else key.asc(), "-pk" if descending else "pk")
    prefix = "-" if descending else ""
    return qs.order_by(f"{prefix}{field}", f"{prefix}pk")


def destination_status_counts(*, query: str = "", campaign: str = "") -> dict[str, int]:
    """{"all": n, "discovered": n, "tracked": n, "ignored": n} in one query.

    With no search, from the trigger-kept `DestinationCount` rows (a few hundred rows,
    whatever the number of destinations); with a search, one aggregate over the
    matching rows.
    """
    if query:
        counts = _filtered(query=query, campaign=campaign).aggregate(
            all=Count("pk"),
            **{status.value: Count("pk", filter=Q(status=status)) for status in Status},
        )
        return {key: value or 0 for key, value in counts.items()}
    rows = DestinationCount.objects.all()
    if campaign:
        rows = rows.filter(campaign_id_from_network=campaign)
    by_status = dict(rows.order_by().values_list("status").annotate(total=Sum("n")))
    counts = {status.value: by_status.get(status.value, 0) for status in Status}
    return {"all": sum(counts.values()), **counts}


def destination_campaign_choices() -> list[tuple[str, str]]:
    """(id_from_network, name) of every campaign that has a cached destination, by name,
    from the trigger-kept counts (never from the destinations table)."""
    rows = (
        DestinationCount.objects.exclude(campaign_id_from_network="")
        .order_by()
        .values_list("campaign_id_from_network")
        .annotate(name=Max("campaign_name"))
    )
    choices = [(campaign_id, name or campaign_id) for campaign_id, name in rows]
    return sorted(choices, key=lambda choice: (choice[1].casefold(), choice[0]))


def destination_campaign_name(*, campaign: str) -> str | None:
    """The name of a campaign that has cached destinations, or None if it has none."""
    if not campaign:
        return None
    row = (
        DestinationCount.objects.filter(campaign_id_from_network=campaign)
        .values_list("campaign_name", flat=True)
        .order_by("-n")
        .first()
    )
    if row is None:
        return None
    return row or campaign


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
