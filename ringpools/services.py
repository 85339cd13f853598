"""Writes of the ring pools app: create, update and delete a ring pool at Invoca, then the cache.

Every write is audited, success or failure. Invoca errors are re-raised for the
view to show; the cache changes only after Invoca agreed.
"""

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction

from destinations.models import Destination, DestinationPayload, IgnoreRecord, destination_status
from destinations.sync import POOL_FIELDS, destination_upsert, digits
from invoca_admin.core.audit import audit_record
from invoca_admin.invoca import (
    InvocaClient,
    InvocaError,
    InvocaNotFound,
    PoolRef,
    get_client,
)
from invoca_admin.invoca import RingPool as RemoteRingPool

from .forms import PARAM_FIELDS
from .models import Campaign, RingPool
from .selectors import ring_pool_linked_destination_ids
from .sync import ring_pool_upsert

logger = logging.getLogger(__name__)

User = AbstractBaseUser | AnonymousUser | None

TARGET_TYPE = "ring_pool"
BOOL_FIELDS = ("preferred", "is_first_preference", "fill_immediately")
INT_FIELDS = ("lifetime_seconds", "max_pool_size")
#: What the edit form may change (and a PUT may carry).
EDITABLE_FIELDS = (
    "name",
    "pool_type",
    "destination_type",
    "destination_url",
    *PARAM_FIELDS,
    *INT_FIELDS,
    *BOOL_FIELDS,
)
# What `dynamic_number_pool` looks like in a destination that has no ring pool.
EMPTY_POOL_REF = {f.name: None for f in fields(PoolRef) if f.name != "raw"}


# --- request bodies -----------------------------------------------------------------------------


def _json_value(key: str, value: Any) -> Any:
    """A form value as Invoca's JSON wants it: ints, booleans, strings ("" when cleared)."""
    if key in INT_FIELDS:
        return None if value is None else int(value)
    if key in BOOL_FIELDS or key == "allow_overflow":
        return bool(value)
    return "" if value is None else value


def ring_pool_body(*, data: dict[str, Any], changed: Iterable[str] | None = None) -> dict[str, Any]:
    """The JSON body of a POST (``changed`` is None) or of a PUT, with proper JSON types.

    ``data`` is a form's cleaned data. A POST sends every value given (blank
    optional ones are left out, so Invoca applies its defaults). A PUT sends only
    the fields in ``changed`` (Invoca "updates only the fields sent"), so a rename
    leaves every other field at Invoca as it is, including those the form does not
    show; ``allow_overflow`` is never in a PUT (Invoca does not let it change).
    """
    creating = changed is None
    body: dict[str, Any] = {}
    if creating:
        if data.get("id_from_network"):
            body["id_from_network"] = str(data["id_from_network"])
        for key in (*EDITABLE_FIELDS, "allow_overflow"):
            value = data.get(key)
            if key in BOOL_FIELDS or key == "allow_overflow" or value not in (None, ""):
                body[key] = _json_value(key, value)
    else:
        wanted = set(changed)
        body.update(
            (key, _json_value(key, data.get(key))) for key in EDITABLE_FIELDS if key in wanted
        )
    if data.get("destination_phone_number"):
        body["destination_phone_number"] = data["destination_phone_number"]
        if data.get("obfuscated_tag_id"):
            body["obfuscated_tag_id"] = data["obfuscated_tag_id"]
    local = data.get("local") if creating else None
    if local:
        body["local_center"] = dict(local["local_center"])
        body["local_number_preferences"] = dict(local["local_number_preferences"])
        body["tn_prefix_whitelist"] = list(local["tn_prefix_whitelist"])
    return body


# --- helpers ------------------------------------------------------------------------------------


