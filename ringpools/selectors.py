"""Reads of the ring pools app: the cache only, never Invoca."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet
from django.urls import reverse

from destinations.models import Destination
from destinations.selectors import PoolPage
from invoca_admin.core.models import AuditEntry

from .forms import SORT_FIELDS
from .models import Advertiser, Campaign, RingPool
from .sync import http_url


def ring_pool_list(
    *,
    advertiser: Advertiser | None = None,
    campaign: Campaign | None = None,
    query: str = "",
    sort_by: str = "name",
    sort_dir: str = "asc",
) -> QuerySet[RingPool]:
    """Cached ring pools, filtered and sorted on an allow-listed column, then by pk."""
    pools = RingPool.objects.select_related("campaign__advertiser")
    if campaign is not None:
        pools = pools.filter(campaign=campaign)
    elif advertiser is not None:
        pools = pools.filter(campaign__advertiser=advertiser)
    query = query.strip()
    if query:
        pools = pools.filter(Q(name__icontains=query) | Q(id_from_network__icontains=query))
    field = SORT_FIELDS.get(sort_by, SORT_FIELDS["name"])[0]
    if sort_dir == "desc":
        return pools.order_by(F(field).desc(nulls_last=True), "-pk")
    return pools.order_by(F(field).asc(nulls_last=True), "pk")


def advertiser_get(*, id_from_network: str) -> Advertiser | None:
    if not id_from_network:
        return None
    return Advertiser.objects.filter(id_from_network=id_from_network).first()


def campaign_get(*, id_from_network: str) -> Campaign | None:
    if not id_from_network:
        return None
    return (
        Campaign.objects.select_related("advertiser")
        .filter(id_from_network=id_from_network)
        .first()
    )


def advertiser_choices() -> QuerySet[Advertiser]:
    return Advertiser.objects.order_by("name", "pk")


def campaign_choices(*, advertiser: Advertiser | None) -> QuerySet[Campaign]:
    """An advertiser's campaigns, or every campaign (grouped by advertiser) when none."""
    campaigns = Campaign.objects.select_related("advertiser")
    if advertiser is not None:
        return campaigns.filter(advertiser=advertiser).order_by("name", "pk")
    return campaigns.order_by("advertiser__name", "advertiser__pk", "name", "pk")


def ring_pool_get(*, pk: int) -> RingPool | None:
    return RingPool.objects.select_related("campaign__advertiser").filter(pk=pk).first()


def _payload_links(pool: RingPool) -> list[dict[str, Any]]:
    linked = (pool.payload or {}).get("customer_phone_numbers") or []
    return [item for item in linked if isinstance(item, dict) and item.get("id") is not None]


BIGINT_MAX = 2**63 - 1


def _remote_id(value: Any) -> int | None:
    """An Invoca destination id as an int that fits the cache's column, else None."""
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if -BIGINT_MAX <= number <= BIGINT_MAX else None


def _linked_rows_query(pools: Iterable[RingPool]) -> Q:
    """Cached destinations whose ring pool is one of ``pools`` (same campaign, same id)."""
    condition = Q(pk__in=[])
    for pool in pools:
        condition |= Q(
            ring_pool_id_from_network=pool.id_from_network,
            campaign_id_from_network=pool.campaign.id_from_network,
        )
    return condition


def ring_pool_linked_counts(*, pools: Iterable[RingPool]) -> dict[int, int]:
    """pool pk -> how many destinations are linked (Invoca's list and the cache, merged).

    One query for the whole page of pools.
    """
    pools = list(pools)
    ids: dict[int, set[int]] = {}
    by_key: dict[tuple[str, str], int] = {}
    for pool in pools:
        ids[pool.pk] = {
            rid
            for rid in (_remote_id(i.get("id")) for i in _payload_links(pool))
            if rid is not None
        }
        by_key[(pool.id_from_network, pool.campaign.id_from_network)] = pool.pk
    if pools:
        rows = Destination.objects.filter(_linked_rows_query(pools)).values_list(
            "ring_pool_id_from_network", "campaign_id_from_network", "remote_id"
        )
        for pool_id, campaign_id, remote_id in rows:
            pk = by_key.get((pool_id, campaign_id))
            if pk is not None:
                ids[pk].add(remote_id)
    return {pk: len(found) for pk, found in ids.items()}


