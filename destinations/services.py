"""Writes on destinations: ignore / un-ignore (local) and delete (Invoca first).

Every write is recorded in the audit log, whether it succeeded or failed.
"""

from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction

from invoca_admin.core.audit import audit_record
from invoca_admin.invoca import (
    InvocaClient,
    InvocaError,
    InvocaNotFound,
    get_client,
)

from .models import Destination, IgnoreRecord, destination_status
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
            defaults={
                "phone_number": destination.phone_number,
                "ignored_by": user if user is not None and user.is_authenticated else None,
            },
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
    """
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
        _audit(user=user, action="delete", destination=destination, error=exc)
        raise
    _delete_cached(
        destination=destination,
        user=user,
        detail="Invoca no longer had it (404): counted as deleted."
        if outcome == Outcome.ALREADY
        else "",
    )
    return outcome


def _delete_cached(*, destination: Destination, user: User, detail: str) -> None:
    with transaction.atomic():
        IgnoreRecord.objects.filter(remote_id=destination.remote_id).delete()
        Destination.objects.filter(remote_id=destination.remote_id).delete()
        _audit(user=user, action="delete", destination=destination, detail=detail)


def destination_delete_recheck(
    *, destination: Destination, user: User, client: InvocaClient | None = None
) -> Outcome:
    """After a delete whose reply never came: ask Invoca (a GET) whether the destination
    is still there. Gone (404): the delete happened; the cache row goes, audited (DONE).
    Still there: audited as not deleted (STILL_THERE). Invoca unreachable: UNKNOWN."""
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
            detail="Re-checked after Invoca's reply never came: it is gone, so it was deleted.",
        )
        return Outcome.DONE
    except InvocaError:
        return Outcome.UNKNOWN
    _audit(
        user=user,
        action="delete",
        destination=destination,
        error=InvocaError(
            "Re-checked after Invoca's reply never came: it is still there, not deleted."
        ),
    )
    return Outcome.STILL_THERE
