"""Django looks for the ``invoca_admin`` app's models here; they are defined in the core."""

from invoca_admin.core.models import (
    AuditEntry,
    AuditLogIsAppendOnly,
    ListPreference,
    OverviewVisit,
    SavedView,
    SyncRun,
    action_label,
)

__all__ = [
    "AuditEntry",
    "AuditLogIsAppendOnly",
    "ListPreference",
    "OverviewVisit",
    "SavedView",
    "SyncRun",
    "action_label",
]
