"""Running a sync: the database-held claim, progress, and the outcome.

This module does the work; `tasks` hands it to the background worker.

Two syncs never run at once: the claim is a SyncRun row in RUNNING state, and a
partial unique constraint admits only one. A worker that dies leaves a claim
whose heartbeat stops; after INVOCA_SYNC_STALE_SECONDS it is marked failed and
a new sync may start.

A run reads everything first (every destination page, then advertisers, campaigns
and ring pools) and only then writes, in one transaction: the cache moves from
one state of Invoca to the next, or, on any failure, stays exactly as it was.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from destinations.sync import apply_destinations, destinations_fetch
from ringpools.sync import ringpools_apply, ringpools_fetch

from .core.models import SyncRun
from .invoca import (
    InvocaClient,
    InvocaError,
    get_client,
)

logger = logging.getLogger(__name__)


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
    cutoff = timezone.now() - timedelta(seconds=settings.INVOCA_SYNC_STALE_SECONDS)
    return SyncRun.objects.filter(status=SyncRun.Status.RUNNING, heartbeat_at__lt=cutoff).update(
        status=SyncRun.Status.FAILED,
        finished_at=timezone.now(),
        error="The sync stopped responding (its worker was stopped or is not running).",
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


def sync_execute(run: SyncRun, *, client: InvocaClient | None = None) -> SyncRun:
    """Do the work of a claimed run; always leaves it finished (never RUNNING)."""
    runs = SyncRun.objects.filter(pk=run.pk)

    def progress(**fields) -> None:
        fields["heartbeat_at"] = timezone.now()
        runs.update(**fields)

    try:
        client = client or get_client()
        progress(stage="destinations")
        rows = destinations_fetch(
            client=client,
            on_progress=lambda done, total: progress(pages_done=done, pages_total=total),
        )
        progress(stage="ring pools")
        pools = ringpools_fetch(client=client, on_stage=lambda stage: progress(stage=stage))
        # Everything has arrived: write it as one state, or not at all.
        progress(stage="writing")
        with transaction.atomic():
            counts = apply_destinations(rows.values())
            result = ringpools_apply(pools)
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


def sync_is_stale() -> bool:
    last = sync_last_finished()
    if last is None or last.finished_at is None:
        return True
    return timezone.now() - last.finished_at > timedelta(seconds=settings.INVOCA_CACHE_TTL)