def _complete(
    client: InvocaClient,
    campaign: Campaign,
    remote: RemoteRingPool,
    *,
    known: dict[str, Any] | None = None,
) -> RemoteRingPool | None:
    """The pool as Invoca now holds it, for the cache.

    Invoca may answer a write with ``{}``: then the pool is fetched, so the cache gets
    its id, link into Invoca's UI and linked destinations. Where the network generated
    the id, the new pool is found in the campaign's list by its name. The write already
    succeeded, so a failed fetch falls back to what is known (``known``, the cached
    payload, overlaid with what was sent); None when the pool cannot be named at all
    (the next sync brings it).
    """
    if remote.id is not None and remote.id_from_network:
        return remote
    adv, camp = campaign.advertiser.id_from_network, campaign.id_from_network
    try:
        if remote.id_from_network:
            return client.get_ring_pool(adv, camp, remote.id_from_network)
        cached = set(campaign.ring_pools.values_list("id_from_network", flat=True))
        found = [
            pool
            for pool in client.list_ring_pools(adv, camp)
            if pool.name == remote.name and pool.id_from_network not in cached
        ]
        return found[0] if len(found) == 1 else None
    except InvocaError as exc:
        logger.warning("Ring pool %s written, but re-reading it failed: %s", remote.name, exc)
    if not remote.id_from_network:
        return None
    return RemoteRingPool.from_api({**(known or {}), **remote.raw})


def _track_destination(client: InvocaClient, phone_number: str) -> Destination | None:
    """Refresh the cached destination Invoca just linked to a pool (it is now tracked)."""
    wanted = digits(phone_number)
    try:
        page = client.list_destinations(query=wanted, limit=5)
    except InvocaError as exc:
        logger.warning(
            "Ring pool written, but reading destination %s failed: %s", phone_number, exc
        )
        return None
    for remote in page.rows:
        if digits(remote.phone_number or "") == wanted:
            return destination_upsert(remote=remote)
    return None


# --- create / update / delete -------------------------------------------------------------------


@contextmanager
def _audit_failure(
    *, user: User, action: str, target_id: str, target_scope: str, target_label: str
) -> Iterator[None]:
    """Audit a write that Invoca refused (or never answered), then let the error through."""
    try:
        yield
    except InvocaError as exc:
        audit_record(
            user=user,
            action=f"ring_pool.{action}",
            target_type=TARGET_TYPE,
            target_id=target_id,
            target_scope=target_scope,
            target_label=target_label,
            error=exc,
        )
        raise


def _cache_written(
    client: InvocaClient,
    campaign: Campaign,
    remote: RemoteRingPool,
    body: dict[str, Any],
    *,
    known: dict[str, Any] | None = None,
) -> RingPool | None:
    """Once Invoca accepted a write: cache the pool and the destination it now tracks."""
    complete = _complete(client, campaign, remote, known=known)
    pool = None if complete is None else ring_pool_upsert(campaign=campaign, remote=complete)
    if body.get("destination_phone_number"):
        _track_destination(client, body["destination_phone_number"])
    return pool


def ring_pool_create(*, user: User, campaign: Campaign, data: dict[str, Any]) -> RingPool | None:
    """POST a new ring pool to Invoca, cache it (and the destination it tracks), audit it.

    Returns the cached pool, or None when Invoca generated the pool's id and its
    answer does not say it (the pool is then cached by the next sync).
    """
    body = ring_pool_body(data=data)
    with _audit_failure(
        user=user,
        action="create",
        target_id=body.get("id_from_network", ""),
        target_scope=campaign.id_from_network,
        target_label=body.get("name", ""),
    ):
        with get_client() as client:
            remote = client.create_ring_pool(
                campaign.advertiser.id_from_network, campaign.id_from_network, data=body
            )
            pool = _cache_written(client, campaign, remote, body)
    detail = f"Created in campaign {campaign.name or campaign.id_from_network}"
    if body.get("local_center"):
        detail += f"; Local RingPool centred on {_describe_centre(body['local_center'])}"
    if body.get("destination_phone_number"):
        detail += f"; tracks {body['destination_phone_number']}"
    if pool is None:
        detail += "; its id was generated by Invoca and is cached by the next sync"
    audit_record(
        user=user,
        action="ring_pool.create",
        target_type=TARGET_TYPE,
        target_id=pool.id_from_network if pool else body.get("id_from_network", ""),
        target_scope=campaign.id_from_network,
        target_label=pool.name if pool else body.get("name", ""),
        detail=detail + ".",
    )
    return pool


