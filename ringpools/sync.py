"""Sync of advertisers, campaigns and ring pools from Invoca.

Advertisers first, then every advertiser's campaigns, then every campaign's ring
pools (both fetched concurrently, bounded). A campaign (or advertiser) whose
children fail to load is reported as a warning and keeps its cached children;
everything else is applied in one transaction.
"""

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from destinations.directory import CampaignEntry, destination_campaigns_replace
from invoca_admin.core.columns import column_problems
from invoca_admin.invoca import Campaign as RemoteCampaign
from invoca_admin.invoca import InvocaClient, InvocaError, InvocaNotFound
from invoca_admin.invoca import RingPool as RemoteRingPool

from .models import Advertiser, Campaign, RingPool

logger = logging.getLogger(__name__)


@dataclass
class RingPoolSyncResult:
    advertisers: int = 0
    campaigns: int = 0
    ring_pools: int = 0
    warnings: list[str] = field(default_factory=list)


def _misfit(model, what: str, values: dict, result: RingPoolSyncResult) -> bool:
    """True (and a warning) when a row from Invoca does not fit the cache's columns."""
    problems = column_problems(model, values)
    if problems:
        result.warnings.append(f"Skipped {what}: {'; '.join(problems)}.")
    return bool(problems)


def http_url(value: str | None) -> str:
    """`value` if it is an http(s) URL, else "": a link into Invoca's UI is rendered as
    an href, so a `javascript:` or other scheme from the API never reaches one."""
    value = (value or "").strip()
    return value if value.lower().startswith(("https://", "http://")) else ""


def ring_pool_fields(remote: RemoteRingPool) -> dict:
    return {
        "remote_id": remote.id if isinstance(remote.id, int) else None,
        "name": (remote.name or "")[:255],
        "object_url": http_url(remote.object_url),
        "pool_type": remote.pool_type or "",
        "destination_type": remote.destination_type or "",
        "destination_url": remote.destination_url or "",
        "lifetime_seconds": remote.lifetime_seconds,
        "max_pool_size": remote.max_pool_size,
        "preferred": remote.preferred,
        "is_first_preference": remote.is_first_preference,
        "fill_immediately": remote.fill_immediately,
        "allow_overflow": remote.allow_overflow,
        "is_local": remote.is_local,
        "payload": remote.raw,
    }


def ring_pool_upsert(*, campaign: Campaign, remote: RemoteRingPool) -> RingPool:
    """Write one ring pool Invoca returned into the cache (after a remote write)."""
    fields = ring_pool_fields(remote)
    fields["synced_at"] = timezone.now()
    obj, _ = RingPool.objects.update_or_create(
        campaign=campaign, id_from_network=remote.id_from_network, defaults=fields
    )
    return obj


def _map_concurrently(func, items, *, concurrency):
    """[(item, result | InvocaNotFound)] for every item, in order.

    A 404 means the parent went away between two calls: that one is reported and
    skipped. Any other error (Invoca down, a 5xx after retries) fails the whole
    stage, so the cache never mixes this pass with the last one.
    """

    def call(item):
        try:
            return item, func(item)
        except InvocaNotFound as exc:
            return item, exc

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        return list(pool.map(call, items))


@dataclass
class RingPoolSnapshot:
    """Everything a ring pool sync fetched, before anything is written."""

    advertisers: list
    campaign_pairs: list[tuple[str, RemoteCampaign]]
    pools_by_campaign: list
    failed_advertisers: set[str]
    result: RingPoolSyncResult


def ringpools_sync(
    *,
    client: InvocaClient,
    on_stage: Callable[[str], None] = lambda stage: None,
) -> RingPoolSyncResult:
    """Fetch advertisers, campaigns and ring pools, then write them in one transaction."""
    return ringpools_apply(ringpools_fetch(client=client, on_stage=on_stage))


