"""URLs of the county dashboard (一屏观), under /workbench/insight/dashboard/."""

from django.urls import path

from yiwang.insight import dashboard_views

app_name = "insight-dashboard"

urlpatterns = [
    path("", dashboard_views.page, name="page"),
    path("data/", dashboard_views.data, name="data"),
    path("map/", dashboard_views.town_map, name="map"),
]
