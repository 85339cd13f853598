"""Background tasks (django.tasks; run by `manage.py db_worker` with django-tasks-db)."""

from django.tasks import task

from .models import SyncRun


@task()
def run_sync(run_id: int) -> str:
    from .sync import sync_execute

    run = SyncRun.objects.get(pk=run_id)
    if run.status != SyncRun.Status.RUNNING:
        return run.status  # expired or already done: nothing to do
    return sync_execute(run).status
