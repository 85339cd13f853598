"""The task queue's own rows (django-tasks-db) for work whose worker died.

A run or job whose heartbeat stopped is marked failed by its owner (`SyncRun`,
`BulkJob`); the queue's row for it would otherwise say RUNNING for ever. This marks
that row failed too, with the same plain message, so the queue (and the admin's view
of it) tells the truth.
"""

from collections.abc import Iterable

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
