"""Writes on destinations: ignore / un-ignore (local) and delete (Invoca first).

Every write is recorded in the audit log, whether it succeeded or failed.
"""

import contextlib
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

from invoca_admin.core.audit import audit_record
from invoca_admin.invoca import (
    InvocaClient,
    InvocaError,
    InvocaNotFound,
    get_client,
)

from .models import Destination, IgnoreRecord, PendingDelete, destination_status
from .selectors import AUDIT_TARGET_TYPE

User = AbstractBaseUser | AnonymousUser | None

# Bulk writes of any size run as background jobs: see bulk.py.


class Outcome(StrEnum):
    DONE = "done"
    ALREADY = "already"  # nothing to do: already ignored / not ignored / already deleted
    TRACKED = "tracked"  # a tracked destination cannot be ignored
    INVOCA_IGNORED = "invoca_ignored"  # ignored in Invoca itself: the dashboard can't undo it
    STILL_THERE = "still_there"  # a re-check found the destination still at Invoca
    UNKNOWN = "unknown"  # a re-check could not reach Invoca either


def _audit(*, user: User, action: str, destination: Destination, **kwargs) -> None:
    audit_record(
        user=user,
        action=f"destination.{action}",
        target_type=AUDIT_TARGET_TYPE,
        target_id=destination.remote_id,
        target_label=destination.phone_number,
        **kwargs,
    )


def _recompute_status(destination: Destination, *, locally_ignored: bool) -> None:
    destination.status = destination_status(
        has_pool=destination.is_tracked,
        ignored_at=destination.ignored_at,
        ignored_here=locally_ignored,
    )
    destination.save(update_fields=["status"])


def destination_ignore(*, destination: Destination, user: User) -> Outcome:
    """Ignore a discovered destination in the dashboard (Invoca's API has no ignore)."""
    if destination.is_tracked:
        return Outcome.TRACKED
    if destination.is_ignored:
        return Outcome.ALREADY
    with transaction.atomic():
        record, created = IgnoreRecord.objects.get_or_create(
            remote_id=destination.remote_id,
            defaults={"phone_number": destination.phone_number, "ignored_by": _account(user)},
        )
        _recompute_status(destination, locally_ignored=True)
        _audit(user=user, action="ignore", destination=destination)
    destination.ignore_record = record
    return Outcome.DONE if created else Outcome.ALREADY


def destination_unignore(*, destination: Destination, user: User) -> Outcome:
    """Remove the dashboard's ignore. An ignore Invoca reports (`ignored_at`) stays."""
    with transaction.atomic():
        deleted, _ = IgnoreRecord.objects.filter(remote_id=destination.remote_id).delete()
        if deleted:
            _recompute_status(destination, locally_ignored=False)
            _audit(
                user=user,
                action="unignore",
                destination=destination,
                detail="Still ignored in Invoca (ignored_at is set)."
                if destination.ignored_at
                else "",
            )
    destination.ignore_record = None
    if destination.ignored_at:
        return Outcome.INVOCA_IGNORED
    return Outcome.DONE if deleted else Outcome.ALREADY


def destination_delete(
    *, destination: Destination, user: User, client: InvocaClient | None = None
) -> Outcome:
    """Delete at Invoca first; only once Invoca agreed, remove the cached row.

    A 404 means someone already deleted it: the cache row goes too (Outcome.ALREADY).
    Any other InvocaError is audited and raised; the cached row is kept. When Invoca's
    reply never came (`InvocaUnavailable.outcome_unknown`), the audit entry says the
    outcome is unknown; `destination_delete_recheck` settles it.

    A `PendingDelete` is committed before the DELETE goes out (if the database cannot
    take it, nothing is sent) and removed with the outcome's audit entry: should this
    process die in between, the scheduler settles it (`destination_deletes_settle`).
    """
    intent = PendingDelete.objects.create(
        remote_id=destination.remote_id,
        phone_number=destination.phone_number,
        user=_account(user),
    )
    try:
        if client is None:
            with get_client() as own_client:
                own_client.delete_destination(destination.remote_id)
        else:
            client.delete_destination(destination.remote_id)
        outcome = Outcome.DONE
    except InvocaNotFound:
        outcome = Outcome.ALREADY
    except InvocaError as exc:
        with transaction.atomic():
            _audit(user=user, action="delete", destination=destination, error=exc)
            intent.delete()
        raise
    _delete_cached(
        destination=destination,
        user=user,
        detail="Invoca no longer had it (404): counted as deleted."
        if outcome == Outcome.ALREADY
        else "",
        intent=intent,
    )
    return outcome


