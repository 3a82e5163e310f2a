"""Ticket URLs: workbench (namespace "appeals", mounted at /workbench/appeals/)."""

from django.urls import path

from yiwang.appeals.views import desk, entry, imports, limits, responsibilities, workbench

app_name = "appeals"
urlpatterns = [
    path("", workbench.index, name="index"),
    path("queue/", workbench.queue, name="queue"),
    path("desk/", desk.desk, name="desk"),
    path("desk/<slug:tab>/", desk.desk, name="desk-tab"),
    path("new/", entry.entry, name="entry"),
    path("imports/", imports.upload, name="imports"),
    path("imports/<int:pk>/", imports.detail, name="import-detail"),
    path("responsibilities/", responsibilities.responsibility_list, name="responsibilities"),
    path(
        "responsibilities/<int:pk>/",
        responsibilities.responsibility_edit,
        name="responsibility-edit",
    ),
    path("limits/", limits.limits, name="limits"),
    path("<int:pk>/", workbench.detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", workbench.act, name="act"),
    path("<int:pk>/files/<int:file_pk>", workbench.attachment, name="attachment"),
]
