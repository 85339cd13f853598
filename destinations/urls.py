from django.urls import path

from . import views

app_name = "destinations"
urlpatterns = [
    path("", views.destination_list, name="list"),
]
