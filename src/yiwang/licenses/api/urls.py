"""Licence verification API (namespace "licenses-api", mounted at /api/licenses/)."""

from django.urls import path

from yiwang.licenses.api import views

app_name = "licenses-api"
urlpatterns = [
    path("verify/", views.verify_file, name="verify-file"),
    path("verify/<str:identifier>/", views.verify_identifier, name="verify"),
]
