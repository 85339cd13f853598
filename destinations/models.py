"""The local cache of Invoca destinations (customer phone numbers)."""

from django.conf import settings
from django.db import models


class Status(models.TextChoices):
    DISCOVERED = "discovered", "Discovered"
    TRACKED = "tracked", "Tracked"
    IGNORED = "ignored", "Ignored"


def destination_status(*, has_pool: bool, ignored_at: object, ignored_here: bool) -> Status:
    """The one rule for a destination's status; every write of `Destination.status` uses it.

    A ring pool is the strongest fact (tracked); then an ignore, either Invoca's own
    (`ignored_at`) or the dashboard's (an IgnoreRecord); else discovered.
    """
    if has_pool:
        return Status.TRACKED
    if ignored_at or ignored_here:
        return Status.IGNORED
    return Status.DISCOVERED


class Destination(models.Model):
    """One cached destination. Only the sync and the write services change these rows.

    `status` is derived by `destination_status` and stored, so that the status tabs,
    their counts and the sort are indexed lookups.
    """

    remote_id = models.BigIntegerField(unique=True)
    country_code = models.CharField(max_length=8, blank=True)
    phone_number = models.CharField(max_length=32)
    # Digits only ("2025550001"): what search matches, whatever punctuation was typed.
    phone_digits = models.CharField(max_length=32)
    primary_url = models.TextField(blank=True)
    requested_destination_name = models.CharField(max_length=255, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    ignored_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    campaign_id_from_network = models.CharField(max_length=64, blank=True, db_index=True)
    campaign_name = models.CharField(max_length=255, blank=True)
    campaign_status = models.CharField(max_length=32, blank=True)

    ring_pool_id_from_network = models.CharField(max_length=64, blank=True, db_index=True)
    ring_pool_name = models.CharField(max_length=255, blank=True)
    pool_type = models.CharField(max_length=64, blank=True)
    destination_type = models.CharField(max_length=32, blank=True)
    lifetime_seconds = models.IntegerField(null=True, blank=True)
    max_pool_size = models.IntegerField(null=True, blank=True)
    preferred = models.BooleanField(null=True, blank=True)
    is_first_preference = models.BooleanField(null=True, blank=True)
    use_custom_data = models.BooleanField(null=True, blank=True)

    status = models.CharField(max_length=16, choices=Status, default=Status.DISCOVERED)
    # A digest of Invoca's record (kept in `DestinationPayload`): a re-sync rewrites only
    # the rows whose digest changed.
    fingerprint = models.CharField(max_length=32, blank=True)
    synced_at = models.DateTimeField()

    class Meta:
        ordering = ["phone_digits", "pk"]
        # Every sort (with its pk tiebreaker) has an index, alone and within a status tab:
        # a page's keys are read from the index alone, however deep the page (on
        # PostgreSQL an index-only scan: 6 ms for page 1,000 of a million rows, against
        # 141 ms without the tiebreaker in the index).
        indexes = [
            models.Index(fields=["phone_digits", "id"], name="dest_phone"),
            models.Index(fields=["status", "phone_digits", "id"], name="dest_status_phone_id"),
            models.Index(fields=["campaign_name", "id"], name="dest_campaign"),
            models.Index(fields=["ring_pool_name", "id"], name="dest_ring_pool"),
            models.Index(fields=["created_at", "id"], name="dest_created"),
            models.Index(fields=["updated_at", "id"], name="dest_updated"),
            models.Index(fields=["status", "id"], name="dest_status"),
            models.Index(fields=["status", "campaign_name", "id"], name="dest_status_campaign"),
            models.Index(fields=["status", "ring_pool_name", "id"], name="dest_status_ring_pool"),
            models.Index(fields=["status", "created_at", "id"], name="dest_status_created"),
            models.Index(fields=["status", "updated_at", "id"], name="dest_status_updated"),
        ]

    def __str__(self) -> str:
        return self.phone_number

    @property
    def is_discovered(self) -> bool:
        return self.status == Status.DISCOVERED

    @property
    def is_tracked(self) -> bool:
        return self.status == Status.TRACKED

    @property
    def is_ignored(self) -> bool:
        return self.status == Status.IGNORED


class DestinationPayload(models.Model):
    """The raw Invoca record of a destination, for fields that have no column (yet).

    Out of the hot table: list queries never read it (each record is about a kilobyte,
    ten times the rest of the row); only the detail page does. The database removes it
    with its destination.
    """

    remote = models.OneToOneField(
        Destination,
        to_field="remote_id",
        primary_key=True,
        on_delete=models.DB_CASCADE,
        related_name="raw",
    )
    payload = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"payload of {self.remote_id}"


#: The columns a `DestinationCount` row is keyed by (the triggers of migration 0003 group
#: destinations by exactly these).
COUNT_KEY = (
    "status",
    "campaign_id_from_network",
    "campaign_name",
    "ring_pool_id_from_network",
    "ring_pool_name",
)


class DestinationCount(models.Model):
    """How many cached destinations share one status, campaign and ring pool.

    Kept exact by database triggers on the destinations table (migration 0003): every
    write path (the sync's upserts and deletes, ignore, un-ignore, delete, bulk jobs)
    changes these rows in its own transaction, with no application code. A few
    hundred rows stand for any number of destinations, so the tab counts, the campaign
    and ring pool choices and the name search read this table instead of scanning the
    destinations. Rows whose count falls to zero are removed.
    """

    status = models.CharField(max_length=16)
    campaign_id_from_network = models.CharField(max_length=64, blank=True)
    campaign_name = models.CharField(max_length=255, blank=True)
    ring_pool_id_from_network = models.CharField(max_length=64, blank=True)
    ring_pool_name = models.CharField(max_length=255, blank=True)
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=COUNT_KEY, name="dest_count_key")]

    def __str__(self) -> str:
        return f"{self.status} {self.campaign_id_from_network}: {self.n}"


class DestinationCampaign(models.Model):
    """A campaign and its advertiser, as far as the destinations list needs them: the
    advertiser filter and campaign choices that say whose campaign it is.

    A destination's record names its campaign, not the advertiser; the advertisers and
    campaigns cache belongs to the ringpools app (a higher layer), whose sync writes this
    small table in its own transaction through `destinations.directory`.
    """

    id_from_network = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=255, blank=True)
    advertiser_id_from_network = models.CharField(max_length=64, db_index=True)
    advertiser_name = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"{self.name} — {self.advertiser_name}"


class PendingDelete(models.Model):
    """A delete sent (or about to be sent) to Invoca whose outcome is not recorded yet.

    Written and committed before the DELETE goes out, and removed in the transaction
    that records its outcome (the audit entry, the cached row). One that outlives its
    request means the process died, or the database refused its last write, in between:
    the scheduler asks Invoca whether the destination is gone and records that
    (`services.destination_deletes_settle`), so no delete Invoca received goes unaudited.
    """

    remote_id = models.BigIntegerField()
    phone_number = models.CharField(max_length=32, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    started_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"delete of {self.phone_number or self.remote_id} pending"


class IgnoreRecord(models.Model):
    """An ignore made in the dashboard (Invoca's API has no ignore write).

    Keyed by Invoca's destination id, not by the cached row, so it survives every
    re-sync, including a sync that drops and later re-adds the destination.
    """

    remote_id = models.BigIntegerField(unique=True)
    phone_number = models.CharField(max_length=32)
    ignored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    ignored_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.phone_number} ignored"


# Bulk jobs live in their own module; imported here so that Django finds the models.
from .jobs import BulkJob, BulkJobRow  # noqa: E402, F401
