"""Writes on destinations: ignore / un-ignore (local) and delete (Invoca first).

Every write is recorded in the audit log, whether it succeeded or failed.
"""

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction

from invoca_admin.core.audit import audit_record
from invoca_admin.invoca import (
    InvocaAuthError,
    InvocaClient,
    InvocaError,
    InvocaNotConfigured,
    InvocaNotFound,
    InvocaUnavailable,
    get_client,
)

from .models import Destination, IgnoreRecord, destination_status
from .selectors import AUDIT_TARGET_TYPE

User = AbstractBaseUser | AnonymousUser | None

# Bulk writes are bounded: local writes by row count, Invoca deletes (one call each)
# by row count and by a time budget so that a request always ends.
BULK_MAX = 1000
BULK_DELETE_MAX = 100
BULK_DELETE_SECONDS = 20.0


class Outcome(StrEnum):
    DONE = "done"
    ALREADY = "already"  # nothing to do: already ignored / not ignored / already deleted
    TRACKED = "tracked"  # a tracked destination cannot be ignored
    INVOCA_IGNORED = "invoca_ignored"  # ignored in Invoca itself: the dashboard can't undo it


@dataclass
class BulkResult:
    done: list[Destination] = field(default_factory=list)
    unchanged: list[tuple[Destination, str]] = field(default_factory=list)
    failed: list[tuple[Destination, str]] = field(default_factory=list)
    not_attempted: list[tuple[Destination, str]] = field(default_factory=list)


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
    Any other InvocaError is audited and raised; the cached row is kept.
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
    with transaction.atomic():
        IgnoreRecord.objects.filter(remote_id=destination.remote_id).delete()
        Destination.objects.filter(pk=destination.pk).delete()
        _audit(
            user=user,
            action="delete",
            destination=destination,
            detail="Invoca no longer had it (404): counted as deleted."
            if outcome == Outcome.ALREADY
            else "",
        )
    return outcome


# --- bulk ---------------------------------------------------------------------------------


def destinations_ignore(*, destinations: Iterable[Destination], user: User) -> BulkResult:
    result = BulkResult()
    with transaction.atomic():
        for destination in destinations:
            outcome = destination_ignore(destination=destination, user=user)
            if outcome == Outcome.DONE:
                result.done.append(destination)
            elif outcome == Outcome.TRACKED:
                result.unchanged.append((destination, "tracked"))
            else:
                result.unchanged.append((destination, "already ignored"))
    return result


def destinations_unignore(*, destinations: Iterable[Destination], user: User) -> BulkResult:
    result = BulkResult()
    with transaction.atomic():
        for destination in destinations:
            outcome = destination_unignore(destination=destination, user=user)
            if outcome == Outcome.DONE:
                result.done.append(destination)
            elif outcome == Outcome.INVOCA_IGNORED:
                result.unchanged.append((destination, "ignored in Invoca"))
            else:
                result.unchanged.append((destination, "not ignored"))
    return result


def destinations_delete(
    *,
    destinations: Iterable[Destination],
    user: User,
    time_budget: float = BULK_DELETE_SECONDS,
) -> BulkResult:
    """Delete each destination at Invoca, one call each, and keep going after a failure.

    Errors that are not about one row (not configured, bad token, Invoca unreachable)
    stop the run: the rest are reported as not attempted. So does the time budget.
    """
    result = BulkResult()
    pending = list(destinations)
    deadline = time.monotonic() + time_budget
    try:
        client = get_client()
    except InvocaNotConfigured as exc:
        for destination in pending:
            _audit(user=user, action="delete", destination=destination, error=exc)
            result.failed.append((destination, exc.message))
        return result
    with client:
        while pending:
            destination = pending.pop(0)
            try:
                destination_delete(destination=destination, user=user, client=client)
            except (InvocaAuthError, InvocaUnavailable) as exc:
                result.failed.append((destination, exc.message))
                result.not_attempted.extend((d, exc.message) for d in pending)
                break
            except InvocaError as exc:
                result.failed.append((destination, exc.message))
            else:
                result.done.append(destination)
            if pending and time.monotonic() > deadline:
                reason = "stopped after the time limit; try again for the rest"
                result.not_attempted.extend((d, reason) for d in pending)
                break
    return result
