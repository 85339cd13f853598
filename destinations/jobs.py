"""Bulk jobs: ignore, un-ignore or delete many destinations in the background.

A job holds its selection as rows (`BulkJobRow`, one per destination, with the row's
outcome once processed): either the ticked ids, written when the job is created, or a
filter (`selection`) that the worker resolves to rows in bounded batches. The task
worker claims a job with one atomic UPDATE (queued → running), so a job is processed
once however many workers run. The services are in `destinations/bulk.py`.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse


class BulkJob(models.Model):
    class Action(models.TextChoices):
        IGNORE = "ignore", "Ignore"
        UNIGNORE = "unignore", "Un-ignore"
        DELETE = "delete", "Delete"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Finished"
        CANCELLED = "cancelled", "Cancelled"
        FAILED = "failed", "Stopped by an error"

    action = models.CharField(max_length=16, choices=Action)
    status = models.CharField(max_length=16, choices=Status, default=Status.QUEUED)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    username = models.CharField(max_length=150, blank=True)  # as it was
    # {"status": ..., "query": ..., "campaign": ...} when "all matching" was chosen; the
    # worker turns it into rows. Empty when the rows were written with the job.
    selection = models.JSONField(default=dict, blank=True)
    # The job this one retries (its failed rows) or undoes (its ignored rows).
    source = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="followers"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    gone = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="bulkjob_status")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} job #{self.pk} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("destinations:job", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if not self.is_active else 0
        return min(100, round(100 * self.processed / self.total))

    @property
    def pending(self) -> int:
        return max(0, self.total - self.processed)


class BulkJobRow(models.Model):
    """One destination of a job and what happened to it."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "Not processed"
        DONE = "done", "Done"
        GONE = "gone", "Already gone"
        UNCHANGED = "unchanged", "Unchanged"
        FAILED = "failed", "Failed"

    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="rows")
    remote_id = models.BigIntegerField()
    phone_number = models.CharField(max_length=32, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome, default=Outcome.PENDING)
    detail = models.CharField(max_length=500, blank=True)
    error_handle = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["job", "remote_id"], name="bulkjobrow_once_per_job")
        ]
        indexes = [models.Index(fields=["job", "outcome", "id"], name="bulkjobrow_outcome")]

    def __str__(self) -> str:
        return f"{self.phone_number or self.remote_id}: {self.outcome}"
