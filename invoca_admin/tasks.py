"""Background tasks (django.tasks; run by `manage.py db_worker` with django-tasks-db).

Starting a sync means claiming the one sync slot (`sync.sync_claim`) and handing the
claimed run to the worker, which does the work (`sync.sync_execute`).
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.tasks import task
from django.utils import timezone

from .core.models import SyncRun
from .invoca import is_configured
from .sync import SyncAlreadyRunning, sync_claim, sync_execute, sync_is_stale, sync_latest


@task()
def run_sync(run_id: int) -> str:
    run = SyncRun.objects.get(pk=run_id)
    if run.status != SyncRun.Status.RUNNING:
        return run.status  # expired or already done: nothing to do
    return sync_execute(run).status


def sync_start(*, trigger: str, user: AbstractBaseUser | None = None) -> SyncRun:
    """Claim the slot and hand the work to the background worker."""
    run = sync_claim(trigger=trigger, user=user)
    run_sync.enqueue(run.pk)
    return run


def sync_start_if_stale(*, user: AbstractBaseUser | None = None) -> SyncRun | None:
    """Start an automatic sync when the cache is older than INVOCA_CACHE_TTL (the
    scheduler calls this; page views never do).

    Only one attempt per TTL: if the latest run (whatever its outcome) started
    within the TTL, nothing is started, so a failing Invoca is not hammered.
    """
    if not settings.INVOCA_AUTO_SYNC or not is_configured() or not sync_is_stale():
        return None
    latest = sync_latest()
    ttl = timedelta(seconds=settings.INVOCA_CACHE_TTL)
    if latest is not None and timezone.now() - latest.started_at < min(ttl, timedelta(minutes=5)):
        return None
    try:
        return sync_start(trigger="auto", user=user)
    except SyncAlreadyRunning:
        return None
