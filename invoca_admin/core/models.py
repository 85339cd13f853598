"""Cross-cutting models: sync runs and the audit log."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.http import QueryDict
from django.urls import reverse


class SyncRun(models.Model):
    """One pass of `sync_invoca`: progress, counts and outcome.

    At most one row may be RUNNING at a time (a partial unique constraint), so two
    syncs never run at once, whatever process or machine starts them. A running
    sync refreshes `heartbeat_at`; a claim whose heartbeat is older than
    INVOCA_SYNC_STALE_SECONDS belongs to a dead worker and may be taken over.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Succeeded with warnings"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=16, choices=Status, default=Status.RUNNING)
    # Only RUNNING rows carry the lock value; the unique constraint does the rest.
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(auto_now_add=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    trigger = models.CharField(max_length=16, default="manual")  # manual | command | auto | demo
    stage = models.CharField(max_length=32, blank=True)  # destinations | advertisers | ring pools
    pages_done = models.PositiveIntegerField(default=0)
    pages_total = models.PositiveIntegerField(default=0)
    destinations_total = models.PositiveIntegerField(default=0)
    destinations_new = models.PositiveIntegerField(default=0)
    destinations_changed = models.PositiveIntegerField(default=0)
    destinations_removed = models.PositiveIntegerField(default=0)
    ring_pools_total = models.PositiveIntegerField(default=0)
    campaigns_total = models.PositiveIntegerField(default=0)
    advertisers_total = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    warnings = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="running"),
                name="one_running_sync",
            )
        ]
        indexes = [models.Index(fields=["status", "-finished_at"], name="syncrun_status_finished")]

    def __str__(self) -> str:
        return f"Sync #{self.pk} ({self.status})"

    @property
    def is_running(self) -> bool:
        return self.status == self.Status.RUNNING

    @property
    def percent(self) -> int:
        if not self.pages_total:
            return 0
        return min(100, round(100 * self.pages_done / self.pages_total))

    @property
    def summary(self) -> str:
        """One line for the layout: '312 destinations, 5 new, 1 removed'."""
        parts = [f"{self.destinations_total:,} destinations"]
        if self.destinations_new:
            parts.append(f"{self.destinations_new:,} new")
        if self.destinations_changed:
            parts.append(f"{self.destinations_changed:,} changed")
        if self.destinations_removed:
            parts.append(f"{self.destinations_removed:,} removed")
        if self.ring_pools_total:
            parts.append(f"{self.ring_pools_total:,} ring pools")
        return ", ".join(parts)


