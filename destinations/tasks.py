"""Background tasks of the destinations app (django.tasks; `manage.py db_worker` runs them).

They live here, not in `invoca_admin/tasks.py`, because the destinations views enqueue
them and may not import the wiring layer above them.
"""

from django.contrib.auth import get_user_model
from django.tasks import task

from . import bulk, services
from .jobs import BulkJob
from .models import Destination


@task()
def run_bulk_job(job_id: int) -> str:
    """Claim the job (only one worker wins) and work through it."""
    job = bulk.bulk_job_claim(job_id=job_id)
    if job is None:
        return "not claimed"  # another worker has it, or it was cancelled or done
    return bulk.bulk_job_execute(job=job).status


@task()
def recheck_delete(remote_id: int, phone_number: str, user_id: int | None) -> str:
    """A single-row delete whose reply never came: ask Invoca whether it happened."""
    destination = Destination.objects.filter(remote_id=remote_id).first() or Destination(
        remote_id=remote_id, phone_number=phone_number
    )
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    return str(services.destination_delete_recheck(destination=destination, user=user))


def bulk_job_start(job: BulkJob) -> BulkJob:
    run_bulk_job.enqueue(job.pk)
    return job
