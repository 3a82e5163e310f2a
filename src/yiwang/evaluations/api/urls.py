"""Rating API (namespace "evaluations-api", mounted at /api/evaluations/)."""

from django.urls import path

from yiwang.evaluations.api import views

app_name = "evaluations-api"
urlpatterns = [
    path("ratings/", views.MyRatings.as_view(), name="ratings"),
    path("device/", views.Device.as_view(), name="device"),
]
