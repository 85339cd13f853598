"""The local cache of advertisers, their campaigns and each campaign's ring pools."""

from django.db import models


class Advertiser(models.Model):
    id_from_network = models.CharField(max_length=64, unique=True)
    remote_id = models.BigIntegerField(null=True, blank=True)
    name = models.CharField(max_length=255, blank=True)
    approval_status = models.CharField(max_length=32, blank=True)
    payload = models.JSONField(default=dict)
    synced_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name or self.id_from_network


class Campaign(models.Model):
    advertiser = models.ForeignKey(Advertiser, on_delete=models.CASCADE, related_name="campaigns")
    id_from_network = models.CharField(max_length=64, unique=True)
    remote_id = models.BigIntegerField(null=True, blank=True)
    name = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=32, blank=True)
    payload = models.JSONField(default=dict)
    synced_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name or self.id_from_network


class RingPool(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="ring_pools")
    id_from_network = models.CharField(max_length=64)
    remote_id = models.BigIntegerField(null=True, blank=True)
    name = models.CharField(max_length=255, blank=True)
    object_url = models.URLField(max_length=500, blank=True)
    pool_type = models.CharField(max_length=64, blank=True)
    destination_type = models.CharField(max_length=32, blank=True)
    destination_url = models.TextField(blank=True)
    lifetime_seconds = models.IntegerField(null=True, blank=True)
    max_pool_size = models.IntegerField(null=True, blank=True)
    preferred = models.BooleanField(null=True, blank=True)
    is_first_preference = models.BooleanField(null=True, blank=True)
    fill_immediately = models.BooleanField(null=True, blank=True)
    allow_overflow = models.BooleanField(null=True, blank=True)
    is_local = models.BooleanField(default=False)
    payload = models.JSONField(default=dict)  # the full GET shape (params, local centre, ...)
    synced_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "id_from_network"], name="ringpool_unique_per_campaign"
            )
        ]
        indexes = [
            models.Index(fields=["pool_type", "id"], name="ringpool_type"),
            models.Index(fields=["id_from_network"], name="ringpool_idfn"),
        ]

    def __str__(self) -> str:
        return self.name or self.id_from_network

    @property
    def advertiser(self) -> Advertiser:
        return self.campaign.advertiser
