"""Rectification pages of the workbench (namespace "rectification", mounted at
/workbench/evaluations/rectification/)."""

from django.urls import path

from yiwang.evaluations.rectification import views

app_name = "rectification"
urlpatterns = [
    path("", views.queue, name="index"),
    path("board/", views.board, name="board"),
    path("queues/<slug:queue>/", views.queue, name="queue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", views.act, name="act"),
    path("<int:pk>/evidence/<int:evidence_pk>/", views.evidence, name="evidence"),
]
