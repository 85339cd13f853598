"""Running a sync: the database-held claim, progress, and the outcome.

This module does the work; `tasks` hands it to the background worker.

Two syncs never run at once: the claim is a SyncRun row in RUNNING state, and a
partial unique constraint admits only one. A worker that dies leaves a claim
whose heartbeat stops; after INVOCA_SYNC_STALE_SECONDS it is marked failed and
a new sync may start.

A run streams every destination page into a stage as it arrives (bounded memory,
see `destinations.sync`), reads advertisers, campaigns and ring pools, and only then
publishes everything in one short transaction: the cache moves from one state of
Invoca to the next, or, on any failure, stays exactly as it was.

The heartbeat is refreshed by each page, each stage, and by a heartbeat thread (its
own database connection) every INVOCA_SYNC_STALE_SECONDS / 12 through every phase;
the publishing transaction refreshes it too, as its last statement, and refuses to
commit when the run is no longer RUNNING (another process judged it dead).
"""

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from destinations.sync import DestinationStage, destinations_read
from ringpools.sync import ringpools_apply, ringpools_fetch

from .core.models import SyncRun
from .core.task_rows import expire_silent
from .invoca import (
    InvocaClient,
    InvocaError,
    get_client,
)

logger = logging.getLogger(__name__)


class SyncRunExpired(Exception):
    """The run was marked failed by another process while it worked: publish nothing."""


class SyncAlreadyRunning(Exception):
    def __init__(self, run: SyncRun):
        super().__init__(f"A sync is already running (started {run.started_at:%H:%M:%S}).")
        self.run = run


def sync_latest() -> SyncRun | None:
    return SyncRun.objects.select_related("triggered_by").first()


def sync_last_finished() -> SyncRun | None:
    return (
        SyncRun.objects.filter(status__in=[SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL])
        .order_by("-finished_at")
        .first()
    )


def expire_stale_claims() -> int:
    """Mark runs whose heartbeat stopped (their worker died) failed, and their queue rows."""
    return expire_silent(
        SyncRun.objects.filter(status=SyncRun.Status.RUNNING),
        failed=SyncRun.Status.FAILED,
        task_path="invoca_admin.tasks.run_sync",
        message="The sync stopped responding (its worker was stopped or is not running).",
    )


def sync_claim(*, trigger: str, user: AbstractBaseUser | None = None) -> SyncRun:
    """Take the one sync slot, or raise SyncAlreadyRunning."""
    expire_stale_claims()
    try:
        with transaction.atomic():
            return SyncRun.objects.create(
                status=SyncRun.Status.RUNNING,
                trigger=trigger,
                triggered_by=user if user is not None and user.is_authenticated else None,
                stage="queued",
            )
    except IntegrityError:
        running = SyncRun.objects.filter(status=SyncRun.Status.RUNNING).first()
        if running is None:  # it finished between our insert and this read
            return sync_claim(trigger=trigger, user=user)
        raise SyncAlreadyRunning(running) from None


@contextmanager
def heartbeat(run_pk: int) -> Iterator[None]:
    """Refresh the run's heartbeat from a thread of its own while the block runs.

    Best effort: a beat that cannot be written (SQLite busy with the publishing
    transaction) is tried again at the next beat.
    """
    stop = threading.Event()
    every = max(0.05, settings.INVOCA_SYNC_STALE_SECONDS / 12)

    def beat() -> None:
        try:
            while not stop.wait(every):
                try:
                    SyncRun.objects.filter(pk=run_pk, status=SyncRun.Status.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except DatabaseError as exc:
                    logger.debug("Sync #%s heartbeat not written: %s", run_pk, exc)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"sync-{run_pk}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def sync_execute(run: SyncRun, *, client: InvocaClient | None = None) -> SyncRun:
    """Do the work of a claimed run; always leaves it finished (never RUNNING)."""
    runs = SyncRun.objects.filter(pk=run.pk)
    last_pages = [0.0]

    def progress(**fields) -> None:
        fields["heartbeat_at"] = timezone.now()
        runs.update(**fields)

    def pages(done: int, total: int) -> None:
        # At most four writes a second (and always the last page): a heartbeat too.
        now = time.monotonic()
        if done >= total or done <= 1 or now - last_pages[0] >= 0.25:
            last_pages[0] = now
            progress(pages_done=done, pages_total=total)

    try:
        client = client or get_client()
        with heartbeat(run.pk), DestinationStage() as stage:
            progress(stage="destinations")
            destinations_read(stage, client=client, on_progress=pages)
            progress(stage="ring pools")
            pools = ringpools_fetch(client=client, on_stage=lambda stage: progress(stage=stage))
            progress(stage="writing")
            # Everything has arrived: publish it as one state, or not at all.
            with transaction.atomic():
                counts = stage.merge()
                result = ringpools_apply(pools)
                still_ours = runs.filter(status=SyncRun.Status.RUNNING).update(
                    heartbeat_at=timezone.now()
                )
                if not still_ours:
                    raise SyncRunExpired
    except SyncRunExpired:
        logger.warning("Sync #%s was marked failed while it ran; nothing written.", run.pk)
        run.refresh_from_db()
        return run
    except InvocaError as exc:
        logger.warning("Sync #%s failed: %s", run.pk, exc.message)
        runs.update(
            status=SyncRun.Status.FAILED,
            stage="",
            finished_at=timezone.now(),
            error=f"{exc.message} The cache was left as it was.",
        )
        run.refresh_from_db()
        return run
    except BaseException as exc:
        runs.update(
            status=SyncRun.Status.FAILED,
            stage="",
            finished_at=timezone.now(),
            error=(
                f"The sync stopped unexpectedly ({type(exc).__name__}). The cache was not changed."
            ),
        )
        raise

    warnings = [*counts.warnings, *result.warnings]
    runs.update(
        status=SyncRun.Status.PARTIAL if warnings else SyncRun.Status.SUCCEEDED,
        stage="",
        finished_at=timezone.now(),
        error="",
        warnings="\n".join(warnings),
        destinations_total=counts.total,
        destinations_new=counts.new,
        destinations_changed=counts.changed,
        destinations_removed=counts.removed,
        advertisers_total=result.advertisers,
        campaigns_total=result.campaigns,
        ring_pools_total=result.ring_pools,
    )
    run.refresh_from_db()
    return run


_UNREAD: Any = object()


def sync_is_stale(*, last: SyncRun | None = _UNREAD) -> bool:
    """True when the last finished sync (`last`, if the caller already read it: a run or
    None) is older than INVOCA_CACHE_TTL, or there is none."""
    if last is _UNREAD:
        last = sync_last_finished()
    if last is None or last.finished_at is None:
        return True
    return timezone.now() - last.finished_at > timedelta(seconds=settings.INVOCA_CACHE_TTL)
