from functools import cached_property

from django.conf import settings
from django.http import HttpRequest

from .core.models import SyncRun
from .invoca import is_configured
from .sync import sync_is_stale, sync_last_finished, sync_latest


class SyncState:
    """What the layout's sync slot shows; every query runs only if the slot renders."""

    def __init__(self, request: HttpRequest):
        self.request = request

    @cached_property
    def configured(self) -> bool:
        return is_configured()

    @cached_property
    def latest(self) -> SyncRun | None:
        return sync_latest()  # read only: syncs are started by the scheduler, never a page

    @cached_property
    def last_ok(self) -> SyncRun | None:
        return sync_last_finished()

    @cached_property
    def stale(self) -> bool:
        return sync_is_stale(last=self.last_ok)

    @property
    def running(self) -> bool:
        return self.latest is not None and self.latest.is_running

    @property
    def failed(self) -> bool:
        return self.latest is not None and self.latest.status == SyncRun.Status.FAILED

    @property
    def can_sync(self) -> bool:
        user = getattr(self.request, "user", None)
        return bool(user and user.has_perm("invoca_admin.add_syncrun")) and self.configured

    @property
    def ttl_minutes(self) -> int:
        return max(1, settings.INVOCA_CACHE_TTL // 60)


def dashboard(request: HttpRequest) -> dict:
    return {
        "sync_state": SyncState(request),
        "invoca_network_id": settings.INVOCA_NETWORK_ID,
        "invoca_api_version": settings.INVOCA_API_VERSION,
    }