@dataclass(frozen=True)
class LinkedDestination:
    """One destination of a ring pool, from Invoca's list and/or the cache."""

    remote_id: int
    phone_number: str
    obfuscated_tag_id: str
    is_default: bool
    cached: Destination | None

    @property
    def status(self) -> str:
        return self.cached.status if self.cached else ""

    @property
    def name(self) -> str:
        return self.cached.requested_destination_name if self.cached else ""


def ring_pool_linked_destinations(*, ring_pool: RingPool) -> list[LinkedDestination]:
    """The pool's destinations: those Invoca listed in the pool, and cached rows that
    name this pool (a sync may have seen a link the pool's payload does not have yet)."""
    payload = ring_pool.payload or {}
    default = payload.get("default_customer_phone_number") or {}
    default_id = _remote_id(default.get("id")) if isinstance(default, dict) else None
    links = {rid: item for item in _payload_links(ring_pool) if (rid := _remote_id(item.get("id")))}
    rows = Destination.objects.filter(
        _linked_rows_query([ring_pool]) | Q(remote_id__in=list(links))
    )
    cached = {row.remote_id: row for row in rows}
    result = []
    for rid in sorted(set(links) | set(cached)):
        item = links.get(rid, {})
        row = cached.get(rid)
        tag = item.get("js_tag") if isinstance(item.get("js_tag"), dict) else {}
        result.append(
            LinkedDestination(
                remote_id=rid,
                phone_number=str(item.get("phone_number") or (row.phone_number if row else "")),
                obfuscated_tag_id=str(
                    tag.get("obfuscated_tag_id") or item.get("obfuscated_tag_id") or ""
                ),
                is_default=rid == default_id,
                cached=row,
            )
        )
    return result


def ring_pool_linked_destination_ids(*, ring_pool: RingPool) -> list[int]:
    return [d.remote_id for d in ring_pool_linked_destinations(ring_pool=ring_pool)]


def ring_pool_audit_history(*, ring_pool: RingPool, limit: int = 50) -> QuerySet[AuditEntry]:
    """This pool's entries: an id_from_network is unique only within its campaign."""
    return AuditEntry.objects.filter(
        target_type="ring_pool",
        target_id=ring_pool.id_from_network,
        target_scope=ring_pool.campaign.id_from_network,
    ).select_related("user")[:limit]


def destination_for_tracking(*, remote_id: str) -> Destination | None:
    """The cached destination a *Track* link names (``?destination=<remote_id>``)."""
    rid = _remote_id(remote_id)
    if rid is None:
        return None
    return Destination.objects.filter(remote_id=rid).first()


def destination_ring_pool(*, destination: Destination) -> RingPool | None:
    """The cached ring pool a tracked destination belongs to, if the cache has it."""
    if not destination.ring_pool_id_from_network:
        return None
    pools = RingPool.objects.filter(id_from_network=destination.ring_pool_id_from_network)
    if destination.campaign_id_from_network:
        pools = pools.filter(campaign__id_from_network=destination.campaign_id_from_network)
    return pools.select_related("campaign__advertiser").first()


def destination_pool_page(destination: Destination) -> PoolPage | None:
    """The destinations app's link to a pool: this app's page and Invoca's (registered in
    RingpoolsConfig.ready)."""
    pool = destination_ring_pool(destination=destination)
    if pool is None:
        return None
    return PoolPage(
        url=reverse("ringpools:detail", args=[pool.pk]),
        name=pool.name,
        invoca_url=http_url(pool.object_url),
    )
