"""Case URLs: workbench (namespace "cases")."""

from django.urls import URLPattern

app_name = "cases"
urlpatterns: list[URLPattern] = []