def ringpools_fetch(
    *,
    client: InvocaClient,
    on_stage: Callable[[str], None] = lambda stage: None,
) -> RingPoolSnapshot:
    """Read everything from Invoca; raises :class:`InvocaError` if any of it fails (but a
    parent that vanished, a 404, which is reported and skipped)."""
    concurrency = settings.INVOCA_SYNC_CONCURRENCY
    result = RingPoolSyncResult()
    on_stage("advertisers")
    advertisers = client.list_advertisers()

    on_stage("campaigns")
    campaigns_by_adv = _map_concurrently(
        lambda adv: client.list_campaigns(adv.id_from_network),
        advertisers,
        concurrency=concurrency,
    )
    failed_advertisers: set[str] = set()
    campaign_pairs: list[tuple[str, RemoteCampaign]] = []
    for adv, outcome in campaigns_by_adv:
        if isinstance(outcome, InvocaError):
            failed_advertisers.add(adv.id_from_network)
            result.warnings.append(f"Campaigns of advertiser {adv.name!s} did not load: {outcome}")
        else:
            campaign_pairs.extend((adv.id_from_network, c) for c in outcome)

    on_stage("ring pools")
    pools_by_campaign = _map_concurrently(
        lambda pair: client.list_ring_pools(pair[0], pair[1].id_from_network),
        campaign_pairs,
        concurrency=concurrency,
    )
    for (_adv_id, camp), outcome in pools_by_campaign:
        if isinstance(outcome, InvocaError):
            result.warnings.append(f"Ring pools of campaign {camp.name!s} did not load: {outcome}")
    return RingPoolSnapshot(
        advertisers=advertisers,
        campaign_pairs=campaign_pairs,
        pools_by_campaign=pools_by_campaign,
        failed_advertisers=failed_advertisers,
        result=result,
    )


def ringpools_apply(snapshot: RingPoolSnapshot) -> RingPoolSyncResult:
    """Make the cache equal to what :func:`ringpools_fetch` read, in one transaction."""
    advertisers, campaign_pairs = snapshot.advertisers, snapshot.campaign_pairs
    pools_by_campaign, failed_advertisers = snapshot.pools_by_campaign, snapshot.failed_advertisers
    result = snapshot.result
    now = timezone.now()
    with transaction.atomic():
        adv_objs: dict[str, Advertiser] = {}
        kept_advertisers: set[str] = set(failed_advertisers)
        for adv in advertisers:
            values = {
                "id_from_network": adv.id_from_network or "",
                "remote_id": adv.id if isinstance(adv.id, int) else None,
                "name": (adv.name or "")[:255],
                "approval_status": adv.approval_status or "",
            }
            if _misfit(Advertiser, f"advertiser {adv.name!s}", values, result):
                kept_advertisers.add(values["id_from_network"])
                continue
            adv_objs[adv.id_from_network], _ = Advertiser.objects.update_or_create(
                id_from_network=adv.id_from_network,
                defaults={**values, "payload": adv.raw, "synced_at": now},
            )
        camp_objs: dict[str, Campaign] = {}
        kept_campaigns: set[str] = set()
        for adv_id, camp in campaign_pairs:
            values = {
                "id_from_network": camp.id_from_network or "",
                "remote_id": camp.id if isinstance(camp.id, int) else None,
                "name": (camp.name or "")[:255],
                "status": camp.status or "",
            }
            if adv_id not in adv_objs or _misfit(
                Campaign, f"campaign {camp.name!s}", values, result
            ):
                kept_campaigns.add(values["id_from_network"])
                continue
            camp_objs[camp.id_from_network], _ = Campaign.objects.update_or_create(
                id_from_network=camp.id_from_network,
                defaults={
                    **values,
                    "advertiser": adv_objs[adv_id],
                    "payload": camp.raw,
                    "synced_at": now,
                },
            )
        for (_adv_id, camp), outcome in pools_by_campaign:
            if isinstance(outcome, InvocaError) or camp.id_from_network not in camp_objs:
                continue
            campaign = camp_objs[camp.id_from_network]
            seen = []
            for remote in outcome:
                fields = ring_pool_fields(remote)
                values = {"id_from_network": remote.id_from_network or "", **fields}
                seen.append(values["id_from_network"])  # a skipped pool keeps its cached row
                if _misfit(RingPool, f"ring pool {remote.name!s}", values, result):
                    continue
                fields["synced_at"] = now
                RingPool.objects.update_or_create(
                    campaign=campaign, id_from_network=remote.id_from_network, defaults=fields
                )
                result.ring_pools += 1
            campaign.ring_pools.exclude(id_from_network__in=seen).delete()
        # Remove what Invoca no longer lists, except below a parent that failed to load
        # (or was skipped).
        Campaign.objects.exclude(id_from_network__in=[*camp_objs, *kept_campaigns]).exclude(
            advertiser__id_from_network__in=kept_advertisers
        ).delete()
        Advertiser.objects.exclude(id_from_network__in=[*adv_objs, *kept_advertisers]).delete()
        # The destinations list filters by advertiser through its own copy (same transaction).
        destination_campaigns_replace(
            campaigns=(
                CampaignEntry(
                    c.id_from_network, c.name, c.advertiser.id_from_network, c.advertiser.name
                )
                for c in Campaign.objects.select_related("advertiser")
            )
        )
    result.advertisers = len(advertisers)
    result.campaigns = len(campaign_pairs)
    return result
