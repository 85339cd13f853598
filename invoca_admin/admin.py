from django.contrib import admin

from .core.models import AuditEntry, SyncRun


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = ["pk", "status", "trigger", "started_at", "finished_at", "destinations_total"]
    list_filter = ["status", "trigger"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only, even for a superuser: the audit log is append-only."""

    list_display = ["at", "username", "action", "target_label", "outcome"]
    list_filter = ["outcome", "action"]
    search_fields = ["username", "target_label", "target_id", "detail"]
    actions = None

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
