"""Case downloads (namespace "cases-files", mounted at /cases/files/)."""

from django.urls import path

from yiwang.cases.views import files

app_name = "cases-files"
urlpatterns = [
    path("<int:case_pk>/materials/<int:pk>", files.material, name="material"),
    path("<int:case_pk>/notices/<int:pk>", files.notice, name="notice"),
]
