"""Licence verification and gathering API (namespace "licenses-api", mounted at /api/licenses/)."""

from django.urls import path

from yiwang.licenses.api import views

app_name = "licenses-api"
urlpatterns = [
    path("gather/", views.gather, name="gather"),
    path("verify/", views.verify_file, name="verify-file"),
    path("verify/<str:identifier>/", views.verify_identifier, name="verify"),
]
