from django.urls import path

from . import views

app_name = "destinations"
urlpatterns = [
    path("", views.destination_list_view, name="list"),
    path("bulk/", views.destination_bulk, name="bulk"),
    path("jobs/", views.destination_jobs, name="jobs"),
    path("jobs/<int:job_id>/", views.destination_job, name="job"),
    path("jobs/<int:job_id>/cancel/", views.destination_job_cancel, name="job_cancel"),
    path("jobs/<int:job_id>/retry/", views.destination_job_retry, name="job_retry"),
    path("jobs/<int:job_id>/undo/", views.destination_job_undo, name="job_undo"),
    path("export.csv", views.destination_export, name="export"),
    path("<int:remote_id>/", views.destination_detail, name="detail"),
    path("<int:remote_id>/ignore/", views.destination_ignore, name="ignore"),
    path("<int:remote_id>/unignore/", views.destination_unignore, name="unignore"),
    path("<int:remote_id>/delete/", views.destination_delete, name="delete"),
]