ACTION_LABELS = {
    "destination.ignore": "Ignore destination",
    "destination.unignore": "Un-ignore destination",
    "destination.delete": "Delete destination",
    "ring_pool.create": "Create ring pool",
    "ring_pool.update": "Edit ring pool",
    "ring_pool.delete": "Delete ring pool",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


class AuditLogIsAppendOnly(Exception):
    """Raised by any attempt to change or delete an audit entry."""


class AuditEntryQuerySet(models.QuerySet):
    """Audit entries can be added and read, never changed or deleted in bulk."""

    def update(self, **kwargs):
        raise AuditLogIsAppendOnly("Audit entries cannot be changed.")

    def delete(self):
        raise AuditLogIsAppendOnly("Audit entries cannot be deleted.")


class AuditEntry(models.Model):
    """Every write the dashboard makes (or tries to make) on Invoca or the cache.

    Append-only: saving an existing row, deleting one and bulk update()/delete()
    raise AuditLogIsAppendOnly. `username` keeps the user's name as it was when the
    entry was written; the user link itself becomes NULL when the account is
    deleted (Django does that through the base manager, not this one).
    """

    class Outcome(models.TextChoices):
        OK = "ok", "Succeeded"
        FAILED = "failed", "Failed"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    username = models.CharField(max_length=150, blank=True)  # as it was; "" for the system
    action = models.CharField(max_length=40, db_index=True)  # e.g. destination.ignore
    target_type = models.CharField(max_length=40)  # destination | ring_pool | sync
    target_id = models.CharField(max_length=64, db_index=True)
    # What else names the target where its id alone does not: a ring pool's id_from_network
    # is unique only within its campaign, so its entries carry the campaign's id here.
    target_scope = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=255, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome, default=Outcome.OK)
    detail = models.TextField(blank=True)
    error_handle = models.CharField(max_length=64, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_label} ({self.outcome})"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AuditLogIsAppendOnly("Audit entries cannot be changed.")
        if self.user is not None and not self.username:
            self.username = self.user.get_username()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("Audit entries cannot be deleted.")

    @property
    def action_label(self) -> str:
        return action_label(self.action)

    @property
    def target_href(self) -> str:
        """A link to what the entry is about: the destination's page, or the ring pools
        list narrowed to this pool (its campaign and id); "" for a sync."""
        if self.target_type == "destination" and self.target_id.isdigit():
            return reverse("destinations:detail", args=[int(self.target_id)])
        if self.target_type == "ring_pool" and self.target_id:
            query = QueryDict(mutable=True)
            if self.target_scope:
                query["campaign"] = self.target_scope
            query["query"] = self.target_id
            return f"{reverse('ringpools:list')}?{query.urlencode()}"
        return ""

    @property
    def who(self) -> str:
        """The name to show: as it was when written, else 'system'."""
        return self.username or "system"

    @property
    def user_removed(self) -> bool:
        return bool(self.username) and self.user_id is None


# --- the list component's per-user state: saved views, columns, the overview's last visit ---

#: The lists of the shared list component, by their ``list_id``: (label, URL name).
LISTS = {
    "destination": ("Destinations", "destinations:list"),
    "ringpool": ("Ring pools", "ringpools:list"),
    "audit": ("Audit log", "audit_log"),
}
LIST_CHOICES = [(key, label) for key, (label, _url) in LISTS.items()]


class SavedView(models.Model):
    """A list state a user named: the list's canonical query string (without the page).

    Anyone logged in may open it by its URL (``/views/<id>/``); only its owner renames or
    deletes it. At most one view per user and list is the default: the bare list (no query
    string) opens on it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    list_id = models.CharField(max_length=16, choices=LIST_CHOICES)
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=2000, blank=True)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["list_id", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "list_id", "name"], name="saved_view_name"),
            models.UniqueConstraint(
                fields=["user", "list_id"],
                condition=Q(is_default=True),
                name="one_default_view_per_list",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.list_id})"

    def get_absolute_url(self) -> str:
        return reverse("saved_view", args=[self.pk])

    @property
    def list_label(self) -> str:
        return LISTS[self.list_id][0] if self.list_id in LISTS else self.list_id

    @property
    def list_url(self) -> str:
        return reverse(LISTS[self.list_id][1]) if self.list_id in LISTS else reverse("home")

    @property
    def target_url(self) -> str:
        """The list in this view's state. An empty state says ``view=all``, so that a
        user's own default view is not put in its place."""
        return f"{self.list_url}?{self.query or 'view=all'}"


class ListPreference(models.Model):
    """What one user chose for one list: the columns they hid."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="list_preferences"
    )
    list_id = models.CharField(max_length=16, choices=LIST_CHOICES)
    hidden_columns = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "list_id"], name="one_preference_per_list")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.list_id}"


class OverviewVisit(models.Model):
    """When a user last looked at the overview, and the visit before (for "new since").

    ``seen_at`` moves on every view; ``previous_seen_at`` is where ``seen_at`` stood when
    the current visit began (a view more than ``VISIT_GAP`` after the last one), so
    reloading the overview keeps showing what is new since the previous visit.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="overview_visit"
    )
    seen_at = models.DateTimeField()
    previous_seen_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id} {self.seen_at:%Y-%m-%d %H:%M}"
