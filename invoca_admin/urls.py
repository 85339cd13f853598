from django.contrib import admin
from django.urls import include, path

from . import preferences, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("connection/", views.connection_check, name="connection_check"),
    path("sync/", views.sync_now, name="sync_now"),
    path("sync/status/", views.sync_status, name="sync_status"),
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/export.csv", views.audit_export, name="audit_export"),
    path("views/", preferences.saved_views_page, name="saved_views"),
    path("views/new/", preferences.saved_view_create, name="saved_view_create"),
    path("views/<int:pk>/", preferences.saved_view_open, name="saved_view"),
    path("views/<int:pk>/edit/", preferences.saved_view_update, name="saved_view_update"),
    path("views/<int:pk>/delete/", preferences.saved_view_delete, name="saved_view_delete"),
    path("lists/<slug:list_id>/columns/", preferences.list_columns, name="list_columns"),
    path("destinations/", include("destinations.urls")),
    path("ringpools/", include("ringpools.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "invoca_admin.error_pages.bad_request"
handler403 = "invoca_admin.error_pages.permission_denied"
handler404 = "invoca_admin.error_pages.page_not_found"
handler500 = "invoca_admin.error_pages.server_error"
