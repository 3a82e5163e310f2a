"""Case API (namespace "cases-api", mounted at /api/cases/)."""

from django.urls import URLPattern

app_name = "cases-api"
urlpatterns: list[URLPattern] = []
