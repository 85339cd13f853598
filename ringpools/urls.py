from django.urls import path

from . import views

app_name = "ringpools"
urlpatterns = [
    path("", views.ringpool_list, name="list"),
    path("new/", views.ringpool_create, name="create"),
    path("export.csv", views.ringpool_export, name="export"),
    path("new/campaigns/", views.campaign_options, name="campaign_options"),
    path("<int:pk>/", views.ringpool_detail, name="detail"),
    path("<int:pk>/edit/", views.ringpool_edit, name="edit"),
    path("<int:pk>/delete/", views.ringpool_delete, name="delete"),
]