def _account(user: User):
    return user if user is not None and user.is_authenticated else None


def _delete_cached(
    *, destination: Destination, user: User, detail: str, intent: PendingDelete | None = None
) -> None:
    with transaction.atomic():
        IgnoreRecord.objects.filter(remote_id=destination.remote_id).delete()
        Destination.objects.filter(remote_id=destination.remote_id).delete()
        _audit(user=user, action="delete", destination=destination, detail=detail)
        if intent is not None:
            intent.delete()


def destination_delete_recheck(
    *,
    destination: Destination,
    user: User,
    client: InvocaClient | None = None,
    intent: PendingDelete | None = None,
    why: str = "Invoca's reply never came",
) -> Outcome:
    """After a delete whose reply never came (`why`): ask Invoca (a GET) whether the
    destination is still there. Gone (404): the delete happened; the cache row goes,
    audited (DONE). Still there: audited as not deleted (STILL_THERE). Invoca
    unreachable: UNKNOWN, nothing recorded. `intent`, if any, goes with the record."""
    try:
        if client is None:
            with get_client() as own_client:
                own_client.get_destination(destination.remote_id)
        else:
            client.get_destination(destination.remote_id)
    except InvocaNotFound:
        _delete_cached(
            destination=destination,
            user=user,
            detail=f"Re-checked after {why}: it is gone, so it was deleted.",
            intent=intent,
        )
        return Outcome.DONE
    except InvocaError:
        return Outcome.UNKNOWN
    with transaction.atomic():
        _audit(
            user=user,
            action="delete",
            destination=destination,
            error=InvocaError(f"Re-checked after {why}: it is still there, not deleted."),
        )
        if intent is not None:
            intent.delete()
    return Outcome.STILL_THERE


#: Deletes settled by one call of `destination_deletes_settle` at the most.
SETTLE_BATCH = 50


def destination_deletes_settle(*, client: InvocaClient | None = None) -> int:
    """Settle the deletes whose process stopped before it recorded their outcome.

    A `PendingDelete` older than INVOCA_WRITE_TIMEOUT + INVOCA_SYNC_STALE_SECONDS
    belongs to no live request or job (a delete takes at most the former; a worker
    silent for the latter is taken for dead): Invoca is asked whether each destination
    is gone, and the answer is audited. Returns how many were settled; those Invoca
    could not answer for stay for the next call.
    """
    grace = timedelta(seconds=settings.INVOCA_WRITE_TIMEOUT + settings.INVOCA_SYNC_STALE_SECONDS)
    orphans = list(
        PendingDelete.objects.filter(started_at__lt=timezone.now() - grace)
        .select_related("user")
        .order_by("pk")[:SETTLE_BATCH]
    )
    if not orphans:
        return 0
    settled = 0
    with contextlib.ExitStack() as stack:
        if client is None:
            client = stack.enter_context(get_client())
        for intent in orphans:
            # Claimed by one UPDATE (only one of several schedulers wins it); should this
            # process die too, the claim runs out after the same grace.
            if not PendingDelete.objects.filter(pk=intent.pk, started_at=intent.started_at).update(
                started_at=timezone.now()
            ):
                continue
            destination = Destination.objects.filter(remote_id=intent.remote_id).first()
            outcome = destination_delete_recheck(
                destination=destination
                or Destination(remote_id=intent.remote_id, phone_number=intent.phone_number),
                user=intent.user,
                client=client,
                intent=intent,
                why="the dashboard stopped before it recorded the answer",
            )
            settled += outcome != Outcome.UNKNOWN
    return settled
