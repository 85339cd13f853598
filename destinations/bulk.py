"""Bulk jobs on destinations (models in `jobs.py`): create, claim, run, cancel, retry, undo.

The web request only records the job (and, for ticked rows, its rows); the task worker
(`destinations/tasks.py`) claims it with one atomic UPDATE and works through its rows
in bounded batches, so memory stays flat at any size:

* ignore / un-ignore are local writes: one batch of rows is a handful of SQL
  statements (bulk inserts and updates) in one transaction, with one audit entry per
  changed row (`bulk_create`);
* delete calls Invoca once per row; Invoca's error (with its error handle) is kept on
  the row. A delete whose reply never came is audited as "outcome unknown" and
  re-checked at once with a GET (404: deleted; else still there).

Between batches the worker refreshes the job's heartbeat and stops when asked to
cancel; rows it did not reach stay "not processed" and can be retried.
"""

import logging
from collections.abc import Iterator
from itertools import groupby

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import QueryDict
from django.utils import timezone

from invoca_admin.core.models import AuditEntry
from invoca_admin.core.task_rows import expire_silent
from invoca_admin.invoca import (
    InvocaAuthError,
    InvocaClient,
    InvocaError,
    InvocaNotConfigured,
    InvocaServerError,
    InvocaUnavailable,
    get_client,
)

from . import services
from .forms import DestinationFilterForm
from .jobs import BulkJob, BulkJobRow
from .models import Destination, IgnoreRecord, Status
from .selectors import AUDIT_TARGET_TYPE, destination_list

logger = logging.getLogger(__name__)

User = AbstractBaseUser | AnonymousUser | None
Outcome = BulkJobRow.Outcome

#: Rows per batch: a batch of local writes is one transaction.
BATCH = 500
#: Deletes between two progress updates (each is one Invoca call, at most
#: INVOCA_WRITE_TIMEOUT long, so the heartbeat stays well within the stale limit).
DELETE_BATCH = 5

ACTION_VERBS = {  # action: (present participle, past tense)
    BulkJob.Action.IGNORE: ("Ignoring", "Ignored"),
    BulkJob.Action.UNIGNORE: ("Un-ignoring", "Un-ignored"),
    BulkJob.Action.DELETE: ("Deleting", "Deleted"),
}


def _user(user: User) -> AbstractBaseUser | None:
    return user if user is not None and user.is_authenticated else None


# --- create -------------------------------------------------------------------------------


def bulk_job_create(
    *,
    action: str,
    user: User,
    ids: list[int] | None = None,
    filter_query: QueryDict | None = None,
    source: BulkJob | None = None,
    source_outcomes: tuple[str, ...] = (),
) -> BulkJob:
    """Record a job. Its selection is one of: `ids` (written as rows now), the list filter
    `filter_query` (the list's query string; "all matching"), or the rows of `source` with
    one of `source_outcomes`. The last two are resolved by the worker, in batches."""
    account = _user(user)
    selection: dict = {}
    if filter_query is not None:
        selection = {"filter": filter_query.urlencode()}
    elif source is not None:
        selection = {"job": source.pk, "outcomes": list(source_outcomes)}
    with transaction.atomic():
        job = BulkJob.objects.create(
            action=action,
            user=account,
            username=account.get_username() if account else "",
            selection=selection,
            source=source,
        )
        if ids is not None:
            _add_rows(job, _cached_rows_for(ids))
            job.total = job.rows.count()
            job.save(update_fields=["total"])
    return job


def _cached_rows_for(ids: list[int]) -> Iterator[tuple[int, str]]:
    """(remote id, phone number) for ticked ids; an id no longer cached keeps no number."""
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        phones = dict(
            Destination.objects.filter(remote_id__in=chunk).values_list("remote_id", "phone_number")
        )
        yield from ((remote_id, phones.get(remote_id, "")) for remote_id in chunk)


def _add_rows(job: BulkJob, rows: Iterator[tuple[int, str]]) -> int:
    """Write the job's rows in batches; returns how many were added."""
    added = 0
    batch: list[BulkJobRow] = []
    for remote_id, phone in rows:
        batch.append(BulkJobRow(job=job, remote_id=remote_id, phone_number=phone or ""))
        if len(batch) >= BATCH:
            added += len(BulkJobRow.objects.bulk_create(batch, ignore_conflicts=True))
            batch = []
    if batch:
        added += len(BulkJobRow.objects.bulk_create(batch, ignore_conflicts=True))
    return added


