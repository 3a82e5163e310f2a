"""Ticket URLs: the citizen portal's 我的诉求 (namespace "appeals-portal", mounted at
/my/appeals/)."""

from django.urls import path

from yiwang.appeals.views import portal

app_name = "appeals-portal"
urlpatterns = [
    path("", portal.ticket_list, name="list"),
    path("new/", portal.submit, name="submit"),
    path("<int:pk>/", portal.detail, name="detail"),
    path("<int:pk>/rate/", portal.rate, name="rate"),
    path("<int:pk>/files/<int:file_pk>", portal.attachment, name="attachment"),
]
