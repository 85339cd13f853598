from django.urls import path

from . import views

app_name = "destinations"
urlpatterns = [
    path("", views.destination_list_view, name="list"),
    path("bulk/", views.destination_bulk, name="bulk"),
    path("export.csv", views.destination_export, name="export"),
    path("<int:remote_id>/", views.destination_detail, name="detail"),
    path("<int:remote_id>/ignore/", views.destination_ignore, name="ignore"),
    path("<int:remote_id>/unignore/", views.destination_unignore, name="unignore"),
    path("<int:remote_id>/delete/", views.destination_delete, name="delete"),
]
