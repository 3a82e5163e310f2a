from django.urls import path

from yiwang.catalog.views import quality as quality_views

app_name = "catalog-quality"
urlpatterns = [
    path("", quality_views.report, name="report"),
    path("export.xlsx", quality_views.export, name="export"),
    path("figures/", quality_views.figures, name="figures"),
]
