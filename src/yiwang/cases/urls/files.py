"""Case URLs: files (namespace "cases-files")."""

from django.urls import URLPattern

app_name = "cases-files"
urlpatterns: list[URLPattern] = []
