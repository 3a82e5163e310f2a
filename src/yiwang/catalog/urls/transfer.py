"""Workbench pages for importing and exporting the catalogue (/workbench/catalog/import/)."""

from django.urls import path

from yiwang.catalog.views import transfer as import_views

app_name = "catalog-import"

urlpatterns = [
    path("", import_views.import_page, name="page"),
    path("jobs/<int:pk>/", import_views.job_page, name="job"),
    path("jobs/<int:pk>/status/", import_views.job_status, name="job-status"),
    path("template.xlsx", import_views.template_download, name="template"),
    path("export.xlsx", import_views.export_download, name="export"),
]
