"""Case URLs: workbench (namespace "cases", mounted at /workbench/cases/)."""

from django.urls import path

from yiwang.cases.views import bundle_workbench
from yiwang.cases.views import workbench as views

app_name = "cases"
urlpatterns = [
    path("", views.index, name="index"),
    path("queues/<slug:queue>/", views.queue, name="queue"),
    path("bulk/", views.bulk, name="bulk"),
    path("intake/", views.intake, name="intake"),
    path("intake/items/", views.intake_items, name="intake-items"),
    path("intake/<int:pk>/", views.intake_case, name="intake-case"),
    path("bundles/", bundle_workbench.bundle_list, name="bundle-list"),
    path("bundles/<int:pk>/", bundle_workbench.bundle_detail, name="bundle-detail"),
    path("bundles/<int:pk>/extend/", bundle_workbench.bundle_extend, name="bundle-extend"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", views.act, name="act"),
]
