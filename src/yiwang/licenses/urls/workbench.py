"""用证 on the workbench (namespace "licenses", mounted at /workbench/licenses/)."""

from django.urls import path

from yiwang.licenses.views import workbench

app_name = "licenses"
urlpatterns = [
    path("cases/<int:case_pk>/", workbench.case_licenses, name="case"),
    path("uses/<int:pk>/file/", workbench.use_file, name="use-file"),
]