def ring_pool_update(
    *, user: User, ring_pool: RingPool, data: dict[str, Any], changed: Iterable[str]
) -> RingPool:
    """PUT the fields the user ``changed`` (and only those), update the cache, audit it.

    Nothing changed, nothing sent: the cached pool is returned as it is.
    """
    campaign = ring_pool.campaign
    body = ring_pool_body(data=data, changed=changed)
    if not body:
        return ring_pool
    with _audit_failure(
        user=user,
        action="update",
        target_id=ring_pool.id_from_network,
        target_scope=campaign.id_from_network,
        target_label=ring_pool.name,
    ):
        with get_client() as client:
            remote = client.update_ring_pool(
                campaign.advertiser.id_from_network,
                campaign.id_from_network,
                ring_pool.id_from_network,
                data=body,
            )
            pool = _cache_written(client, campaign, remote, body, known=ring_pool.payload)
    sent = sorted(key for key in body if key in EDITABLE_FIELDS)
    detail = "Updated" + (f": {', '.join(sent)}" if sent else "")
    if body.get("destination_phone_number"):
        detail += f"; tracks {body['destination_phone_number']}"
    audit_record(
        user=user,
        action="ring_pool.update",
        target_type=TARGET_TYPE,
        target_id=pool.id_from_network,
        target_scope=campaign.id_from_network,
        target_label=pool.name,
        detail=detail + ".",
    )
    return pool


def ring_pool_delete(*, user: User, ring_pool: RingPool, delete_destinations: bool = False) -> int:
    """DELETE a ring pool at Invoca, then make the cache follow what Invoca did.

    The pool's row goes. Its linked destinations are deleted too
    (``delete_destinations``, Invoca's ``delete_detected_phone_number``) or turned
    back into discovered (or ignored) destinations. A 404 means the pool was
    already gone: its destinations are then unlinked, never deleted, since
    nobody knows what happened to them (the next sync tells).
    Returns the number of destinations deleted or unlinked in the cache.
    """
    campaign = ring_pool.campaign
    already_gone = False
    with _audit_failure(
        user=user,
        action="delete",
        target_id=ring_pool.id_from_network,
        target_scope=campaign.id_from_network,
        target_label=ring_pool.name,
    ):
        try:
            with get_client() as client:
                client.delete_ring_pool(
                    campaign.advertiser.id_from_network,
                    campaign.id_from_network,
                    ring_pool.id_from_network,
                    delete_detected_phone_number=delete_destinations,
                )
        except InvocaNotFound:
            already_gone = True
    remove = delete_destinations and not already_gone
    with transaction.atomic():
        linked = Destination.objects.filter(
            remote_id__in=ring_pool_linked_destination_ids(ring_pool=ring_pool)
        )
        if remove:
            count, _ = linked.delete()
        else:
            count = _unlink_destinations(list(linked))
        ring_pool.delete()
    if already_gone:
        detail = "Invoca no longer had this ring pool (404); removed from the cache"
    elif delete_destinations:
        detail = f"Deleted with its {count} linked destination{'s' if count != 1 else ''}"
    else:
        detail = f"Deleted; {count} linked destination{'s' if count != 1 else ''} kept"
    audit_record(
        user=user,
        action="ring_pool.delete",
        target_type=TARGET_TYPE,
        target_id=ring_pool.id_from_network,
        target_scope=campaign.id_from_network,
        target_label=ring_pool.name,
        detail=detail + ".",
    )
    return count


def _unlink_destinations(destinations: list[Destination]) -> int:
    """Clear the ring pool of cached destinations; their status is derived again."""
    ignored = set(
        IgnoreRecord.objects.filter(remote_id__in=[d.remote_id for d in destinations]).values_list(
            "remote_id", flat=True
        )
    )
    for dest in destinations:
        for name in POOL_FIELDS:
            setattr(dest, name, None if Destination._meta.get_field(name).null else "")
        dest.status = destination_status(
            has_pool=False, ignored_at=dest.ignored_at, ignored_here=dest.remote_id in ignored
        )
        dest.fingerprint = ""  # the next sync rewrites the row whatever Invoca says
    Destination.objects.bulk_update(destinations, [*POOL_FIELDS, "status", "fingerprint"])
    # The raw record (kept beside the row) forgets the pool too.
    raws = list(
        DestinationPayload.objects.filter(remote_id__in=[d.remote_id for d in destinations])
    )
    for raw in raws:
        raw.payload = {**(raw.payload or {}), "dynamic_number_pool": dict(EMPTY_POOL_REF)}
    DestinationPayload.objects.bulk_update(raws, ["payload"])
    return len(destinations)


def _describe_centre(center: dict[str, Any]) -> str:
    if "tn_prefix" in center:
        return f"NPA {center['tn_prefix']}"
    if "zipcode" in center:
        return f"ZIP {center['zipcode']}"
    return f"{center.get('latitude')}, {center.get('longitude')}"
