"""Reads of the ring pools app: the cache only, never Invoca."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet
from django.urls import reverse

from destinations.models import Destination
from destinations.selectors import PoolPage
from invoca_admin.core.models import AuditEntry
from invoca_admin.invoca import LinkedDestination as RemoteLink
from invoca_admin.invoca import national_digits

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


def _payload_links(pool: RingPool) -> list[RemoteLink]:
    """The pool's ``customer_phone_numbers`` as Invoca listed them (digits, tag id)."""
    linked = (pool.payload or {}).get("customer_phone_numbers") or []
    links = [RemoteLink.from_api(item) for item in linked if isinstance(item, dict)]
    return [link for link in links if link.digits]


def _default_digits(pool: RingPool) -> str:
    default = (pool.payload or {}).get("default_customer_phone_number")
    return RemoteLink.from_api(default).digits if isinstance(default, dict) else ""


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


def _digit_variants(digits: Iterable[str]) -> list[str]:
    """Ten digits as a cached ``phone_digits`` may hold them: with or without the leading 1."""
    return [variant for d in digits for variant in (d, f"1{d}")]


def _linked_rows_query(pools: Iterable[RingPool], *, digits: Iterable[str] = ()) -> Q:
    """Cached destinations of ``pools``: those naming the pool (same campaign, same id) and
    those whose number Invoca lists in a pool (``digits``)."""
    condition = Q(pk__in=[])
    for pool in pools:
        condition |= Q(
            ring_pool_id_from_network=pool.id_from_network,
            campaign_id_from_network=pool.campaign.id_from_network,
        )
    variants = _digit_variants(digits)
    if variants:
        condition |= Q(phone_digits__in=variants)
    return condition


def ring_pool_linked_counts(*, pools: Iterable[RingPool]) -> dict[int, int]:
    """pool pk -> how many destinations are linked (Invoca's list and the cache, merged
    by number). One query for the whole page of pools."""
    pools = list(pools)
    numbers: dict[int, set[str]] = {}
    by_key: dict[tuple[str, str], int] = {}
    for pool in pools:
        numbers[pool.pk] = {link.digits for link in _payload_links(pool)}
        by_key[(pool.id_from_network, pool.campaign.id_from_network)] = pool.pk
    if pools:
        rows = Destination.objects.filter(_linked_rows_query(pools)).values_list(
            "ring_pool_id_from_network", "campaign_id_from_network", "phone_digits"
        )
        for pool_id, campaign_id, phone_digits in rows:
            pk = by_key.get((pool_id, campaign_id))
            if pk is not None:
                numbers[pk].add(national_digits(phone_digits))
    return {pk: len(found) for pk, found in numbers.items()}


@dataclass(frozen=True)
class LinkedDestination:
    """One destination of a ring pool, from Invoca's list and/or the cache."""

    digits: str
    phone_number: str
    obfuscated_tag_id: str
    is_default: bool
    listed: bool  # in the pool's own ``customer_phone_numbers``
    cached: Destination | None

    @property
    def remote_id(self) -> int | None:
        return self.cached.remote_id if self.cached else None

    @property
    def status(self) -> str:
        return self.cached.status if self.cached else ""

    @property
    def name(self) -> str:
        return self.cached.requested_destination_name if self.cached else ""


def _display_number(digits: str) -> str:
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}" if len(digits) == 10 else digits


def ring_pool_linked_destinations(*, ring_pool: RingPool) -> list[LinkedDestination]:
    """The pool's destinations: the numbers Invoca lists in the pool (and its default
    number), matched to cached destinations by digits, plus cached rows that name this
    pool (a sync may have seen a link the pool's payload does not have yet)."""
    links = {link.digits: link for link in _payload_links(ring_pool)}
    default = _default_digits(ring_pool)
    wanted = set(links) | ({default} if default else set())
    rows = Destination.objects.filter(_linked_rows_query([ring_pool], digits=wanted))
    cached: dict[str, Destination] = {}
    for row in rows:
        key = national_digits(row.phone_digits)
        # A row that names this pool wins over one that only shares the number.
        if key not in cached or row.ring_pool_id_from_network == ring_pool.id_from_network:
            cached[key] = row
    result = []
    for key in sorted(wanted | set(cached)):
        link = links.get(key)
        row = cached.get(key)
        result.append(
            LinkedDestination(
                digits=key,
                phone_number=row.phone_number if row else _display_number(key),
                obfuscated_tag_id=(link.obfuscated_tag_id if link else "") or "",
                is_default=key == default,
                listed=link is not None or key == default,
                cached=row,
            )
        )
    return result


def ring_pool_linked_destination_ids(*, ring_pool: RingPool) -> list[int]:
    """Invoca ids of the pool's destinations that are in the cache."""
    return [
        d.remote_id
        for d in ring_pool_linked_destinations(ring_pool=ring_pool)
        if d.remote_id is not None
    ]


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