def _keyset(qs: QuerySet, fields: tuple[str, ...]) -> Iterator[tuple]:
    """Every row of `qs` as `fields` tuples (the first field is the pk), BATCH at a time."""
    last = 0
    while True:
        chunk = list(qs.filter(pk__gt=last).order_by("pk").values_list(*fields)[:BATCH])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1][0]


def _resolve_selection(job: BulkJob) -> None:
    """Turn a filter or a source job into rows (once: the selection is cleared after)."""
    if "filter" in job.selection:
        filters = DestinationFilterForm(QueryDict(job.selection["filter"])).filters
        rows = _keyset(destination_list(filters=filters), ("pk", "remote_id", "phone_number"))
    elif "job" in job.selection:
        source_rows = BulkJobRow.objects.filter(
            job_id=job.selection["job"], outcome__in=job.selection.get("outcomes") or []
        )
        rows = _keyset(source_rows, ("pk", "remote_id", "phone_number"))
    else:
        return
    _add_rows(job, ((remote_id, phone) for _pk, remote_id, phone in rows))
    job.total = job.rows.count()
    job.selection = {}
    job.save(update_fields=["total", "selection"])


# --- claim and run --------------------------------------------------------------------------


def bulk_job_claim(*, job_id: int) -> BulkJob | None:
    """Take a queued job for this worker: one atomic UPDATE, so only one worker wins."""
    now = timezone.now()
    claimed = BulkJob.objects.filter(pk=job_id, status=BulkJob.Status.QUEUED).update(
        status=BulkJob.Status.RUNNING, started_at=now, heartbeat_at=now
    )
    if not claimed:
        return None
    return BulkJob.objects.get(pk=job_id)


