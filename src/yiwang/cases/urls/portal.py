"""Case URLs: portal (namespace "cases-portal")."""

from django.urls import URLPattern

app_name = "cases-portal"
urlpatterns: list[URLPattern] = []
