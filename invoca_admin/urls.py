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
    path("destinations/", include("destinations.urls")),
    path("ringpools/", include("ringpools.urls")),
    path("admin/", admin.site.urls),
]