def bulk_job_execute(*, job: BulkJob, client: InvocaClient | None = None) -> BulkJob:
    """Work through a claimed job's rows; returns the job as it ended."""
    try:
        _resolve_selection(job)
        if job.action == BulkJob.Action.DELETE:
            stopped = _run_deletes(job, client)
        else:
            stopped = _run_local(job)
    except InvocaError as exc:  # not configured, a bad token, Invoca unreachable
        stopped = exc.message
    if stopped:
        status, error = BulkJob.Status.FAILED, stopped
    elif _cancel_requested(job):
        status, error = BulkJob.Status.CANCELLED, ""
    else:
        status, error = BulkJob.Status.DONE, ""
    BulkJob.objects.filter(pk=job.pk).update(
        status=status, error=error, finished_at=timezone.now(), heartbeat_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def bulk_job_expire_stale() -> int:
    """Mark running jobs whose worker fell silent (no heartbeat for
    INVOCA_SYNC_STALE_SECONDS: it was stopped or died) as failed, so that no page polls
    forever and the rows it did not reach can be retried."""
    return expire_silent(
        BulkJob.objects.filter(status=BulkJob.Status.RUNNING),
        failed=BulkJob.Status.FAILED,
        task_path="destinations.tasks.run_bulk_job",
        message="Its worker stopped responding (it was stopped or is not running).",
    )


def _cancel_requested(job: BulkJob) -> bool:
    return BulkJob.objects.filter(pk=job.pk, cancel_requested=True).exists()


def _pending(job: BulkJob, after: int) -> list[BulkJobRow]:
    return list(
        BulkJobRow.objects.filter(job=job, outcome=Outcome.PENDING, pk__gt=after).order_by("pk")[
            :BATCH
        ]
    )


def _record(job: BulkJob, results: list[tuple[BulkJobRow, str, str, str]]) -> None:
    """Store each row's (outcome, detail, error handle) and add them to the job's counts."""
    key = lambda item: item[1:]  # noqa: E731
    for (outcome, detail, handle), items in groupby(sorted(results, key=key), key=key):
        pks = [row.pk for row, *_ in items]
        BulkJobRow.objects.filter(pk__in=pks).update(
            outcome=outcome, detail=detail[:500], error_handle=handle
        )
    counts = {field: 0 for field in ("done", "gone", "unchanged", "failed")}
    for _row, outcome, _detail, _handle in results:
        counts[outcome] += 1
    BulkJob.objects.filter(pk=job.pk).update(
        processed=F("processed") + len(results),
        heartbeat_at=timezone.now(),
        **{field: F(field) + n for field, n in counts.items() if n},
    )


def _audit_entries(job: BulkJob, action: str, rows: list[tuple[BulkJobRow, str]]) -> None:
    """One audit entry per changed row, in one INSERT."""
    AuditEntry.objects.bulk_create(
        AuditEntry(
            user_id=job.user_id,
            username=job.username,
            action=f"destination.{action}",
            target_type=AUDIT_TARGET_TYPE,
            target_id=str(row.remote_id),
            target_label=row.phone_number[:255],
            detail=detail,
        )
        for row, detail in rows
    )


def _run_local(job: BulkJob) -> None:
    last = 0
    while not _cancel_requested(job):
        rows = _pending(job, last)
        if not rows:
            return
        last = rows[-1].pk
        with transaction.atomic():
            if job.action == BulkJob.Action.IGNORE:
                _ignore_batch(job, rows)
            else:
                _unignore_batch(job, rows)


def _locked_destinations(rows: list[BulkJobRow]) -> dict[int, Destination]:
    ids = [row.remote_id for row in rows]
    destinations = Destination.objects.select_for_update().filter(remote_id__in=ids)
    return {d.remote_id: d for d in destinations.only("pk", "remote_id", "status", "ignored_at")}


def _ignore_batch(job: BulkJob, rows: list[BulkJobRow]) -> None:
    destinations = _locked_destinations(rows)
    results, ignored = [], []
    for row in rows:
        destination = destinations.get(row.remote_id)
        if destination is None:
            results.append((row, Outcome.GONE, "No longer in the cache.", ""))
        elif destination.status == Status.TRACKED:
            results.append((row, Outcome.UNCHANGED, "Tracked by a ring pool.", ""))
        elif destination.status == Status.IGNORED:
            results.append((row, Outcome.UNCHANGED, "Already ignored.", ""))
        else:
            results.append((row, Outcome.DONE, "", ""))
            ignored.append(row)
    IgnoreRecord.objects.bulk_create(
        [
            IgnoreRecord(
                remote_id=row.remote_id, phone_number=row.phone_number, ignored_by_id=job.user_id
            )
            for row in ignored
        ],
        ignore_conflicts=True,
    )
    Destination.objects.filter(
        remote_id__in=[row.remote_id for row in ignored], status=Status.DISCOVERED
    ).update(status=Status.IGNORED)
    _audit_entries(job, "ignore", [(row, "") for row in ignored])
    _record(job, results)


def _unignore_batch(job: BulkJob, rows: list[BulkJobRow]) -> None:
    destinations = _locked_destinations(rows)
    ids = [row.remote_id for row in rows]
    recorded = set(
        IgnoreRecord.objects.filter(remote_id__in=ids).values_list("remote_id", flat=True)
    )
    results, audited, discovered = [], [], []
    for row in rows:
        destination = destinations.get(row.remote_id)
        in_invoca = destination is not None and destination.ignored_at is not None
        if row.remote_id in recorded:
            note = "Still ignored in Invoca (ignored_at is set)." if in_invoca else ""
            audited.append((row, note))
            if in_invoca:
                results.append((row, Outcome.UNCHANGED, "Ignored in Invoca itself.", ""))
            else:
                results.append((row, Outcome.DONE, "", ""))
                discovered.append(row.remote_id)
        elif destination is None:
            results.append((row, Outcome.GONE, "No longer in the cache.", ""))
        elif in_invoca:
            results.append((row, Outcome.UNCHANGED, "Ignored in Invoca itself.", ""))
        else:
            results.append((row, Outcome.UNCHANGED, "Not ignored.", ""))
    IgnoreRecord.objects.filter(remote_id__in=recorded).delete()
    # A tracked destination stays tracked; an ignore of Invoca's own stays.
    Destination.objects.filter(
        remote_id__in=discovered, status=Status.IGNORED, ignored_at__isnull=True
    ).update(status=Status.DISCOVERED)
    _audit_entries(job, "unignore", audited)
    _record(job, results)


def _run_deletes(job: BulkJob, client: InvocaClient | None) -> str | None:
    """Delete row after row at Invoca; returns why the job stopped early (or None)."""
    own = client is None
    if own:
        client = get_client()  # InvocaNotConfigured stops the job (see bulk_job_execute)
    try:
        last = 0
        while not _cancel_requested(job):
            rows = _pending(job, last)
            if not rows:
                return None
            for start in range(0, len(rows), DELETE_BATCH):
                results = []
                for row in rows[start : start + DELETE_BATCH]:
                    try:
                        results.append(_delete_one(job, row, client))
                    except (InvocaAuthError, InvocaNotConfigured, InvocaUnavailable) as exc:
                        # Not about this row: the rest would fail the same way.
                        results.append((row, Outcome.FAILED, exc.message, ""))
                        _record(job, results)
                        return exc.message
                _record(job, results)
                last = rows[start + len(results) - 1].pk
                if _cancel_requested(job):
                    return None
        return None
    finally:
        if own:
            client.close()


def _delete_one(
    job: BulkJob, row: BulkJobRow, client: InvocaClient
) -> tuple[BulkJobRow, str, str, str]:
    destination = Destination.objects.filter(remote_id=row.remote_id).first() or Destination(
        remote_id=row.remote_id, phone_number=row.phone_number
    )
    try:
        outcome = services.destination_delete(destination=destination, user=job.user, client=client)
    except InvocaUnavailable as exc:
        if not exc.outcome_unknown:
            raise
        recheck = services.destination_delete_recheck(
            destination=destination, user=job.user, client=client
        )
        if recheck == services.Outcome.DONE:
            return (row, Outcome.DONE, "Invoca answered late; a re-check found it deleted.", "")
        if recheck == services.Outcome.STILL_THERE:
            return (row, Outcome.FAILED, "Invoca did not answer; it is still there.", "")
        return (row, Outcome.FAILED, f"{exc.message} A re-check could not reach Invoca.", "")
    except (InvocaAuthError, InvocaNotConfigured):
        raise
    except InvocaError as exc:
        handle = exc.error_handle if isinstance(exc, InvocaServerError) else None
        return (row, Outcome.FAILED, exc.message, handle or "")
    if outcome == services.Outcome.ALREADY:
        return (row, Outcome.GONE, "Invoca no longer had it (404).", "")
    return (row, Outcome.DONE, "", "")


# --- the user's controls --------------------------------------------------------------------


def bulk_job_cancel(*, job: BulkJob) -> BulkJob:
    """A queued job is cancelled at once; a running one stops after its current batch."""
    now = timezone.now()
    BulkJob.objects.filter(pk=job.pk, status=BulkJob.Status.QUEUED).update(
        status=BulkJob.Status.CANCELLED, cancel_requested=True, finished_at=now
    )
    BulkJob.objects.filter(pk=job.pk, status=BulkJob.Status.RUNNING).update(cancel_requested=True)
    job.refresh_from_db()
    return job


def bulk_job_retry(*, job: BulkJob, user: User) -> BulkJob | None:
    """A new job of the same action on the rows that failed or were not reached."""
    if job.is_active or not job.rows.filter(outcome__in=RETRY_OUTCOMES).exists():
        return None
    return bulk_job_create(action=job.action, user=user, source=job, source_outcomes=RETRY_OUTCOMES)


RETRY_OUTCOMES = (Outcome.FAILED, Outcome.PENDING)


def bulk_job_can_undo(job: BulkJob) -> bool:
    return job.action == BulkJob.Action.IGNORE and not job.is_active and job.done > 0


def bulk_job_undo(*, job: BulkJob, user: User) -> BulkJob | None:
    """Un-ignore exactly the rows that an ignore job ignored (itself a job)."""
    if not bulk_job_can_undo(job):
        return None
    return bulk_job_create(
        action=BulkJob.Action.UNIGNORE, user=user, source=job, source_outcomes=(Outcome.DONE,)
    )


def bulk_job_summary(job: BulkJob) -> str:
    """One line: 'Ignored 1,200 of 1,250 destinations; 40 unchanged, 10 failed.'"""
    _doing, done = ACTION_VERBS.get(job.action, ("", job.get_action_display()))
    parts = [f"{done} {job.done:,} of {job.total:,} destination{'s' if job.total != 1 else ''}"]
    extra = []
    if job.gone:
        extra.append(f"{job.gone:,} already gone")
    if job.unchanged:
        extra.append(f"{job.unchanged:,} unchanged")
    if job.failed:
        extra.append(f"{job.failed:,} failed")
    if job.pending and not job.is_active:
        extra.append(f"{job.pending:,} not processed")
    return parts[0] + ("; " + ", ".join(extra) if extra else "") + "."
