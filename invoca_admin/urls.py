from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("connection/", views.connection_check, name="connection_check"),
    path("sync/", views.sync_now, name="sync_now"),
    path("sync/status/", views.sync_status, name="sync_status"),
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/export.csv", views.audit_export, name="audit_export"),
    path("destinations/", include("destinations.urls")),
    path("ringpools/", include("ringpools.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "invoca_admin.error_pages.bad_request"
handler403 = "invoca_admin.error_pages.permission_denied"
handler404 = "invoca_admin.error_pages.page_not_found"
handler500 = "invoca_admin.error_pages.server_error"
