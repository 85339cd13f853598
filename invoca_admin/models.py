"""Django looks for the ``invoca_admin`` app's models here; they are defined in the core."""

from invoca_admin.core.models import AuditEntry, SyncRun

__all__ = ["AuditEntry", "SyncRun"]
