from django.contrib import admin

from .core.models import AuditEntry, SyncRun


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = ["pk", "status", "trigger", "started_at", "finished_at", "destinations_total"]
    list_filter = ["status", "trigger"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "action", "target_label", "outcome"]
    list_filter = ["outcome", "action"]
    search_fields = ["target_label", "target_id", "detail"]
