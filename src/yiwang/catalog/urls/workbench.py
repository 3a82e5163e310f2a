"""Workbench pages of the catalogue, mounted at /workbench/catalog/."""

from django.urls import path

from yiwang.catalog.views import bundles as bundle_views
from yiwang.catalog.views import workbench as views

app_name = "catalog"
urlpatterns = [
    path("items/", views.item_list, name="item-list"),
    path("items/<int:pk>/", views.item_detail, name="item-detail"),
    path("items/<int:pk>/revise/", views.item_revise, name="item-revise"),
    path(
        "items/<int:pk>/<str:action>/",
        views.item_transition,
        name="item-transition",
    ),
    path("claim/", views.claim, name="claim"),
    path("versions/<int:pk>/", views.version_detail, name="version-detail"),
    path("versions/<int:pk>/edit/", views.version_edit, name="version-edit"),
    path(
        "versions/<int:pk>/edit/rows/<str:prefix>/",
        views.version_edit_row,
        name="version-edit-row",
    ),
    path("versions/<int:pk>/submit/", views.version_submit, name="version-submit"),
    path("versions/<int:pk>/review/", views.version_review, name="version-review"),
    path("versions/<int:pk>/publish/", views.version_publish, name="version-publish"),
    path("review/", views.review_list, name="review-list"),
    path("bundles/", bundle_views.bundle_list, name="bundle-list"),
    path("bundles/<int:pk>/", bundle_views.bundle_detail, name="bundle-detail"),
    path("bundles/<int:pk>/publish/", bundle_views.bundle_publish, name="bundle-publish"),
]
