"""The task queue's own rows (django-tasks-db) for work whose worker died.

A run or job whose heartbeat stopped is marked failed by its owner (`SyncRun`,
`BulkJob`); the queue's row for it would otherwise say RUNNING for ever. This marks
that row failed too, with the same plain message, so the queue (and the admin's view
of it) tells the truth.
"""

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.tasks.base import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult


def fail_dead_task_rows(task_path: str, first_args: Iterable[int], message: str) -> int:
    """Mark the RUNNING queue rows of the task at `task_path` (its ``module_path``) whose
    first argument is in `first_args` failed with `message`; returns how many."""
    first_args = list(first_args)
    if not first_args:
        return 0
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, task_path=task_path, args_kwargs__args__0__in=first_args
    ).update(status=TaskResultStatus.FAILED, finished_at=timezone.now(), traceback=message)


def expire_silent(running: QuerySet, *, failed: str, task_path: str, message: str) -> int:
    """Mark the rows of `running` (a SyncRun or BulkJob queryset of RUNNING rows) whose
    heartbeat is older than INVOCA_SYNC_STALE_SECONDS `failed` with `message`, and their
    queue rows too; returns how many."""
    cutoff = timezone.now() - timedelta(seconds=settings.INVOCA_SYNC_STALE_SECONDS)
    stale = running.filter(heartbeat_at__lt=cutoff)
    ids = list(stale.values_list("pk", flat=True))
    if not ids:
        return 0
    expired = stale.filter(pk__in=ids).update(
        status=failed, finished_at=timezone.now(), error=message
    )
    fail_dead_task_rows(task_path, ids, message)
    return expired
