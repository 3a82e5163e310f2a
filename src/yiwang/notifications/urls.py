"""Site messages (namespace "notifications", mounted at /messages/)."""

from django.urls import path

from yiwang.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.message_list, name="list"),
    path("read/", views.mark_read, name="mark-read"),
]
