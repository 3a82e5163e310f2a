"""Workbench pages of the audit trail, mounted at /workbench/audit/."""

from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("", views.event_list, name="event-list"),
    path("verify/", views.verify, name="verify"),
    path("<int:sequence>/", views.event_detail, name="event-detail"),
]
