from django.urls import path

from . import views

app_name = "ringpools"
urlpatterns = [
    path("", views.ringpool_list, name="list"),
]
